package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// shadow is the widget's shadow root, for expressions evaluated in the page.
const shadow = `document.querySelector('confide-widget').shadowRoot`

// demoPage is the widget's demo host page.
func demoPage() string { return web + "/widget/demo.html" }

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// inWidget selects the first element matching css in the widget's shadow root.
func inWidget(css string) chromedp.JSPath {
	return chromedp.JSPath(shadow + ".querySelector(" + js(css) + ")")
}

// violations records Content-Security-Policy violations of a tab: a script
// installed before any page script reports each one on the console, and
// the test fails at its end if there was one.
type violations struct {
	mu   sync.Mutex
	seen []string
}

// cspReporter runs before every document's own scripts, so it sees every
// violation, also those of the widget's shadow root (the event is composed).
const cspReporter = `addEventListener('securitypolicyviolation', (e) =>
	console.error('csp-violation', e.violatedDirective + ' blocked ' + e.blockedURI + ' in ' + e.sourceFile), true);`

// watchCSP makes the test fail on any Content-Security-Policy violation in p.
func watchCSP(p *page) {
	p.t.Helper()
	v := &violations{}
	err := chromedp.Listen(p.Context, func(ev any) {
		e, ok := ev.(*runtime.EventConsoleAPICalled)
		if !ok || len(e.Args) < 2 || string(e.Args[0].Value) != `"csp-violation"` {
			return
		}
		v.mu.Lock()
		v.seen = append(v.seen, string(e.Args[1].Value))
		v.mu.Unlock()
	})
	if err != nil {
		p.t.Fatalf("listen for CSP violations: %v", err)
	}
	if _, err := chromedp.Call(p.Context, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: cspReporter}); err != nil {
		p.t.Fatalf("install the CSP reporter: %v", err)
	}
	p.t.Cleanup(func() {
		v.mu.Lock()
		defer v.mu.Unlock()
		for _, s := range v.seen {
			p.t.Errorf("Content-Security-Policy violation: %s", s)
		}
	})
}

// clientBrowser opens a fresh browser (watched for CSP violations) on the
// demo page, signed in as a.
func clientBrowser(t *testing.T, a account, query string) *page {
	t.Helper()
	p := newBrowser(t)
	watchCSP(p)
	signIn(p, a, query)
	return p
}

// tab opens another tab of p's browser on the demo page, signed in as a.
func (p *page) tab(a account) *page {
	p.t.Helper()
	q := p.newTab()
	watchCSP(q)
	signIn(q, a, "")
	return q
}

// signIn opens the demo page and signs in with the demo form, then waits
// until the widget has decided what to show.
func signIn(p *page, a account, query string) {
	p.t.Helper()
	p.do("open the demo page", chromedp.Navigate(demoPage()+query))
	p.waitFor("the signed-out prompt", `document.querySelector('confide-widget')?.dataset.view === 'signed-out'`, 10*time.Second)
	p.do("sign in",
		chromedp.SendKeys(chromedp.ID("username"), a.Username),
		chromedp.SendKeys(chromedp.ID("password"), a.Password),
		chromedp.Click(chromedp.CSS(`#signin button[type=submit]`)),
	)
	p.waitFor("the widget after sign-in", `['start','chat','ended','hidden'].includes(document.querySelector('confide-widget')?.dataset.view)`, 10*time.Second)
}

// view is what the widget shows: loading, signed-out, start, chat, ended, error, hidden or exited.
func view(p *page) string {
	return eval[string](p, `document.querySelector('confide-widget')?.dataset.view || ''`)
}

// openPanel opens the widget's panel with a click on its launcher.
func openPanel(p *page) {
	p.t.Helper()
	if eval[bool](p, shadow+`.querySelector('.panel').hidden`) {
		// The widget stays invisible (clicks go through it) until its stylesheet has loaded.
		p.waitFor("the widget styled", `document.querySelector('confide-widget').style.visibility === ''`, 5*time.Second)
		p.do("open the panel", chromedp.Click(inWidget(".launcher")))
	}
	p.waitFor("the open panel", `!`+shadow+`.querySelector('.panel').hidden`, 5*time.Second)
}

