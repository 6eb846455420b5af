package browser

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/client"
)

// TestWidgetShowsByRole: a signed-out visitor gets a sign-in prompt, a
// client the start screen, and staff nothing at all.
func TestWidgetShowsByRole(t *testing.T) {
	p := newBrowser(t)
	watchCSP(p)
	p.do("open the demo page", chromedp.Navigate(demoPage()))
	p.waitFor("the signed-out prompt", `document.querySelector('confide-widget')?.dataset.view === 'signed-out'`, 10*time.Second)
	openPanel(p)
	p.do("ask to sign in", chromedp.Click(inWidget(".body button.primary")))
	if got := eval[string](p, `document.activeElement.id`); got != "username" {
		t.Errorf("after the widget's Sign in, focus is on %q, want the host's username field (onSignInRequested)", got)
	}

	tests := []struct {
		name    string
		staff   bool
		want    string
		visible bool
	}{
		{name: "client", staff: false, want: "start", visible: true},
		{name: "staff", staff: true, want: "hidden", visible: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := clientBrowser(t, newAccount(t, tt.staff), "")
			if got := view(p); got != tt.want {
				t.Errorf("view = %q, want %q", got, tt.want)
			}
			got := eval[bool](p, `(() => { const r = document.querySelector('confide-widget').getBoundingClientRect();
				const l = `+shadow+`.querySelector('.launcher').getBoundingClientRect(); return l.width > 0 && l.height > 0 &&
				getComputedStyle(document.querySelector('confide-widget')).display !== 'none'; })()`)
			if got != tt.visible {
				t.Errorf("launcher visible = %v, want %v", got, tt.visible)
			}
		})
	}
}

// TestWidgetStartSendAndReceiveLive: a client starts a conversation (with
// the retention choice and the availability line), sends a message, and
// sees the counsellor's reply, typing indicator and read receipt live.
func TestWidgetStartSendAndReceiveLive(t *testing.T) {
	a := newAccount(t, false)
	staff := counsellor(t)
	feed, err := staff.Connect(ctxT(t), stack.Endpoints.WebSocket, "")
	if err != nil {
		t.Fatalf("counsellor's staff feed: %v", err)
	}
	defer feed.Close()
	p := clientBrowser(t, a, "")
	openPanel(p)
	if got := eval[string](p, shadow+`.querySelector('.avail').textContent`); got != "A counsellor is online now." {
		t.Errorf("availability with a counsellor connected = %q", got)
	}
	p.do("choose permanent retention", chromedp.Click(inWidget(`input[value=permanent]`)))
	conv := startConversation(p, a)

	typeAndSend(p, "Hello, I need to talk")
	waitShown(p, ".body", "Hello, I need to talk", 5*time.Second)
	c, err := staff.Conversation(ctxT(t), conv)
	if err != nil || c.Retention != "permanent" {
		t.Errorf("conversation retention = %q (%v), want permanent", c.Retention, err)
	}
	p.waitFor("the message stored", `!`+shadow+`.querySelector('.body li.pending')`, 5*time.Second)
	if got := storedBodies(t, staff, conv); count(got, "Hello, I need to talk") != 1 {
		t.Fatalf("stored %v, want the message once", got)
	}

	sock, err := staff.Connect(ctxT(t), stack.Endpoints.WebSocket, conv)
	if err != nil {
		t.Fatalf("counsellor connect: %v", err)
	}
	defer sock.Close()
	if err := sock.Send(ctxT(t), map[string]any{"action": "typing", "conversationId": conv, "typing": true}); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the typing indicator", shadow+`.querySelector('.typing').textContent === 'Counsellor is typing…'`, 5*time.Second)
	// The client keeps typing; the server relays at most one typing frame
	// every 2 s, so the counsellor hears of it within a few seconds.
	clientTyping := func(f client.Frame) bool { return f.Role == "client" && f.Typing != nil && *f.Typing }
	waitUntil(t, "the counsellor to be told the client is typing", 8*time.Second, func() bool {
		p.do("type without sending", chromedp.SendKeys(inWidget(`textarea#msg`), "."))
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := sock.WaitType(ctx, "typing", clientTyping)
		return err == nil
	})

	reply := counsellorSays(t, staff, conv, "I'm here. What's on your mind?")
	waitShown(p, ".body", "I'm here. What's on your mind?", 5*time.Second)
	if got := eval[string](p, shadow+`.querySelector('.typing').textContent`); got != "" {
		t.Errorf("typing indicator after the reply = %q, want empty", got)
	}
	if got := eval[string](p, shadow+`.querySelector('[aria-live]').textContent`); got == "" {
		t.Error("the new message was not announced in the aria-live region")
	}

	if err := staff.MarkRead(ctxT(t), conv, reply.ID); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the read receipt", `[...`+shadow+`.querySelectorAll('.body li.mine .meta')].some(e => e.textContent.includes('Read'))`, 5*time.Second)
}

// xssPayloads are message bodies that would run script, load an image or
// turn into a link if the widget ever treated text as HTML, and a
// right-to-left override that must not reorder the widget's own labels.
var xssPayloads = []string{
	`<img src=x onerror="window.__xss='img'">`,
	`<script>window.__xss='script'</script>`,
	`<a href="javascript:window.__xss='link'">click me</a>`,
	`javascript:window.__xss='bare'`,
	"\u202Etxt.exe \u2067isolate\u2069 <b>bold</b>",
}

