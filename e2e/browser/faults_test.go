package browser

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/app"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/dev/faults"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// wsFrames records the WebSocket frames a tab receives.
type wsFrames struct {
	mu  sync.Mutex
	got []string
}

// watchFrames starts recording the frames p's WebSockets receive: those
// opened from now on.
func watchFrames(p *page) *wsFrames {
	p.t.Helper()
	w := &wsFrames{}
	err := chromedp.Listen(p.Context, func(ev any) {
		if f, ok := ev.(*network.EventWebSocketFrameReceived); ok && f.Response != nil {
			w.mu.Lock()
			w.got = append(w.got, string(f.Response.PayloadData))
			w.mu.Unlock()
		}
	})
	if err != nil {
		p.t.Fatalf("listen to the tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(p.Context, e2ekit.Patience)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		p.t.Fatalf("enable the network domain: %v", err)
	}
	return w
}

// has says whether a received frame contains every one of parts.
func (w *wsFrames) has(parts ...string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, g := range w.got {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(g, p) }) {
			return true
		}
	}
	return false
}

// injectFaults puts plan on the shared stack until the test ends.
func injectFaults(t *testing.T, plan faults.Plan) {
	t.Helper()
	if _, err := stack.Faults.Set(plan); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = stack.Faults.Set(faults.Plan{}) })
}

// clearFaults ends every fault now.
func clearFaults(t *testing.T) {
	t.Helper()
	if _, err := stack.Faults.Set(faults.Plan{}); err != nil {
		t.Fatal(err)
	}
}

// dynamoDBDown is an outage of DynamoDB that lasts until cleared.
var dynamoDBDown = faults.Plan{Outages: []faults.Outage{{Service: faults.DynamoDB, For: faults.Duration(time.Hour)}}}

// unavailableSend are parts of the error frame answering a send that could
// not be stored (a typing frame's has no clientMessageId).
var unavailableSend = []string{fmt.Sprintf(`"code":%q`, chat.CodeUnavailable), `"clientMessageId":`}

// TestWidgetSendsThroughADynamoDBOutage: the client sends while DynamoDB
// is down; the server answers unavailable, the widget keeps the message
// as "not sent yet" and sends it again; once DynamoDB is back it shows it
// once, sent, and it is stored once.
func TestWidgetSendsThroughADynamoDBOutage(t *testing.T) {
	const body = "Sent while the database was down"
	a := newAccount(t, false)
	staff := counsellor(t)
	p := clientBrowser(t, a, "")
	frames := watchFrames(p)
	conv := startConversation(p, a)

	injectFaults(t, dynamoDBDown)
	typeAndSend(p, body)
	waitUntil(t, "the unavailable error frame", 10*time.Second, func() bool { return frames.has(unavailableSend...) })
	p.waitFor("the message shown as not sent yet", `[...`+shadow+`.querySelectorAll('.body li.pending .text')].some(e => e.textContent === `+js(body)+`)`, 5*time.Second)
	viewportShot(p, "widget-desktop-outage-not-sent")

	clearFaults(t)
	// Sent again on the retry timer (2–4 s, then twice as long each time).
	p.waitFor("the message sent", `!`+shadow+`.querySelector('.body li.pending')`, 30*time.Second)
	waitShown(p, ".body", body, 5*time.Second)
	viewportShot(p, "widget-desktop-outage-sent")
	if got := count(shownTexts(p, ".body"), body); got != 1 {
		t.Errorf("the message is shown %d times, want once", got)
	}
	if got := count(storedBodies(t, staff, conv), body); got != 1 {
		t.Errorf("the message is stored %d times, want once", got)
	}
}

// TestDashboardSendsThroughADynamoDBOutage: the counsellor replies while
// DynamoDB is down; the reply stays "sending" and is sent again; once
// DynamoDB is back it is shown once, sent, and stored once.
func TestDashboardSendsThroughADynamoDBOutage(t *testing.T) {
	const reply = "Replied while the database was down"
	staff := newAccount(t, true)
	alice := newPerson(t, false)
	conv := alice.startConversation(t, chat.Retention24h)
	alice.say(t, conv.ID, "is anyone there?")
	// Its frames are watched from before the feed opens.
	d := &dashboard{page: newBrowser(t)}
	d.guard()
	frames := watchFrames(d.page)
	d.do("open the dashboard", chromedp.Navigate(web+"/dashboard/"), chromedp.WaitVisible(chromedp.ID("signin-username")))
	d.signIn(staff)
	d.openConversation(conv.ID)
	d.waitFor("alice's message", `document.querySelectorAll('#messages .msg').length === 1`, 10*time.Second)
	d.claimToReply() // before the outage: a counsellor replies in a conversation they claimed

	injectFaults(t, dynamoDBDown)
	d.reply(reply)
	waitUntil(t, "the unavailable error frame", 10*time.Second, func() bool { return frames.has(unavailableSend...) })
	d.waitFor("the reply shown as sending", `document.querySelectorAll('#messages .msg-pending').length === 1`, 5*time.Second)
	d.screenshot("dashboard-outage-not-sent")

	clearFaults(t)
	d.waitFor("the reply sent", `document.querySelectorAll('#messages .msg-pending').length === 0 && document.querySelectorAll('#messages .msg-staff').length === 1`, 30*time.Second)
	d.screenshot("dashboard-outage-sent")
	if got := count(d.messageTexts(), reply); got != 1 {
		t.Errorf("the reply is shown %d times, want once (shown: %q)", got, d.messageTexts())
	}
	if got := count(storedBodies(t, alice.api, conv.ID), reply); got != 1 {
		t.Errorf("the reply is stored %d times, want once", got)
	}
}

// TestAManagementAPI500OnOneDashboardDoesNotStopTheOthers: every post to
// one counsellor's dashboard fails with 500; the client's message still
// reaches the client's widget (its acknowledgement) and the other
// counsellor's dashboard.
func TestAManagementAPI500OnOneDashboardDoesNotStopTheOthers(t *testing.T) {
	const body = "Does this reach everyone?"
	a := newAccount(t, false)
	before := stack.Gateway.ConnectionIDs()
	failing := openDashboard(t, newAccount(t, true))
	ids := newConnections(before)
	if len(ids) != 1 {
		t.Fatalf("the first dashboard has %d connections, want 1", len(ids))
	}
	other := openDashboard(t, newAccount(t, true))
	p := clientBrowser(t, a, "")
	conv := startConversation(p, a)
	other.waitFor("the conversation in the queue", row(conv), 10*time.Second)
	failing.waitFor("the conversation in the failing dashboard's queue", row(conv), 10*time.Second)
	other.openConversation(conv)

	injectFaults(t, faults.Plan{Management: faults.ManagementFaults{Error500: faults.Fault{Rate: 1}, Connections: ids}})
	typeAndSend(p, body)
	p.waitFor("the widget's message sent", `!`+shadow+`.querySelector('.body li.pending')`, 10*time.Second)
	waitShown(p, ".body", body, 5*time.Second)
	other.waitFor("the message on the other dashboard", `[...document.querySelectorAll('#messages .msg-client .msg-body')].some((e) => e.textContent === `+js(body)+`)`, 10*time.Second)
	waitUntil(t, "every attempt on the failing dashboard", 10*time.Second, func() bool {
		return stack.Faults.Counts()["management.error500"] >= int64(app.ManagementPolicy.Attempts)
	})
	if got := failing.rowText(conv, "row-preview"); got == body {
		t.Errorf("the failing dashboard's queue shows %q: its posts did not fail", got)
	}
}
