package browser

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/webconfig"
)

// The dashboard as a counsellor on a busy shift uses it (issue 18): claim
// before replying, the name clients see, canned replies from the keyboard,
// clients' feedback, clients as handles with their history, an audit trail
// to read, and a phone.

// TestDashboardClaimBeforeReplying: a conversation waiting for a counsellor
// opens with its reply box disabled under "Claim this conversation to
// reply" and a Claim button; claiming there enables the box, and the reply
// reaches the client. The client is named by the conversation's handle,
// in the queue and in the heading, never by an id.
func TestDashboardClaimBeforeReplying(t *testing.T) {
	d, alice, conv := withConversation(t, chat.Retention24h, "Is anyone there?")
	d.waitFor("the history", `document.querySelectorAll('#messages .msg').length === 1`, 10*time.Second)
	want := "Client · " + chat.Handle(conv.ID)
	if got := d.text("conv-heading"); got != want {
		t.Errorf("heading = %q, want %q", got, want)
	}
	if got := d.rowText(conv.ID, "row-who"); got != want {
		t.Errorf("queue row = %q, want %q", got, want)
	}
	if got := d.text("composer-claim-text"); got != "Claim this conversation to reply." {
		t.Errorf("the reply box says %q, want the claim prompt", got)
	}
	if !eval[bool](d.page, `document.getElementById('composer-input').disabled && document.getElementById('composer-send').disabled`) {
		t.Errorf("the reply box of an unclaimed conversation is enabled")
	}
	if got := eval[string](d.page, `document.getElementById('composer-input').getAttribute('aria-describedby')`); got != "composer-claim-text" {
		t.Errorf("the disabled reply box is described by %q, want the claim prompt", got)
	}
	d.claimToReply()
	if got := d.text("conv-claim-state"); got != "Assigned to you" {
		t.Errorf("claim state = %q, want Assigned to you", got)
	}
	d.reply("I'm here. Take your time.")
	waitUntil(t, "the reply stored", 10*time.Second, func() bool {
		return slices.Contains(storedBodies(t, alice.api, conv.ID), "I'm here. Take your time.")
	})
}

// TestDashboardSetsTheNameClientsSee: the header says how clients see the
// counsellor ("a counsellor" until they choose); a name is checked as the
// server checks it, saved with PUT /me, and the conversations the
// counsellor claims from then on carry it to the client.
func TestDashboardSetsTheNameClientsSee(t *testing.T) {
	staff := newAccount(t, true)
	alice := newPerson(t, false)
	conv := alice.startConversation(t, chat.Retention24h)
	alice.say(t, conv.ID, "Hello?")
	d := openDashboard(t, staff)
	if got := d.text("name-shown"); got != "Clients see you as “a counsellor”" {
		t.Errorf("header = %q, want the unnamed counsellor", got)
	}
	d.do("change the name", chromedp.Click(chromedp.ID("name-edit")))
	d.waitFor("the name field, focused", `document.activeElement.id === 'name-input'`, 5*time.Second)
	d.do("type a bad name", chromedp.SendKeys(chromedp.ID("name-input"), "Sam 2"), chromedp.KeyEvent(kb.Enter))
	d.waitFor("the reason", `document.getElementById('name-error').textContent.includes('letters')`, 5*time.Second)
	eval[bool](d.page, `document.getElementById('name-input').value = '', true`)
	d.do("type a good name", chromedp.SendKeys(chromedp.ID("name-input"), "  Sam   Lee "), chromedp.KeyEvent(kb.Enter))
	d.waitFor("the saved name", `document.getElementById('name-shown').textContent === 'Clients see you as Sam Lee' && document.getElementById('name-form').hidden`, 10*time.Second)
	me, err := staff.api(t).Me(ctxT(t))
	if err != nil || me.DisplayName != "Sam Lee" {
		t.Fatalf("GET /me = %+v, %v; want displayName Sam Lee", me, err)
	}

	d.openConversation(conv.ID)
	d.claimToReply()
	waitUntil(t, "the client's view to name the counsellor", 10*time.Second, func() bool {
		c, err := alice.api.Conversation(ctxT(t), conv.ID)
		return err == nil && c.AssigneeName != nil && *c.AssigneeName == "Sam Lee"
	})
}

