package browser

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// widgetLook is what the host page could break: where the widget is and
// how its parts look.
const widgetLook = `(() => {
	const host = document.querySelector('confide-widget'), r = ` + shadow + `;
	const css = (el, ...props) => props.map(p => getComputedStyle(el)[p]).join(' ');
	const box = (el) => { const b = el.getBoundingClientRect(); return [b.width, b.height, b.right, b.bottom].map(Math.round).join(','); };
	return {
		host: css(host, 'position', 'display', 'opacity', 'transform'),
		launcher: css(r.querySelector('.launcher'), 'backgroundColor', 'color', 'fontSize') + ' ' + box(r.querySelector('.launcher')),
		panel: box(r.querySelector('.panel')),
		message: css(r.querySelector('.body li .text'), 'color', 'fontSize', 'lineHeight'),
		list: css(r.querySelector('.msgs'), 'listStyleType', 'margin'),
		input: css(r.querySelector('textarea#msg'), 'borderTopStyle', 'borderTopColor'),
	};
})()`

// TestWidgetHostCSSIsolation: under a host stylesheet that resets and
// restyles everything (demo.html?hostile), the widget looks exactly as on
// a plain page; and the widget's styles do not reach the host page.
func TestWidgetHostCSSIsolation(t *testing.T) {
	a := newAccount(t, false)
	looks := map[string]map[string]string{}
	for _, query := range []string{"", "?hostile"} {
		p := clientBrowser(t, a, query)
		if view(p) == "start" {
			startConversation(p, a)
		}
		openPanel(p)
		if query == "" {
			typeAndSend(p, "Styles test")
		}
		waitShown(p, ".body", "Styles test", 5*time.Second)
		p.do("move the mouse off the widget", chromedp.Click(chromedp.CSS("h1")))
		looks[query] = eval[map[string]string](p, widgetLook)
		if query != "" {
			viewportShot(p, "widget-desktop-hostile-host-css")
			continue
		}
		// The plain page's own styles are the demo's, untouched by the widget's.
		got := eval[string](p, `[getComputedStyle(document.querySelector('#signout')).backgroundColor,
			getComputedStyle(document.querySelector('main p')).fontFamily.split(',')[0],
			[...document.styleSheets].map(s => s.href.split('/').pop()).join(' ')].join(' | ')`)
		if want := "rgb(20, 83, 45) | Georgia | demo.css"; got != want {
			t.Errorf("host page styles = %q, want %q", got, want)
		}
	}
	for k, want := range looks[""] {
		if got := looks["?hostile"][k]; got != want {
			t.Errorf("%s under hostile host CSS = %q, want %q as on a plain page", k, got, want)
		}
	}
	p := clientBrowser(t, a, "?hostile")
	openPanel(p)
	p.do("send under hostile CSS", chromedp.SendKeys(inWidget(`textarea#msg`), "Still works\r"))
	waitShown(p, ".body", "Still works", 5*time.Second)
}
