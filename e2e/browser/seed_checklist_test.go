package browser

// Tests of items of the seed checklist (docs/seed-checklist.md) that no
// other test proved; docs/checklist.md names them.

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"
)

// widgetView is a JavaScript expression: what the widget shows (its data-view).
const widgetView = `document.querySelector('confide-widget')?.dataset.view`

// TestWidgetClosesItsWebSocket is the seed's "Widget closes and disconnects
// WebSocket properly": when the host page signs the person out, when the
// host removes the widget (Confide.destroy) and when the counsellor ends
// the conversation, the widget closes its WebSocket: the gateway holds the
// connection no longer and the stack has no connection of that client
// left. Minimising the panel is not closing: the connection stays and
// still delivers the counsellor's messages (the unread badge counts them).
func TestWidgetClosesItsWebSocket(t *testing.T) {
	tests := []struct {
		name string
		// do closes (or minimises) the widget.
		do func(t *testing.T, p *page, conv string)
		// open says whether the connection must stay open.
		open bool
		// view is what the widget shows afterwards ("" when it is gone).
		view string
	}{
		{
			name: "minimising keeps the connection",
			do: func(t *testing.T, p *page, conv string) {
				p.do("minimise", chromedp.Click(inWidget(`.panel header button[aria-label="Minimise the chat"]`)))
			},
			open: true, view: "chat",
		},
		{
			name: "signing out closes it",
			do: func(t *testing.T, p *page, conv string) {
				p.do("sign out in the host page", chromedp.Click(chromedp.ID("signout")))
			},
			view: "signed-out",
		},
		{
			name: "Confide.destroy closes it",
			do: func(t *testing.T, p *page, conv string) {
				eval[bool](p, `window.Confide.destroy().then(() => true)`)
			},
			view: "",
		},
		{
			name: "the counsellor ending the conversation closes it",
			do: func(t *testing.T, p *page, conv string) {
				if _, err := counsellor(t).Close(ctxT(t), conv); err != nil {
					t.Fatalf("close: %v", err)
				}
			},
			view: "ended",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAccount(t, false)
			before := stack.Gateway.ConnectionIDs()
			p := clientBrowser(t, a, "")
			conv := startConversation(p, a)
			waitUntil(t, "the widget's connection", 5*time.Second, func() bool {
				return len(newConnections(before)) == 1 && openConnections(t, stack, a.UserID) == 1
			})
			mine := newConnections(before)
			atGateway := func() bool { return slices.Contains(stack.Gateway.ConnectionIDs(), mine[0]) }

			tt.do(t, p, conv)
			if tt.view == "" {
				p.waitFor("the widget gone", `!document.querySelector('confide-widget')`, 5*time.Second)
			} else {
				p.waitFor("the widget showing "+tt.view, widgetView+` === `+js(tt.view), 10*time.Second)
			}

			if tt.open {
				counsellorSays(t, counsellor(t), conv, "Still there?")
				p.waitFor("the badge counting the message", shadow+`.querySelector('.badge').textContent === '1'`, 5*time.Second)
				if !atGateway() || openConnections(t, stack, a.UserID) != 1 {
					t.Errorf("after minimising the connection %s is gone, want it kept", mine[0])
				}
				return
			}
			waitUntil(t, "the gateway to drop the widget's connection", 5*time.Second, func() bool { return !atGateway() })
			waitUntil(t, "the stack to forget the client's connection", 5*time.Second, func() bool { return openConnections(t, stack, a.UserID) == 0 })
			if got := newConnections(before); len(got) != 0 {
				t.Errorf("after closing, the browser holds connections %v, want none", got)
			}
		})
	}
}