// TestDashboardInsertsACannedReplyFromTheKeyboard: "/" in an empty reply
// box opens the service's canned replies (config.json) as a listbox, typing
// filters it, Enter puts the chosen text in the box (not sent: the
// counsellor reads it over), Escape closes without a change, Ctrl+/ opens
// it in a box that has text.
func TestDashboardInsertsACannedReplyFromTheKeyboard(t *testing.T) {
	d, _, _ := withConversation(t, chat.Retention24h, "hello")
	d.claimToReply()
	replies := webconfig.DefaultCannedReplies()
	closing := replies[len(replies)-1]

	d.do("type / in the empty reply box", chromedp.Focus(chromedp.ID("composer-input")), chromedp.KeyEvent("/"))
	d.waitFor("the canned replies, the filter focused", `(() => { const s = document.activeElement;
	  return s.classList.contains('canned-search') && s.getAttribute('role') === 'combobox' && s.getAttribute('aria-expanded') === 'true'; })()`, 5*time.Second)
	if n := eval[int](d.page, `document.querySelectorAll('.canned [role=listbox] [role=option]').length`); n != len(replies) {
		t.Errorf("the list holds %d replies, want %d", n, len(replies))
	}
	if got := d.text("composer-input"); got != "" {
		t.Errorf("the / went into the reply box: %q", got)
	}
	d.do("filter", chromedp.SendKeys(chromedp.CSS(".canned-search"), "clos"))
	d.waitFor("one match", `document.querySelectorAll('.canned [role=option]').length === 1`, 5*time.Second)
	if got := eval[string](d.page, `document.getElementById(document.querySelector('.canned-search').getAttribute('aria-activedescendant')).textContent`); got != closing.Label+closing.Text {
		t.Errorf("the chosen option = %q, want the closing words", got)
	}
	d.do("insert", chromedp.KeyEvent(kb.Enter))
	d.waitFor("the text in the reply box, focused", fmt.Sprintf(`document.getElementById('composer-input').value === %s && document.activeElement.id === 'composer-input' && document.querySelector('.canned').hidden`, js(closing.Text)), 5*time.Second)
	if n := eval[int](d.page, `document.querySelectorAll('#messages .msg-staff').length`); n != 0 {
		t.Errorf("inserting a canned reply sent it (%d staff messages)", n)
	}

	d.do("open with Ctrl+/", chromedp.KeyEvent("/", chromedp.KeyModifiers(kb.ModifierCtrl)))
	d.waitFor("the list again", `!document.querySelector('.canned').hidden && document.activeElement.classList.contains('canned-search')`, 5*time.Second)
	d.do("choose and close", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Escape))
	d.waitFor("the list closed, the box as it was", fmt.Sprintf(`document.querySelector('.canned').hidden && document.activeElement.id === 'composer-input' && document.getElementById('composer-input').value === %s`, js(closing.Text)), 5*time.Second)
}

// TestDashboardShowsTheClientsFeedback: the closed conversation shows the
// client's rating and comment to its counsellor, and the stats list the
// comment among the recent ones, with a link to the conversation.
func TestDashboardShowsTheClientsFeedback(t *testing.T) {
	staff := newAccount(t, true)
	alice := newPerson(t, false)
	conv := closedExchange(t, staff, alice, chat.Retention24h, "I needed to tell someone.", "Thank you for telling me.")
	comment := "It helped to talk. Thank you for listening."
	if err := alice.api.Feedback(ctxT(t), conv.ID, 4, comment); err != nil {
		t.Fatal(err)
	}

	d := openDashboard(t, staff)
	d.waitFor("the recent feedback in the stats", fmt.Sprintf(`[...document.querySelectorAll('#feedback-list .feedback-comment')].some((e) => e.textContent === %s)`, js(comment)), 15*time.Second)
	d.do("show closed conversations", chromedp.Click(chromedp.ID("filter-closed")))
	d.openConversation(conv.ID)
	d.waitFor("the feedback on the closed conversation", fmt.Sprintf(`!document.getElementById('conv-feedback').hidden && document.getElementById('conv-feedback-comment').textContent === %s`, js(comment)), 10*time.Second)
	if got := d.text("conv-feedback-rating"); got != "★★★★☆ 4 / 5" {
		t.Errorf("rating = %q, want ★★★★☆ 4 / 5", got)
	}
	if got := eval[string](d.page, `document.getElementById('conv-feedback-rating').getAttribute('aria-label')`); got != "Rated 4 out of 5" {
		t.Errorf("rating label = %q, want Rated 4 out of 5", got)
	}
}

