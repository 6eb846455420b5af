package browser

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/confidechat/confide/internal/chat"
)

// TestDashboardFitsTablets: on a tablet in landscape (1024×768) and in
// portrait (768×1024) the queue, the conversation with its controls and
// the composer are all on screen, nothing scrolls sideways, and every
// control can be reached by keyboard. Screenshots of each are saved.
func TestDashboardFitsTablets(t *testing.T) {
	d, _, conv := withConversation(t, chat.RetentionPermanent, "I'd like to talk about something that has been on my mind for a while, and I am not sure where to start.")
	d.reply("Take your time. Start wherever feels right.")
	d.waitFor("the reply", `document.querySelectorAll('#messages .msg-staff:not(.msg-pending)').length === 1`, 10*time.Second)
	if got := d.text("conv-retention"); got != "Kept permanently" {
		t.Errorf("confidentiality indicator = %q, want Kept permanently", got)
	}

	tests := []struct {
		name          string
		width, height int64
	}{
		{"landscape", 1024, 768},
		{"portrait", 768, 1024},
		{"desktop", 1280, 800},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d.do("resize", chromedp.EmulateViewport(tc.width, tc.height))
			d.waitFor("the new size", fmt.Sprintf(`innerWidth === %d`, tc.width), 5*time.Second)
			if sideways := eval[bool](d.page, `document.documentElement.scrollWidth > innerWidth`); sideways {
				t.Errorf("the page scrolls sideways at %d×%d", tc.width, tc.height)
			}
			// The reply claimed the conversation: Claim is gone, the reply box is live.
			offscreen := eval[[]string](d.page, `['queue-list', 'conv-heading', 'conv-retention', 'close-session', 'messages', 'composer-input', 'composer-send', 'signout', 'stat-waiting']
			  .filter((id) => { const r = document.getElementById(id).getBoundingClientRect();
			    return r.width === 0 || r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5; })`)
			if len(offscreen) > 0 {
				t.Errorf("off screen at %d×%d: %v", tc.width, tc.height, offscreen)
			}
			d.screenshot("dashboard-" + tc.name)
		})
	}

	// Contrast: every visible text of the app against its background.
	if low := eval[[]string](d.page, contrastCheck); len(low) > 0 {
		t.Errorf("text under WCAG AA contrast (4.5:1): %q", low)
	}

	// Keyboard: Tab reaches the main controls in a sensible order.
	focusable := eval[[]string](d.page, `[...document.querySelectorAll('#app-view button, #app-view input, #app-view textarea, #app-view [tabindex]')]
	  .filter((e) => !e.closest('[hidden]') && !e.disabled && e.tabIndex >= 0 && !e.closest('dialog')).map((e) => e.id || e.dataset.id || e.tagName)`)
	for _, id := range []string{"signout", "name-edit", "tab-conversations", "filter-active", conv.ID, "close-session", "messages", "composer-input", "composer-send"} {
		if !slices.Contains(focusable, id) {
			t.Errorf("%s cannot be reached with the keyboard (focusable: %v)", id, focusable)
		}
	}
	if eval[bool](d.page, `document.getElementById('tab-audit').tabIndex !== -1`) {
		t.Errorf("the inactive tab is in the tab order (tabs move with the arrow keys)")
	}
	// A counsellor has no audit tab to move to (a supervisor's is reached
	// with the arrow keys: TestDashboardSupervisorReadsUnderTheAuditNote).
	d.do("focus the tabs", chromedp.Focus(chromedp.ID("tab-conversations")), chromedp.KeyEvent(kb.ArrowRight))
	d.waitFor("the conversations tab, still", `document.activeElement.id === 'tab-conversations' && document.getElementById('panel-audit').hidden`, 5*time.Second)
}

// contrastCheck lists the visible texts of the app whose contrast with
// their background is under 4.5:1 (WCAG 2.2 AA for normal text).
const contrastCheck = `(() => {
  const parse = (c) => { const p = c.match(/[\d.]+/g).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (e) => { for (; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c.a > 0) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const low = [];
  for (const e of document.querySelectorAll('#app-view *')) {
    const text = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!text || !e.getClientRects().length || e.disabled || e.closest('[hidden], dialog:not([open])')) continue;
    const fg = lum(parse(getComputedStyle(e).color)), bg = lum(background(e));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) low.push((e.id || e.className || e.tagName) + ' ' + ratio.toFixed(2));
  }
  return low;
})()`

// TestDashboardLoadsAsOneScript: the dashboard is written as a dozen
// modules but a counsellor's browser fetches one script, the bundle, so
// opening it waits for no chain of imports.
func TestDashboardLoadsAsOneScript(t *testing.T) {
	d := openDashboard(t, newAccount(t, true))
	d.waitFor("the queue", `!document.getElementById('app-view').hidden`, 10*time.Second)
	scripts := eval[[]string](d.page, fmt.Sprintf(`performance.getEntriesByType('resource').map((e) => new URL(e.name)).filter((u) => u.origin === new URL(%s).origin && u.pathname.endsWith('.js')).map((u) => u.pathname)`, js(web)))
	if !slices.Equal(scripts, []string{"/dashboard/app.js"}) {
		t.Errorf("the dashboard fetched the scripts %q, want only its bundle /dashboard/app.js", scripts)
	}
}
