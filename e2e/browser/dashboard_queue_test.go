package browser

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
)

// queueOrder is a JavaScript expression listing the queue's rows, top first.
const queueOrder = `[...document.querySelectorAll('#queue-list [data-id]')].map((b) => b.dataset.id)`

// TestDashboardQueueWaitingFirstLongestOnTop: conversations whose client
// waits for an answer come first, the longest-waiting on top, each with
// its waiting time; answered ones follow. Times are seeded with the stack's
// clock, and the waiting times move on when the service's time does. News
// beeps, notifies (without message text by default) and, while the tab is
// hidden, shows the unread total in the title.
func TestDashboardQueueWaitingFirstLongestOnTop(t *testing.T) {
	// sam answers from the dashboard's side: replying claims the conversation.
	sam := newPerson(t, true)
	staff := sam.account
	long, answered, short, fresh := newPerson(t, false), newPerson(t, false), newPerson(t, false), newPerson(t, false)

	convLong := long.startConversation(t, chat.Retention24h)
	long.say(t, convLong.ID, "I have been waiting")
	devstackControl(t, "/_devstack/clock", map[string]string{"advance": "7m"})
	convAnswered := answered.startConversation(t, chat.Retention24h)
	answered.say(t, convAnswered.ID, "Hello")
	sam.say(t, convAnswered.ID, "Hello, how can I help?")
	convShort := short.startConversation(t, chat.RetentionPermanent)
	short.say(t, convShort.ID, "Me too")
	devstackControl(t, "/_devstack/clock", map[string]string{"advance": "2m"})
	convFresh := fresh.startConversation(t, chat.Retention24h)
	fresh.say(t, convFresh.ID, "Just arrived")

	d := openDashboard(t, staff)
	for _, id := range []string{convLong.ID, convAnswered.ID, convShort.ID, convFresh.ID} {
		d.waitFor("every seeded row", row(id)+` && `+row(id)+`.querySelector('.row-preview').textContent !== '…'`, 10*time.Second)
	}
	order := eval[[]string](d.page, queueOrder)
	pos := func(id string) int {
		for i, v := range order {
			if v == id {
				return i
			}
		}
		return -1
	}
	if !(pos(convLong.ID) < pos(convShort.ID) && pos(convShort.ID) < pos(convFresh.ID) && pos(convFresh.ID) < pos(convAnswered.ID)) {
		t.Errorf("queue order: longest-waiting %d, shorter %d, fresh %d, answered %d; want waiting ones first, longest on top",
			pos(convLong.ID), pos(convShort.ID), pos(convFresh.ID), pos(convAnswered.ID))
	}
	for _, id := range order[pos(convAnswered.ID):] {
		if d.rowText(id, "row-wait") != "" {
			t.Errorf("a waiting conversation %s is below an answered one", id)
		}
	}
	tests := []struct {
		name, id, wait, meta string
	}{
		{"waited 9 minutes", convLong.ID, "waiting 9 min", "Unclaimed · 24-hour"},
		{"waited 2 minutes", convShort.ID, "waiting 2 min", "Unclaimed · Kept permanently"},
		{"just wrote", convFresh.ID, "waiting < 1 min", "Unclaimed · 24-hour"},
		{"answered", convAnswered.ID, "", "Assigned to you · 24-hour"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.rowText(tc.id, "row-wait"); got != tc.wait {
				t.Errorf("waiting text = %q, want %q", got, tc.wait)
			}
			if got := d.rowText(tc.id, "row-meta"); got != tc.meta {
				t.Errorf("row meta = %q, want %q", got, tc.meta)
			}
		})
	}
	if got := d.rowText(convAnswered.ID, "row-preview"); got != "Counsellor: Hello, how can I help?" {
		t.Errorf("answered row preview = %q", got)
	}

	// Time passes at the service; the next news moves the waiting times on.
	d.do("hide the tab", chromedp.Evaluate[chromedp.Void](`Object.defineProperty(document, 'visibilityState', { get: () => 'hidden', configurable: true }); document.dispatchEvent(new Event('visibilitychange'))`))
	devstackControl(t, "/_devstack/clock", map[string]string{"advance": "3m"})
	later := newPerson(t, false)
	convLater := later.startConversation(t, chat.Retention24h)
	later.say(t, convLater.ID, "Anyone?")
	d.waitFor("the new conversation's row", row(convLater.ID)+` && `+row(convLater.ID)+`.querySelector('.row-wait')`, 10*time.Second)
	d.waitFor("the longest wait to move on", fmt.Sprintf(`%s.querySelector('.row-wait').textContent === 'waiting 12 min'`, row(convLong.ID)), 5*time.Second)
	unread := eval[int](d.page, `[...document.querySelectorAll('#queue-list .row-unread')].reduce((n, e) => n + Number(e.textContent), 0)`)
	if unread < 5 {
		t.Errorf("unread total in the queue = %d, want at least the 5 seeded client messages", unread)
	}
	if got, want := eval[string](d.page, `document.title`), "("+strconv.Itoa(unread)+") Confide dashboard"; got != want {
		t.Errorf("title while hidden = %q, want %q", got, want)
	}
	notes := eval[[]map[string]string](d.page, fmt.Sprintf(`window.__notifications.filter((n) => n.tag === %s)`, js(convLater.ID)))
	if len(notes) != 2 || notes[0]["title"] != "New conversation" || notes[1]["title"] != "New message from a client" || notes[1]["body"] != "A client sent a message." {
		t.Errorf("notifications for the new conversation = %v, want a new conversation and a new message without its text", notes)
	}
	if beeps := eval[int](d.page, `window.__beeps`); beeps < 1 {
		t.Errorf("beeps = %d, want at least one for the news", beeps)
	}
	// Clicking the notification brings the conversation up.
	d.do("click the notification", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.__notificationObjects.filter((n) => n.tag === %s).at(-1).onclick()`, js(convLater.ID))))
	d.waitFor("the notified conversation open", fmt.Sprintf(`%s.getAttribute('aria-current') === 'true' && !document.getElementById('conv-body').hidden`, row(convLater.ID)), 5*time.Second)
	d.do("show the tab", chromedp.Evaluate[chromedp.Void](`Object.defineProperty(document, 'visibilityState', { get: () => 'visible', configurable: true }); document.dispatchEvent(new Event('visibilitychange'))`))
	d.waitFor("the plain title", `document.title === 'Confide dashboard'`, 5*time.Second)
	d.screenshot("dashboard-queue-desktop")
}

// TestDashboardClaimSeenLiveByColleague: when one counsellor claims a
// waiting conversation, a colleague looking at it sees the claim at once,
// in the queue and in the conversation: whose it is now, and its words no
// longer (the colleague may not read it any more, nor take it over).
func TestDashboardClaimSeenLiveByColleague(t *testing.T) {
	first, second := newAccount(t, true), newAccount(t, true)
	alice := newPerson(t, false)
	conv := alice.startConversation(t, chat.Retention24h)
	alice.say(t, conv.ID, "Can someone help?")

	one := openDashboard(t, first)
	two := openDashboard(t, second)
	one.openConversation(conv.ID)
	two.openConversation(conv.ID)
	for _, d := range []*dashboard{one, two} {
		d.waitFor("the waiting conversation", `document.querySelectorAll('#messages .msg').length === 1`, 10*time.Second)
		if got := d.text("conv-claim-state"); got != "Unclaimed" {
			t.Errorf("claim state before the claim = %q, want Unclaimed", got)
		}
	}
	one.do("claim", chromedp.Click(chromedp.ID("claim")))
	one.waitFor("the claim, for the claimer", `document.getElementById('conv-claim-state').textContent === 'Assigned to you' && document.getElementById('claim').hidden`, 10*time.Second)
	want := "Assigned to " + first.Username
	two.waitFor("the colleague's claim, live", fmt.Sprintf(`document.getElementById('conv-claim-state').textContent === %s`, js(want)), 10*time.Second)
	two.waitFor("the colleague's claim in the queue", fmt.Sprintf(`%s.querySelector('.row-meta').textContent.startsWith(%s)`, row(conv.ID), js(want)), 5*time.Second)
	two.waitFor("the words gone", `document.querySelectorAll('#messages li').length === 0 && document.getElementById('composer').hidden`, 5*time.Second)
	if !eval[bool](two.page, `document.getElementById('claim').hidden && document.getElementById('close-session').hidden`) {
		t.Errorf("the colleague is offered to claim or close a conversation claimed by another")
	}
	if eval[bool](two.page, `document.body.textContent.includes('Can someone help?')`) {
		t.Errorf("the client's words stay on the colleague's page")
	}
	if got := one.rowText(conv.ID, "row-meta"); !strings.HasPrefix(got, "Assigned to you") {
		t.Errorf("claimer's row meta = %q, want Assigned to you", got)
	}
	two.screenshot("dashboard-claimed-by-colleague")
}

// TestDashboardCloseNeedsConfirmationAndEndsTheClientsSession: closing
// asks first (cancelling changes nothing); confirmed, the client's
// connection is told at once and the dashboard shows the session closed.
func TestDashboardCloseNeedsConfirmationAndEndsTheClientsSession(t *testing.T) {
	d, alice, conv := withConversation(t, chat.Retention24h, "Thank you, that helped")
	ws := alice.connect(t, stack, conv.ID)

	d.do("ask to close", chromedp.Click(chromedp.ID("close-session")))
	d.waitFor("the confirmation dialog", `document.getElementById('close-dialog').open`, 5*time.Second)
	d.screenshot("dashboard-close-dialog")
	d.do("cancel", chromedp.Click(chromedp.ID("close-cancel")))
	d.waitFor("the dialog to close", `!document.getElementById('close-dialog').open`, 5*time.Second)
	if c, err := alice.api.Conversation(ctxT(t), conv.ID); err != nil || c.Status != chat.StatusActive {
		t.Fatalf("after cancelling, the conversation is %v (%v), want active", c.Status, err)
	}

	d.do("ask to close again", chromedp.Click(chromedp.ID("close-session")))
	d.waitFor("the confirmation dialog", `document.getElementById('close-dialog').open`, 5*time.Second)
	d.do("escape", chromedp.KeyEvent(kb.Escape))
	d.waitFor("the dialog to close on Escape", `!document.getElementById('close-dialog').open && document.activeElement.id === 'close-session'`, 5*time.Second)
	if c, err := alice.api.Conversation(ctxT(t), conv.ID); err != nil || c.Status != chat.StatusActive {
		t.Fatalf("after Escape, the conversation is %v (%v), want active", c.Status, err)
	}

	d.do("ask to close a third time", chromedp.Click(chromedp.ID("close-session")))
	d.waitFor("the confirmation dialog", `document.getElementById('close-dialog').open`, 5*time.Second)
	d.do("confirm", chromedp.Click(chromedp.ID("close-confirm")))
	if _, err := ws.WaitType(ctxT(t), "conversation.closed", func(f client.Frame) bool {
		return f.Conversation != nil && f.Conversation.ID == conv.ID
	}); err != nil {
		t.Fatalf("the client was not told the session ended: %v", err)
	}
	d.waitFor("the closed state", `!document.getElementById('conv-closed-note').hidden && document.getElementById('composer-input').disabled && document.getElementById('close-session').hidden`, 10*time.Second)
	if got := d.text("conv-closed-note"); got != "This session was closed by you." {
		t.Errorf("closed note = %q", got)
	}
	d.waitFor("the row to leave the active queue", `!`+row(conv.ID), 5*time.Second)
	d.do("show closed conversations", chromedp.Click(chromedp.ID("filter-closed")))
	d.waitFor("the row under the closed filter", row(conv.ID), 10*time.Second)
	d.screenshot("dashboard-closed")
}

// TestDashboardClientSeesNothing: a client who signs in to the dashboard is
// told the area is for staff; the page asks for no staff data, opens no
// WebSocket and shows nothing of the app.
func TestDashboardClientSeesNothing(t *testing.T) {
	alice := newPerson(t, false)
	conv := alice.startConversation(t, chat.Retention24h)
	alice.say(t, conv.ID, "private words")
	staff := newPerson(t, true)
	staff.say(t, conv.ID, "private answer")

	d := openDashboardAt(t, web, alice.account)
	d.waitFor("the staff-only notice", `!document.getElementById('staff-only-view').hidden`, 10*time.Second)
	if got := eval[string](d.page, `document.querySelector('#staff-only-view h1').textContent`); got != "This area is for staff" {
		t.Errorf("notice = %q", got)
	}
	if !eval[bool](d.page, `document.getElementById('app-view').hidden && document.getElementById('signin-view').hidden`) {
		t.Errorf("the app or the sign-in form is visible to a client")
	}
	asked := eval[[]string](d.page, fmt.Sprintf(`performance.getEntriesByType('resource').filter((e) => e.name.startsWith(%s)).map((e) => new URL(e.name).pathname)`, js(stack.Endpoints.HTTPAPI)))
	if !slices.Equal(asked, []string{"/me"}) {
		t.Errorf("a client's dashboard asked the API for %q, want only /me", asked)
	}
	if n := openConnections(t, stack, alice.UserID); n != 0 {
		t.Errorf("a client's dashboard opened %d WebSockets", n)
	}
	if eval[bool](d.page, `document.body.textContent.includes('private') || document.querySelectorAll('#queue-list li, #messages li, #audit-rows tr').length > 0`) {
		t.Errorf("conversation data is in the page of a client")
	}
	d.screenshot("dashboard-client-refused")
	d.do("sign out", chromedp.Click(chromedp.ID("staff-only-signout")))
	d.waitFor("the sign-in form", `!document.getElementById('signin-view').hidden && document.getElementById('staff-only-view').hidden`, 5*time.Second)
}