// TestWidgetSaysTheChatIsConfidential is the seed's "Clear indicators of
// confidential status", in the widget (the dashboard's retention badge is
// TestDashboardConversationLiveBothWays's): before a conversation starts
// the widget says the chat is confidential and asks how long to keep the
// messages, 24 hours being chosen unless the client changes it; once
// started, the chat panel says above the messages that the chat is
// confidential and what happens to them, and so does the full view.
func TestWidgetSaysTheChatIsConfidential(t *testing.T) {
	tests := []struct {
		name      string
		retention string
		// hint is what the full view says of the retention.
		hint string
	}{
		{name: "kept 24 hours (the default)", retention: "", hint: "Each message is deleted 24 hours after it was sent."},
		{name: "kept until deleted", retention: "permanent", hint: "Messages are kept until you delete the conversation."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAccount(t, false)
			p := clientBrowser(t, a, "")
			openPanel(p)
			p.waitFor("the start screen", widgetView+` === 'start'`, 5*time.Second)
			start := eval[map[string]string](p, `(() => { const r = `+shadow+`; return {
				notice: r.querySelector('form.start .notice')?.textContent ?? '',
				legend: r.querySelector('form.start legend')?.textContent ?? '',
				checked: r.querySelector('form.start input[name=retention]:checked')?.value ?? '' }; })()`)
			if !strings.Contains(start["notice"], "confidential") {
				t.Errorf("the start screen's notice is %q, want it to say the chat is confidential", start["notice"])
			}
			if start["legend"] != "Keep my messages" || start["checked"] != "24h" {
				t.Errorf("the retention choice is %q with %q chosen, want Keep my messages with 24h chosen", start["legend"], start["checked"])
			}
			if tt.retention != "" {
				p.do("choose the retention", chromedp.Click(inWidget(`input[value=`+tt.retention+`]`)))
			}
			conv := startConversation(p, a)
			// While the conversation runs the panel keeps saying so.
			p.waitFor("the chat panel", widgetView+` === 'chat'`, 5*time.Second)
			if got := eval[string](p, shadow+`.querySelector('.body .conf')?.textContent ?? ''`); got != "Confidential. "+tt.hint {
				t.Errorf("the chat panel says %q above the messages, want %q", got, "Confidential. "+tt.hint)
			}

			p.do("expand", chromedp.Click(inWidget(`.panel header button[aria-label="Open full view"]`)))
			p.waitFor("the conversation in the full view", `!`+shadow+`.querySelector('.full').hidden && `+shadow+`.querySelector('.full .chead .hint')`, 5*time.Second)
			if got := eval[string](p, shadow+`.querySelector('.full .chead .hint').textContent`); got != tt.hint {
				t.Errorf("the full view says %q of the retention, want %q", got, tt.hint)
			}
			c, err := a.api(t).Conversation(ctxT(t), conv)
			want := tt.retention
			if want == "" {
				want = "24h"
			}
			if err != nil || string(c.Retention) != want {
				t.Errorf("the conversation's retention is %q (%v), want %q", c.Retention, err, want)
			}
		})
	}
}

// holdGets holds every GET the tab makes to url until the returned release
// is called; held reports (once) that a first one is being held.
func holdGets(p *page, url string) (held <-chan struct{}, release func()) {
	p.t.Helper()
	paused := chromedp.Events(p.Context, fetch.RequestPaused)
	if _, err := chromedp.Call(p.Context, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: url}}}); err != nil {
		p.t.Fatal(err)
	}
	heldCh, released := make(chan struct{}), make(chan struct{})
	var once sync.Once
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			id := ev.RequestID
			pass := func() {
				_, _ = chromedp.Call(p.Context, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
			}
			if ev.Request.Method != "GET" {
				pass()
				continue
			}
			once.Do(func() { close(heldCh) })
			go func() {
				<-released
				pass()
			}()
		}
	}()
	var releaseOnce sync.Once
	release = func() { releaseOnce.Do(func() { close(released) }) }
	p.t.Cleanup(release)
	return heldCh, release
}

// TestWidgetShowsLoadingWhileItFetches is the seed's "Loading States -
// Visual feedback during data fetching": while the widget waits for the
// API (who the person is, or the active conversation's messages) its
// panel says "Loading…" in a status region, and it shows the start screen
// or the conversation once the answer comes.
func TestWidgetShowsLoadingWhileItFetches(t *testing.T) {
	tests := []struct {
		name string
		// path is the API request held back.
		path string
		// active makes the client's conversation before the widget loads.
		active bool
		then   string
	}{
		{name: "who the person is", path: "/me", then: "start"},
		{name: "the active conversation", path: "/widget/messages", active: true, then: "chat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAccount(t, false)
			if tt.active {
				c, err := a.api(t).CreateConversation(ctxT(t), "24h")
				if err != nil {
					t.Fatal(err)
				}
				counsellorSays(t, counsellor(t), c.ID, "Hello, I'm here")
			}
			p := newBrowser(t)
			watchCSP(p)
			p.do("open the demo page", chromedp.Navigate(demoPage()))
			p.waitFor("the signed-out prompt", widgetView+` === 'signed-out'`, 10*time.Second)
			held, release := holdGets(p, stack.Endpoints.HTTPAPI+tt.path)
			p.do("sign in",
				chromedp.SendKeys(chromedp.ID("username"), a.Username),
				chromedp.SendKeys(chromedp.ID("password"), a.Password),
				chromedp.Click(chromedp.CSS(`#signin button[type=submit]`)),
			)
			select {
			case <-held:
			case <-time.After(10 * time.Second):
				t.Fatalf("the widget never asked for %s", tt.path)
			}
			openPanel(p)
			got := eval[map[string]string](p, `({ view: `+widgetView+`,
				status: `+shadow+`.querySelector('.panel .body [role=status]')?.textContent ?? '' })`)
			if got["view"] != "loading" || got["status"] != "Loading…" {
				t.Errorf("while %s is on its way the widget shows %q saying %q, want loading saying Loading…", tt.path, got["view"], got["status"])
			}
			release()
			p.waitFor("the widget after loading", widgetView+` === `+js(tt.then), 10*time.Second)
			if tt.active {
				waitShown(p, ".body", "Hello, I'm here", 5*time.Second)
			}
			if eval[bool](p, `[...`+shadow+`.querySelectorAll('.panel .body [role=status]')].some((e) => e.textContent === 'Loading…')`) {
				t.Errorf("Loading… still shown after the answer came")
			}
		})
	}
}

