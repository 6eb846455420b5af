package browser

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// offline holds a tab's way back to the server: its ticket requests wait
// (so the WebSocket stays down) and its message POSTs fail like a network
// error, until back() is called.
type offline struct {
	p    *page
	mu   sync.Mutex
	down bool
	held []fetch.RequestID
}

func goOffline(p *page) *offline {
	p.t.Helper()
	o := &offline{p: p, down: true}
	paused := chromedp.Events(p.Context, fetch.RequestPaused)
	if _, err := chromedp.Call(p.Context, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*/ws/ticket*"}, {URLPattern: "*/messages*"},
	}}); err != nil {
		p.t.Fatalf("enable request interception: %v", err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			o.handle(ev)
		}
	}()
	return o
}

func (o *offline) handle(ev fetch.EventRequestPaused) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.down && strings.Contains(ev.Request.URL, "/ws/ticket"):
		o.held = append(o.held, ev.RequestID)
		return
	case o.down && ev.Request.Method == http.MethodPost:
		_, _ = chromedp.Call(o.p.Context, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonInternetDisconnected})
		return
	}
	_, _ = chromedp.Call(o.p.Context, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
}

// back lets the held requests go and stops failing.
func (o *offline) back() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.down = false
	for _, id := range o.held {
		if _, err := chromedp.Call(o.p.Context, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id}); err != nil {
			o.p.t.Errorf("release a held request: %v", err)
		}
	}
	o.held = nil
}

// dropConnection closes a WebSocket from the server side, as API Gateway
// does, through the management API.
func dropConnection(t *testing.T, id string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, stack.ManagementEndpoint+"/@connections/"+url.PathEscape(id), nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("DELETE connection: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent && res.StatusCode != http.StatusOK {
		t.Fatalf("DELETE connection: status %d", res.StatusCode)
	}
}

// TestWidgetReconnectsWithoutGapOrDuplicate: the server drops the widget's
// connection; while it is down the counsellor sends three messages and
// corrects an older one, the client takes a message back from another
// device, and types one here (its HTTP send fails too). Back online, the
// widget reconnects, shows each counsellor message exactly once, the
// correction, not the message taken back, and sends the client's message
// exactly once.
func TestWidgetReconnectsWithoutGapOrDuplicate(t *testing.T) {
	a := newAccount(t, false)
	staff := counsellor(t)
	before := stack.Gateway.ConnectionIDs()
	p := clientBrowser(t, a, "")
	conv := startConversation(p, a)
	said := counsellorSays(t, staff, conv, "Before the drop")
	mine, _, err := a.api(t).Send(ctxT(t), conv, "mine-1", "Mine to take back")
	if err != nil {
		t.Fatalf("client send: %v", err)
	}
	waitShown(p, ".body", "Before the drop", 5*time.Second)
	waitShown(p, ".body", "Mine to take back", 5*time.Second)
	ids := newConnections(before)
	if len(ids) != 1 {
		t.Fatalf("the widget has %d connections, want 1", len(ids))
	}

	o := goOffline(p)
	dropConnection(t, ids[0])
	p.waitFor("the reconnecting banner", `!`+shadow+`.querySelector('.banner').hidden`, 5*time.Second)
	p.waitFor("a held reconnection", `document.querySelector('confide-widget').dataset.conn !== 'open'`, 5*time.Second)
	gap := []string{"Gap one", "Gap two", "Gap three"}
	for _, body := range gap {
		counsellorSays(t, staff, conv, body)
	}
	// Changed in the gap: the counsellor corrects a message, and the client
	// takes one back from another device.
	if _, err := staff.Edit(ctxT(t), conv, said.ID, "Before the drop, corrected"); err != nil {
		t.Fatalf("counsellor edit: %v", err)
	}
	if err := a.api(t).DeleteMessage(ctxT(t), conv, mine.ID); err != nil {
		t.Fatalf("client delete: %v", err)
	}
	typeAndSend(p, "Typed while offline")
	p.waitFor("the unsent message shown as pending", `[...`+shadow+`.querySelectorAll('.body li.pending .text')].some(e => e.textContent === 'Typed while offline')`, 5*time.Second)
	viewportShot(p, "widget-desktop-reconnecting")
	if got := count(storedBodies(t, staff, conv), "Typed while offline"); got != 0 {
		t.Fatalf("the offline message was stored %d times while offline: the test did not hold it back", got)
	}

	o.back()
	p.waitFor("connected again", `document.querySelector('confide-widget').dataset.conn === 'open'`, 10*time.Second)
	for _, body := range append(gap, "Typed while offline", "Before the drop, corrected") {
		waitShown(p, ".body", body, 5*time.Second)
	}
	p.waitFor("the deleted message gone", `![...`+shadow+`.querySelectorAll('.body li .text')].some(e => e.textContent === 'Mine to take back')`, 5*time.Second)
	p.waitFor("nothing pending", `!`+shadow+`.querySelector('.body li.pending')`, 10*time.Second)
	p.waitFor("the banner gone", shadow+`.querySelector('.banner').hidden`, 5*time.Second)
	shown := shownTexts(p, ".body")
	for _, body := range append(gap, "Before the drop, corrected", "Typed while offline") {
		if got := count(shown, body); got != 1 {
			t.Errorf("%q shown %d times, want 1 (shown: %s)", body, got, trimmed(shown))
		}
	}
	if got := count(storedBodies(t, staff, conv), "Typed while offline"); got != 1 {
		t.Errorf("the offline message was stored %d times, want 1", got)
	}
}

