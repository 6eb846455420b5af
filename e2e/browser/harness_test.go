// Package browser tests the widget and the staff dashboard in headless
// Chromium (Debian's, at /usr/bin/chromium or $CHROMIUM) against an
// in-process local stack: real pages, real WebSockets, real Cognito tokens.
// Screenshots go to build/screenshots/ for people to look at.
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/dev/devstack"
	"github.com/confidechat/confide/internal/testkit"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
	"github.com/confidechat/confide/internal/testlog"
)

// stack is the local stack every test of the package shares.
var stack *devstack.Stack

// web is the base URL of the stack's web server (pages, /config.json and
// the /_devstack controls).
var web string

// browserCtx is the one Chromium every test opens tabs in.
var browserCtx context.Context

var logger, logs = testlog.New()

// screenshotDir is where tests save what they saw.
const screenshotDir = "../../build/screenshots"

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctx := context.Background()
	s, err := devstack.Start(ctx, devstack.Options{Root: "../..", Seed: true, Logger: logger})
	if err != nil {
		return 0, err
	}
	defer s.Close()
	stack = s
	web = strings.TrimSuffix(s.Endpoints.WidgetDemo, "/widget/demo.html")

	path, err := chromium()
	if err != nil {
		return 0, err
	}
	profile, err := os.MkdirTemp("", "confide-chromium-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(profile)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// The first Run starts the browser; it lives as long as bctx.
	if err := chromedp.Do(bctx); err != nil {
		return 0, fmt.Errorf("start chromium: %w", err)
	}
	browserCtx = bctx
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// chromium finds Debian's Chromium; make test installs it.
func chromium() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("chromium not found: run `make browser-deps` (apt-get install -y chromium) or set CHROMIUM")
}

// page is one browser tab in its own browser context (its own cookies,
// storage and BroadcastChannels), like a separate person's browser.
type page struct {
	context.Context
	t *testing.T

	mu         sync.Mutex
	exceptions []string
}

// newBrowser opens a fresh, isolated browser context with one tab. Tabs of
// the same person's browser come from (*page).newTab.
func newBrowser(t *testing.T) *page {
	t.Helper()
	p := &page{t: t}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext(), chromedp.WithListener(p.listen))
	t.Cleanup(cancel)
	p.Context = ctx
	p.start()
	return p
}

// newTab opens another tab in the same browser context as p (same origin
// storage, BroadcastChannel and Web Locks), as a second tab of one person.
func (p *page) newTab() *page {
	p.t.Helper()
	q := &page{t: p.t}
	ctx, cancel := chromedp.NewContext(p.Context, chromedp.WithListener(q.listen))
	p.t.Cleanup(cancel)
	q.Context = ctx
	q.start()
	return q
}

func (p *page) start() {
	p.t.Helper()
	if err := chromedp.Do(p.Context); err != nil {
		p.t.Fatalf("open tab: %v", err)
	}
	p.t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, e := range p.exceptions {
			p.t.Errorf("uncaught exception in the page: %s", e)
		}
	})
}

// listen records uncaught exceptions: a page that throws fails its test.
func (p *page) listen(ev any) {
	if e, ok := ev.(*runtime.EventExceptionThrown); ok && e.ExceptionDetails != nil {
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg = d.Exception.Description
		}
		p.mu.Lock()
		p.exceptions = append(p.exceptions, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber))
		p.mu.Unlock()
	}
}

// do runs actions with a deadline, failing the test on error.
func (p *page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Context, e2ekit.Patience)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) into T.
func eval[T any](p *page, expression string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Context, e2ekit.Patience)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, awaitPromise))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", short(expression), err)
	}
	return v
}

func awaitPromise(p *runtime.EvaluateParams) {
	await := true
	p.AwaitPromise = &await
}

// poll asks cond until it holds or timeout passes (testkit.Within, the
// one polling helper of every suite).
func poll(timeout time.Duration, cond func() bool) bool { return testkit.Within(timeout, cond) }

// waitUntil polls a Go condition with a deadline, failing the test on
// timeout (testkit.WaitUntil); like waitFor it waits at least
// e2ekit.Patience.
func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	testkit.WaitUntil(t, what, max(timeout, e2ekit.Patience), cond)
}

// waitFor polls a JavaScript condition until it is truthy or the timeout
// passes; the condition may use the page's globals and the shadow roots.
// On timeout the page is saved as a screenshot. It waits for behaviour, not
// against a budget: however short the timeout asked, it waits at least
// e2ekit.Patience, so a busy machine slows a test down but never fails it.
func (p *page) waitFor(what, condition string, timeout time.Duration) {
	p.t.Helper()
	timeout = max(timeout, e2ekit.Patience)
	if !poll(timeout, func() bool { return eval[bool](p, "!!("+condition+")") }) {
		p.screenshot("timeout-" + strings.ReplaceAll(p.t.Name(), "/", "-"))
		p.t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// screenshot saves the tab's whole page as build/screenshots/<name>.png.
func (p *page) screenshot(name string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Context, e2ekit.Patience)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(screenshotDir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Errorf("save screenshot %s: %v", name, err)
	}
	return path
}

func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// account is a person with a Cognito login on the local stack.
type account struct {
	Username, Password, UserID string
	Staff                      bool
}

// directoryOn makes people on stack s whose clients send the origin base
// (e2ekit, what both end-to-end suites share).
func directoryOn(s *devstack.Stack, base string) e2ekit.Directory {
	return e2ekit.Directory{Accounts: e2ekit.Local(s.Cognito), HTTPAPI: s.Endpoints.HTTPAPI, Origin: base}
}

// accountOf is p's login, for signing in through the pages.
func accountOf(p *e2ekit.Person) account {
	return account{Username: p.Username, Password: p.Password, UserID: p.UserID, Staff: p.Staff}
}

// newAccount creates a client (or, with staff, a counsellor).
func newAccount(t *testing.T, staff bool) account {
	t.Helper()
	return accountOf(directoryOn(stack, web).NewPerson(t, staff))
}

// api signs a in and returns a protocol client for it, for driving the
// other side of a conversation from Go.
func (a account) api(t *testing.T) *client.Client {
	t.Helper()
	token, err := e2ekit.Local(stack.Cognito).SignIn(e2ekit.Context(t, 20*time.Second), a.Username, a.Password)
	if err != nil {
		t.Fatalf("sign in %s: %v", a.Username, err)
	}
	return client.New(stack.Endpoints.HTTPAPI, token, web)
}

// devstackControl posts to one of the local stack's /_devstack controls.
func devstackControl(t *testing.T, path string, body any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	res, err := http.Post(web+path, "application/json", strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", path, res.StatusCode)
	}
}
