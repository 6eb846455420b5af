package browser

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// maxWidgetGzip is the budget of everything the widget loads (its loader,
// its one bundled module and its stylesheet), gzipped.
const maxWidgetGzip = 20 * 1024

// widgetFiles are the files a site that embeds the widget loads: the loader
// it adds, the module the loader imports (the widget's modules and the
// protocol module, bundled) and the stylesheet that module links.
var widgetFiles = []string{"/widget/app.js", "/widget/widget.css", "/widget/widget.js"}

// demoFiles are the demo host page and what it loads for its own sign-in form:
// not the widget's, so not in its budget.
var demoFiles = []string{"/widget/demo.html", "/widget/demo.js", "/widget/demo.css", "/shared/cognito.js", "/shared/config.js"}

// gzipped is the size of path as served by the stack, gzipped.
func gzipped(t *testing.T, path string) int {
	t.Helper()
	res, err := http.Get(web + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if _, err := io.Copy(zw, res.Body); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Len()
}

// requests records the URL of every request a tab makes, WebSockets included.
type requests struct {
	mu   sync.Mutex
	urls []string
}

func recordRequests(p *page) *requests {
	r := &requests{}
	if err := chromedp.Listen(p.Context, func(ev any) {
		var u string
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			u = e.Request.URL
		case *network.EventWebSocketCreated:
			u = e.URL
		default:
			return
		}
		r.mu.Lock()
		r.urls = append(r.urls, u)
		r.mu.Unlock()
	}); err != nil {
		p.t.Fatal(err)
	}
	if _, err := chromedp.Call(p.Context, network.Enable, network.EnableParams{}); err != nil {
		p.t.Fatal(err)
	}
	return r
}

func (r *requests) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.urls)
}

// TestWidgetIsSmallAndTalksOnlyToTheStack: the widget's files are under
// 20 KB gzipped, and a whole session (sign-in, chat, full view) makes no
// request anywhere but the stack's web server, APIs and Cognito.
func TestWidgetIsSmallAndTalksOnlyToTheStack(t *testing.T) {
	a := newAccount(t, false)
	staff := counsellor(t)
	p := newBrowser(t)
	watchCSP(p)
	reqs := recordRequests(p)
	signIn(p, a, "")
	conv := startConversation(p, a)
	counsellorSays(t, staff, conv, "Hello")
	waitShown(p, ".body", "Hello", 5*time.Second)
	p.do("expand", chromedp.Click(inWidget(`.panel header button[aria-label="Open full view"]`)))
	p.waitFor("the full view", shadow+`.querySelectorAll('.full li.m').length === 1`, 5*time.Second)

	allowed := map[string]bool{}
	for _, u := range []string{web, stack.Endpoints.HTTPAPI, stack.Endpoints.WebSocket, stack.Endpoints.CognitoEndpoint} {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		allowed[pu.Host] = true
	}
	files := widgetFiles
	loaded := map[string]bool{}
	for _, u := range reqs.list() {
		pu, err := url.Parse(u)
		if err != nil || !allowed[pu.Host] {
			t.Errorf("request to %s: not one of the stack's hosts", u)
			continue
		}
		if pu.Host == mustHost(t, web) && (strings.HasPrefix(pu.Path, "/widget/") || strings.HasPrefix(pu.Path, "/shared/")) {
			loaded[pu.Path] = true
		}
	}
	for _, f := range files {
		if !loaded[f] {
			t.Errorf("%s was not loaded: is it still part of the widget?", f)
		}
	}
	// Anything else under /widget/ or /shared/ would be a module the bundle
	// left for the browser to fetch, outside the budget.
	for f := range loaded {
		if !slices.Contains(files, f) && !slices.Contains(demoFiles, f) {
			t.Errorf("the page loaded %s, neither the widget's bundle nor the demo's own", f)
		}
	}

	total := 0
	var sizes []string
	for _, f := range files {
		n := gzipped(t, f)
		total += n
		sizes = append(sizes, f+" "+strconv.Itoa(n))
	}
	t.Logf("widget gzipped: %d bytes (%s)", total, strings.Join(sizes, ", "))
	if total >= maxWidgetGzip {
		t.Errorf("the widget is %d bytes gzipped, over the %d budget", total, maxWidgetGzip)
	}
}