// TestWidgetShowsWhatCameBeforeAMessageSentDuringTheGap: the connection is
// down (tickets blocked) while HTTP works; the counsellor writes twice, then
// the client sends a message, which goes over HTTP. Back online, the widget
// shows the counsellor's two messages too, before the client's, each once:
// catching up only "after the newest message held" would skip them.
func TestWidgetShowsWhatCameBeforeAMessageSentDuringTheGap(t *testing.T) {
	a := newAccount(t, false)
	staff := counsellor(t)
	before := stack.Gateway.ConnectionIDs()
	p := clientBrowser(t, a, "")
	conv := startConversation(p, a)
	counsellorSays(t, staff, conv, "Before the drop")
	waitShown(p, ".body", "Before the drop", 5*time.Second)
	ids := newConnections(before)
	if len(ids) != 1 {
		t.Fatalf("the widget has %d connections, want 1", len(ids))
	}

	p.blockTickets(true)
	dropConnection(t, ids[0])
	p.waitFor("a held reconnection", `document.querySelector('confide-widget').dataset.conn !== 'open'`, 5*time.Second)
	counsellorSays(t, staff, conv, "Gap one")
	counsellorSays(t, staff, conv, "Gap two")
	typeAndSend(p, "Sent over HTTP")
	p.waitFor("the message stored", `!`+shadow+`.querySelector('.body li.pending')`, 10*time.Second)
	if got := count(storedBodies(t, staff, conv), "Sent over HTTP"); got != 1 {
		t.Fatalf("the client's message was stored %d times while the socket was down, want 1 (over HTTP)", got)
	}
	if n := len(newConnections(before)); n != 0 {
		t.Fatalf("the widget reconnected (%d connections) before the test unblocked it", n)
	}

	p.blockTickets(false)
	// The next attempt comes after the backoff, a few seconds after a few failures.
	p.waitFor("connected again", `document.querySelector('confide-widget').dataset.conn === 'open'`, 20*time.Second)
	waitShown(p, ".body", "Gap two", 10*time.Second)
	want := []string{"Before the drop", "Gap one", "Gap two", "Sent over HTTP"}
	if got := shownTexts(p, ".body"); !slices.Equal(got, want) {
		t.Errorf("after the reconnect the widget shows %s, want %s", trimmed(got), trimmed(want))
	}
}
