package browser

import (
	"reflect"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/dev/devstack"
	"github.com/confidechat/confide/internal/routes"
	"github.com/confidechat/confide/internal/webconfig"
)

// TestPagesGetTheEndpointsUnderTheProductionPolicy checks what every page
// relies on: /config.json names the stack's APIs and the server's limits
// (the clients check a message against them before sending), and the web
// server sends the Content-Security-Policy production sends, so an inline
// script (what an injected payload would be) does not run.
func TestPagesGetTheEndpointsUnderTheProductionPolicy(t *testing.T) {
	p := newBrowser(t)
	p.do("open the index", chromedp.Navigate(web+"/"))
	got := eval[webconfig.Config](p, `fetch('/config.json').then(r => r.json())`)
	want := webconfig.Config{
		HTTPAPI:          stack.Endpoints.HTTPAPI,
		WebSocket:        stack.Endpoints.WebSocket,
		CognitoEndpoint:  stack.Endpoints.CognitoEndpoint,
		UserPoolClientID: stack.Endpoints.UserPoolClientID,
		Limits:           webconfig.Limits{MessageChars: chat.DefaultLimits().MaxMessageChars, FrameBytes: routes.MaxFrameBytes},
		Theme:            devstack.DemoTheme,
		CannedReplies:    webconfig.DefaultCannedReplies(),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config.json = %+v, want %+v", got, want)
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
