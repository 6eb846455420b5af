package browser

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestDashboardModulesDecideAsDocumented runs the dashboard's pure
// functions in the browser, with the modules the page loads: the waiting
// and duration texts, the queue's summary and order, the server clock
// estimate, the stats texts, the previews and the audit range (in a time
// zone east of UTC, where a local day starts the evening before in UTC).
func TestDashboardModulesDecideAsDocumented(t *testing.T) {
	p := newBrowser(t)
	watchCSP(p)
	p.do("open the dashboard", chromedp.Navigate(web+"/dashboard/"), chromedp.WaitVisible(chromedp.ID("signin-username")))
	ctx, cancel := context.WithTimeout(p.Context, 5*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Europe/Berlin"}); err != nil {
		t.Fatalf("time zone: %v", err)
	}
	const load = `const time = await import('/dashboard/time.js');
	  const queue = await import('/dashboard/queue.js');
	  const labels = await import('/dashboard/labels.js');
	  const stats = await import('/dashboard/stats.js');
	  const audit = await import('/dashboard/audit.js');
	  const msg = (id, role, at, extra = {}) => ({ id, senderRole: role, createdAt: at, body: 'm' + id, ...extra });
	  const conv = (id, last, waitingSince) => ({ conv: { id, createdAt: '2026-11-26T08:00:00.000Z', lastMessageAt: last }, waitingSince });`
	tests := []struct {
		name, expr, want string
	}{
		{"under a minute", `time.waitingText(59999)`, `"waiting < 1 min"`},
		{"negative wait", `time.waitingText(-5000)`, `"waiting < 1 min"`},
		{"minutes", `time.waitingText(3 * 60000 + 5000)`, `"waiting 3 min"`},
		{"hours", `time.waitingText(61 * 60000)`, `"waiting 1 h 1 min"`},
		{"no duration", `time.formatDuration(null)`, `"—"`},
		{"seconds", `time.formatDuration(45)`, `"45 s"`},
		{"minutes and seconds", `time.formatDuration(90)`, `"1 min 30 s"`},
		{"rounds to a minute", `time.formatDuration(59.6)`, `"1 min"`},
		{"hours and minutes", `time.formatDuration(3725)`, `"1 h 2 min"`},
		{"server clock ahead", `(() => { const c = new time.ServerClock(() => 1000); c.observe('1970-01-01T00:00:05.000Z'); c.observe('1970-01-01T00:00:03.000Z');
		  return [c.now(), c.since('1970-01-01T00:00:02.000Z'), c.since('1970-01-01T00:00:09.000Z')]; })()`, `[5000,3000,0]`},
		{"server clock behind is not guessed", `(() => { const c = new time.ServerClock(() => 9000); c.observe('1970-01-01T00:00:05.000Z'); return c.now(); })()`, `9000`},
		{"waiting since the first unanswered client message", `queue.summarize([msg('1', 'client', 'a'), msg('2', 'staff', 'b'), msg('3', 'client', 'c'), msg('4', 'client', 'd')])`,
			`{"last":{"id":"4","senderRole":"client","createdAt":"d","body":"m4"},"waitingSince":"c"}`},
		{"answered", `queue.summarize([msg('1', 'client', 'a'), msg('2', 'staff', 'b')]).waitingSince`, `null`},
		{"no messages", `queue.summarize([])`, `{"last":null,"waitingSince":null}`},
		{"waiting first, longest on top, then most recent", `queue.orderRows([
		    conv('a', '2026-11-26T10:00:00.000Z', null), conv('b', '2026-11-26T09:05:00.000Z', '2026-11-26T09:05:00.000Z'),
		    conv('c', '2026-11-26T11:00:00.000Z', null), conv('d', '2026-11-26T10:30:00.000Z', '2026-11-26T09:00:00.000Z'),
		    conv('e', null, null)]).map((r) => r.conv.id)`, `["d","b","c","a","e"]`},
		{"stats nulls", `stats.statText({ activeConversations: 0, waitingConversations: 0, counsellorsOnline: 0, medianFirstResponseSeconds: null, medianSessionSeconds: null, satisfaction: { average: null, count: 0 } })`,
			`{"active":"0","waiting":"0","online":"0","firstResponse":"—","session":"—","satisfaction":"—","ratings":"no ratings"}`},
		{"stats values", `stats.statText({ activeConversations: 3, waitingConversations: 1, counsellorsOnline: 2, medianFirstResponseSeconds: 75, medianSessionSeconds: 1800, satisfaction: { average: 4.333, count: 1 } })`,
			`{"active":"3","waiting":"1","online":"2","firstResponse":"1 min 15 s","session":"30 min","satisfaction":"4.3 / 5","ratings":"1 rating"}`},
		{"deleted preview", `labels.previewText({ senderRole: 'client', deleted: true })`, `"Message deleted"`},
		{"counsellor preview", `labels.previewText({ senderRole: 'staff', body: ' two\n\nlines ' })`, `"Counsellor: two lines"`},
		{"long preview", `labels.previewText({ senderRole: 'client', body: 'x'.repeat(500) }).length`, `120`},
		{"claims", `[labels.claimText(null, 'me'), labels.claimText('me', 'me'), labels.claimText('0123456789abcdef', 'me')]`, `["Unclaimed","Claimed by you","Claimed by colleague 89abcdef"]`},
		{"retention", `[labels.retentionText('24h'), labels.retentionText('permanent')]`, `["24-hour: deleted 24 h after each message","Kept permanently"]`},
		{"audit range in local days", `audit.auditRange('2026-11-20', '2026-11-26')`, `{"from":"2026-11-19T23:00:00.000Z","to":"2026-11-26T23:00:00.000Z"}`},
		{"open audit range", `audit.auditRange('', '')`, `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := eval[string](p, `(async () => { `+load+` return JSON.stringify(`+tc.expr+`); })()`)
			if got != tc.want {
				t.Errorf("%s\n got %s\nwant %s", tc.expr, got, tc.want)
			}
		})
	}
}
