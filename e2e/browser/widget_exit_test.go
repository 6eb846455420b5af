package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// neutralPage is where the demo page's quick exit goes.
func neutralPage() string { return web + "/widget/neutral.html" }

// storedKeys lists the widget's keys in the tab's sessionStorage and localStorage.
const storedKeys = `[...Object.keys(sessionStorage), ...Object.keys(localStorage)].filter(k => k.startsWith('confide.')).length`

// TestWidgetQuickExitByButton: the button blanks the widget at once and
// clears its stored state before the neutral page has even loaded, replaces
// the history entry, and sends the browser's other tab away too.
func TestWidgetQuickExitByButton(t *testing.T) {
	a := newAccount(t, false)
	b := newBrowser(t)
	p := b.tab(a)
	startConversation(p, a)
	other := b.tab(a)
	if got := eval[int](p, storedKeys); got == 0 {
		t.Fatal("the widget stored nothing: the test cannot show that quick exit clears it")
	}
	historyBefore := eval[int](p, `history.length`)

	// A listener on the window runs right after the button's own click
	// handler: what it sees is what the quick exit did at once, before any
	// network round trip. It keeps that in a key of its own for the test.
	eval[bool](p, `(addEventListener('click', () => sessionStorage.setItem('test.after-click', JSON.stringify({
		widget: !!document.querySelector('confide-widget'), stored: `+storedKeys+`, at: location.pathname })), { once: true }), true)`)
	p.do("quick exit", chromedp.Click(inWidget(".panel .exit")))
	p.waitFor("the neutral page", `location.href === `+js(neutralPage()), 5*time.Second)
	want := `{"widget":false,"stored":0,"at":"/widget/demo.html"}`
	if got := eval[string](p, `sessionStorage.getItem('test.after-click')`); got != want {
		t.Errorf("right after the click: %s, want %s (widget removed, nothing stored, still on the page)", got, want)
	}
	if got := eval[int](p, `history.length`); got != historyBefore {
		t.Errorf("history length %d after quick exit, want %d (the page is replaced, not added)", got, historyBefore)
	}
	other.waitFor("the other tab gone too", `location.href === `+js(neutralPage()), 5*time.Second)
	if got := eval[int](other, storedKeys); got != 0 {
		t.Errorf("the other tab keeps %d widget keys", got)
	}
}

// shift presses and releases the Shift key, as a keyboard does.
func shift() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, input.DispatchKeyEventParams{
				Type: typ, Key: "Shift", Code: "ShiftLeft", WindowsVirtualKeyCode: 16, NativeVirtualKeyCode: 16,
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestWidgetQuickExitByShiftThreeTimes: three presses of Shift leave, from
// the host page or from inside the widget; other keys in between do not.
func TestWidgetQuickExitByShiftThreeTimes(t *testing.T) {
	tests := []struct {
		name  string
		focus string // "" for the host page
		keys  []chromedp.Action[chromedp.Void]
		exit  bool
	}{
		{name: "three Shifts on the page", keys: []chromedp.Action[chromedp.Void]{shift(), shift(), shift()}, exit: true},
		{name: "three Shifts in the message box", focus: "textarea#msg", keys: []chromedp.Action[chromedp.Void]{shift(), shift(), shift()}, exit: true},
		{name: "a letter between resets", focus: "textarea#msg", keys: []chromedp.Action[chromedp.Void]{shift(), chromedp.KeyEvent("a"), shift(), shift()}, exit: false},
	}
	a := newAccount(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := clientBrowser(t, a, "")
			if view(p) == "start" {
				startConversation(p, a)
			}
			openPanel(p)
			if tt.focus != "" {
				p.do("focus", chromedp.Focus(inWidget(tt.focus)))
			} else {
				p.do("focus the page", chromedp.Click(chromedp.CSS("h1")))
			}
			p.do("press keys", tt.keys...)
			if tt.exit {
				p.waitFor("the neutral page", `location.href === `+js(neutralPage()), 5*time.Second)
				return
			}
			// A fourth Shift would leave: the count really restarted after the letter.
			if got := eval[string](p, `location.href`); !strings.HasPrefix(got, demoPage()) {
				t.Fatalf("left for %s, want to stay", got)
			}
			p.do("one more", shift())
			p.waitFor("the neutral page after the third Shift in a row", `location.href === `+js(neutralPage()), 5*time.Second)
		})
	}
}
