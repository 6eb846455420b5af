package browser

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// blockTickets makes the tab's requests for WebSocket tickets fail (true)
// or go through again (false), so a dropped connection stays down while a
// test makes the gap it must fill; the rest of HTTP keeps working.
func (p *page) blockTickets(block bool) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Context, e2ekit.Patience)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		p.t.Fatalf("enable the network domain: %v", err)
	}
	var patterns []*network.BlockPattern
	if block {
		patterns = []*network.BlockPattern{{URLPattern: "*://*:*/ws/ticket", Block: true}}
	}
	if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: patterns}); err != nil {
		p.t.Fatalf("block tickets: %v", err)
	}
}

// TestDashboardReconnectBackfillsWithoutGapsOrDuplicates: the gateway drops
// the staff feed; while it is down the client writes, edits an older
// message and takes another back, another client writes, and the
// counsellor replies (over HTTP). Once the feed is back,
// the open conversation holds every message exactly once and in order, the
// queue shows what the other client wrote, and live messages flow again.
func TestDashboardReconnectBackfillsWithoutGapsOrDuplicates(t *testing.T) {
	staff := newAccount(t, true)
	alice, bob := newPerson(t, false), newPerson(t, false)
	conv := alice.startConversation(t, chat.Retention24h)
	other := bob.startConversation(t, chat.Retention24h)
	first := alice.say(t, conv.ID, "before the drop")
	takenBack := alice.say(t, conv.ID, "to take back")
	want := []string{"before the drop, edited", "Message deleted"}
	bob.say(t, other.ID, "bob before the drop")

	d := openDashboard(t, staff)
	d.waitFor("bob's row", fmt.Sprintf(`%s && %s.querySelector('.row-preview').textContent === 'bob before the drop'`, row(other.ID), row(other.ID)), 10*time.Second)
	d.openConversation(conv.ID)
	d.waitFor("the history", `document.querySelectorAll('#messages .msg').length === 2`, 10*time.Second)
	waitUntil(t, "the feed's connection record", 5*time.Second, func() bool { return openConnections(t, stack, staff.UserID) == 1 })

	d.blockTickets(true)
	if n := dropConnections(t, stack, staff.UserID); n != 1 {
		t.Fatalf("dropped %d connections, want the dashboard's feed", n)
	}
	d.waitFor("the dashboard to notice", `document.getElementById('conn-status').dataset.state !== 'open'`, 10*time.Second)
	for i := range 5 {
		want = append(want, alice.say(t, conv.ID, fmt.Sprintf("while away %d", i)).Body)
	}
	bob.say(t, other.ID, "bob while away")
	// Older messages change in the gap too: one edited, one taken back.
	if _, err := alice.api.Edit(ctxT(t), conv.ID, first.ID, "before the drop, edited"); err != nil {
		t.Fatalf("edit: %v", err)
	}
	if err := alice.api.DeleteMessage(ctxT(t), conv.ID, takenBack.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	d.reply("reply while reconnecting")
	want = append(want, "reply while reconnecting")
	d.waitFor("the reply stored over HTTP", `document.querySelectorAll('#messages .msg-staff:not(.msg-pending)').length === 1`, 10*time.Second)
	if n := openConnections(t, stack, staff.UserID); n != 0 {
		t.Fatalf("the feed is back (%d connections) before the test unblocked it", n)
	}

	d.blockTickets(false)
	// The next attempt comes after the backoff, up to 8 s after a few failures.
	d.waitFor("the feed to be live again", `document.getElementById('conn-status').dataset.state === 'open'`, 20*time.Second)
	d.waitFor("the backfill", fmt.Sprintf(`document.querySelectorAll('#messages .msg').length >= %d`, len(want)), 15*time.Second)
	want = append(want, alice.say(t, conv.ID, "live again").Body)
	d.waitFor("the live message", fmt.Sprintf(`document.querySelectorAll('#messages .msg').length >= %d`, len(want)), 10*time.Second)
	if got := d.messageTexts(); !slices.Equal(got, want) {
		t.Errorf("after the reconnect the conversation shows\n%q\nwant exactly\n%q", got, want)
	}
	if got := eval[int](d.page, `document.querySelectorAll('#messages .msg-edited').length`); got != 1 {
		t.Errorf("%d messages marked edited, want the one edited in the gap", got)
	}
	d.waitFor("bob's news in the queue", fmt.Sprintf(`%s.querySelector('.row-preview').textContent === 'bob while away'`, row(other.ID)), 10*time.Second)
	if got := d.rowText(other.ID, "row-unread"); got != "2" {
		t.Errorf("bob's unread count after the reconnect = %q, want 2", got)
	}
	ids := eval[[]string](d.page, `[...document.querySelectorAll('#messages .msg')].map((e) => e.dataset.id || e.dataset.clientMessageId)`)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("message %s is shown twice", id)
		}
		seen[id] = true
	}
}