// TestWidgetShowsHostileTextAsText: payloads from both sides are shown as
// the exact text, and nothing of them runs, loads or links.
func TestWidgetShowsHostileTextAsText(t *testing.T) {
	a := newAccount(t, false)
	staff := counsellor(t)
	p := clientBrowser(t, a, "")
	conv := startConversation(p, a)
	typeAndSend(p, xssPayloads[0])
	for _, body := range xssPayloads {
		counsellorSays(t, staff, conv, body)
	}
	for _, body := range xssPayloads {
		waitShown(p, ".body", body, 5*time.Second)
	}
	got := eval[map[string]any](p, `(() => { const r = `+shadow+`; return {
		xss: window.__xss ?? null,
		imgs: r.querySelectorAll('img').length, scripts: r.querySelectorAll('script').length,
		links: r.querySelectorAll('a').length, bold: r.querySelectorAll('b').length,
		labels: [...r.querySelectorAll('.body li .sr')].map(e => e.textContent).join('|'),
	}; })()`)
	want := map[string]any{"xss": nil, "imgs": 0.0, "scripts": 0.0, "links": 0.0, "bold": 0.0,
		"labels": "You: |Counsellor: |Counsellor: |Counsellor: |Counsellor: |Counsellor: "}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
	if got := count(shownTexts(p, ".body"), xssPayloads[0]); got != 2 {
		t.Errorf("%q shown %d times, want 2 (once from each side)", xssPayloads[0], got)
	}
}

// TestWidgetFeedbackOnceAfterClose: when the counsellor closes the
// conversation the widget asks for a rating and an optional comment, sends
// it, and does not ask again.
func TestWidgetFeedbackOnceAfterClose(t *testing.T) {
	a := newAccount(t, false)
	staff := counsellor(t)
	p := clientBrowser(t, a, "")
	conv := startConversation(p, a)
	typeAndSend(p, "Thanks for listening")
	waitShown(p, ".body", "Thanks for listening", 5*time.Second)
	if _, err := staff.Close(ctxT(t), conv); err != nil {
		t.Fatalf("close: %v", err)
	}
	p.waitFor("the feedback prompt", shadow+`.querySelector('form.feedback') !== null`, 5*time.Second)
	if got := view(p); got != "ended" {
		t.Errorf("view = %q, want ended", got)
	}
	p.do("rate and comment",
		chromedp.Click(inWidget(`input[name=rating][value="4"]`)),
		chromedp.SendKeys(inWidget(`#fb-comment`), "It helped."),
		chromedp.Click(inWidget(`form.feedback button[type=submit]`)),
	)
	p.waitFor("the thanks", shadow+`.querySelector('.thanks') !== null`, 5*time.Second)
	err := a.api(t).Feedback(ctxT(t), conv, 5, "")
	if status := apiStatus(err); status != 409 {
		t.Errorf("a second feedback: status %d (%v), want 409: the widget's feedback was not stored", status, err)
	}

	signIn(p, a, "")
	if got := view(p); got != "start" {
		t.Errorf("after signing in again the view is %q, want start (feedback is asked once)", got)
	}
	// Nothing outlives the tab: a shared computer keeps no trace.
	if kept := eval[[]string](p, `Object.keys(localStorage).filter(k => k.startsWith('confide.'))`); len(kept) > 0 {
		t.Errorf("the widget left %v in localStorage, want nothing that outlives the tab", kept)
	}
}

// TestWidgetErrorStateRetries: when the API cannot be reached the widget
// says so in words and offers Try again, which then works.
func TestWidgetErrorStateRetries(t *testing.T) {
	a := newAccount(t, false)
	p := newBrowser(t)
	watchCSP(p)
	p.do("open the demo page", chromedp.Navigate(demoPage()))
	p.waitFor("the signed-out prompt", `document.querySelector('confide-widget')?.dataset.view === 'signed-out'`, 10*time.Second)
	// The first GET /me fails as if the network were down.
	paused := chromedp.Events(p.Context, fetch.RequestPaused)
	if _, err := chromedp.Call(p.Context, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: stack.Endpoints.HTTPAPI + "/me"}}}); err != nil {
		t.Fatal(err)
	}
	go func() {
		failed := false
		for ev, err := range paused {
			if err != nil {
				return
			}
			if !failed && ev.Request.Method == "GET" {
				failed = true
				_, _ = chromedp.Call(p.Context, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonInternetDisconnected})
				continue
			}
			_, _ = chromedp.Call(p.Context, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	}()
	p.do("sign in",
		chromedp.SendKeys(chromedp.ID("username"), a.Username),
		chromedp.SendKeys(chromedp.ID("password"), a.Password),
		chromedp.Click(chromedp.CSS(`#signin button[type=submit]`)),
	)
	p.waitFor("the error state", `document.querySelector('confide-widget').dataset.view === 'error'`, 10*time.Second)
	openPanel(p)
	if got := eval[string](p, shadow+`.querySelector('.body [role=alert]').textContent`); got != "Cannot reach Confide. Check your connection. " {
		t.Errorf("error text = %q", got)
	}
	p.do("try again", chromedp.Click(inWidget(".body button.primary")))
	p.waitFor("the start screen", `document.querySelector('confide-widget').dataset.view === 'start'`, 10*time.Second)
}
