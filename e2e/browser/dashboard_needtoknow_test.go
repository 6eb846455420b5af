package browser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/confidechat/confide/internal/chat"
)

// The dashboard on a need-to-know basis (issue 14): a counsellor reads the
// conversations waiting for a counsellor and their own; of a colleague's,
// they see whose it is, never its words. A supervisor reads every one,
// under a note that the audit trail records it, assigns conversations and
// reads the audit trail, which counsellors do not have.

// oversightText is the supervisor's note over a conversation not theirs.
const oversightText = "You are viewing this conversation as a supervisor. Your view is recorded in the audit trail."

// newSupervisor creates a supervisor (staff, in the supervisors group
// before they ever sign in) and signs them in from Go.
func newSupervisor(t *testing.T) person {
	t.Helper()
	a := newAccount(t, true)
	if err := stack.Cognito.MakeSupervisor(ctxT(t), a.Username); err != nil {
		t.Fatalf("make %s a supervisor: %v", a.Username, err)
	}
	return person{account: a, api: a.api(t)}
}

// inDirectory enters p in the staff directory, as opening the dashboard
// does (GET /me), so colleagues' dashboards can name them.
func (p person) inDirectory(t *testing.T) person {
	t.Helper()
	if _, err := p.api.Me(ctxT(t)); err != nil {
		t.Fatalf("%s asks who they are: %v", p.Username, err)
	}
	return p
}

// secretWords is a message body no page holds unless it was given it.
func secretWords(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "words only the assignee may read " + hex.EncodeToString(b)
}

// claimedConversation is a fresh client's conversation claimed by
// counsellor, the client's first message being words.
func claimedConversation(t *testing.T, counsellor person, words string) (person, chat.Conversation) {
	t.Helper()
	alice := newPerson(t, false)
	conv := alice.startConversation(t, chat.Retention24h)
	alice.say(t, conv.ID, words)
	if _, err := counsellor.api.Claim(ctxT(t), conv.ID); err != nil {
		t.Fatalf("%s claims: %v", counsellor.Username, err)
	}
	return alice, conv
}

// requested lists the paths of the HTTP API the page asked for, in order.
func (d *dashboard) requested() []string {
	d.t.Helper()
	return eval[[]string](d.page, fmt.Sprintf(`performance.getEntriesByType('resource').filter((e) => e.name.startsWith(%s)).map((e) => new URL(e.name).pathname)`, js(stack.Endpoints.HTTPAPI)))
}

// bodyText returns the page's text, to be searched in Go: an expression
// holding the words would put them in the page itself.
func (d *dashboard) bodyText() string {
	d.t.Helper()
	return eval[string](d.page, `document.body.textContent`)
}

