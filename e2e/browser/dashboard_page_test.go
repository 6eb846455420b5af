package browser

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/dev/devstack"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// guardScript runs in every document before the page's own scripts: it
// replaces the Notification API with a recorder that says it is permitted,
// so tests see exactly what a desktop notification would have shown, and
// counts the beeps (oscillators started) and records their pitches (Hz).
const guardScript = `(() => {
  window.__notifications = [];
  window.__notificationObjects = [];
  class RecordingNotification {
    constructor(title, options = {}) {
      this.tag = options.tag || '';
      window.__notifications.push({ title, body: options.body, tag: this.tag, bodyType: typeof options.body });
      window.__notificationObjects.push(this);
    }
    close() {}
    static get permission() { return 'granted'; }
    static requestPermission() { return Promise.resolve('granted'); }
  }
  Object.defineProperty(window, 'Notification', { value: RecordingNotification, configurable: true, writable: true });
  window.__beeps = 0;
  window.__tones = [];
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) { window.__beeps++; window.__tones.push(this.frequency.value); return start.apply(this, args); };
})();`

// dashboard is a counsellor's (or a client's) browser on the dashboard.
type dashboard struct {
	*page
}

// openDashboard opens the dashboard of the shared stack and signs a in.
func openDashboard(t *testing.T, a account) *dashboard {
	t.Helper()
	return openDashboardAt(t, web, a)
}

// openDashboardAt opens base's dashboard in a fresh browser and signs a in
// through the form, as a person would.
func openDashboardAt(t *testing.T, base string, a account) *dashboard {
	t.Helper()
	d := &dashboard{page: newBrowser(t)}
	d.guard()
	d.do("open the dashboard", chromedp.Navigate(base+"/dashboard/"), chromedp.WaitVisible(chromedp.ID("signin-username")))
	d.signIn(a)
	return d
}

// guard installs guardScript for every document of the tab, and fails the
// test on any Content-Security-Policy violation (watchCSP).
func (d *dashboard) guard() {
	d.t.Helper()
	watchCSP(d.page)
	ctx, cancel := context.WithTimeout(d.Context, e2ekit.Patience)
	defer cancel()
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: guardScript}); err != nil {
		d.t.Fatalf("install the page guard: %v", err)
	}
}

func (d *dashboard) signIn(a account) {
	d.t.Helper()
	d.do("sign in",
		chromedp.SendKeys(chromedp.ID("signin-username"), a.Username),
		chromedp.SendKeys(chromedp.ID("signin-password"), a.Password),
		chromedp.WaitEnabled(chromedp.ID("signin-submit")),
		chromedp.Click(chromedp.ID("signin-submit")))
	if a.Staff {
		d.waitFor("the dashboard after sign-in", `!document.getElementById('app-view').hidden`, 10*time.Second)
		d.waitLive()
	}
}

// waitLive waits until the staff feed is connected.
func (d *dashboard) waitLive() {
	d.t.Helper()
	d.waitFor("the staff feed to be live", `document.getElementById('conn-status').dataset.state === 'open'`, 10*time.Second)
}

// row is a JavaScript expression for a conversation's queue row.
func row(convID string) string {
	return fmt.Sprintf(`document.querySelector('#queue-list [data-id=%s]')`, js(convID))
}

// rowText returns the text of one part of a queue row ("" when absent).
func (d *dashboard) rowText(convID, part string) string {
	d.t.Helper()
	return eval[string](d.page, fmt.Sprintf(`(() => { const r = %s; const e = r && r.querySelector(%s); return e ? e.textContent : ''; })()`, row(convID), js("."+part)))
}

// openConversation clicks a conversation's row and waits for its view.
func (d *dashboard) openConversation(convID string) {
	d.t.Helper()
	d.waitFor("the conversation's row", row(convID), 10*time.Second)
	// The queue redraws its rows on live events; a row replaced between
	// finding and clicking it is clicked again, as a person would.
	d.clickAgainIfRedrawn("open the conversation", chromedp.CSS(fmt.Sprintf(`#queue-list [data-id="%s"]`, convID)))
	d.waitFor("the conversation view", fmt.Sprintf(`%s && %s.getAttribute('aria-current') === 'true' && !document.getElementById('conv-body').hidden`, row(convID), row(convID)), 10*time.Second)
}

// messageTexts returns the bodies shown in the conversation, in order.
func (d *dashboard) messageTexts() []string {
	d.t.Helper()
	return eval[[]string](d.page, `[...document.querySelectorAll('#messages .msg-body')].map((e) => e.textContent)`)
}

// claimToReply claims the open conversation from the reply box's prompt,
// as a counsellor does before replying to a client waiting for one.
func (d *dashboard) claimToReply() {
	d.t.Helper()
	d.waitFor("the claim prompt over a disabled reply box", `!document.getElementById('composer-claim').hidden && document.getElementById('composer-input').disabled`, 10*time.Second)
	d.do("claim to reply", chromedp.Click(chromedp.ID("composer-claim-button")))
	d.waitFor("the reply box, enabled", `!document.getElementById('composer-input').disabled && document.getElementById('composer-claim').hidden`, 10*time.Second)
}

// reply types a message into the composer and sends it with Enter,
// claiming the conversation first when it waits for a counsellor.
func (d *dashboard) reply(text string) {
	d.t.Helper()
	if eval[bool](d.page, `!document.getElementById('composer-claim').hidden`) {
		d.claimToReply()
	}
	d.do("type a reply", chromedp.SendKeys(chromedp.ID("composer-input"), text), chromedp.SendKeys(chromedp.ID("composer-input"), "\r"))
}