// TestWidgetJoinsTheSessionAlreadyOpen is the seed's "Redirects to existing
// session if trying to create duplicate": a client whose widget still
// shows the start screen while a session was opened meanwhile (on another
// device) and who presses Start conversation is taken into that session,
// with what the counsellor wrote in it; no second session is made.
func TestWidgetJoinsTheSessionAlreadyOpen(t *testing.T) {
	a := newAccount(t, false)
	p := clientBrowser(t, a, "")
	openPanel(p)
	p.waitFor("the start screen", widgetView+` === 'start'`, 5*time.Second)

	me := a.api(t)
	elsewhere, err := me.CreateConversation(ctxT(t), "24h")
	if err != nil {
		t.Fatal(err)
	}
	counsellorSays(t, counsellor(t), elsewhere.ID, "Welcome back")

	p.do("start a conversation", chromedp.Click(inWidget(`form.start button[type=submit]`)))
	p.waitFor("the chat", widgetView+` === 'chat'`, 10*time.Second)
	waitShown(p, ".body", "Welcome back", 5*time.Second)
	if got := activeConversation(t, a); got != elsewhere.ID {
		t.Errorf("the active conversation is %s, want the one opened elsewhere, %s", got, elsewhere.ID)
	}
	list, err := me.Conversations(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Conversations) != 1 {
		t.Errorf("the client has %d conversations, want the one", len(list.Conversations))
	}
}

// TestWidgetLeavesNothingOfItsConnections is the seed's "No memory leaks
// from WebSocket connections": a client's widget started again 20 times
// (Confide.refresh, as after a sign-in change: each time it closes its
// WebSocket and opens a new one) holds one connection at the end, and the
// page's event listeners, DOM nodes and JS heap settle back after garbage
// collection.
func TestWidgetLeavesNothingOfItsConnections(t *testing.T) {
	a := newAccount(t, false)
	before := stack.Gateway.ConnectionIDs()
	p := clientBrowser(t, a, "")
	startConversation(p, a)
	if _, err := chromedp.Call(p.Context, performance.Enable, performance.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	reconnect := func() {
		was := newConnections(before)
		eval[bool](p, `window.Confide.refresh().then(() => true)`)
		waitUntil(t, "one new connection in place of the old one", 10*time.Second, func() bool {
			now := newConnections(before)
			return len(now) == 1 && !slices.Equal(now, was)
		})
		p.waitFor("the widget connected", `document.querySelector('confide-widget').dataset.conn === 'open'`, 10*time.Second)
	}
	for range 5 {
		reconnect()
	}
	settled := metrics(p)
	for range 20 {
		reconnect()
	}
	after := metrics(p)
	t.Logf("after 5 and 25 connections: JS heap %.0f → %.0f KB, listeners %.0f → %.0f, nodes %.0f → %.0f",
		settled["JSHeapUsedSize"]/1024, after["JSHeapUsedSize"]/1024, settled["JSEventListeners"], after["JSEventListeners"], settled["Nodes"], after["Nodes"])
	limits := []struct {
		metric string
		grow   float64
	}{
		{"JSHeapUsedSize", 512 << 10},
		{"JSEventListeners", 5},
		{"Nodes", 100},
	}
	for _, l := range limits {
		if got := after[l.metric] - settled[l.metric]; got > l.grow {
			t.Errorf("%s grew by %.0f over 20 connections, want at most %.0f", l.metric, got, l.grow)
		}
	}
	// The old connection's $disconnect may still be on its way.
	waitUntil(t, "the stack to record the client's one connection", 5*time.Second, func() bool {
		return openConnections(t, stack, a.UserID) == 1
	})
}
