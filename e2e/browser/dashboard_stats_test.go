package browser

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/dev/devstack"
)

// ownStack starts a stack of the test's own, so global numbers (stats, the
// audit trail) are exactly what the test seeded; it returns its web URL.
func ownStack(t *testing.T) (*devstack.Stack, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Options{Root: "../..", Logger: logger})
	if err != nil {
		t.Fatalf("start a stack: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, strings.TrimSuffix(s.Endpoints.WidgetDemo, "/widget/demo.html")
}

// personOn creates a person on stack s and signs them in from Go.
func personOn(t *testing.T, s *devstack.Stack, base, username string, staff bool) person {
	t.Helper()
	p := directoryOn(s, base).Named(t, username, staff)
	return person{account: accountOf(p), api: p.Client}
}

// supervisorOn creates a supervisor on stack s and signs them in from Go.
func supervisorOn(t *testing.T, s *devstack.Stack, base, username string) person {
	t.Helper()
	p := directoryOn(s, base).NamedSupervisor(t, username)
	return person{account: accountOf(p), api: p.Client}
}

// statTexts is a JavaScript expression with the stats strip as shown.
const statTexts = `Object.fromEntries(['active', 'waiting', 'online', 'first-response', 'session', 'satisfaction', 'ratings']
  .map((k) => [k, document.getElementById('stat-' + k).textContent]))`

// TestDashboardStatsMatchSeededData: on a stack of its own, the stats strip
// first shows zeros and "—" for what cannot be measured yet, then follows
// live, without a reload, the conversations the test seeds at known times.
// The audit trail (a supervisor's) is shown page by page, in words, every
// entry once, colleagues by name.
func TestDashboardStatsMatchSeededData(t *testing.T) {
	s, base := ownStack(t)
	staff := supervisorOn(t, s, base, "supervisor-stats")
	d := openDashboardAt(t, base, staff.account)
	empty := map[string]string{"active": "0", "waiting": "0", "online": "1", "first-response": "—", "session": "—", "satisfaction": "—", "ratings": "no ratings"}
	d.waitStats("the empty stats", empty)

	// Seeded with the stack's clock: first responses 60 s, 120 s and 180 s
	// (median 120 s), sessions 300 s and 180 s (median 240 s), ratings 5 and 4.
	sam := personOn(t, s, base, "sam-stats", true)
	// sam opens a dashboard of their own (GET /me): the staff directory
	// names them, though it was read before they joined.
	if _, err := sam.api.Me(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	clients := make([]person, 4)
	for i := range clients {
		clients[i] = personOn(t, s, base, fmt.Sprintf("client-stats-%d", i), false)
	}
	advance := func(d time.Duration) { s.Clock.Advance(d) }
	answered := clients[0].startConversation(t, chat.Retention24h)
	clients[0].say(t, answered.ID, "hello")
	advance(60 * time.Second)
	sam.say(t, answered.ID, "hi")

	waiting := clients[1].startConversation(t, chat.Retention24h)
	clients[1].say(t, waiting.ID, "is anyone there?")

	rated := clients[2].startConversation(t, chat.Retention24h)
	clients[2].say(t, rated.ID, "hello")
	advance(120 * time.Second)
	sam.say(t, rated.ID, "hi")
	advance(180 * time.Second)
	closeAndRate(t, sam, clients[2], rated.ID, 5)

	quick := clients[3].startConversation(t, chat.Retention24h)
	advance(180 * time.Second)
	sam.say(t, quick.ID, "hi")
	closeAndRate(t, sam, clients[3], quick.ID, 4)

	want := map[string]string{"active": "2", "waiting": "1", "online": "1", "first-response": "2 min", "session": "4 min", "satisfaction": "4.5 / 5", "ratings": "2 ratings"}
	d.waitStats("the seeded stats, live", want)
	st, err := sam.api.Stats(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.ActiveConversations != 2 || st.WaitingConversations != 1 || st.CounsellorsOnline != 1 || st.Satisfaction.Count != 2 {
		t.Errorf("the API's stats %+v disagree with the seeded data", st)
	}
	d.screenshot("dashboard-stats")

	// The audit trail of this stack: paged by the dashboard, every entry
	// of the API once, and no message text.
	for range 12 {
		c := clients[3].startConversation(t, chat.Retention24h)
		if _, err := sam.api.Close(ctxT(t), c.ID); err != nil {
			t.Fatal(err)
		}
	}
	entries := allAudit(t, staff)
	if len(entries) <= 25 {
		t.Fatalf("seeded %d audit entries, want more than one page of 25", len(entries))
	}
	d.openAudit()
	d.waitFor("the first page", `document.querySelectorAll('#audit-rows tr').length === 25 && !document.getElementById('audit-more').hidden`, 10*time.Second)
	for !eval[bool](d.page, `document.getElementById('audit-more').hidden`) {
		n := eval[int](d.page, `document.querySelectorAll('#audit-rows tr').length`)
		d.do("load more", chromedp.Click(chromedp.ID("audit-more")))
		d.waitFor("the next page", fmt.Sprintf(`document.querySelectorAll('#audit-rows tr').length > %d`, n), 10*time.Second)
	}
	// Each row: its action's code, then who, what and which conversation as shown.
	const auditRows = `[...document.querySelectorAll('#audit-rows tr')].map((tr) => [tr.dataset.action, ...[...tr.cells].slice(1).map((c) => c.textContent)])`
	words := map[string]string{chat.AuditConversationCreated: "started by the client", chat.AuditConversationClosed: "closed",
		chat.AuditConversationClaimed: "claimed"}
	wantRows := make([][]string, len(entries))
	for i, e := range entries {
		actor := "client " + shortID(e.Actor)
		switch e.Actor {
		case staff.UserID:
			actor = "you"
		case sam.UserID:
			actor = sam.Username
		}
		// The conversation by its handle; no message: these are conversation actions.
		wantRows[i] = []string{e.Action, actor, words[e.Action], chat.Handle(e.Target), ""}
	}
	var rows [][]string
	// sam is named once the directory has been read again.
	if !poll(10*time.Second, func() bool {
		rows = eval[[][]string](d.page, auditRows)
		return slices.EqualFunc(rows, wantRows, slices.Equal)
	}) {
		if len(rows) != len(wantRows) {
			t.Fatalf("the audit tab shows %d entries, the API has %d", len(rows), len(wantRows))
		}
		for i := range rows {
			if !slices.Equal(rows[i], wantRows[i]) {
				t.Errorf("audit row %d = %q, want %q", i, rows[i], wantRows[i])
			}
		}
	}
	if text := eval[string](d.page, `document.getElementById('panel-audit').textContent`); strings.Contains(text, "hello") || strings.Contains(text, "is anyone there") {
		t.Errorf("the audit tab shows message text")
	}
	d.screenshot("dashboard-audit")

	// The closed filter pages through every closed conversation.
	for range 40 {
		c := clients[3].startConversation(t, chat.Retention24h)
		if _, err := sam.api.Close(ctxT(t), c.ID); err != nil {
			t.Fatal(err)
		}
	}
	d.do("show the queue's closed conversations", chromedp.Click(chromedp.ID("tab-conversations")), chromedp.Click(chromedp.ID("filter-closed")))
	d.waitFor("the first page of closed conversations", `document.querySelectorAll('#queue-list [data-id]').length === 50 && !document.getElementById('queue-more').hidden`, 10*time.Second)
	d.do("load more", chromedp.Click(chromedp.ID("queue-more")))
	d.waitFor("every closed conversation", `document.querySelectorAll('#queue-list [data-id]').length === 54 && document.getElementById('queue-more').hidden`, 10*time.Second)
	if n := eval[int](d.page, fmt.Sprintf(`document.querySelectorAll('#queue-list [data-id=%s], #queue-list [data-id=%s]').length`, js(answered.ID), js(waiting.ID))); n != 0 {
		t.Errorf("active conversations are listed under the closed filter")
	}
	d.openAudit()

	// An empty range says so.
	d.do("choose a range without entries",
		chromedp.SetValue(chromedp.ID("audit-from"), "2020-01-01"),
		chromedp.SetValue(chromedp.ID("audit-to"), "2020-01-02"),
		chromedp.Click(chromedp.CSS(`#audit-form button[type="submit"]`)))
	d.waitFor("the empty range", `document.getElementById('audit-status').textContent === 'No entries in this range.' && document.querySelectorAll('#audit-rows tr').length === 0`, 10*time.Second)
}

// waitStats waits until the stats strip shows want.
func (d *dashboard) waitStats(what string, want map[string]string) {
	d.t.Helper()
	var got map[string]string
	if !poll(15*time.Second, func() bool {
		got = eval[map[string]string](d.page, statTexts)
		return maps.Equal(got, want)
	}) {
		d.t.Fatalf("%s: the stats strip shows %v, want %v", what, got, want)
	}
}

func closeAndRate(t *testing.T, counsellor, c person, convID string, rating int) {
	t.Helper()
	if _, err := counsellor.api.Close(ctxT(t), convID); err != nil {
		t.Fatal(err)
	}
	if err := c.api.Feedback(ctxT(t), convID, rating, ""); err != nil {
		t.Fatal(err)
	}
}

// allAudit reads the whole default range of the audit trail from the API.
func allAudit(t *testing.T, staff person) []chat.AuditEntry {
	t.Helper()
	var out []chat.AuditEntry
	q := url.Values{"limit": {"200"}}
	for {
		page, err := staff.api.Audit(ctxT(t), q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Entries...)
		if page.NextCursor == nil {
			return out
		}
		q.Set("cursor", *page.NextCursor)
	}
}
