package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// The server's message limit and two messages at its edges: one character
// too many, and the most characters, each an emoji (two UTF-16 units in the
// browser, one rune on the server).
var (
	maxChars = chat.DefaultLimits().MaxMessageChars
	overLong = strings.Repeat("x", maxChars+1000)
	allEmoji = strings.Repeat("🙂", maxChars)
)

// tooLongText is what both clients say about overLong.
var tooLongText = fmt.Sprintf("Messages can be at most %d characters (this one has %d).", maxChars, maxChars+1000)

// paste puts text into the focused element as a paste or an input method
// does: through the browser's editing, which applies a maxlength.
func paste(p *page, text string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Context, e2ekit.Patience)
	defer cancel()
	if _, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: text}); err != nil {
		p.t.Fatalf("paste: %v", err)
	}
}

// TestWidgetRefusesAnOverLongMessageWithoutCuttingIt: a message longer
// than the server's limit, pasted into the widget, is kept whole in the
// box, and sending it says why it cannot go, sending nothing; a message of
// the most characters the server takes, counted as the server counts them
// (every character an emoji, two UTF-16 units each), is sent.
func TestWidgetRefusesAnOverLongMessageWithoutCuttingIt(t *testing.T) {
	a := newAccount(t, false)
	staff := counsellor(t)
	p := clientBrowser(t, a, "")
	conv := startConversation(p, a)
	const box = `textarea#msg`
	p.do("focus the message box", chromedp.Focus(inWidget(box)))
	paste(p, overLong)
	if got := eval[int](p, shadow+`.querySelector('textarea#msg').value.length`); got != len(overLong) {
		t.Fatalf("the pasted message holds %d characters in the box, want all %d", got, len(overLong))
	}
	p.do("send", chromedp.Click(inWidget(`.body form.composer button[type=submit]`)))
	p.waitFor("the reason", shadow+`.querySelector('.body .err[role=alert]:not([hidden])')?.textContent === `+js(tooLongText), 5*time.Second)
	if got := eval[int](p, shadow+`.querySelector('textarea#msg').value.length`); got != len(overLong) {
		t.Errorf("after the refusal the box holds %d characters, want the message kept whole (%d)", got, len(overLong))
	}
	if eval[bool](p, `!!`+shadow+`.querySelector('.body li.pending')`) {
		t.Errorf("the over-long message is waiting to be sent")
	}
	viewportShot(p, "widget-desktop-too-long")

	eval[bool](p, shadow+`.querySelector('textarea#msg').value = '', true`)
	p.do("focus the message box", chromedp.Focus(inWidget(box)))
	paste(p, allEmoji)
	p.do("send", chromedp.Click(inWidget(`.body form.composer button[type=submit]`)))
	p.waitFor("the emoji message stored and shown", `!`+shadow+`.querySelector('.body li.pending') && [...`+shadow+`.querySelectorAll('.body li .text')].some((e) => e.textContent === `+js(allEmoji)+`)`, 10*time.Second)
	if got := eval[bool](p, shadow+`.querySelector('.body .err').hidden`); !got {
		t.Errorf("the refusal is still shown after a message that was sent")
	}
	bodies := storedBodies(t, staff, conv)
	if count(bodies, allEmoji) != 1 || len(bodies) != 1 {
		t.Errorf("stored %d messages (%d of %d emoji), want the emoji message once and nothing else", len(bodies), count(bodies, allEmoji), maxChars)
	}
}

// TestDashboardRefusesAnOverLongReplyAndCountsAsTheServer: in the
// dashboard too, a reply over the limit stays in the box with the reason
// and is not sent, and one of the most characters the server takes is sent,
// counted in characters (emoji), not in UTF-16 units.
func TestDashboardRefusesAnOverLongReplyAndCountsAsTheServer(t *testing.T) {
	d, alice, conv := withConversation(t, chat.Retention24h, "hello")
	d.waitFor("the history", `document.querySelectorAll('#messages .msg').length === 1`, 10*time.Second)
	d.claimToReply()
	d.do("focus the reply box", chromedp.Focus(chromedp.ID("composer-input")))
	paste(d.page, overLong)
	d.do("send", chromedp.Click(chromedp.ID("composer-send")))
	d.waitFor("the reason", `document.getElementById('conv-error').textContent === `+js(tooLongText), 5*time.Second)
	if got := eval[int](d.page, `document.getElementById('composer-input').value.length`); got != len(overLong) {
		t.Errorf("after the refusal the box holds %d characters, want the reply kept whole (%d)", got, len(overLong))
	}
	if n := eval[int](d.page, `document.querySelectorAll('#messages .msg-pending').length`); n != 0 {
		t.Errorf("%d over-long replies are waiting to be sent", n)
	}
	d.screenshot("dashboard-too-long")

	eval[bool](d.page, `document.getElementById('composer-input').value = '', true`)
	d.do("focus the reply box", chromedp.Focus(chromedp.ID("composer-input")))
	paste(d.page, allEmoji)
	d.do("send", chromedp.Click(chromedp.ID("composer-send")))
	d.waitFor("the reply stored", `document.querySelectorAll('#messages .msg-staff:not(.msg-pending)').length === 1`, 10*time.Second)
	if got := d.text("conv-error"); got != "" {
		t.Errorf("error after a reply that was sent: %q", got)
	}
	if got := storedBodies(t, alice.api, conv.ID); len(got) != 2 || got[1] != allEmoji {
		t.Errorf("stored %d messages, want the client's and the emoji reply", len(got))
	}
}