// openAudit opens the audit trail's tab once the page shows it (a
// supervisor's, once the page knows who signed in), clicking again until
// its panel shows: a click before the page is ready is lost.
func (d *dashboard) openAudit() {
	d.t.Helper()
	d.waitFor("the audit trail, open", `(() => {
	  if (!document.getElementById('panel-audit').hidden) return true;
	  const tab = document.getElementById('tab-audit');
	  if (!tab.hidden) tab.click();
	  return false;
	})()`, 10*time.Second)
}

// findAuditRow waits for the audit row the expression finds, loading
// later pages of the trail (oldest first) while it is not there yet.
func (d *dashboard) findAuditRow(what, rowExpr string) {
	d.t.Helper()
	d.waitFor(what+" (or a further page)", fmt.Sprintf(`(() => {
	  if (%s) return true;
	  const more = document.getElementById('audit-more');
	  if (!more.hidden && document.getElementById('audit-status').textContent !== 'Loading…') more.click();
	  return false;
	})()`, rowExpr), 20*time.Second)
}

// text returns an element's textContent.
func (d *dashboard) text(id string) string {
	d.t.Helper()
	return eval[string](d.page, fmt.Sprintf(`document.getElementById(%s).textContent`, js(id)))
}

// shortID is how the dashboard shows an id: its last 8 characters (the
// random part of a ULID or a UUID).
func shortID(id string) string {
	return id[max(0, len(id)-8):]
}

// person is one side of a conversation driven from Go.
type person struct {
	account
	api *client.Client
}

func newPerson(t *testing.T, staff bool) person {
	t.Helper()
	a := newAccount(t, staff)
	return person{account: a, api: a.api(t)}
}

// withConversation signs a fresh counsellor in to the dashboard with a
// fresh client's new conversation open, its first message said.
func withConversation(t *testing.T, retention chat.Retention, first string) (*dashboard, person, chat.Conversation) {
	t.Helper()
	staff := newAccount(t, true)
	alice := newPerson(t, false)
	conv := alice.startConversation(t, retention)
	alice.say(t, conv.ID, first)
	d := openDashboard(t, staff)
	d.openConversation(conv.ID)
	return d, alice, conv
}

// startConversation opens a conversation as a client.
func (p person) startConversation(t *testing.T, retention chat.Retention) chat.Conversation {
	t.Helper()
	c, err := p.api.CreateConversation(ctxT(t), retention)
	if err != nil {
		t.Fatalf("%s starts a conversation: %v", p.Username, err)
	}
	return c
}

// say sends a message over HTTP; a counsellor claims a conversation
// waiting for one first (staff reply only in their own).
func (p person) say(t *testing.T, convID, body string) chat.Message {
	t.Helper()
	if p.Staff {
		c, err := p.api.Conversation(ctxT(t), convID)
		if err != nil {
			t.Fatalf("%s reads %s: %v", p.Username, convID, err)
		}
		if c.Unassigned() {
			if _, err := p.api.Claim(ctxT(t), convID); err != nil {
				t.Fatalf("%s claims %s: %v", p.Username, convID, err)
			}
		}
	}
	m, _, err := p.api.Send(ctxT(t), convID, fmt.Sprintf("go-%d", time.Now().UnixNano()), body)
	if err != nil {
		t.Fatalf("%s sends %q: %v", p.Username, body, err)
	}
	return m
}

// connect opens a WebSocket of p on a conversation (the client's side).
func (p person) connect(t *testing.T, s *devstack.Stack, convID string) *client.Socket {
	t.Helper()
	ws, err := p.api.Connect(ctxT(t), s.Endpoints.WebSocket, convID)
	if err != nil {
		t.Fatalf("%s connects: %v", p.Username, err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// dropConnections closes every open WebSocket of userID through the
// management API, as API Gateway does when it drops a connection; the
// connection ids come from the stack's connection records.
func dropConnections(t *testing.T, s *devstack.Stack, userID string) int {
	t.Helper()
	ctx := ctxT(t)
	conns, err := s.App.Store.UserConnections(ctx, userID, s.Clock.Now())
	if err != nil {
		t.Fatalf("list connections: %v", err)
	}
	for _, c := range conns {
		req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, s.ManagementEndpoint+"/@connections/"+c.ID, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("drop connection: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("drop connection %s: status %d", c.ID, res.StatusCode)
		}
	}
	return len(conns)
}

// openConnections counts userID's open WebSockets in the stack's records.
func openConnections(t *testing.T, s *devstack.Stack, userID string) int {
	t.Helper()
	conns, err := s.App.Store.UserConnections(ctxT(t), userID, s.Clock.Now())
	if err != nil {
		t.Fatalf("list connections: %v", err)
	}
	return len(conns)
}

// noMarkup is a JavaScript expression that is true when nothing in the
// selected subtree is an element a payload would create.
func noMarkup(selector string) string {
	return fmt.Sprintf(`document.querySelectorAll(%s).length === 0`, js(selector+" img, "+selector+" script, "+selector+" svg, "+selector+" iframe, "+selector+" b, "+selector+" a"))
}

// clickAgainIfRedrawn clicks sel, trying again while the element is
// replaced by a redraw between being found and being clicked.
func (d *dashboard) clickAgainIfRedrawn(what string, sel chromedp.CSS) {
	d.t.Helper()
	var err error
	clicked := poll(10*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(d.Context, e2ekit.Patience)
		defer cancel()
		err = chromedp.Do(ctx, chromedp.Click(sel))
		return err == nil || !strings.Contains(err.Error(), "Could not find node")
	})
	if !clicked || err != nil {
		d.t.Fatalf("%s: %v", what, err)
	}
}