// startConversation starts a conversation from the widget's start screen
// and returns its id.
func startConversation(p *page, a account) string {
	p.t.Helper()
	openPanel(p)
	p.waitFor("the start screen", `document.querySelector('confide-widget').dataset.view === 'start'`, 5*time.Second)
	p.do("start a conversation", chromedp.Click(inWidget(`form.start button[type=submit]`)))
	p.waitFor("the chat", `document.querySelector('confide-widget').dataset.view === 'chat'`, 10*time.Second)
	p.waitFor("the connection", `document.querySelector('confide-widget').dataset.conn === 'open'`, 10*time.Second)
	return activeConversation(p.t, a)
}

// activeConversation is a's active conversation id, from GET /me.
func activeConversation(t *testing.T, a account) string {
	t.Helper()
	me, err := a.api(t).Me(ctxT(t))
	if err != nil || me.ActiveConversationID == nil {
		t.Fatalf("me of %s: %+v, %v", a.Username, me, err)
	}
	return *me.ActiveConversationID
}

// ctxT is a context for one call of a Go protocol client.
func ctxT(t *testing.T) context.Context { return e2ekit.Context(t, e2ekit.Patience) }

// typeAndSend types body into the panel's message box and presses Enter, as a person does.
func typeAndSend(p *page, body string) {
	p.t.Helper()
	p.do("type and send", chromedp.SendKeys(inWidget(`textarea#msg`), body), chromedp.KeyEvent("\r"))
}

// counsellorSays sends body from the counsellor's side over HTTP, claiming
// the conversation first when nobody has (staff reply only in their own).
func counsellorSays(t *testing.T, staff *client.Client, conversationID, body string) chat.Message {
	t.Helper()
	c, err := staff.Conversation(ctxT(t), conversationID)
	if err != nil {
		t.Fatalf("counsellor reads the conversation: %v", err)
	}
	if c.Unassigned() {
		if _, err := staff.Claim(ctxT(t), conversationID); err != nil {
			t.Fatalf("counsellor claims the conversation: %v", err)
		}
	}
	m, _, err := staff.Send(ctxT(t), conversationID, "s-"+fmt.Sprint(time.Now().UnixNano()), body)
	if err != nil {
		t.Fatalf("counsellor send: %v", err)
	}
	return m
}

// shownTexts are the texts of the messages the panel shows, in order.
func shownTexts(p *page, list string) []string {
	return eval[[]string](p, `[...`+shadow+`.querySelectorAll(`+js(list+` li .text`)+`)].map(e => e.textContent)`)
}

// waitShown waits until the list shows text (once or more).
func waitShown(p *page, list, text string, timeout time.Duration) {
	p.t.Helper()
	p.waitFor("message "+short(text)+" shown", `[...`+shadow+`.querySelectorAll(`+js(list+` li .text`)+`)].some(e => e.textContent === `+js(text)+`)`, timeout)
}

// count is how many times want occurs in got.
func count(got []string, want string) int {
	n := 0
	for _, g := range got {
		if g == want {
			n++
		}
	}
	return n
}

// newConnections are the gateway's connections that are not in before.
func newConnections(before []string) []string {
	var out []string
	for _, id := range stack.Gateway.ConnectionIDs() {
		if !slices.Contains(before, id) {
			out = append(out, id)
		}
	}
	return out
}

// storedBodies lists the bodies of a conversation's stored messages, as the counsellor sees them.
func storedBodies(t *testing.T, staff *client.Client, conversationID string) []string {
	t.Helper()
	list, err := staff.Messages(ctxT(t), conversationID, url.Values{"limit": {"100"}})
	if err != nil {
		t.Fatalf("list messages: %v", err)
	}
	var out []string
	for _, m := range list.Messages {
		out = append(out, m.Body)
	}
	return out
}

// counsellor is a fresh staff account's Go client.
func counsellor(t *testing.T) *client.Client {
	t.Helper()
	return newAccount(t, true).api(t)
}

// trimmed joins lines for error messages.
func trimmed(s []string) string { return strings.Join(s, " | ") }

// apiStatus is the HTTP status of a protocol client's error (0: not an API error).
func apiStatus(err error) int {
	var e *client.APIError
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}
