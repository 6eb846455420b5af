package browser

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestWidgetBadgeCountsWhileMinimised: with the panel minimised the
// counsellor's messages raise the unread badge live, with a pulse that
// stops under prefers-reduced-motion; while the tab is hidden the count is
// in the page title; opening the panel reads them and clears both.
func TestWidgetBadgeCountsWhileMinimised(t *testing.T) {
	a := newAccount(t, false)
	staff := counsellor(t)
	p := clientBrowser(t, a, "")
	conv := startConversation(p, a)
	p.do("minimise", chromedp.Click(inWidget(`.panel header button[aria-label="Minimise the chat"]`)))

	pulse := func() string {
		return eval[string](p, `getComputedStyle(`+shadow+`.querySelector('.badge')).animationName`)
	}
	counsellorSays(t, staff, conv, "First")
	p.waitFor("badge 1", shadow+`.querySelector('.badge').textContent === '1' && !`+shadow+`.querySelector('.badge').hidden`, 5*time.Second)
	if got := pulse(); got != "confide-pulse" {
		t.Errorf("badge animation = %q, want confide-pulse", got)
	}
	if _, err := chromedp.Call(p.Context, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}); err != nil {
		t.Fatal(err)
	}
	counsellorSays(t, staff, conv, "Second")
	p.waitFor("badge 2", shadow+`.querySelector('.badge').textContent === '2'`, 5*time.Second)
	if got := pulse(); got != "none" {
		t.Errorf("badge animation under prefers-reduced-motion = %q, want none", got)
	}
	if got := eval[string](p, shadow+`.querySelector('.launcher').getAttribute('aria-label')`); got != "Talk to a counsellor, 2 unread" {
		t.Errorf("launcher label = %q", got)
	}

	// A minimised window hides the tab.
	setWindow(p, browser.WindowStateMinimized)
	p.waitFor("the tab hidden", `document.hidden`, 5*time.Second)
	counsellorSays(t, staff, conv, "Third")
	p.waitFor("the count in the title", `document.title === '(3) Northfield Community Services'`, 5*time.Second)

	setWindow(p, browser.WindowStateNormal)
	p.waitFor("the tab visible", `!document.hidden`, 5*time.Second)
	if got := eval[string](p, `document.title`); got != "Northfield Community Services" {
		t.Errorf("title when visible = %q, want it without the count", got)
	}
	openPanel(p)
	p.waitFor("the badge cleared", shadow+`.querySelector('.badge').hidden`, 5*time.Second)
	c, err := a.api(t).Conversation(ctxT(t), conv)
	if err != nil || c.Unread != 0 {
		t.Errorf("unread after opening = %d (%v), want 0: opening the panel marks them read", c.Unread, err)
	}
}

// setWindow minimises or restores the window of p's tab.
func setWindow(p *page, state browser.WindowState) {
	p.t.Helper()
	w, err := chromedp.Call(p.Context, browser.GetWindowForTarget, browser.GetWindowForTargetParams{})
	if err != nil {
		p.t.Fatalf("window of the tab: %v", err)
	}
	if _, err := chromedp.CallBrowser(p.Context, browser.SetWindowBounds, browser.SetWindowBoundsParams{WindowID: w.WindowID, Bounds: &browser.Bounds{WindowState: state}}); err != nil {
		p.t.Fatalf("set the window %s: %v", state, err)
	}
}
