package browser

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestWidgetScreenshots walks through every state of the widget on a
// desktop (1280×800) and a phone (390×844) and saves a screenshot of each
// in build/screenshots/widget-<size>-<state>.png, for people to look at:
// signed-out, start, waiting (the place in the queue), joined, chat,
// offline, minimised, expanded (the full view) and ended. Along the way
// it checks what a phone needs (the panel fills the screen), what the
// ended state offers and, in every state, contrast and labels.
func TestWidgetScreenshots(t *testing.T) {
	sizes := []struct {
		name      string
		emulate   chromedp.Action[chromedp.Void]
		fullPanel bool
	}{
		{name: "desktop", emulate: chromedp.EmulateViewport(1280, 800), fullPanel: false},
		{name: "phone", emulate: chromedp.Emulate(device.IPhone12), fullPanel: true},
	}
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			shot := func(p *page, state string) {
				viewportShot(p, "widget-"+size.name+"-"+state)
				checkAccessible(p, size.name+" "+state)
			}
			a := newAccount(t, false)
			staff := counsellor(t)
			feed, err := staff.Connect(ctxT(t), stack.Endpoints.WebSocket, "")
			if err != nil {
				t.Fatalf("counsellor's staff feed: %v", err)
			}
			defer feed.Close()
			p := newBrowser(t)
			watchCSP(p)
			p.do("emulate", size.emulate)

			p.do("open the demo page", chromedp.Navigate(demoPage()))
			p.waitFor("the signed-out prompt", `document.querySelector('confide-widget')?.dataset.view === 'signed-out'`, 10*time.Second)
			openPanel(p)
			shot(p, "signed-out")
			p.do("ask to sign in", chromedp.Click(inWidget(".body button.primary")))
			p.waitFor("the panel out of the way", shadow+`.querySelector('.panel').hidden`, 5*time.Second)

			signIn(p, a, "")
			openPanel(p)
			p.waitFor("the start screen", `document.querySelector('confide-widget').dataset.view === 'start'`, 5*time.Second)
			gotFull := eval[bool](p, `(() => { const r = `+shadow+`.querySelector('.panel').getBoundingClientRect();
				return r.left === 0 && r.top === 0 && r.width === innerWidth && Math.abs(r.height - innerHeight) < 2; })()`)
			if gotFull != size.fullPanel {
				t.Errorf("panel fills the screen = %v, want %v", gotFull, size.fullPanel)
			}
			shot(p, "start")

			conv := startConversation(p, a)
			typeAndSend(p, "Hi. I have been feeling low for a few weeks and wanted to talk to someone.")
			p.waitFor("the place in the queue", queuePlace+` > 0`, 10*time.Second)
			shot(p, "waiting")
			if _, err := staff.Claim(ctxT(t), conv); err != nil {
				t.Fatalf("claim: %v", err)
			}
			p.waitFor("the joined line", joinedLine("A counsellor has joined the conversation"), 10*time.Second)
			shot(p, "joined")
			counsellorSays(t, staff, conv, "Hello, thank you for reaching out. I'm Sam, one of the counsellors. Take your time.")
			typeAndSend(p, xssPayloads[0])
			counsellorSays(t, staff, conv, xssPayloads[2])
			waitShown(p, ".body", xssPayloads[2], 5*time.Second)
			p.waitFor("everything stored", `!`+shadow+`.querySelector('.body li.pending')`, 5*time.Second)
			shot(p, "chat")
			if size.fullPanel {
				// The on-screen keyboard takes the lower part of the screen: the message box stays above it.
				p.do("keyboard up", chromedp.EmulateViewport(390, 450, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(3)))
				p.waitFor("the message box above the keyboard", `(() => { const r = `+shadow+`.querySelector('textarea#msg').getBoundingClientRect();
					return r.top >= 0 && r.bottom <= visualViewport.height; })()`, 5*time.Second)
				shot(p, "chat-keyboard")
				p.do("keyboard down", size.emulate)
			}

			setOffline(p, true)
			p.waitFor("the offline banner", `!`+shadow+`.querySelector('.banner').hidden`, 5*time.Second)
			typeAndSend(p, "Sorry, my connection keeps dropping.")
			p.waitFor("waiting to be sent", shadow+`.querySelector('.body li.pending') !== null`, 5*time.Second)
			shot(p, "offline")
			setOffline(p, false)
			p.waitFor("back online, everything sent", `document.querySelector('confide-widget').dataset.conn === 'open' && !`+shadow+`.querySelector('.body li.pending')`, 30*time.Second)

			p.do("minimise", chromedp.Click(inWidget(`.panel header button[aria-label="Minimise the chat"]`)))
			counsellorSays(t, staff, conv, "Are you still there?")
			counsellorSays(t, staff, conv, "No rush.")
			p.waitFor("the badge", shadow+`.querySelector('.badge').textContent === '2'`, 5*time.Second)
			shot(p, "minimised")

			openPanel(p)
			p.do("expand", chromedp.Click(inWidget(`.panel header button[aria-label="Open full view"]`)))
			p.waitFor("the full view", `(() => { const r = `+shadow+`; return !r.querySelector('.full').hidden && r.querySelectorAll('.full li.m').length === 7; })()`, 5*time.Second)
			shot(p, "expanded")

			p.do("back", chromedp.Click(inWidget(`.full header button.hb`)))
			if _, err := staff.Close(ctxT(t), conv); err != nil {
				t.Fatalf("close: %v", err)
			}
			p.waitFor("the feedback prompt", shadow+`.querySelector('form.feedback') !== null`, 5*time.Second)
			ended := eval[map[string]bool](p, `(() => { const b = `+shadow+`.querySelector('.body'); return {
				crisis: !!b.querySelector('.crisis a[href^="tel:"]'),
				again: [...b.querySelectorAll('button')].some((x) => x.textContent === 'Start a new conversation'),
				hours: !!b.querySelector('.hours') }; })()`)
			for what, ok := range ended {
				if !ok {
					t.Errorf("the ended state lacks %s", what)
				}
			}
			shot(p, "ended")
		})
	}
}

// viewportShot saves what the tab's viewport shows (fixed elements where a
// person sees them) as build/screenshots/<name>.png.
func viewportShot(p *page, name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Context, e2ekit.Patience)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		p.t.Errorf("save screenshot %s: %v", name, err)
	}
}
