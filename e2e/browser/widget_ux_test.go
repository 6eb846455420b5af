package browser

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/dev/devstack"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// availabilityLook is longer than the widget's AVAILABILITY_EVERY (15 s):
// what it shows must change within one look, without a reload.
const availabilityLook = 25 * time.Second

// queuePlace is the client's place in the queue as the chat panel says it
// (1 for "next"), 0 while it says none.
const queuePlace = `(() => { const t = ` + shadow + `.querySelector('.next')?.textContent || '';
	if (t.startsWith('You are next in the queue.')) return 1;
	const m = t.match(/^You are number (\d+) in the queue\./); return m ? +m[1] : 0; })()`

// joinedLine says whether the chat shows the system line text.
func joinedLine(text string) string {
	return `[...` + shadow + `.querySelectorAll('.body li.sys .note')].some(e => e.textContent === ` + js(text) + `)`
}

// TestWidgetWhereTheyStandIsLive: the start screen's availability changes
// when a counsellor comes online, without a reload; after the first
// message the chat says the client's place in the queue, which moves up
// when a conversation ahead is claimed; a claim shows "A counsellor has
// joined the conversation" (no display name on this branch), never an
// account id.
func TestWidgetWhereTheyStandIsLive(t *testing.T) {
	a := newAccount(t, false)
	sam := newAccount(t, true)
	staff := sam.api(t)
	p := clientBrowser(t, a, "")
	openPanel(p)
	p.waitFor("nobody online", shadow+`.querySelector('.avail').textContent.startsWith('No counsellor is online right now.')`, 5*time.Second)

	feed, err := staff.Connect(ctxT(t), stack.Endpoints.WebSocket, "")
	if err != nil {
		t.Fatalf("counsellor's staff feed: %v", err)
	}
	defer feed.Close()
	p.waitFor("a counsellor online, without a reload", shadow+`.querySelector('.avail').textContent === 'A counsellor is online now.'`, availabilityLook)

	// Someone already waits: their conversation is ahead.
	other := newAccount(t, false).api(t)
	ahead, err := other.CreateConversation(ctxT(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Send(ctxT(t), ahead.ID, "c-ahead", "Is anyone there?"); err != nil {
		t.Fatal(err)
	}
	conv := startConversation(p, a)
	if got := eval[string](p, shadow+`.querySelector('.next').textContent`); got != "A counsellor is online. Write whenever you are ready." {
		t.Errorf("before the first message the chat says %q", got)
	}
	typeAndSend(p, "I would like to talk to someone.")
	p.waitFor("the place in the queue", queuePlace+` > 1`, 10*time.Second)
	before := eval[int](p, queuePlace)

	if _, err := staff.Claim(ctxT(t), ahead.ID); err != nil {
		t.Fatal(err)
	}
	p.waitFor(fmt.Sprintf("the place moving up from %d without a reload", before), queuePlace+` === `+fmt.Sprint(before-1), availabilityLook)

	if _, err := staff.Claim(ctxT(t), conv); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the joined line", joinedLine("A counsellor has joined the conversation"), 10*time.Second)
	if !eval[bool](p, shadow+`.querySelector('.next').hidden`) {
		t.Errorf("once claimed the chat still says %q above the messages", eval[string](p, shadow+`.querySelector('.next').textContent`))
	}
	// A page loaded later has no joined line: the line above the messages says it.
	q := p.tab(a)
	openPanel(q)
	q.waitFor("who they are talking with, on another page", shadow+`.querySelector('.next')?.textContent === 'You are talking with a counsellor.'`, 10*time.Second)
	if text := eval[string](p, shadow+`.querySelector('.panel').textContent`); strings.Contains(text, sam.UserID) || strings.Contains(text, sam.Username) {
		t.Errorf("the panel shows the counsellor's account (%s / %s): %q", sam.UserID, sam.Username, text)
	}
}

// TestWidgetJoinedShowsTheCounsellorsName: the joined line names the
// counsellor by the display name they chose (PUT /me).
func TestWidgetJoinedShowsTheCounsellorsName(t *testing.T) {
	sam := newAccount(t, true)
	staff := sam.api(t)
	if _, err := staff.SetDisplayName(ctxT(t), "Sam"); err != nil {
		t.Fatalf("PUT /me: %v", err)
	}
	a := newAccount(t, false)
	p := clientBrowser(t, a, "")
	conv := startConversation(p, a)
	typeAndSend(p, "Hello?")
	if _, err := staff.Claim(ctxT(t), conv); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the joined line with the name", joinedLine("Sam has joined the conversation"), 10*time.Second)
}

// TestWidgetCounterNearTheLimit: a counter appears from 90 % of the
// server's limit, counting as the server counts (an emoji is one
// character); an over-long paste is refused with the reason and left
// whole in the box, never cut.
func TestWidgetCounterNearTheLimit(t *testing.T) {
	limit := chat.DefaultLimits().MaxMessageChars
	a := newAccount(t, false)
	p := clientBrowser(t, a, "")
	startConversation(p, a)
	paste := func(text string) {
		p.t.Helper()
		eval[bool](p, `(() => { const t = `+shadow+`.querySelector('textarea#msg'); t.value = `+js(text)+`;
			t.dispatchEvent(new Event('input', { bubbles: true })); return true; })()`)
	}
	counter := func() string {
		return eval[string](p, `(() => { const c = `+shadow+`.querySelector('.composer .count'); return c.hidden ? '' : c.textContent; })()`)
	}
	under := limit*9/10 - 1
	paste(strings.Repeat("🙂", under))
	if got := counter(); got != "" {
		t.Errorf("at %d of %d characters the counter shows %q, want nothing yet", under, limit, got)
	}
	near := limit * 95 / 100
	paste(strings.Repeat("🙂", near))
	if got, want := counter(), fmt.Sprintf("%d of %d characters", near, limit); got != want {
		t.Errorf("near the limit the counter shows %q, want %q (an emoji is one character)", got, want)
	}
	over := limit + 1000
	paste(strings.Repeat("x", over))
	if got, want := counter(), fmt.Sprintf("1000 characters too many: %d of %d", over, limit); got != want {
		t.Errorf("over the limit the counter shows %q, want %q", got, want)
	}
	p.do("send", chromedp.Click(inWidget(`.composer button[type=submit]`)))
	want := fmt.Sprintf("Messages can be at most %d characters (this one has %d).", limit, over)
	p.waitFor("the refusal", shadow+`.querySelector('.err').textContent === `+js(want), 5*time.Second)
	if n := eval[int](p, shadow+`.querySelector('textarea#msg').value.length`); n != over {
		t.Errorf("the box holds %d characters after the refusal, want all %d", n, over)
	}
}

// TestWidgetRateLimitedSendIsExplainedAndResent: a send refused as too
// fast shows the server's words and when it will go, and goes by itself
// then, stored once.
func TestWidgetRateLimitedSendIsExplainedAndResent(t *testing.T) {
	a := newAccount(t, false)
	p := clientBrowser(t, a, "")
	conv := startConversation(p, a)
	api := a.api(t)
	// The limit counts in fixed windows: a send that falls into the next
	// one is rightly taken at once, and the burst is tried again.
	for attempt := 1; attempt <= 3; attempt++ {
		for i := 0; i < 25; i++ {
			_, _, err := api.Send(ctxT(t), conv, fmt.Sprintf("burst-%d-%d", attempt, i), "a burst")
			if apiStatus(err) == http.StatusTooManyRequests {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		body := fmt.Sprintf("Sent too soon %d", attempt)
		typeAndSend(p, body)
		limited := poll(5*time.Second, func() bool {
			return eval[bool](p, `!`+shadow+`.querySelector('.wait').hidden`)
		})
		if !limited {
			t.Logf("attempt %d: the send fell into the next window", attempt)
			p.waitFor("stored", `!`+shadow+`.querySelector('.body li.pending')`, 10*time.Second)
			continue
		}
		text := eval[string](p, shadow+`.querySelector('.wait').textContent`)
		if !strings.Contains(text, "too quickly") || !strings.Contains(text, "will be sent by itself at") {
			t.Errorf("the rate-limited send says %q, want the server's words and when it will go", text)
		}
		p.waitFor("sent by itself", `!`+shadow+`.querySelector('.body li.pending') && `+shadow+`.querySelector('.wait').hidden`, 20*time.Second)
		if n := count(storedBodies(t, counsellorOf(t, conv), conv), body); n != 1 {
			t.Errorf("%q stored %d times, want once", body, n)
		}
		return
	}
	t.Fatal("three bursts in a row straddled two rate windows")
}

// counsellorOf is a counsellor who has claimed conversation id, to read it.
func counsellorOf(t *testing.T, id string) *client.Client {
	t.Helper()
	staff := counsellor(t)
	if _, err := staff.Claim(ctxT(t), id); err != nil {
		t.Fatalf("claim: %v", err)
	}
	return staff
}

// setOffline has the tab's browser say it is offline (navigator.onLine,
// the offline and online events) and fail every request, or undoes it.
func setOffline(p *page, off bool) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Context, e2ekit.Patience)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		p.t.Fatalf("network domain: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}},
	}); err != nil {
		p.t.Fatalf("emulate offline %v: %v", off, err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		p.t.Fatalf("navigator offline %v: %v", off, err)
	}
}

// TestWidgetOfflineEventAndMessagesWrittenOffline: the browser's offline
// event shows the offline banner at once and the widget no longer says it
// is connected; a message written offline is sent on reconnect, lands
// where the server stored it (after the counsellor's reply of the outage),
// in the same order on both sides, marked with when it was written.
func TestWidgetOfflineEventAndMessagesWrittenOffline(t *testing.T) {
	a := newAccount(t, false)
	p := clientBrowser(t, a, "")
	conv := startConversation(p, a)
	staff := counsellorOf(t, conv)
	typeAndSend(p, "Before the outage")
	p.waitFor("stored", `!`+shadow+`.querySelector('.body li.pending')`, 10*time.Second)

	setOffline(p, true)
	p.waitFor("the offline banner at once", `document.querySelector('confide-widget').dataset.conn === 'offline' && !`+shadow+`.querySelector('.banner').hidden
		&& `+shadow+`.querySelector('.banner').textContent.startsWith('You are offline.')`, 5*time.Second)
	typeAndSend(p, "Written while offline")
	p.waitFor("marked as written offline", shadow+`.querySelector('.body li.pending .meta')?.textContent.includes('while offline')`, 5*time.Second)
	counsellorSays(t, staff, conv, "Reply during the outage")

	setOffline(p, false)
	p.waitFor("back and everything shown", `document.querySelector('confide-widget').dataset.conn === 'open' && !`+shadow+`.querySelector('.body li.pending')
		&& [...`+shadow+`.querySelectorAll('.body li .text')].some(e => e.textContent === 'Reply during the outage')`, 30*time.Second)
	want := []string{"Before the outage", "Reply during the outage", "Written while offline"}
	if got := shownTexts(p, ".body"); trimmed(got) != trimmed(want) {
		t.Errorf("the widget shows %v, want %v", got, want)
	}
	if got := storedBodies(t, staff, conv); trimmed(got) != trimmed(want) {
		t.Errorf("the counsellor sees %v, want %v (the same order)", got, want)
	}
	meta := eval[string](p, `[...`+shadow+`.querySelectorAll('.body li.mine')].pop().querySelector('.meta').textContent`)
	if !strings.Contains(meta, "while offline, sent") {
		t.Errorf("the message written offline is marked %q, want when it was written and sent", meta)
	}
}

// TestWidgetTheme: the embed snippet's data- attributes (the demo page's
// name and accent) win over the stack's theme (config.json: the demo
// theme's name and accent), and what only the config sets (welcome,
// opening hours, crisis lines) shows too, on the start screen and to
// someone signed out.
func TestWidgetTheme(t *testing.T) {
	theme := devstack.DemoTheme
	p := newBrowser(t)
	watchCSP(p)
	p.do("open the demo page", chromedp.Navigate(demoPage()))
	p.waitFor("the signed-out prompt", `document.querySelector('confide-widget')?.dataset.view === 'signed-out'`, 10*time.Second)
	openPanel(p)
	checkCrisis := func(state string) {
		t.Helper()
		got := eval[string](p, shadow+`.querySelector('.body .crisis')?.textContent ?? ''`)
		for _, l := range theme.Crisis {
			if !strings.Contains(got, l.Label) || !strings.Contains(got, l.Number) {
				t.Errorf("%s: crisis lines %q lack %s %s", state, got, l.Label, l.Number)
			}
		}
	}
	checkCrisis("signed out")
	if got := eval[string](p, shadow+`.querySelector('.panel header h2').textContent`); got != "Northfield Community Services" {
		t.Errorf("the title is %q, want the snippet's name", got)
	}
	if got := eval[string](p, `getComputedStyle(`+shadow+`.querySelector('.launcher')).backgroundColor`); got != "rgb(15, 118, 110)" {
		t.Errorf("the launcher is %s, want the snippet's accent #0f766e", got)
	}
	if got := eval[string](p, shadow+`.querySelector('.crisis a[href^="tel:"]')?.getAttribute('href') ?? ''`); got != "tel:999" {
		t.Errorf("the first crisis number links to %q, want tel:999", got)
	}

	a := newAccount(t, false)
	signIn(p, a, "")
	openPanel(p)
	p.waitFor("the start screen", `document.querySelector('confide-widget').dataset.view === 'start'`, 5*time.Second)
	start := eval[string](p, shadow+`.querySelector('form.start').textContent`)
	for _, want := range []string{theme.Welcome, theme.Hours, "What this means"} {
		if !strings.Contains(start, want) {
			t.Errorf("the start screen lacks %q: %q", want, start)
		}
	}
	checkCrisis("start")
	checkAccessible(p, "themed start")
}

// TestWidgetHeaderAndQuickExitPlace: the panel's header has icon buttons
// with accessible names and tooltips, Quick exit first in it (the first
// stop of the keyboard) and in the same place, the top left corner, on a
// desktop and a phone; the launcher has a drawn chat icon.
func TestWidgetHeaderAndQuickExitPlace(t *testing.T) {
	sizes := []struct {
		name    string
		emulate chromedp.Action[chromedp.Void]
	}{
		{"desktop", chromedp.EmulateViewport(1280, 800)},
		{"phone", chromedp.Emulate(device.IPhone12)},
	}
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			a := newAccount(t, false)
			p := newBrowser(t)
			watchCSP(p)
			p.do("emulate", size.emulate)
			signIn(p, a, "")
			if !eval[bool](p, shadow+`.querySelector('.launcher svg path') !== null`) {
				t.Error("the launcher has no drawn icon")
			}
			openPanel(p)
			got := eval[map[string]any](p, `(() => { const r = `+shadow+`, panel = r.querySelector('.panel').getBoundingClientRect();
				const exit = r.querySelector('.panel header .exit').getBoundingClientRect();
				const first = r.querySelector('.panel').querySelector('button, a[href], input, select, textarea, [tabindex="0"]');
				const icons = [...r.querySelectorAll('.panel header button.hb')].filter((b) => !b.hidden)
					.map((b) => [b.getAttribute('aria-label') || '', b.title, b.textContent.trim(), !!b.querySelector('svg')]);
				return { dx: exit.left - panel.left, dy: exit.top - panel.top, first: first?.textContent ?? '', icons }; })()`)
			if dx, dy := got["dx"].(float64), got["dy"].(float64); dx < 0 || dx > 16 || dy < 0 || dy > 24 {
				t.Errorf("Quick exit is %.0f px from the panel's left and %.0f px from its top, want the top left corner", dx, dy)
			}
			if got["first"] != "Quick exit" {
				t.Errorf("the panel's first control is %q, want Quick exit", got["first"])
			}
			icons := got["icons"].([]any)
			if len(icons) < 2 {
				t.Fatalf("header icon buttons = %v, want Open full view and Minimise", icons)
			}
			for _, ic := range icons {
				b := ic.([]any)
				if b[0] == "" || b[0] != b[1] || b[2] != "" || b[3] != true {
					t.Errorf("header button %v: want an icon with the same aria-label and tooltip", b)
				}
			}
			viewportShot(p, "widget-"+size.name+"-header")
		})
	}
}

