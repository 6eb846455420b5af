package browser

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/confidechat/confide/internal/chat"
)

// Safeguarding triage in the dashboard (issue 16): the person at risk is
// answered first. Rows and the open conversation carry the level as a
// badge, the queue puts urgent and concern first, an urgent conversation
// waiting to be claimed alerts everyone on staff (banner, sound,
// notification without words), staff set the level by hand with a reason,
// and the stats strip says how long urgent conversations waited for a claim.

// urgentBanner is a JavaScript expression with the urgent banner's text ("" when not shown).
const urgentBanner = `(document.getElementById('urgent-banner').offsetParent ? document.getElementById('urgent-banner').textContent : '')`

// riskOfRow is a JavaScript expression with the level a row's badge shows ("" for none).
func riskOfRow(convID string) string {
	return fmt.Sprintf(`(%s?.querySelector('.risk-label')?.textContent || '')`, row(convID))
}

// TestDashboardUrgentConversationFirstAndAlerted: three clients wait; the
// second writes of self-harm (concern) and the last, the newest, that they
// are going to end it tonight (urgent). A supervisor's queue (which reads no
// message of theirs) puts the urgent one first, then the concern, with
// their badges; the banner appears with the urgent sound and a notification
// that holds no words; a counsellor's page alerts too (they may claim it).
// The wait since it became urgent moves on with the service's clock; the
// banner's button opens it; once claimed, the banner goes.
func TestDashboardUrgentConversationFirstAndAlerted(t *testing.T) {
	s, base := ownStack(t)
	kai := supervisorOn(t, s, base, "kai-triage")
	sam := personOn(t, s, base, "sam-triage", true)
	k := openDashboardAt(t, base, kai.account)
	c := openDashboardAt(t, base, sam.account)

	clients := make([]person, 3)
	convs := make([]chat.Conversation, 3)
	for i := range clients {
		clients[i] = personOn(t, s, base, fmt.Sprintf("client-triage-%d", i), false)
		convs[i] = clients[i].startConversation(t, chat.Retention24h)
		clients[i].say(t, convs[i].ID, "hello, is anyone there?")
		s.Clock.Advance(2 * time.Minute)
	}
	oldest, middle, newest := convs[0].ID, convs[1].ID, convs[2].ID
	k.waitFor("the three waiting, longest on top", fmt.Sprintf(`JSON.stringify(%s) === %s`, queueOrder, js(fmt.Sprintf(`[%q,%q,%q]`, oldest, middle, newest))), 10*time.Second)
	if got := eval[string](k.page, urgentBanner); got != "" {
		t.Fatalf("the banner shows %q before anything is urgent", got)
	}

	clients[1].say(t, middle, "I cut myself again")
	const words = "I'm going to end it tonight"
	clients[2].say(t, newest, words)
	for _, d := range []*dashboard{k, c} {
		d.waitFor("urgent, then concern, then the rest", fmt.Sprintf(`JSON.stringify(%s) === %s`, queueOrder, js(fmt.Sprintf(`[%q,%q,%q]`, newest, middle, oldest))), 10*time.Second)
		d.waitFor("the badges", fmt.Sprintf(`%s === 'Urgent' && %s === 'Concern' && %s === ''`, riskOfRow(newest), riskOfRow(middle), riskOfRow(oldest)), 5*time.Second)
		if got := d.rowText(middle, "risk-why"); got != "self-harm" {
			t.Errorf("the concern's reason = %q, want self-harm", got)
		}
		if got := d.rowText(newest, "risk-wait"); got != "urgent < 1 min" {
			t.Errorf("the urgent row's wait = %q, want %q", got, "urgent < 1 min")
		}
		d.waitFor("the banner", fmt.Sprintf(`%s.includes(%s)`, urgentBanner, js("Urgent: client "+chat.Handle(newest)+" is waiting for a counsellor to claim their conversation.")), 5*time.Second)
		notes := eval[[]map[string]string](d.page, `window.__notifications.filter((n) => n.title === 'Urgent conversation')`)
		if len(notes) != 1 || notes[0]["body"] != "An urgent conversation is waiting." || notes[0]["tag"] != newest {
			t.Errorf("urgent notifications = %v, want one, without words", notes)
		}
		if eval[bool](d.page, fmt.Sprintf(`JSON.stringify(window.__notifications).includes(%s)`, js("end it"))) {
			t.Errorf("a notification holds the client's words")
		}
		if tones := eval[[]float64](d.page, `window.__tones`); !slices.Contains(tones, 1040) {
			t.Errorf("tones played = %v, want the urgent sound (740, 880, 1040 Hz)", tones)
		}
	}
	asked := eval[[]string](k.page, fmt.Sprintf(`performance.getEntriesByType('resource').filter((e) => e.name.startsWith(%s)).map((e) => new URL(e.name).pathname)`, js(s.Endpoints.HTTPAPI)))
	for _, p := range asked {
		if strings.HasSuffix(p, "/messages") {
			t.Errorf("the supervisor's queue read messages to order or badge it: %q", asked)
		}
	}
	if strings.Contains(k.bodyText(), words) {
		t.Errorf("the client's words are in the supervisor's page before they open the conversation")
	}

	// Time passes at the service: the next news moves the urgent wait on.
	s.Clock.Advance(4 * time.Minute)
	clients[0].say(t, oldest, "still here")
	k.waitFor("the urgent wait, moved on", fmt.Sprintf(`%s.querySelector('.risk-wait')?.textContent === 'urgent 4 min'`, row(newest)), 10*time.Second)
	k.waitFor("the stats strip to count it", `document.getElementById('stat-urgent-waiting').textContent === '1'`, 10*time.Second)
	k.screenshot("dashboard-triage-queue")

	// The banner's button opens it, by keyboard.
	k.do("open it from the banner", chromedp.Focus(chromedp.ID("urgent-open")), chromedp.KeyEvent(kb.Enter))
	k.waitFor("the urgent conversation open, its badge in the header", fmt.Sprintf(`%s.getAttribute('aria-current') === 'true' && document.querySelector('#conv-risk .risk-label')?.textContent === 'Urgent'`, row(newest)), 10*time.Second)
	if got := eval[string](k.page, `document.querySelector('#conv-risk .risk-wait')?.textContent || ''`); got != "urgent 4 min" {
		t.Errorf("the header's urgent wait = %q, want urgent 4 min", got)
	}
	k.screenshot("dashboard-triage-banner")

	// sam claims it: the banner goes from every page; the badge stays, without the wait.
	if _, err := sam.api.Claim(ctxT(t), newest); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*dashboard{k, c} {
		d.waitFor("the banner to go", urgentBanner+` === ''`, 10*time.Second)
		d.waitFor("the badge without the wait", fmt.Sprintf(`%s === 'Urgent' && !%s.querySelector('.risk-wait')`, riskOfRow(newest), row(newest)), 5*time.Second)
		if low := eval[[]string](d.page, contrastCheck); len(low) > 0 {
			t.Errorf("text under WCAG AA contrast (4.5:1): %q", low)
		}
	}
}