func mustHost(t *testing.T, u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return pu.Host
}

// TestWidgetConnectsAndShowsMessages: for a client with a conversation,
// the widget connects and shows its messages, in order, on sign-in, and
// opening the panel shows the newest one at once. (How soon is measured by
// make bench-web: TestMeasureWidgetStart.)
func TestWidgetConnectsAndShowsMessages(t *testing.T) {
	a := newAccount(t, false)
	staff := counsellor(t)
	me := a.api(t)
	c, err := me.CreateConversation(ctxT(t), "24h")
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"One", "Two", "Three"} {
		counsellorSays(t, staff, c.ID, body)
	}
	p := clientBrowser(t, a, "")
	p.waitFor("the connection", `document.querySelector('confide-widget').dataset.conn === 'open'`, 10*time.Second)
	for _, name := range []string{"confide:signed-in", "confide:ws-open", "confide:messages-shown"} {
		if !eval[bool](p, `performance.getEntriesByName(`+js(name)+`).length === 1`) {
			t.Errorf("no performance mark %s: the start can no longer be measured", name)
		}
	}
	if shown := shownTexts(p, ".body"); !slices.Equal(shown, []string{"One", "Two", "Three"}) {
		t.Errorf("shown %v", shown)
	}
	openPanel(p)
	if got := eval[bool](p, `(() => { const li = `+shadow+`.querySelector('.body li:last-child').getBoundingClientRect(); return li.height > 0 && li.bottom <= innerHeight; })()`); !got {
		t.Error("opening the panel does not show the newest message at once")
	}
}

// TestWidgetDoesNotBlockThePage: the widget's loader is an async script,
// so a host page is parsed and painted without waiting for Confide: with
// widget.js held back by the network, the demo page still reaches
// DOMContentLoaded and its first contentful paint, and the widget starts
// once widget.js arrives. (First paint with and without the widget is
// measured by make bench-web: TestMeasureFirstPaint.)
func TestWidgetDoesNotBlockThePage(t *testing.T) {
	p := newBrowser(t)
	held := holdRequests(p, "*/widget/widget.js")
	ctx, cancel := context.WithTimeout(p.Context, e2ekit.Patience)
	defer cancel()
	if _, err := chromedp.Call(ctx, cdppage.Navigate, cdppage.NavigateParams{URL: demoPage()}); err != nil {
		t.Fatalf("open the demo page: %v", err)
	}
	held.waitHeld(t)
	p.waitFor("DOMContentLoaded while widget.js is held", `performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd > 0`, 10*time.Second)
	p.waitFor("the page painted while widget.js is held", `performance.getEntriesByName('first-contentful-paint').length === 1`, 10*time.Second)
	if eval[bool](p, `!!document.querySelector('confide-widget') || performance.getEntriesByName('confide:init').length > 0`) {
		t.Fatal("the widget started without its loader: the test did not hold widget.js back")
	}
	if !eval[bool](p, `document.querySelector('script[src$="widget.js"]').async`) {
		t.Error("the widget's script tag is not async")
	}
	held.release(t)
	p.waitFor("the widget once widget.js arrives", `performance.getEntriesByName('confide:init').length === 1`, 10*time.Second)
}

// held are the requests of a tab paused by holdRequests until release.
type held struct {
	p    *page
	mu   sync.Mutex
	ids  []fetch.RequestID
	done bool
}