// heapHolds reports whether the page's JavaScript heap, after a garbage
// collection, holds s anywhere (a heap snapshot's strings).
func (p *page) heapHolds(s string) bool {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Context, 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	var snapshot strings.Builder
	if err := chromedp.Listen(ctx, func(ev any) {
		if c, ok := ev.(*heapprofiler.EventAddHeapSnapshotChunk); ok {
			mu.Lock()
			snapshot.WriteString(c.Chunk)
			mu.Unlock()
		}
	}); err != nil {
		p.t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, heapprofiler.Enable, cdp.Empty{}); err != nil {
		p.t.Fatalf("heap profiler: %v", err)
	}
	if _, err := chromedp.Call(ctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
		p.t.Fatalf("collect garbage: %v", err)
	}
	if _, err := chromedp.Call(ctx, heapprofiler.TakeHeapSnapshot, heapprofiler.TakeHeapSnapshotParams{}); err != nil {
		p.t.Fatalf("heap snapshot: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if snapshot.Len() == 0 {
		p.t.Fatalf("the heap snapshot came back empty")
	}
	return strings.Contains(snapshot.String(), s)
}

// TestDashboardColleaguesConversationShowsWhoseItIs: a counsellor opening a
// colleague's conversation sees its header and whose it is, with why its
// words are not shown; no message is asked for, none is shown, there is no
// composer, no claim, close or assign control, and no error. Its row in
// the queue names the colleague and shows no words and no unread count.
func TestDashboardColleaguesConversationShowsWhoseItIs(t *testing.T) {
	a := newPerson(t, true).inDirectory(t)
	words := secretWords(t)
	_, conv := claimedConversation(t, a, words)
	b := openDashboard(t, newAccount(t, true))

	b.waitFor("the colleague's row", row(conv.ID), 10*time.Second)
	assigned := "Assigned to " + a.Username
	b.waitFor("the row to name the colleague", fmt.Sprintf(`%s.querySelector('.row-meta').textContent === %s`, row(conv.ID), js(assigned+" · 24-hour")), 10*time.Second)
	if got := b.rowText(conv.ID, "row-preview") + b.rowText(conv.ID, "row-unread"); got != "" {
		t.Errorf("the colleague's row shows %q, want neither words nor an unread count", got)
	}
	b.openConversation(conv.ID)
	b.waitFor("whose it is", fmt.Sprintf(`document.getElementById('conv-claim-state').textContent === %s && !document.getElementById('conv-restricted').hidden`, js(assigned)), 10*time.Second)
	if got, want := b.text("conv-restricted"), "Only "+a.Username+" and a supervisor can read this conversation."; got != want {
		t.Errorf("explanation = %q, want %q", got, want)
	}
	hidden := eval[[]string](b.page, `['messages', 'messages-empty', 'older', 'composer', 'claim', 'close-session', 'assign-form', 'conv-oversight']
	  .filter((id) => !document.getElementById(id).hidden)`)
	if len(hidden) > 0 {
		t.Errorf("shown on a colleague's conversation: %v", hidden)
	}
	if got := b.text("conv-error"); got != "" {
		t.Errorf("error shown = %q, want none", got)
	}
	if n := eval[int](b.page, `document.querySelectorAll('#messages li').length`); n != 0 {
		t.Errorf("%d messages in the page", n)
	}
	if strings.Contains(b.bodyText(), words) {
		t.Errorf("the colleague's words are in the page")
	}
	if asked := b.requested(); slices.Contains(asked, "/conversations/"+conv.ID+"/messages") {
		t.Errorf("the dashboard asked for a colleague's messages: %q", asked)
	}
	if low := eval[[]string](b.page, contrastCheck); len(low) > 0 {
		t.Errorf("text under WCAG AA contrast (4.5:1): %q", low)
	}
	b.screenshot("dashboard-colleagues-conversation")
}

// TestDashboardClaimingAColleaguesConversationSaysWhy: a counsellor looks
// at a waiting conversation (with its Claim button) while their feed is
// down, so they do not hear that a colleague claims it; their claim is
// refused (409) and the page shows the server's reason and whose it is
// now, its words gone.
func TestDashboardClaimingAColleaguesConversationSaysWhy(t *testing.T) {
	a := newPerson(t, true).inDirectory(t)
	b := newAccount(t, true)
	alice := newPerson(t, false)
	conv := alice.startConversation(t, chat.Retention24h)
	alice.say(t, conv.ID, "can someone help me?")
	d := openDashboard(t, b)
	d.openConversation(conv.ID)
	d.waitFor("the waiting conversation with its Claim button", `document.querySelectorAll('#messages .msg').length === 1 && !document.getElementById('claim').hidden`, 10*time.Second)
	waitUntil(t, "the feed's connection record", 5*time.Second, func() bool { return openConnections(t, stack, b.UserID) == 1 })

	d.blockTickets(true)
	t.Cleanup(func() { d.blockTickets(false) })
	if n := dropConnections(t, stack, b.UserID); n != 1 {
		t.Fatalf("dropped %d connections, want the dashboard's feed", n)
	}
	d.waitFor("the dashboard to notice", `document.getElementById('conn-status').dataset.state !== 'open'`, 10*time.Second)
	if _, err := a.api.Claim(ctxT(t), conv.ID); err != nil {
		t.Fatal(err)
	}
	d.do("claim", chromedp.Click(chromedp.ID("claim")))
	want := "Could not claim: A colleague has already claimed this conversation; a supervisor can reassign it."
	d.waitFor("the server's reason", fmt.Sprintf(`document.getElementById('conv-error').textContent === %s`, js(want)), 10*time.Second)
	d.waitFor("whose it is now", fmt.Sprintf(`document.getElementById('conv-claim-state').textContent === %s && document.querySelectorAll('#messages li').length === 0 && document.getElementById('composer').hidden`,
		js("Assigned to "+a.Username)), 10*time.Second)
	if strings.Contains(d.bodyText(), "can someone help me?") {
		t.Errorf("the words stay in the page after the colleague's claim")
	}
}

// TestDashboardSupervisorReadsUnderTheAuditNote: the queue shows a
// supervisor a counsellor's conversation, and one waiting for a counsellor,
// by their records (no words: the queue reads none, for a reading is a
// view); opened, the counsellor's messages show under the note that the
// view is recorded, without a composer, and the audit tab (reached by
// keyboard) lists that view, in words, and no other. The page fits a
// tablet in portrait.
func TestDashboardSupervisorReadsUnderTheAuditNote(t *testing.T) {
	a := newPerson(t, true).inDirectory(t)
	words := secretWords(t)
	_, conv := claimedConversation(t, a, words)
	a.say(t, conv.ID, "I am here with you")
	bob := newPerson(t, false)
	waiting := bob.startConversation(t, chat.Retention24h)
	bob.say(t, waiting.ID, "is anyone there?")
	kai := newSupervisor(t)
	d := openDashboard(t, kai.account)
	if got := d.text("me-label"); got != "Signed in as "+kai.Username+" (supervisor)" {
		t.Errorf("me label = %q", got)
	}

	assigned := "Assigned to " + a.Username
	d.waitFor("the counsellor's row, named", fmt.Sprintf(`%s && %s.querySelector('.row-meta').textContent === %s`, row(conv.ID), row(conv.ID), js(assigned+" · 24-hour")), 10*time.Second)
	d.waitFor("the waiting row", fmt.Sprintf(`%s && %s.querySelector('.row-meta').textContent === 'Unclaimed · 24-hour'`, row(waiting.ID), row(waiting.ID)), 10*time.Second)
	if got := d.rowText(conv.ID, "row-preview") + d.rowText(waiting.ID, "row-preview"); got != "" {
		t.Errorf("the queue shows the supervisor %q before they open a conversation", got)
	}
	d.screenshot("dashboard-supervisor-queue")

	d.openConversation(conv.ID)
	d.waitFor("the messages under the note", `document.querySelectorAll('#messages .msg').length === 2 && !document.getElementById('conv-oversight').hidden`, 10*time.Second)
	if got := d.messageTexts(); !slices.Equal(got, []string{words, "I am here with you"}) {
		t.Errorf("messages = %q", got)
	}
	if got := eval[string](d.page, `document.getElementById('conv-oversight').firstElementChild.textContent`); got != oversightText {
		t.Errorf("note = %q, want %q", got, oversightText)
	}
	if got, want := d.text("conv-oversight-why"), "It is assigned to "+a.Username+"; to answer the client, assign it to yourself."; got != want {
		t.Errorf("note's second line = %q, want %q", got, want)
	}
	if got := d.text("conv-claim-state"); got != assigned {
		t.Errorf("claim state = %q, want %q", got, assigned)
	}
	if got := eval[string](d.page, `document.querySelector('#messages .msg-staff .msg-who').textContent`); got != a.Username {
		t.Errorf("the counsellor's message is signed %q, want their name %q", got, a.Username)
	}
	if !eval[bool](d.page, `document.getElementById('composer').hidden && document.getElementById('claim').hidden && !document.getElementById('assign-form').hidden`) {
		t.Errorf("a supervisor looking at a counsellor's conversation has a composer or a Claim button, or no Assign control")
	}
	if low := eval[[]string](d.page, contrastCheck); len(low) > 0 {
		t.Errorf("text under WCAG AA contrast (4.5:1): %q", low)
	}
	d.screenshot("dashboard-supervisor-view")
	d.do("portrait tablet", chromedp.EmulateViewport(768, 1024))
	d.waitFor("the new size", `innerWidth === 768`, 5*time.Second)
	offscreen := eval[[]string](d.page, `['conv-oversight', 'assign-to', 'assign-submit', 'close-session', 'messages', 'conv-claim-state']
	  .filter((id) => { const r = document.getElementById(id).getBoundingClientRect();
	    return r.width === 0 || r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5; })`)
	if len(offscreen) > 0 || eval[bool](d.page, `document.documentElement.scrollWidth > innerWidth`) {
		t.Errorf("at 768×1024, off screen: %v (or the page scrolls sideways)", offscreen)
	}
	d.screenshot("dashboard-supervisor-view-portrait")
	d.do("desktop", chromedp.EmulateViewport(1280, 800))

	// The view is in the audit trail, in words; the tab is reached by keyboard.
	d.do("to the audit tab by keyboard", chromedp.Focus(chromedp.ID("tab-conversations")), chromedp.KeyEvent(kb.ArrowRight))
	d.waitFor("the audit tab", `document.activeElement.id === 'tab-audit' && !document.getElementById('panel-audit').hidden`, 5*time.Second)
	viewed := fmt.Sprintf(`[...document.querySelectorAll('#audit-rows tr[data-action="conversation.viewed"]')].find((tr) => tr.cells[3].textContent === %s)`, js(chat.Handle(conv.ID)))
	d.findAuditRow("the view in the audit trail", viewed)
	if got := eval[[]string](d.page, `[...(`+viewed+`).cells].slice(1).map((c) => c.textContent)`); !slices.Equal(got, []string{"you", "viewed by a supervisor", chat.Handle(conv.ID), ""}) {
		t.Errorf("audit row of the view = %q", got)
	}
	d.screenshot("dashboard-supervisor-audit")

	// Only the opening read the conversation, and it is the one view recorded.
	asked := d.requested()
	if n := count(asked, "/conversations/"+conv.ID+"/messages"); n != 1 || slices.Contains(asked, "/conversations/"+waiting.ID+"/messages") {
		t.Errorf("the supervisor's dashboard read the counsellor's conversation %d times (want once, on opening) or read the waiting one: %q", n, asked)
	}
	var views []string
	for _, e := range allAudit(t, kai) {
		if e.Action == chat.AuditConversationViewed && e.Actor == kai.UserID {
			views = append(views, e.Target)
		}
	}
	if !slices.Equal(views, []string{conv.ID}) {
		t.Errorf("views recorded for the supervisor = %q, want only the conversation they opened (%s)", views, conv.ID)
	}
}

// TestDashboardSupervisorAssignsAndEveryoneSeesItLive: a supervisor
// assigns a counsellor's conversation to a colleague with the keyboard;
// the first counsellor, who had it open, sees whose it is now and its
// words leave their page and its memory; the colleague, who had it open
// as someone else's in a hidden tab, is notified, now reads it and
// answers; the queues follow.
func TestDashboardSupervisorAssignsAndEveryoneSeesItLive(t *testing.T) {
	first, second := newAccount(t, true), newAccount(t, true)
	alice := newPerson(t, false)
	conv := alice.startConversation(t, chat.Retention24h)
	words := secretWords(t)
	alice.say(t, conv.ID, words)

	one := openDashboard(t, first)
	one.openConversation(conv.ID)
	one.do("claim", chromedp.Click(chromedp.ID("claim")))
	one.waitFor("the claim", `document.getElementById('conv-claim-state').textContent === 'Assigned to you' && document.querySelectorAll('#messages .msg').length === 1`, 10*time.Second)
	if got := one.messageTexts(); !slices.Equal(got, []string{words}) {
		t.Fatalf("the assignee reads %q", got)
	}
	two := openDashboard(t, second)
	two.openConversation(conv.ID)
	two.waitFor("whose it is", fmt.Sprintf(`document.getElementById('conv-claim-state').textContent === %s`, js("Assigned to "+first.Username)), 10*time.Second)

	kai := newSupervisor(t)
	k := openDashboard(t, kai.account)
	k.openConversation(conv.ID)
	k.waitFor("the messages and the Assign control", fmt.Sprintf(`document.querySelectorAll('#messages .msg').length === 1 && document.querySelector('#assign-to option[value=%s]')`, js(second.UserID)), 10*time.Second)
	if got := eval[string](k.page, fmt.Sprintf(`document.querySelector('#assign-to option[value=%s]').textContent`, js(first.UserID))); got != first.Username+" (assigned now)" {
		t.Errorf("the current assignee's choice = %q", got)
	}
	k.screenshot("dashboard-supervisor-assign")
	// The colleague is looking elsewhere: the assignment is news for them.
	two.do("hide the colleague's tab", chromedp.Evaluate[chromedp.Void](`Object.defineProperty(document, 'visibilityState', { get: () => 'hidden', configurable: true }); document.dispatchEvent(new Event('visibilitychange'))`))
	// The keyboard: the colleague is chosen by typing their name into the
	// focused select, then the button is reached with Tab and pressed with Enter.
	k.do("choose the colleague", chromedp.Focus(chromedp.ID("assign-to")), chromedp.SendKeys(chromedp.ID("assign-to"), second.Username))
	k.waitFor("the colleague chosen", fmt.Sprintf(`document.getElementById('assign-to').value === %s`, js(second.UserID)), 5*time.Second)
	k.do("to the Assign button", chromedp.KeyEvent(kb.Tab))
	k.waitFor("the Assign button focused", `document.activeElement.id === 'assign-submit'`, 5*time.Second)
	k.do("assign", chromedp.KeyEvent(kb.Enter))
	to := "Assigned to " + second.Username
	k.waitFor("the new assignee", fmt.Sprintf(`document.getElementById('conv-claim-state').textContent === %s`, js(to)), 10*time.Second)

	// The first counsellor's page: whose it is now, and the words gone.
	one.waitFor("the reassignment, live", fmt.Sprintf(`document.getElementById('conv-claim-state').textContent === %s && !document.getElementById('conv-restricted').hidden`, js(to)), 10*time.Second)
	if got, want := one.text("conv-restricted"), "This conversation is now assigned to "+second.Username+"; only "+second.Username+" and a supervisor can read it."; got != want {
		t.Errorf("the first counsellor is told %q, want %q", got, want)
	}
	if n := eval[int](one.page, `document.querySelectorAll('#messages li').length`); n != 0 || !eval[bool](one.page, `document.getElementById('composer').hidden && document.getElementById('messages').hidden`) {
		t.Errorf("after the reassignment the first counsellor's page shows %d messages or its composer", n)
	}
	one.waitFor("the row, named", fmt.Sprintf(`%s.querySelector('.row-meta').textContent.startsWith(%s) && !%s.querySelector('.row-preview')`, row(conv.ID), js(to), row(conv.ID)), 5*time.Second)
	if strings.Contains(one.bodyText(), words) {
		t.Errorf("the words stay in the first counsellor's page")
	}
	if one.heapHolds(words) {
		t.Errorf("the words stay in the first counsellor's page's memory")
	}
	one.screenshot("dashboard-reassigned-away")

	// The colleague's page: told, then the words, live, and the composer.
	two.waitFor("the notification of the assignment", fmt.Sprintf(`window.__notifications.some((n) => n.tag === %s && n.title === 'Conversation assigned to you' && n.body === 'A conversation is now assigned to you.')`, js(conv.ID)), 10*time.Second)
	two.do("show the colleague's tab", chromedp.Evaluate[chromedp.Void](`Object.defineProperty(document, 'visibilityState', { get: () => 'visible', configurable: true }); document.dispatchEvent(new Event('visibilitychange'))`))
	two.waitFor("the conversation now theirs", `document.getElementById('conv-claim-state').textContent === 'Assigned to you' && document.querySelectorAll('#messages .msg').length === 1 && !document.getElementById('composer').hidden`, 10*time.Second)
	if got := two.messageTexts(); !slices.Equal(got, []string{words}) {
		t.Errorf("the new assignee reads %q, want %q", got, []string{words})
	}
	alice.say(t, conv.ID, "are you still there?")
	two.waitFor("the client's next message, live", `document.querySelectorAll('#messages .msg').length === 2`, 10*time.Second)
	two.reply("Yes, I am here now.")
	two.waitFor("the reply, stored", `document.querySelectorAll('#messages .msg-staff:not(.msg-pending)').length === 1`, 10*time.Second)
	two.waitFor("the row, theirs", fmt.Sprintf(`%s.querySelector('.row-meta').textContent.startsWith('Assigned to you')`, row(conv.ID)), 5*time.Second)
	two.screenshot("dashboard-queue-assignees")
	k.waitFor("the supervisor's view, live", `document.querySelectorAll('#messages .msg').length === 3`, 10*time.Second)
	if got := eval[string](k.page, `document.querySelector('#messages .msg-staff .msg-who').textContent`); got != second.Username {
		t.Errorf("the reply is signed %q for the supervisor, want %q", got, second.Username)
	}
	if n := eval[int](one.page, `document.querySelectorAll('#messages li').length`); n != 0 {
		t.Errorf("the first counsellor's page shows %d messages after the reassignment", n)
	}
}

// TestDashboardCounsellorHasNoAuditTab: a counsellor's dashboard shows no
// audit tab, the arrow keys do not reach one, and no audit request is
// made.
func TestDashboardCounsellorHasNoAuditTab(t *testing.T) {
	d := openDashboard(t, newAccount(t, true))
	d.waitFor("the stats and the queue", `document.getElementById('stat-active').textContent !== '' && document.getElementById('queue-status').textContent === ''`, 10*time.Second)
	if !eval[bool](d.page, `document.getElementById('tab-audit').hidden && document.getElementById('panel-audit').hidden`) {
		t.Errorf("a counsellor sees the audit tab")
	}
	d.do("the arrow keys on the tabs", chromedp.Focus(chromedp.ID("tab-conversations")), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowLeft))
	if !eval[bool](d.page, `document.activeElement.id === 'tab-conversations' && document.getElementById('panel-audit').hidden && !document.getElementById('panel-conversations').hidden`) {
		t.Errorf("the arrow keys left the conversations tab for a counsellor")
	}
	if asked := d.requested(); slices.ContainsFunc(asked, func(p string) bool { return strings.HasPrefix(p, "/audit") }) {
		t.Errorf("a counsellor's dashboard asked for the audit trail: %q", asked)
	}
}