// TestDashboardRiskSetByHandSeenLive: a counsellor sets a waiting
// conversation's level by keyboard, with a reason (none chosen: told to
// choose one); a colleague's page shows the new badge and the banner live,
// and loses them when the level is set back with another reason. The
// server's refusal (the conversation closed meanwhile, unheard) is shown in
// words.
func TestDashboardRiskSetByHandSeenLive(t *testing.T) {
	staff := newAccount(t, true)
	alice := newPerson(t, false)
	conv := alice.startConversation(t, chat.Retention24h)
	alice.say(t, conv.ID, "I would like to talk about my week")
	d := openDashboard(t, staff)
	d.openConversation(conv.ID)
	other := openDashboard(t, newAccount(t, true))
	other.waitFor("the row, without a badge", row(conv.ID)+` && `+riskOfRow(conv.ID)+` === ''`, 10*time.Second)
	d.waitFor("the level control, folded away", `!document.getElementById('risk-panel').hidden && !document.getElementById('risk-panel').open && document.getElementById('risk-level').value === 'none' && document.getElementById('conv-risk').hidden`, 10*time.Second)

	// The keyboard: the control opens from its summary; the level is chosen
	// by typing into the focused select; with no reason the form says to
	// choose one, and sends nothing.
	d.do("open the control", chromedp.Focus(chromedp.ID("risk-toggle")), chromedp.KeyEvent(kb.Enter))
	d.waitFor("the control open", `document.getElementById('risk-panel').open`, 5*time.Second)
	d.do("choose Urgent", chromedp.Focus(chromedp.ID("risk-level")), chromedp.SendKeys(chromedp.ID("risk-level"), "Urgent"))
	d.waitFor("Urgent chosen", `document.getElementById('risk-level').value === 'urgent'`, 5*time.Second)
	d.do("to the button, and press it", chromedp.Focus(chromedp.ID("risk-submit")), chromedp.KeyEvent(kb.Enter))
	d.waitFor("the reason asked for", `document.getElementById('conv-error').textContent === 'Choose a reason for the new level.' && document.activeElement.id === 'risk-reason'`, 5*time.Second)
	d.do("choose the reason", chromedp.SendKeys(chromedp.ID("risk-reason"), "Disclosed"))
	d.waitFor("the reason chosen", `document.getElementById('risk-reason').value === 'disclosed-to-counsellor'`, 5*time.Second)
	d.screenshot("dashboard-triage-control")
	d.do("to the Set level button", chromedp.KeyEvent(kb.Tab))
	d.waitFor("the button focused", `document.activeElement.id === 'risk-submit'`, 5*time.Second)
	d.do("set the level", chromedp.KeyEvent(kb.Enter))
	d.waitFor("the header's badge, the control folded away again", `document.querySelector('#conv-risk .risk-label')?.textContent === 'Urgent' && document.getElementById('conv-error').textContent === '' && !document.getElementById('risk-panel').open`, 10*time.Second)
	if got := eval[string](d.page, `document.querySelector('#conv-risk .risk-why').textContent`); got != "set by staff" {
		t.Errorf("the header's reason = %q, want set by staff", got)
	}
	other.waitFor("the colleague's badge, live", riskOfRow(conv.ID)+` === 'Urgent'`, 10*time.Second)
	other.waitFor("the colleague's banner", urgentBanner+` !== ''`, 5*time.Second)
	other.screenshot("dashboard-triage-set-by-hand")
	c, err := alice.api.Conversation(ctxT(t), conv.ID)
	if err != nil || c.Risk != "" {
		t.Errorf("the client's view of the conversation carries the risk %q (%v)", c.Risk, err)
	}

	// Set back: a false alarm.
	d.do("open the control", chromedp.Click(chromedp.ID("risk-toggle")))
	d.waitFor("the control open", `document.getElementById('risk-panel').open`, 5*time.Second)
	d.do("choose No risk", chromedp.SendKeys(chromedp.ID("risk-level"), "No"))
	d.do("choose the reason", chromedp.SendKeys(chromedp.ID("risk-reason"), "Screening"))
	d.waitFor("the choices", `document.getElementById('risk-level').value === 'none' && document.getElementById('risk-reason').value === 'screening-false-alarm'`, 5*time.Second)
	d.do("set the level", chromedp.Click(chromedp.ID("risk-submit")))
	d.waitFor("no badge", `document.getElementById('conv-risk').hidden`, 10*time.Second)
	other.waitFor("the colleague's badge and banner gone", riskOfRow(conv.ID)+` === '' && `+urgentBanner+` === ''`, 10*time.Second)

	// The server refuses: the counsellor claims it, and a supervisor closes
	// it while this page's feed is down.
	d.do("claim", chromedp.Click(chromedp.ID("claim")))
	d.waitFor("the claim", `document.getElementById('conv-claim-state').textContent === 'Assigned to you'`, 10*time.Second)
	d.blockTickets(true)
	t.Cleanup(func() { d.blockTickets(false) })
	if n := dropConnections(t, stack, staff.UserID); n != 1 {
		t.Fatalf("dropped %d connections, want the dashboard's feed", n)
	}
	d.waitFor("the dashboard to notice", `document.getElementById('conn-status').dataset.state !== 'open'`, 10*time.Second)
	kai := newSupervisor(t)
	if _, err := kai.api.Close(ctxT(t), conv.ID); err != nil {
		t.Fatal(err)
	}
	res, err := kai.api.Do(ctxT(t), http.MethodPut, "/conversations/"+conv.ID+"/risk", map[string]string{"level": "concern", "reason": "risk-resolved"})
	if err != nil || res.Status != http.StatusConflict {
		t.Fatalf("setting the level of a closed conversation: %v %v, want 409", res.Status, err)
	}
	var refusal struct {
		Error struct{ Message string } `json:"error"`
	}
	if err := json.Unmarshal(res.Body, &refusal); err != nil || refusal.Error.Message == "" {
		t.Fatalf("the refusal %s: %v", res.Body, err)
	}
	d.do("open the control", chromedp.Click(chromedp.ID("risk-toggle")))
	d.waitFor("the control open", `document.getElementById('risk-panel').open`, 5*time.Second)
	d.do("choose Concern", chromedp.SendKeys(chromedp.ID("risk-level"), "Concern"), chromedp.SendKeys(chromedp.ID("risk-reason"), "Risk"))
	d.do("set the level", chromedp.Click(chromedp.ID("risk-submit")))
	d.waitFor("the server's refusal in words", fmt.Sprintf(`document.getElementById('conv-error').textContent === %s`, js("Could not set the level: "+refusal.Error.Message)), 10*time.Second)
}