// TestDashboardKeepsAReplyWrittenOfflineAcrossConversations: the feed and
// the HTTP API are out of reach; the counsellor answers Alice (the reply
// waits, shown as sending) and opens Bob's conversation. Leaving the page
// now would lose the reply, so the browser asks first. Back online, the
// reply to Alice is stored exactly once, although her conversation is no
// longer on screen, and shows as sent when she is opened again.
func TestDashboardKeepsAReplyWrittenOfflineAcrossConversations(t *testing.T) {
	staff := newAccount(t, true)
	alice, bob := newPerson(t, false), newPerson(t, false)
	aliceConv := alice.startConversation(t, chat.Retention24h)
	bobConv := bob.startConversation(t, chat.Retention24h)
	alice.say(t, aliceConv.ID, "are you there?")
	bob.say(t, bobConv.ID, "hello")

	d := openDashboard(t, staff)
	d.openConversation(aliceConv.ID)
	d.waitFor("alice's message", `document.querySelectorAll('#messages .msg').length === 1`, 10*time.Second)
	waitUntil(t, "the feed's connection record", 5*time.Second, func() bool { return openConnections(t, stack, staff.UserID) == 1 })

	o := goOffline(d.page)
	if n := dropConnections(t, stack, staff.UserID); n != 1 {
		t.Fatalf("dropped %d connections, want the dashboard's feed", n)
	}
	d.waitFor("the dashboard to notice", `document.getElementById('conn-status').dataset.state !== 'open'`, 10*time.Second)
	d.reply("I am here, Alice")
	d.waitFor("the reply waiting", `document.querySelectorAll('#messages .msg-pending').length === 1`, 5*time.Second)
	if got := count(storedBodies(t, alice.api, aliceConv.ID), "I am here, Alice"); got != 0 {
		t.Fatalf("the reply was stored %d times while offline: the test did not hold it back", got)
	}
	d.openConversation(bobConv.ID)

	// The browser asks before the page goes (and the test answers "stay").
	asked := make(chan cdppage.DialogType, 1)
	if err := chromedp.Listen(d.Context, func(ev any) {
		if e, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			select {
			case asked <- e.Type:
			default:
			}
			go func() {
				// Stay on the page; the dialog may already be gone.
				_, _ = chromedp.Call(d.Context, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
			}()
		}
	}); err != nil {
		t.Fatal(err)
	}
	eval[bool](d.page, `(location.assign('/'), true)`)
	select {
	case typ := <-asked:
		if typ != cdppage.DialogTypeBeforeunload {
			t.Errorf("leaving the page opened a %q dialog, want beforeunload", typ)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("leaving the page with a reply waiting asked nothing")
	}
	d.waitFor("the page kept", `!!document.getElementById('conn-status')`, 5*time.Second)

	o.back()
	d.waitFor("the feed to be live again", `document.getElementById('conn-status').dataset.state === 'open'`, 20*time.Second)
	waitUntil(t, "the reply to alice to be stored", 10*time.Second, func() bool {
		return count(storedBodies(t, alice.api, aliceConv.ID), "I am here, Alice") > 0
	})
	d.openConversation(aliceConv.ID)
	d.waitFor("the reply shown as sent", `[...document.querySelectorAll('#messages .msg-staff:not(.msg-pending) .msg-body')].some((e) => e.textContent === 'I am here, Alice') && !document.querySelector('#messages .msg-pending')`, 10*time.Second)
	if got := count(storedBodies(t, alice.api, aliceConv.ID), "I am here, Alice"); got != 1 {
		t.Errorf("the reply was stored %d times, want once", got)
	}
}
