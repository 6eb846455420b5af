package browser

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPagesGetTheEndpointsUnderTheProductionPolicy checks what every page
// relies on: /config.json names the stack's APIs, and the web server sends
// the Content-Security-Policy production sends, so an inline script (what
// an injected payload would be) does not run.
func TestPagesGetTheEndpointsUnderTheProductionPolicy(t *testing.T) {
	p := newBrowser(t)
	p.do("open the index", chromedp.Navigate(web+"/"))
	got := eval[map[string]string](p, `fetch('/config.json').then(r => r.json())`)
	want := map[string]string{
		"httpApi":          stack.Endpoints.HTTPAPI,
		"websocket":        stack.Endpoints.WebSocket,
		"cognitoEndpoint":  stack.Endpoints.CognitoEndpoint,
		"userPoolClientId": stack.Endpoints.UserPoolClientID,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("config.json %s = %q, want %q", k, got[k], v)
		}
	}
	// An inserted inline script runs during appendChild, unless the policy
	// forbids it.
	ran := eval[bool](p, `(() => {
		window.__inline = false;
		const s = document.createElement('script');
		s.textContent = 'window.__inline = true';
		document.body.appendChild(s);
		return window.__inline;
	})()`)
	if ran {
		t.Fatal("an inline script ran: the page is served without the production Content-Security-Policy")
	}
}
