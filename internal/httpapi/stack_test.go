package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/confidechat/confide/internal/app"
	"github.com/confidechat/confide/internal/auth/authtest"
	"github.com/confidechat/confide/internal/localdynamo"
	"github.com/confidechat/confide/internal/store"
)

// dynamo is the embedded DynamoDB every test of the package shares; each
// test gets a table of its own.
var dynamo *localdynamo.Server

func TestMain(m *testing.M) {
	db, err := localdynamo.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dynamo = db
	code := m.Run()
	if err := db.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

var tableSeq atomic.Int64

// stack is the real app of the functions over the embedded DynamoDB, a fake
// Cognito pool and a management API that records what is posted.
type stack struct {
	app    *app.App
	issuer *authtest.Issuer
	posts  *management
	clock  *clock
	logs   *syncBuffer
}

// setup is how a stack is built; options change it.
type setup struct {
	cfg         app.Config
	createTable bool
}

type option func(*setup)

// withStaffCIDRs restricts staff to the networks cidrs.
func withStaffCIDRs(cidrs ...string) option {
	return func(s *setup) {
		for _, c := range cidrs {
			s.cfg.StaffCIDRs = append(s.cfg.StaffCIDRs, netip.MustParsePrefix(c))
		}
	}
}

// withoutTable points the app at a table that does not exist, so every
// store call fails.
func withoutTable() option { return func(s *setup) { s.createTable = false } }

func newStack(t *testing.T, opts ...option) *stack {
	t.Helper()
	ctx := context.Background()
	iss := authtest.NewIssuer(t)
	mgmt := newManagement(t)
	st := setup{
		cfg: app.Config{
			TableName:          fmt.Sprintf("confide-httpapi-%d", tableSeq.Add(1)),
			Issuer:             iss.URL,
			ClientID:           iss.ClientID,
			StaffGroup:         "staff",
			AllowedOrigins:     []string{"https://allowed.example"},
			ManagementEndpoint: mgmt.srv.URL,
			DynamoDBEndpoint:   dynamo.Endpoint,
		},
		createTable: true,
	}
	for _, o := range opts {
		o(&st)
	}
	if st.createTable {
		if err := store.CreateTable(ctx, dynamo.Client(ctx), st.cfg.TableName); err != nil {
			t.Fatalf("create table: %v", err)
		}
	}
	clk := &clock{t: time.Now().UTC().Truncate(time.Millisecond)}
	logs := &syncBuffer{}
	a, err := app.New(ctx, st.cfg,
		app.WithAWSConfig(aws.Config{
			Region:      localdynamo.Region,
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		}),
		app.WithClock(clk.Now),
		app.WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		app.WithHTTPClient(iss.HTTPClient()),
	)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	return &stack{app: a, issuer: iss, posts: mgmt, clock: clk, logs: logs}
}

// clientToken is a valid access token of a client.
func (s *stack) clientToken(sub string) string {
	return s.issuer.AccessToken(sub, "client-"+sub, nil)
}

// staffToken is a valid access token of a counsellor.
func (s *stack) staffToken(sub string) string {
	return s.issuer.AccessToken(sub, "staff-"+sub, []string{"staff"})
}

// call is one HTTP API request, turned into the captured event shape.
type call struct {
	// route is the route key, e.g. "POST /conversations/{id}/messages".
	route  string
	params map[string]string
	token  string
	body   string
	// sourceIP replaces the sample's source address when set.
	sourceIP string
	headers  map[string]string
	cookies  []string
}

// event builds the API Gateway event of c from aws-lambda-go's captured
// HTTP API request.
func (c call) event(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile("testdata/apigw-v2-request-no-authorizer.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("decode sample event: %v", err)
	}
	method, path, _ := strings.Cut(c.route, " ")
	for k, v := range c.params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	ev.RouteKey, ev.RequestContext.RouteKey = c.route, c.route
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path, ev.RawPath = method, path, path
	ev.PathParameters = c.params
	delete(ev.Headers, "content-length")
	if c.token != "" {
		ev.Headers["authorization"] = "Bearer " + c.token
	}
	for k, v := range c.headers {
		ev.Headers[strings.ToLower(k)] = v
	}
	ev.Cookies = c.cookies
	if c.sourceIP != "" {
		ev.RequestContext.HTTP.SourceIP = c.sourceIP
	}
	if c.body != "" {
		ev.Body = c.body
		ev.Headers["content-type"] = "application/json"
	}
	return ev
}

// do invokes the api function with c the way Lambda does: event JSON in,
// response JSON out.
func (s *stack) do(t *testing.T, c call) events.APIGatewayV2HTTPResponse {
	t.Helper()
	return s.invoke(t, c.event(t))
}

// invoke sends ev to the api function as Lambda does.
func (s *stack) invoke(t *testing.T, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := lambda.NewHandler(s.app.HTTP.Handle).Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("%s: invoke: %v", ev.RouteKey, err)
	}
	var res events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: decode response %s: %v", ev.RouteKey, out, err)
	}
	return res
}

// doAll invokes the api function with every call at once, as concurrent
// Lambda invocations, and returns the responses in the order of calls.
func (s *stack) doAll(t *testing.T, calls []call) []events.APIGatewayV2HTTPResponse {
	t.Helper()
	payloads := make([][]byte, len(calls))
	for i, c := range calls {
		p, err := json.Marshal(c.event(t))
		if err != nil {
			t.Fatal(err)
		}
		payloads[i] = p
	}
	res := make([]events.APIGatewayV2HTTPResponse, len(calls))
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, p := range payloads {
		wg.Go(func() {
			out, err := lambda.NewHandler(s.app.HTTP.Handle).Invoke(context.Background(), p)
			if err == nil {
				err = json.Unmarshal(out, &res[i])
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s #%d: %v", calls[i].route, i, err)
		}
	}
	return res
}

// wantError checks that res is the protocol's error with status and code.
func wantError(t *testing.T, res events.APIGatewayV2HTTPResponse, status int, code string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("status = %d, want %d (body %s)", res.StatusCode, status, res.Body)
	}
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Fatalf("error body %q is not JSON: %v", res.Body, err)
	}
	if body.Error.Code != code || body.Error.Message == "" {
		t.Errorf("error = %+v, want code %q with a message", body.Error, code)
	}
}

// jsonEqual checks that got and want hold the same JSON value.
func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON differs:\n got  %s\n want %s", got, want)
	}
}

// management is the API Gateway management API on an httptest server: it
// records every PostToConnection and answers 200.
type management struct {
	srv *httptest.Server

	mu    sync.Mutex
	posts []post
}

// post is one PostToConnection call.
type post struct {
	ConnectionID string
	Data         string
}

func newManagement(t *testing.T) *management {
	m := &management{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /@connections/{id}", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		m.mu.Lock()
		m.posts = append(m.posts, post{ConnectionID: r.PathValue("id"), Data: buf.String()})
		m.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	m.srv = httptest.NewServer(mux)
	t.Cleanup(m.srv.Close)
	return m
}

// all returns every post so far.
func (m *management) all() []post {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]post(nil), m.posts...)
}

// clock is the service's settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// syncBuffer collects the app's logs from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