// TestWidgetPanelEditsDeletesAndKeeps: editing and deleting one's own
// messages and choosing how long they are kept work in the panel itself,
// not only in the full view; the privacy promise opens onto what deleting
// means.
func TestWidgetPanelEditsDeletesAndKeeps(t *testing.T) {
	a := newAccount(t, false)
	p := clientBrowser(t, a, "")
	conv := startConversation(p, a)
	typeAndSend(p, "A message to change")
	typeAndSend(p, "A message to take back")
	p.waitFor("both stored", shadow+`.querySelectorAll('.body li.mine [data-act=edit]').length === 2`, 10*time.Second)
	me := a.api(t)

	p.do("edit", chromedp.Click(inWidget(`.body li.mine [data-act=edit]`)))
	p.waitFor("the editor", shadow+`.activeElement?.classList.contains('edit')`, 5*time.Second)
	p.do("change the text",
		chromedp.Evaluate[chromedp.Void](shadow+`.activeElement.select()`),
		chromedp.SendKeys(inWidget(".body textarea.edit"), "A message, changed"),
		chromedp.Click(inWidget(`.body [data-act=save]`)))
	waitShown(p, ".body", "A message, changed", 5*time.Second)

	p.do("delete", chromedp.Click(inWidget(`.body li.mine:nth-last-child(1) [data-act=del]`)))
	p.do("confirm", chromedp.Click(inWidget(`.body [data-act=del-yes]`)))
	p.waitFor("the message gone", `![...`+shadow+`.querySelectorAll('.body li .text')].some(e => e.textContent === 'A message to take back')`, 5*time.Second)

	p.do("keep for good", chromedp.SetValue(inWidget("#keep"), "permanent"), chromedp.Evaluate[chromedp.Void](shadow+`.querySelector('#keep').dispatchEvent(new Event('change'))`))
	p.waitFor("the promise follows", shadow+`.querySelector('.body .conf').textContent === 'Confidential. Messages are kept until you delete the conversation.'`, 5*time.Second)
	c, err := me.Conversation(ctxT(t), conv)
	if err != nil || c.Retention != chat.RetentionPermanent {
		t.Errorf("retention = %q (%v), want permanent", c.Retention, err)
	}
	list, err := me.Messages(ctxT(t), conv, nil)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range list.Messages {
		bodies = append(bodies, m.Body)
	}
	if trimmed(bodies) != "A message, changed" {
		t.Errorf("stored: %v, want the edited message only", bodies)
	}

	p.do("what deleting means", chromedp.Click(inWidget(".body .bar summary")))
	if got := eval[string](p, shadow+`.querySelector('.body .bar details[open] p')?.textContent ?? ''`); !strings.Contains(got, "Once the key is gone nobody can read them again") {
		t.Errorf("the explanation says %q, want what destroying the key means", got)
	}
}

// TestWidgetSaysWhatHappensWhenNobodyIsOnline: after the first message,
// with no counsellor online, the chat says the message is saved and when
// counsellors answer (the service's opening hours).
func TestWidgetSaysWhatHappensWhenNobodyIsOnline(t *testing.T) {
	a := newAccount(t, false)
	p := clientBrowser(t, a, "")
	startConversation(p, a)
	typeAndSend(p, "Is anyone there tonight?")
	want := "No counsellor is online right now. Your message is saved, and a counsellor will answer when they are back. " + devstack.DemoTheme.Hours
	p.waitFor("what happens next", shadow+`.querySelector('.next').textContent === `+js(want), 10*time.Second)
	checkAccessible(p, "waiting, nobody online")
}
