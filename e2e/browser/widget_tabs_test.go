package browser

import (
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWidgetOneConnectionPerBrowser: two tabs of one browser make one
// WebSocket connection at the gateway; the second tab gets messages and
// sends through the first; closing the first hands the connection over to
// the second, which still receives.
func TestWidgetOneConnectionPerBrowser(t *testing.T) {
	a := newAccount(t, false)
	staff := counsellor(t)
	before := stack.Gateway.ConnectionIDs()

	// The browser context belongs to a blank first tab, so the widget's
	// tabs can be closed without closing the browser.
	b := newBrowser(t)
	first := b.tab(a)
	conv := startConversation(first, a)
	leaderConn := newConnections(before)
	if len(leaderConn) != 1 {
		t.Fatalf("one tab made %d connections, want 1", len(leaderConn))
	}

	second := b.tab(a)
	second.waitFor("the chat in the second tab", `document.querySelector('confide-widget').dataset.view === 'chat' && document.querySelector('confide-widget').dataset.conn === 'open'`, 10*time.Second)
	if got := newConnections(before); !slices.Equal(got, leaderConn) {
		t.Fatalf("two tabs have connections %v, want only the first tab's %v", got, leaderConn)
	}
	roles := [2]string{
		eval[string](first, `document.querySelector('confide-widget').dataset.role || 'follower'`),
		eval[string](second, `document.querySelector('confide-widget').dataset.role || 'follower'`),
	}
	if roles != [2]string{"leader", "follower"} {
		t.Errorf("roles = %v, want [leader follower]", roles)
	}

	counsellorSays(t, staff, conv, "To both tabs")
	for _, p := range []*page{first, second} {
		waitShown(p, ".body", "To both tabs", 5*time.Second)
	}
	openPanel(second)
	typeAndSend(second, "From the second tab")
	for _, p := range []*page{first, second} {
		waitShown(p, ".body", "From the second tab", 5*time.Second)
	}
	second.waitFor("the message stored", `!`+shadow+`.querySelector('.body li.pending')`, 5*time.Second)
	if got := storedBodies(t, staff, conv); count(got, "From the second tab") != 1 {
		t.Errorf("stored %v, want the second tab's message once", got)
	}

	if err := chromedp.Cancel(first.Context); err != nil {
		t.Fatalf("close the first tab: %v", err)
	}
	second.waitFor("the second tab leading and connected", `document.querySelector('confide-widget').dataset.role === 'leader' && document.querySelector('confide-widget').dataset.conn === 'open'`, 10*time.Second)
	waitUntil(t, "one new connection in place of the first tab's", 5*time.Second, func() bool {
		got := newConnections(before)
		return len(got) == 1 && !slices.Equal(got, leaderConn)
	})
	counsellorSays(t, staff, conv, "After the handover")
	waitShown(second, ".body", "After the handover", 5*time.Second)
	if got := count(shownTexts(second, ".body"), "To both tabs"); got != 1 {
		t.Errorf("%q shown %d times after the handover, want 1", "To both tabs", got)
	}
}
