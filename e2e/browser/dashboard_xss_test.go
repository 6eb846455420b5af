package browser

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/chat"
)

// dashboardPayloads are message bodies that would run script or create elements
// if any view put them in the page as HTML.
var dashboardPayloads = []string{
	`<img src=x onerror="window.__xss = 'img'">`,
	`<script>window.__xss = 'script'</script>`,
	`"><svg onload="window.__xss = 'svg'">`,
	`<b>bold</b> &amp; <a href="javascript:window.__xss='a'">link</a>`,
	`<iframe srcdoc="<script>parent.__xss='iframe'</script>"></iframe>`,
}

// TestDashboardShowsPayloadsAsText: message text that looks like HTML is
// shown as the very text in the queue preview, in desktop notifications
// (with previews chosen) and in the conversation; no element is made from
// it, no script runs and the policy is never even tested.
func TestDashboardShowsPayloadsAsText(t *testing.T) {
	staff := newAccount(t, true)
	alice := newPerson(t, false)
	d := openDashboard(t, staff)
	d.do("choose message text in notifications", chromedp.Click(chromedp.ID("preview-toggle")))
	d.waitFor("the choice", `document.getElementById('preview-toggle').checked`, 5*time.Second)

	conv := alice.startConversation(t, chat.Retention24h)
	d.waitFor("the row", row(conv.ID), 10*time.Second)
	for _, payload := range dashboardPayloads {
		alice.say(t, conv.ID, payload)
		d.waitFor("the payload as the preview", fmt.Sprintf(`%s.querySelector('.row-preview').textContent === %s`, row(conv.ID), js(payload)), 10*time.Second)
	}
	d.screenshot("dashboard-xss-queue")
	notes := eval[[]map[string]string](d.page, fmt.Sprintf(`window.__notifications.filter((n) => n.tag === %s && n.title === 'New message from a client')`, js(conv.ID)))
	var bodies []string
	for _, n := range notes {
		bodies = append(bodies, n["body"])
		if n["bodyType"] != "string" {
			t.Errorf("notification body type = %s, want string", n["bodyType"])
		}
	}
	if !slices.Equal(bodies, dashboardPayloads) {
		t.Errorf("notification bodies = %q, want the payloads as text %q", bodies, dashboardPayloads)
	}

	d.openConversation(conv.ID)
	d.waitFor("the history", fmt.Sprintf(`document.querySelectorAll('#messages .msg').length === %d`, len(dashboardPayloads)), 10*time.Second)
	if got := d.messageTexts(); !slices.Equal(got, dashboardPayloads) {
		t.Errorf("conversation shows %q, want the payloads as text", got)
	}
	last := dashboardPayloads[0] + " live"
	alice.say(t, conv.ID, last)
	d.waitFor("the live payload", fmt.Sprintf(`document.getElementById('announcer').textContent === %s`, js("Client: "+last)), 10*time.Second)
	for _, where := range []string{"#queue-list", "#messages", "#announcer", "#conversation"} {
		if !eval[bool](d.page, noMarkup(where)) {
			t.Errorf("an element was made from a payload in %s", where)
		}
	}
	if got := eval[any](d.page, `window.__xss === undefined ? null : window.__xss`); got != nil {
		t.Errorf("a payload ran: window.__xss = %v", got)
	}
	d.screenshot("dashboard-xss-conversation")
}