// TestDashboardLinksTheClientsHistory: a client's earlier permanent
// conversation is listed, by its handle, in the pane of their new one; the
// link opens it.
func TestDashboardLinksTheClientsHistory(t *testing.T) {
	staff := newAccount(t, true)
	alice := newPerson(t, false)
	first := closedExchange(t, staff, alice, chat.RetentionPermanent, "First time here.", "Welcome.")
	second := alice.startConversation(t, chat.RetentionPermanent)
	alice.say(t, second.ID, "It's me again.")

	d := openDashboard(t, staff)
	d.openConversation(second.ID)
	d.waitFor("the history link", fmt.Sprintf(`!document.getElementById('conv-history').hidden && document.querySelector('#conv-history-list [data-id=%s]')?.textContent === %s`, js(first.ID), js(chat.Handle(first.ID))), 10*time.Second)
	d.do("follow it", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#conv-history-list [data-id="%s"]`, first.ID))))
	d.waitFor("the earlier conversation", fmt.Sprintf(`document.getElementById('conv-heading').textContent === %s && document.getElementById('filter-closed').getAttribute('aria-pressed') === 'true'`, js("Client · "+chat.Handle(first.ID))), 10*time.Second)
	d.waitFor("its messages", `document.querySelectorAll('#messages .msg').length === 2`, 10*time.Second)
}

// TestDashboardAuditTrailReads: the audit trail shows the conversation (by
// its handle, a link that opens it) and the message of an edit apart; the
// message id is never in the Conversation column.
func TestDashboardAuditTrailReads(t *testing.T) {
	sup := accountOf(directoryOn(stack, web).NewSupervisor(t))
	alice := newPerson(t, false)
	conv := alice.startConversation(t, chat.Retention24h)
	m := alice.say(t, conv.ID, "helo")
	if _, err := alice.api.Edit(ctxT(t), conv.ID, m.ID, "hello"); err != nil {
		t.Fatal(err)
	}
	d := openDashboard(t, sup)
	d.openAudit()
	edited := fmt.Sprintf(`[...document.querySelectorAll('#audit-rows tr[data-action="message.edited"]')].find((r) => r.querySelector('.audit-conversation')?.dataset.id === %s)`, js(conv.ID))
	d.findAuditRow("the edit's row", edited)
	if got := eval[[]string](d.page, `[...document.querySelectorAll('.audit-table thead th')].map((e) => e.textContent)`); fmt.Sprint(got) != "[When Who Action Conversation Message]" {
		t.Errorf("columns = %v", got)
	}
	cells := eval[[]string](d.page, edited+`.querySelectorAll('td').values().map((e) => e.textContent).toArray()`)
	if len(cells) != 5 || cells[3] != chat.Handle(conv.ID) || cells[4] != shortID(m.ID) {
		t.Errorf("the edit's row = %q, want the handle %q and the message %q apart", cells, chat.Handle(conv.ID), shortID(m.ID))
	}
	eval[bool](d.page, `(`+edited+`).scrollIntoView({ block: 'center' }), true`)
	d.screenshot("dashboard-audit")
	d.do("follow the conversation link", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#audit-rows tr[data-action="message.edited"] .audit-conversation[data-id="%s"]`, conv.ID))))
	d.waitFor("the conversation, opened", fmt.Sprintf(`!document.getElementById('panel-conversations').hidden && document.getElementById('conv-heading').textContent === %s`, js("Client · "+chat.Handle(conv.ID))), 10*time.Second)
}

// TestDashboardStacksOnAPhone: at 390 px the queue and the conversation
// are one column, each the width of the screen; nothing scrolls sideways.
func TestDashboardStacksOnAPhone(t *testing.T) {
	d, _, conv := withConversation(t, chat.Retention24h, "I don't really know how to start, but things have been hard lately.")
	d.claimToReply()
	d.reply("Thank you for reaching out. Start wherever you like.")
	d.waitFor("the reply", `document.querySelectorAll('#messages .msg-staff:not(.msg-pending)').length === 1`, 10*time.Second)
	d.do("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	d.waitFor("the new size", `innerWidth === 390`, 5*time.Second)
	if sideways := eval[bool](d.page, `document.documentElement.scrollWidth > innerWidth`); sideways {
		t.Errorf("the page scrolls sideways at 390 px")
	}
	box := func(id string) map[string]float64 {
		return eval[map[string]float64](d.page, fmt.Sprintf(`(() => { const r = document.getElementById(%s).getBoundingClientRect(); return { left: r.left, top: r.top, width: r.width, bottom: r.bottom }; })()`, js(id)))
	}
	queue, conversation := box("queue-list"), box("conversation")
	if conversation["width"] < 370 || queue["width"] < 350 {
		t.Errorf("widths at 390 px: queue %.0f, conversation %.0f; want each about the screen's", queue["width"], conversation["width"])
	}
	if conversation["top"] < queue["bottom"]-1 {
		t.Errorf("the conversation (top %.0f) is beside the queue (bottom %.0f), want it below", conversation["top"], queue["bottom"])
	}
	// The figures and controls above it leave the queue most of the screen.
	t.Logf("the queue starts %.0f px down an 844 px screen", queue["top"])
	if queue["top"] > 300 {
		t.Errorf("the queue starts %.0f px down an 844 px screen, want within its top 300 px (it was 430)", queue["top"])
	}
	if w := eval[float64](d.page, `document.querySelector('#messages .msg-client').getBoundingClientRect().width`); w < 250 {
		t.Errorf("a message is %.0f px wide at 390 px, want a readable width", w)
	}
	d.screenshot("dashboard-phone-top")
	d.do("scroll to the conversation", chromedp.ScrollIntoView(chromedp.ID("conv-heading")))
	d.screenshot("dashboard-phone")
	_ = conv
}

// closedExchange is a conversation of client with retention r in which
// they said first, counsellor staff answered reply (claiming it) and closed.
func closedExchange(t *testing.T, staff account, client person, r chat.Retention, first, reply string) chat.Conversation {
	t.Helper()
	api := staff.api(t)
	c := client.startConversation(t, r)
	client.say(t, c.ID, first)
	counsellorSays(t, api, c.ID, reply)
	if _, err := api.Close(ctxT(t), c.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDashboardScreenshots saves the dashboard as a counsellor on a shift
// sees it, at 1280×800: the queue with clients waiting (one of them a
// concern), a conversation they claimed, and the canned replies offered.
func TestDashboardScreenshots(t *testing.T) {
	staff := newAccount(t, true)
	api := staff.api(t)
	if _, err := api.SetDisplayName(ctxT(t), "Sam"); err != nil {
		t.Fatal(err)
	}
	waiting := []string{
		"Hi. I'm not sure if this is the right place, but I need to talk to someone.",
		"Everything has been so hard lately and I feel so hopeless.",
		"Is anyone there? I've had a really bad day.",
	}
	var convs []chat.Conversation
	for _, first := range waiting {
		p := newPerson(t, false)
		c := p.startConversation(t, chat.Retention24h)
		p.say(t, c.ID, first)
		convs = append(convs, c)
	}
	alice := newPerson(t, false)
	mine := alice.startConversation(t, chat.RetentionPermanent)
	alice.say(t, mine.ID, "I had a fight with my mum again and I just needed to get out of the house.")
	counsellorSays(t, api, mine.ID, "I'm glad you reached out. Are you somewhere safe right now?")
	alice.say(t, mine.ID, "Yes, I'm at the park near my school. I just don't want to go back yet.")

	d := openDashboard(t, staff)
	d.do("desktop size", chromedp.EmulateViewport(1280, 800))
	d.waitFor("the waiting clients in the queue", fmt.Sprintf(`%s && %s`, row(convs[0].ID), row(convs[2].ID)), 10*time.Second)
	d.waitFor("the concern raised by screening", fmt.Sprintf(`%s.classList.contains('row-concern') || !!%s.querySelector('.risk-concern')`, row(convs[1].ID), row(convs[1].ID)), 10*time.Second)
	d.screenshot("dashboard-queue")

	d.openConversation(mine.ID)
	d.waitFor("the exchange", `document.querySelectorAll('#messages .msg').length === 3`, 10*time.Second)
	d.screenshot("dashboard-conversation")
	d.do("ask for a canned reply", chromedp.Focus(chromedp.ID("composer-input")), chromedp.KeyEvent("/"))
	d.waitFor("the canned replies", `!document.querySelector('.canned').hidden`, 5*time.Second)
	d.screenshot("dashboard-canned")
}