// TestDashboardStatsShowUrgentToClaim: on a stack of its own, the stats
// strip says an urgent conversation is waiting, then, once claimed three
// minutes after it became urgent, how long urgent conversations waited.
func TestDashboardStatsShowUrgentToClaim(t *testing.T) {
	s, base := ownStack(t)
	kai := supervisorOn(t, s, base, "kai-urgent-stats")
	sam := personOn(t, s, base, "sam-urgent-stats", true)
	d := openDashboardAt(t, base, kai.account)
	urgentStats := `[document.getElementById('stat-urgent-to-claim').textContent, document.getElementById('stat-urgent-waiting').textContent].join(' | ')`
	d.waitFor("nothing urgent yet", urgentStats+` === 'none yet | 0'`, 10*time.Second)

	alex := personOn(t, s, base, "client-urgent-stats", false)
	conv := alex.startConversation(t, chat.Retention24h)
	alex.say(t, conv.ID, "I have the rope")
	// The stack's clock runs on by itself too: seconds may have passed.
	d.waitFor("one urgent waiting", urgentStats+`.match(/^median \d+ s, 90% within \d+ s \| 1$/)`, 10*time.Second)
	s.Clock.Advance(3 * time.Minute)
	if _, err := sam.api.Claim(ctxT(t), conv.ID); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the claim three minutes after", urgentStats+` === 'median 3 min, 90% within 3 min | 0'`, 10*time.Second)
	d.screenshot("dashboard-triage-stats")
}

