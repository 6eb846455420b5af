package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// fullList is the message list of the full view.
const fullList = ".full"

// TestWidgetFullView: Expand opens the full view on the same page: the
// whole history page by page, edit and delete of the client's own
// messages, the retention choice, and deleting a closed conversation.
func TestWidgetFullView(t *testing.T) {
	a := newAccount(t, false)
	me := a.api(t)
	staff := counsellor(t)
	second := newAccount(t, true)
	staff2 := second.api(t)
	if _, err := staff2.Me(ctxT(t)); err != nil { // enters the staff directory, to be assigned
		t.Fatal(err)
	}
	supervisor := directoryOn(stack, web).NewSupervisor(t)

	old, err := me.CreateConversation(ctxT(t), "24h")
	if err != nil {
		t.Fatal(err)
	}
	counsellorSays(t, staff, old.ID, "From an earlier conversation")
	if _, err := staff.Close(ctxT(t), old.ID); err != nil {
		t.Fatal(err)
	}
	conv, err := me.CreateConversation(ctxT(t), "24h")
	if err != nil {
		t.Fatal(err)
	}
	// 55 messages, more than a page (50), from three people to stay under
	// the per-person sending limit: the client, and two counsellors in turn
	// (staff reply in the conversations assigned to them: a supervisor hands
	// it from the first to the second half-way).
	counsellorSays(t, staff, conv.ID, "Message 00")
	var mine string
	for i := 1; i < 55; i++ {
		body := fmt.Sprintf("Message %02d", i)
		sender := staff
		switch {
		case i%3 == 0:
			sender = me
		case i == 28:
			res, err := supervisor.Do(ctxT(t), "POST", "/conversations/"+conv.ID+"/assign", map[string]string{"to": second.UserID})
			if err != nil || res.Status != 200 {
				t.Fatalf("assign to the second counsellor: %v (status %d)", err, res.Status)
			}
			fallthrough
		case i > 28:
			sender = staff2
		}
		m, _, err := sender.Send(ctxT(t), conv.ID, fmt.Sprintf("full-%d", i), body)
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if i%3 == 0 {
			mine = m.ID
		}
	}

	p := clientBrowser(t, a, "")
	openPanel(p)
	if got := len(shownTexts(p, ".body")); got != 20 {
		t.Errorf("the panel shows %d messages, want the last 20", got)
	}
	p.do("expand", chromedp.Click(inWidget(`.panel header button[aria-label="Open full view"]`)))
	p.waitFor("the first page", `(() => { const r = `+shadow+`; return !r.querySelector('.full').hidden && r.querySelectorAll('.full li.m').length === 50; })()`, 5*time.Second)
	if got := eval[string](p, `document.activeElement === document.querySelector('confide-widget') && `+shadow+`.activeElement.textContent`); got != "Back" {
		t.Errorf("focus on opening the full view: %q, want the Back button", got)
	}
	focusedInFull := func() string {
		return eval[string](p, shadow+`.activeElement?.closest('.full') ? `+shadow+`.activeElement.textContent : 'outside'`)
	}
	p.do("Shift+Tab from Back", chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	if got := focusedInFull(); got != "Quick exit" {
		t.Errorf("Shift+Tab from Back went to %q, want Quick exit, first in the full view as in the panel", got)
	}
	p.do("Shift+Tab from Quick exit", chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	if got := focusedInFull(); got != "Send" {
		t.Errorf("Shift+Tab from the first control went to %q, want the last one of the full view (Send)", got)
	}
	p.do("show earlier", chromedp.Click(inWidget(".full .older")))
	p.waitFor("the whole history", shadow+`.querySelectorAll('.full li.m').length === 55 && `+shadow+`.querySelector('.full .older').hidden`, 5*time.Second)
	if got := shownTexts(p, fullList); got[0] != "Message 00" || got[54] != "Message 54" {
		t.Errorf("history runs %q … %q, want Message 00 … Message 54", got[0], got[54])
	}

	// Edit the client's newest message (Message 54).
	p.do("edit", chromedp.Click(inWidget(`.full li[data-id="`+mine+`"] [data-act=edit]`)))
	p.waitFor("the editor", shadow+`.activeElement?.classList.contains('edit')`, 5*time.Second)
	p.do("change the text",
		chromedp.Evaluate[chromedp.Void](shadow+`.activeElement.select()`),
		chromedp.SendKeys(inWidget(".full textarea.edit"), "Message 54, edited"),
		chromedp.Click(inWidget(`.full [data-act=save]`)))
	waitShown(p, fullList, "Message 54, edited", 5*time.Second)
	if got := eval[string](p, shadow+`.querySelector('.full li[data-id="`+mine+`"] .meta').textContent`); !strings.Contains(got, "edited") {
		t.Errorf("meta of the edited message = %q, want it marked edited", got)
	}
	// Delete it, confirming.
	p.do("delete", chromedp.Click(inWidget(`.full li[data-id="`+mine+`"] [data-act=del]`)))
	p.do("confirm", chromedp.Click(inWidget(`.full li[data-id="`+mine+`"] [data-act=del-yes]`)))
	p.waitFor("the message gone", `!`+shadow+`.querySelector('.full li[data-id="`+mine+`"]')`, 5*time.Second)
	list, err := staff2.Messages(ctxT(t), conv.ID, nil) // the counsellor it is assigned to now
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list.Messages {
		if m.ID == mine && (!m.Deleted || m.EditedAt == nil) {
			t.Errorf("stored message: deleted %v, edited %v; want both", m.Deleted, m.EditedAt != nil)
		}
	}

	// Keep the messages for good, with the keyboard.
	p.do("retention", chromedp.Focus(inWidget("#retention")), chromedp.KeyEvent(kb.ArrowDown))
	p.waitFor("the new retention explained", shadow+`.querySelector('.full .chead .hint').textContent.startsWith('Messages are kept')`, 5*time.Second)
	if c, err := me.Conversation(ctxT(t), conv.ID); err != nil || c.Retention != "permanent" {
		t.Errorf("retention = %q (%v), want permanent", c.Retention, err)
	}

	// The closed conversation: read it, then delete it.
	p.do("open the closed one", chromedp.Click(inWidget(`.full nav li:nth-child(2) button`)))
	waitShown(p, fullList, "From an earlier conversation", 5*time.Second)
	p.do("delete it", chromedp.Click(inWidget(`.full .chead button.danger`)))
	p.do("confirm", chromedp.Click(inWidget(`.full .chead button.danger`)))
	p.waitFor("one conversation left", shadow+`.querySelectorAll('.full nav li').length === 1`, 5*time.Second)
	if _, err := me.Conversation(ctxT(t), old.ID); apiStatus(err) != 404 {
		t.Errorf("the deleted conversation: %v, want 404 for its owner", err)
	}

	p.do("back", chromedp.KeyEvent(kb.Escape))
	p.waitFor("the panel again", shadow+`.querySelector('.full').hidden`, 5*time.Second)
}
