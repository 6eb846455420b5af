package browser

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
)

// TestDashboardTalksLiveWithTheWidget: a client in the widget and a
// counsellor in the dashboard, two browser contexts, talk both ways live
// (typing and read receipts too); the counsellor then closes the session
// with confirmation and the client's widget ends it at once.
func TestDashboardTalksLiveWithTheWidget(t *testing.T) {
	staff := newAccount(t, true)
	alice := newAccount(t, false)
	d := openDashboard(t, staff)
	w := clientBrowser(t, alice, "")
	conv := startConversation(w, alice)
	d.waitFor("the widget's conversation in the queue", row(conv), 10*time.Second)

	d.openConversation(conv)
	// The first typing frame of the widget's connection (the service relays
	// at most one every 2 s per connection).
	w.do("type in the widget", chromedp.SendKeys(inWidget(`textarea#msg`), "Hello from the widget"))
	d.waitFor("Client is typing…", `document.getElementById('typing').textContent === 'Client is typing…'`, 10*time.Second)
	w.do("send", chromedp.KeyEvent("\r"))
	d.waitFor("the widget's message in the conversation", `[...document.querySelectorAll('#messages .msg-client .msg-body')].some((e) => e.textContent === 'Hello from the widget')`, 10*time.Second)
	// The message ends the typing as it is shown, not some seconds later.
	if got := d.text("typing"); got != "" {
		t.Errorf("typing indicator with the client's message shown = %q, want empty", got)
	}
	// A draft typed at once and then wiped: "typing" shows, and the widget
	// says "stopped" when the text goes (a counsellor's connection hears it),
	// rather than leave the dashboard to forget it.
	w.do("type a draft", chromedp.SendKeys(inWidget(`textarea#msg`), "Actually"))
	d.waitFor("Client is typing… for the draft", `document.getElementById('typing').textContent === 'Client is typing…'`, 10*time.Second)
	listener := newPerson(t, true).connect(t, stack, conv)
	eval[bool](w, shadow+`.querySelector('textarea#msg').value = '', `+shadow+`.querySelector('textarea#msg').dispatchEvent(new Event('input'))`)
	if _, err := listener.WaitType(ctxT(t), "typing", func(f client.Frame) bool { return f.Role == chat.RoleClient && f.Typing != nil && !*f.Typing }); err != nil {
		t.Fatalf("the widget did not say the client stopped typing: %v", err)
	}
	d.waitFor("typing to end with the wiped draft", `document.getElementById('typing').textContent === ''`, 10*time.Second)
	if got := d.rowText(conv, "row-preview"); got != "Hello from the widget" {
		t.Errorf("queue preview = %q, want the widget's message", got)
	}

	d.claimToReply()
	d.do("type in the dashboard", chromedp.SendKeys(chromedp.ID("composer-input"), "Hello from the dashboard"))
	w.waitFor("the counsellor typing", shadow+`.querySelector('.typing').textContent === 'Counsellor is typing…'`, 10*time.Second)
	d.do("send", chromedp.SendKeys(chromedp.ID("composer-input"), "\r"))
	waitShown(w, ".body", "Hello from the dashboard", 10*time.Second)
	d.waitFor("the widget's read receipt", `document.querySelector('#messages .msg-staff .msg-read')?.textContent === 'Read'`, 10*time.Second)
	d.screenshot("dashboard-with-widget")
	w.screenshot("dashboard-with-widget-client")

	d.do("close the session", chromedp.Click(chromedp.ID("close-session")))
	d.waitFor("the confirmation", `document.getElementById('close-dialog').open`, 5*time.Second)
	d.do("confirm", chromedp.Click(chromedp.ID("close-confirm")))
	w.waitFor("the widget to end the session", `document.querySelector('confide-widget').dataset.view === 'ended'`, 10*time.Second)
	d.waitFor("the closed note", `!document.getElementById('conv-closed-note').hidden`, 5*time.Second)
}
