package browser

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// contrastProblems lists the visible texts of the widget whose contrast
// with their background is under WCAG 2.2 AA (4.5:1, or 3:1 for large
// text), and the form fields without a label.
const contrastProblems = `(() => {
	const rgba = (s) => { const m = s.match(/[\d.]+/g) || []; return m.length < 3 ? null : [+m[0], +m[1], +m[2], m[3] === undefined ? 1 : +m[3]]; };
	const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
	const background = (el) => {
		const layers = [];
		for (let e = el; e; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) {
			const c = rgba(getComputedStyle(e).backgroundColor);
			if (c && c[3] > 0) { layers.push(c); if (c[3] === 1) break; }
		}
		return layers.reduceRight((under, top) => over(top, under), [255, 255, 255, 1]);
	};
	const lum = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
	const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
	const root = ` + shadow + `, out = [];
	for (const el of root.querySelectorAll('*')) {
		const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
		const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
		if (!own || r.width <= 1 || r.height <= 1 || cs.visibility === 'hidden' || el.disabled) continue;
		const bg = background(el), fg = over(rgba(cs.color), bg);
		const large = parseFloat(cs.fontSize) >= 24 || (parseFloat(cs.fontSize) >= 18.66 && +cs.fontWeight >= 700);
		const got = ratio(fg, bg);
		if (got < (large ? 3 : 4.5)) out.push(el.tagName + '.' + el.className + ' "' + el.textContent.trim().slice(0, 30) + '" ' + got.toFixed(2));
	}
	for (const f of root.querySelectorAll('textarea, input, select')) {
		if (!f.labels?.length && !f.getAttribute('aria-label') && !f.closest('label')) out.push('no label: ' + f.outerHTML.slice(0, 60));
	}
	return out;
})()`

// checkAccessible fails the test for every contrast or label problem the widget shows now.
func checkAccessible(p *page, state string) {
	p.t.Helper()
	for _, problem := range eval[[]string](p, contrastProblems) {
		p.t.Errorf("%s: %s", state, problem)
	}
}

// focused describes the focused element, inside the widget's shadow root too.
const focused = `(() => { let e = document.activeElement; while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
	return e ? (e.getAttribute('aria-label') || e.textContent.trim() || e.id || e.tagName).slice(0, 40) : ''; })()`

// TestWidgetKeyboardOnly: a client reaches the widget with Tab, opens it,
// starts a conversation, sends a message and closes it again without a
// mouse; focus is visible and goes where it should.
func TestWidgetKeyboardOnly(t *testing.T) {
	a := newAccount(t, false)
	p := clientBrowser(t, a, "")
	p.do("focus the host's last control", chromedp.Focus(chromedp.ID("signout")))
	for i := 0; eval[string](p, focused) != "Talk to a counsellor"; i++ {
		if i == 10 {
			t.Fatalf("Tab never reaches the widget's launcher (focus on %q)", eval[string](p, focused))
		}
		p.do("tab", chromedp.KeyEvent(kb.Tab))
	}
	if got := eval[string](p, `getComputedStyle(`+shadow+`.querySelector('.launcher')).outlineStyle`); got != "solid" {
		t.Errorf("the focused launcher's outline is %q, want a visible (solid) one", got)
	}
	p.do("open", chromedp.KeyEvent(kb.Enter))
	p.waitFor("the panel with focus inside", `!`+shadow+`.querySelector('.panel').hidden && `+shadow+`.activeElement !== null`, 5*time.Second)
	for i := 0; eval[string](p, focused) != "Start conversation"; i++ {
		if i == 10 {
			t.Fatalf("Tab never reaches Start conversation (focus on %q)", eval[string](p, focused))
		}
		p.do("tab", chromedp.KeyEvent(kb.Tab))
	}
	p.do("start", chromedp.KeyEvent(kb.Enter))
	p.waitFor("focus in the message box", shadow+`.activeElement?.id === 'msg'`, 10*time.Second)
	p.do("type and send", chromedp.KeyEvent("Sent by keyboard"), chromedp.KeyEvent(kb.Enter))
	waitShown(p, ".body", "Sent by keyboard", 5*time.Second)
	checkAccessible(p, "chat")
	p.do("close", chromedp.KeyEvent(kb.Escape))
	p.waitFor("the panel closed", shadow+`.querySelector('.panel').hidden`, 5*time.Second)
	if got := eval[string](p, focused); got != "Talk to a counsellor" {
		t.Errorf("after Escape focus is on %q, want the launcher", got)
	}
}
