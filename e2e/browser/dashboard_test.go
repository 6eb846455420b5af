package browser

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
)

// TestDashboardConversationLiveBothWays: a client (driven from Go) and a
// counsellor in the dashboard talk live: the new conversation and its first
// message appear in the queue, replies typed in the dashboard reach the
// client, typing shows both ways, the client's read receipt shows "Read",
// an edit is marked and a deleted message is a tombstone without its text.
func TestDashboardConversationLiveBothWays(t *testing.T) {
	staff := newAccount(t, true)
	alice := newPerson(t, false)
	d := openDashboard(t, staff)

	conv := alice.startConversation(t, chat.Retention24h)
	d.waitFor("the new conversation in the queue", row(conv.ID), 10*time.Second)
	ws := alice.connect(t, stack, conv.ID)
	first := alice.say(t, conv.ID, "Hello, is anyone there?")
	d.waitFor("the first message's preview", fmt.Sprintf(`%s.querySelector('.row-preview').textContent === %s`, row(conv.ID), js(first.Body)), 10*time.Second)
	if got := d.rowText(conv.ID, "row-unread"); got != "1" {
		t.Errorf("unread count of the row = %q, want 1", got)
	}
	if got := d.rowText(conv.ID, "row-wait"); got != "waiting < 1 min" {
		t.Errorf("waiting time of the row = %q, want %q", got, "waiting < 1 min")
	}

	d.openConversation(conv.ID)
	d.waitFor("the history", `document.querySelectorAll('#messages .msg').length === 1`, 10*time.Second)
	if got, want := d.text("conv-retention"), "24-hour: deleted 24 h after each message"; got != want {
		t.Errorf("confidentiality indicator = %q, want %q", got, want)
	}
	if _, err := ws.WaitType(ctxT(t), "read", func(f client.Frame) bool { return f.MessageID == first.ID }); err != nil {
		t.Fatalf("the client was not told the counsellor read its message: %v", err)
	}
	d.waitFor("the unread count to clear", fmt.Sprintf(`!%s.querySelector('.row-unread')`, row(conv.ID)), 5*time.Second)

	// The counsellor claims it from the reply box, types: the client sees
	// typing, then the reply.
	d.claimToReply()
	d.do("start typing", chromedp.SendKeys(chromedp.ID("composer-input"), "Hi, I'm here"))
	if _, err := ws.WaitType(ctxT(t), "typing", func(f client.Frame) bool { return f.Typing != nil && *f.Typing && f.Role == chat.RoleStaff }); err != nil {
		t.Fatalf("the client did not see the counsellor typing: %v", err)
	}
	d.do("send", chromedp.SendKeys(chromedp.ID("composer-input"), "\r"))
	got, err := ws.WaitType(ctxT(t), "message.created", func(f client.Frame) bool { return f.Message != nil && f.Message.SenderRole == chat.RoleStaff })
	if err != nil {
		t.Fatalf("the client did not receive the reply: %v", err)
	}
	if got.Message.Body != "Hi, I'm here" {
		t.Errorf("reply body = %q, want %q", got.Message.Body, "Hi, I'm here")
	}
	d.waitFor("the reply in the history, sent", `document.querySelectorAll('#messages .msg-staff:not(.msg-pending)').length === 1`, 10*time.Second)
	if got := d.text("composer-input"); got != "" {
		t.Errorf("composer after sending = %q, want empty", got)
	}

	// The client types, reads the reply, writes, edits, deletes.
	if err := ws.Send(ctxT(t), map[string]any{"action": "typing", "conversationId": conv.ID, "typing": true}); err != nil {
		t.Fatal(err)
	}
	d.waitFor("Client is typing…", `document.getElementById('typing').textContent === 'Client is typing…'`, 10*time.Second)
	if err := alice.api.MarkRead(ctxT(t), conv.ID, got.Message.ID); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the read receipt", fmt.Sprintf(`document.querySelector('#messages [data-id=%s] .msg-read')?.textContent === 'Read'`, js(got.Message.ID)), 10*time.Second)

	second := alice.say(t, conv.ID, "I wanted to talk about something")
	d.waitFor("the client's second message", `document.querySelectorAll('#messages .msg-client').length === 2`, 10*time.Second)
	// The message ends the typing as it is shown, not some seconds later.
	if got := d.text("typing"); got != "" {
		t.Errorf("typing indicator with the client's message shown = %q, want empty", got)
	}
	if _, err := alice.api.Edit(ctxT(t), conv.ID, second.ID, "I wanted to talk about my week"); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the edit", fmt.Sprintf(`document.querySelector('#messages [data-id=%s]')?.textContent.includes('I wanted to talk about my week (edited)') || document.querySelector('#messages [data-id=%s] .msg-edited')`, js(second.ID), js(second.ID)), 10*time.Second)
	secret := "my secret that I take back"
	third := alice.say(t, conv.ID, secret)
	d.waitFor("the third message", fmt.Sprintf(`document.querySelector('#messages [data-id=%s]')`, js(third.ID)), 10*time.Second)
	if err := alice.api.DeleteMessage(ctxT(t), conv.ID, third.ID); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the tombstone", fmt.Sprintf(`document.querySelector('#messages [data-id=%s] .msg-tombstone')?.textContent === 'Message deleted'`, js(third.ID)), 10*time.Second)
	if eval[bool](d.page, fmt.Sprintf(`document.body.textContent.includes(%s)`, js(secret))) {
		t.Errorf("the deleted message's text is still in the page")
	}
	if got, want := d.messageTexts(), []string{first.Body, "Hi, I'm here", "I wanted to talk about my week", "Message deleted"}; !slices.Equal(got, want) {
		t.Errorf("history = %q, want %q", got, want)
	}
	d.screenshot("dashboard-conversation-desktop")

	// The client keeps the conversation: the indicator changes live.
	if _, err := alice.api.SetRetention(ctxT(t), conv.ID, chat.RetentionPermanent); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the new retention", `document.getElementById('conv-retention').textContent === 'Kept permanently'`, 10*time.Second)
	d.waitFor("the new retention in the queue", fmt.Sprintf(`%s.querySelector('.row-meta').textContent === 'Assigned to you · Kept permanently'`, row(conv.ID)), 5*time.Second)

	// Sign-out closes the feed and forgets what was shown.
	waitUntil(t, "the dashboard's feed in the connection records", 5*time.Second, func() bool { return openConnections(t, stack, staff.UserID) == 1 })
	d.do("sign out", chromedp.Click(chromedp.ID("signout")))
	d.waitFor("the sign-in form", `!document.getElementById('signin-view').hidden && document.getElementById('app-view').hidden`, 5*time.Second)
	waitUntil(t, "the feed to close", 5*time.Second, func() bool { return openConnections(t, stack, staff.UserID) == 0 })
	if eval[bool](d.page, fmt.Sprintf(`document.body.textContent.includes(%s) || document.querySelectorAll('#queue-list li, #messages li').length > 0`, js(first.Body))) {
		t.Errorf("after sign-out the page still shows conversation data")
	}
}