// holdRequests pauses the tab's requests matching pattern (the others go
// on) until release.
func holdRequests(p *page, pattern string) *held {
	p.t.Helper()
	h := &held{p: p}
	paused := chromedp.Events(p.Context, fetch.RequestPaused)
	if _, err := chromedp.Call(p.Context, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}}); err != nil {
		p.t.Fatalf("enable request interception: %v", err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			h.mu.Lock()
			if h.done {
				_, _ = chromedp.Call(p.Context, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			} else {
				h.ids = append(h.ids, ev.RequestID)
			}
			h.mu.Unlock()
		}
	}()
	return h
}

// waitHeld waits until a request is held.
func (h *held) waitHeld(t *testing.T) {
	t.Helper()
	waitUntil(t, "a held request", 10*time.Second, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.ids) > 0
	})
}

// release lets the held requests go, and the later ones pass.
func (h *held) release(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.done = true
	for _, id := range h.ids {
		if _, err := chromedp.Call(h.p.Context, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id}); err != nil {
			t.Errorf("release a held request: %v", err)
		}
	}
	h.ids = nil
}

// metrics collects garbage and returns the page's JS heap, listeners and DOM nodes.
func metrics(p *page) map[string]float64 {
	p.t.Helper()
	if _, err := chromedp.Call(p.Context, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
		p.t.Fatal(err)
	}
	res, err := chromedp.Call(p.Context, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		p.t.Fatal(err)
	}
	out := map[string]float64{}
	for _, m := range res.Metrics {
		out[m.Name] = m.Value
	}
	return out
}

// TestWidgetMemorySettles opens, uses and closes the widget 50 times (open
// the panel, type, expand to the full view, go back, minimise; a message
// every tenth time) and checks that the JS heap, the event listeners and
// the DOM nodes settle back after garbage collection.
func TestWidgetMemorySettles(t *testing.T) {
	a := newAccount(t, false)
	p := clientBrowser(t, a, "")
	startConversation(p, a)
	if _, err := chromedp.Call(p.Context, performance.Enable, performance.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	cycle := func(i int) {
		p.do("open", chromedp.Click(inWidget(".launcher")))
		p.do("type", chromedp.SendKeys(inWidget("textarea#msg"), "x"))
		p.do("expand", chromedp.Click(inWidget(`.panel header button[aria-label="Open full view"]`)))
		p.waitFor("the full view", `!`+shadow+`.querySelector('.full').hidden && `+shadow+`.querySelector('.full .composer')`, 5*time.Second)
		p.do("back", chromedp.Click(inWidget(".full header button.hb")))
		if i%10 == 9 {
			p.do("send", chromedp.Focus(inWidget("textarea#msg")), chromedp.KeyEvent("\r"))
		}
		p.do("minimise", chromedp.Click(inWidget(`.panel header button[aria-label="Minimise the chat"]`)))
	}
	p.do("minimise", chromedp.Click(inWidget(`.panel header button[aria-label="Minimise the chat"]`)))
	for i := range 5 {
		cycle(i)
	}
	p.waitFor("settled", `!`+shadow+`.querySelector('li.pending')`, 5*time.Second)
	before := metrics(p)
	for i := range 50 {
		cycle(i)
	}
	p.waitFor("settled", `!`+shadow+`.querySelector('li.pending')`, 5*time.Second)
	after := metrics(p)
	t.Logf("after 5 and 55 cycles: JS heap %.0f → %.0f KB, listeners %.0f → %.0f, nodes %.0f → %.0f",
		before["JSHeapUsedSize"]/1024, after["JSHeapUsedSize"]/1024, before["JSEventListeners"], after["JSEventListeners"], before["Nodes"], after["Nodes"])
	limits := []struct {
		metric string
		grow   float64
	}{
		{"JSHeapUsedSize", 1 << 20}, // 5 sent messages and their frames, not 50 views
		{"JSEventListeners", 5},
		{"Nodes", 300},
	}
	for _, l := range limits {
		if got := after[l.metric] - before[l.metric]; got > l.grow {
			t.Errorf("%s grew by %.0f over 50 cycles, want at most %.0f", l.metric, got, l.grow)
		}
	}
}