// TestDashboardUrgentBeyondTheFirstPageIsOnTop: on a stack of its own with
// more active conversations than the queue's first page (50, most recently
// active first), the least recently active one, urgent, is still on top of
// a supervisor's queue with the banner as the dashboard opens (GET /queue
// names the conversations at risk).
func TestDashboardUrgentBeyondTheFirstPageIsOnTop(t *testing.T) {
	s, base := ownStack(t)
	first := personOn(t, s, base, "client-beyond-0", false)
	urgent := first.startConversation(t, chat.Retention24h)
	first.say(t, urgent.ID, "I've taken all my tablets")
	for i := 1; i <= 50; i++ {
		s.Clock.Advance(time.Second)
		c := personOn(t, s, base, fmt.Sprintf("client-beyond-%d", i), false)
		conv := c.startConversation(t, chat.Retention24h)
		c.say(t, conv.ID, "hello")
	}
	kai := supervisorOn(t, s, base, "kai-beyond")
	d := openDashboardAt(t, base, kai.account)
	d.waitFor("the first page, with the urgent one on top", fmt.Sprintf(`%s.length === 51 && %s[0] === %s`, queueOrder, queueOrder, js(urgent.ID)), 15*time.Second)
	d.waitFor("its badge and the banner", riskOfRow(urgent.ID)+` === 'Urgent' && `+urgentBanner+` !== ''`, 5*time.Second)
}