// TestDashboardHistoryPagesBack: a long conversation opens on its newest
// page; "Load earlier messages" brings the rest, in order, each once, and
// disappears when there is nothing older.
func TestDashboardHistoryPagesBack(t *testing.T) {
	sam := newPerson(t, true)
	staff := sam.account
	alice := newPerson(t, false)
	conv := alice.startConversation(t, chat.Retention24h)
	// The client and the counsellor who claimed it take turns; the
	// service's clock moves to the next rate window every 36 messages, so
	// neither goes over the sending limit (20 per 10 s per person).
	senders := []person{alice, sam}
	var want []string
	for i := range 54 {
		if i > 0 && i%36 == 0 {
			devstackControl(t, "/_devstack/clock", map[string]string{"advance": "10s"})
		}
		want = append(want, senders[i%2].say(t, conv.ID, fmt.Sprintf("history %02d", i)).Body)
	}
	d := openDashboard(t, staff)
	d.openConversation(conv.ID)
	d.waitFor("the newest page", `document.querySelectorAll('#messages .msg').length === 50 && !document.getElementById('older').hidden`, 10*time.Second)
	if got := d.messageTexts(); !slices.Equal(got, want[4:]) {
		t.Fatalf("first page = %q, want the newest 50", got)
	}
	d.do("load earlier messages", chromedp.Click(chromedp.ID("older")))
	d.waitFor("the older page", `document.querySelectorAll('#messages .msg').length === 54`, 10*time.Second)
	if got := d.messageTexts(); !slices.Equal(got, want) {
		t.Errorf("whole history = %q, want every message once, in order", got)
	}
	d.waitFor("no more to load", `document.getElementById('older').hidden`, 5*time.Second)
}

// TestDashboardRefreshesTheTokenDuringAShift: when the access token nears
// its expiry (the page's clock moved to 59½ minutes after sign-in), the
// next action refreshes it with the refresh token, without signing in
// again, and goes through.
func TestDashboardRefreshesTheTokenDuringAShift(t *testing.T) {
	d, _, _ := withConversation(t, chat.Retention24h, "hello")
	cognitoCalls := fmt.Sprintf(`performance.getEntriesByType('resource').filter((e) => e.name.startsWith(%s)).length`, js(stack.Endpoints.CognitoEndpoint))
	if n := eval[int](d.page, cognitoCalls); n != 1 {
		t.Fatalf("Cognito calls after sign-in = %d, want 1", n)
	}
	d.do("move the page's clock on", chromedp.Evaluate[chromedp.Void](`(() => { const now = Date.now; Date.now = () => now() + 3570e3; })()`))
	d.do("claim", chromedp.Click(chromedp.ID("claim")))
	d.waitFor("the claim", `document.getElementById('conv-claim-state').textContent === 'Assigned to you'`, 10*time.Second)
	if n := eval[int](d.page, cognitoCalls); n != 2 {
		t.Errorf("Cognito calls after the token neared its expiry = %d, want 2 (one refresh)", n)
	}
	if !eval[bool](d.page, `document.getElementById('signin-view').hidden`) {
		t.Errorf("the counsellor was signed out")
	}
}
