package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"

	"github.com/confidechat/confide/internal/routes"
	"github.com/confidechat/confide/internal/testkit"
)

// invocation is one call of a function's handler, as the handler saw it.
type invocation struct {
	fn      routes.Function
	payload json.RawMessage
	// socket is the payload decoded, for the WebSocket functions.
	socket   *events.APIGatewayWebsocketProxyRequest
	lc       *lambdacontext.LambdaContext
	deadline time.Time
}

// recorder keeps every invocation of the stack's handlers.
type recorder struct {
	mu    sync.Mutex
	calls []invocation
}

func (r *recorder) record(ctx context.Context, fn routes.Function, payload json.RawMessage) error {
	call := invocation{fn: fn, payload: payload}
	call.lc, _ = lambdacontext.FromContext(ctx)
	call.deadline, _ = ctx.Deadline()
	if fn != routes.API {
		call.socket = &events.APIGatewayWebsocketProxyRequest{}
		if err := json.Unmarshal(payload, call.socket); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
	return nil
}

func (r *recorder) invocations(fn routes.Function) []invocation {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []invocation
	for _, c := range r.calls {
		if c.fn == fn {
			out = append(out, c)
		}
	}
	return out
}

// socketEvents returns the WebSocket events function fn received for
// connection id ("" for every connection).
func (r *recorder) socketEvents(t *testing.T, fn routes.Function, id string) []events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	var out []events.APIGatewayWebsocketProxyRequest
	for _, c := range r.invocations(fn) {
		if c.socket == nil {
			t.Fatalf("%s is not a WebSocket function", fn)
		}
		if id == "" || c.socket.RequestContext.ConnectionID == id {
			out = append(out, *c.socket)
		}
	}
	return out
}

// functions says what each function answers; a nil one answers 200 with no
// body, and a nil authorizer allows with allowContext.
type functions struct {
	authorizer func(events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error)
	connect    func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)
	message    func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)
	api        func(events.APIGatewayV2HTTPRequest) (any, error)
}

// stack is a gateway with recording handlers, served on real sockets.
type stack struct {
	gw   *Gateway
	ws   *httptest.Server
	api  *httptest.Server
	rec  *recorder
	tr   *http.Transport
	mgmt *apigatewaymanagementapi.Client
}

func socketFunction(rec *recorder, fn routes.Function, answer func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)) any {
	return func(ctx context.Context, raw json.RawMessage) (events.APIGatewayProxyResponse, error) {
		if err := rec.record(ctx, fn, raw); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		if answer == nil {
			return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
		}
		var ev events.APIGatewayWebsocketProxyRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		return answer(ev)
	}
}

// allowContext is what the default authorizer attaches.
var allowContext = map[string]any{"userId": "user-1", "sessions": 2, "staff": false}

// allow is an authorizer answer allowing req's method with context.
func allow(req events.APIGatewayCustomAuthorizerRequestTypeRequest, context map[string]any) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: "user-1",
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
			{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{req.MethodArn}},
		}},
		Context: context,
	}
}

// newStack starts a gateway configured by cfg (its Functions are replaced by
// recording ones answering as fns says) and stops it when the test ends.
func newStack(t *testing.T, fns functions, cfg GatewayConfig) *stack {
	t.Helper()
	rec := &recorder{}
	cfg.Functions = map[routes.Function]any{
		routes.Authorizer: func(ctx context.Context, raw json.RawMessage) (events.APIGatewayCustomAuthorizerResponse, error) {
			if err := rec.record(ctx, routes.Authorizer, raw); err != nil {
				return events.APIGatewayCustomAuthorizerResponse{}, err
			}
			var req events.APIGatewayCustomAuthorizerRequestTypeRequest
			if err := json.Unmarshal(raw, &req); err != nil {
				return events.APIGatewayCustomAuthorizerResponse{}, err
			}
			if fns.authorizer == nil {
				return allow(req, allowContext), nil
			}
			return fns.authorizer(req)
		},
		routes.Connect:    socketFunction(rec, routes.Connect, fns.connect),
		routes.Message:    socketFunction(rec, routes.Message, fns.message),
		routes.Disconnect: socketFunction(rec, routes.Disconnect, nil),
		routes.API: func(ctx context.Context, raw json.RawMessage) (any, error) {
			if err := rec.record(ctx, routes.API, raw); err != nil {
				return nil, err
			}
			if fns.api == nil {
				return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK}, nil
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, err
			}
			return fns.api(ev)
		},
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	gw := NewGateway(cfg)
	s := &stack{gw: gw, ws: httptest.NewServer(gw.WebSocketHandler()), api: httptest.NewServer(gw.HTTPHandler()), rec: rec}
	s.tr = &http.Transport{}
	s.mgmt = apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		BaseEndpoint: aws.String(s.ws.URL + "/" + gw.cfg.Stage),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
		HTTPClient:   &http.Client{Transport: s.tr},
	})
	t.Cleanup(func() {
		gw.Close()
		s.tr.CloseIdleConnections()
		s.ws.Close()
		s.api.Close()
	})
	return s
}

// dial opens a WebSocket tagged with a query parameter and returns it with
// the connection id the gateway gave it.
func (s *stack) dial(t *testing.T, tag string, opts *websocket.DialOptions) (*websocket.Conn, string) {
	t.Helper()
	conn, resp, err := websocket.Dial(context.Background(), s.socketURL("tag="+tag), opts)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", tag, err, status)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	for _, ev := range s.rec.socketEvents(t, routes.Connect, "") {
		if ev.QueryStringParameters["tag"] == tag {
			return conn, ev.RequestContext.ConnectionID
		}
	}
	t.Fatalf("no $connect event for tag %s", tag)
	return nil, ""
}

// socketURL is the stack's WebSocket URL with a ticket (the authorizer's
// identity source) and query.
func (s *stack) socketURL(query string) string {
	return s.bareSocketURL("ticket=test-ticket&" + query)
}

// bareSocketURL is the stack's WebSocket URL with exactly query.
func (s *stack) bareSocketURL(query string) string {
	return "ws" + strings.TrimPrefix(s.ws.URL, "http") + "/" + s.gw.cfg.Stage + "?" + query
}

// wantRefused checks that a dial (conn, resp, err) was refused with status
// and a body holding body.
func wantRefused(t *testing.T, conn *websocket.Conn, resp *http.Response, err error, status int, body string) {
	t.Helper()
	if err == nil {
		conn.CloseNow()
		t.Fatalf("dial succeeded, want refusal with %d", status)
	}
	if resp == nil || resp.StatusCode != status {
		t.Fatalf("dial response %v, want status %d", resp, status)
	}
	got, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(got), body) {
		t.Errorf("refusal body %q, want it to contain %q", got, body)
	}
}

// disconnected waits for the $disconnect event of connection id.
func (s *stack) disconnected(t *testing.T, id string) events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	waitFor(t, "$disconnect of "+id, func() bool { return len(s.rec.socketEvents(t, routes.Disconnect, id)) > 0 })
	return s.rec.socketEvents(t, routes.Disconnect, id)[0]
}

// waitFor polls cond until it holds, failing the test after a deadline
// (testkit.WaitUntil, the one polling helper).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.WaitUntil(t, what, 30*time.Second, cond)
}

// closeStatus is the close code a client saw when reading from conn.
func closeStatus(t *testing.T, conn *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := conn.Read(ctx)
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func TestGatewayHoldsNothingAfterConnectionsClose(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{})
	ctx := context.Background()

	// Warm up the management client's and the servers' connection pools.
	conn, id := s.dial(t, "warm-up", nil)
	warmUpDone := conn.CloseRead(ctx)
	if _, err := s.mgmt.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: &id}); err != nil {
		t.Fatalf("delete warm-up connection: %v", err)
	}
	<-warmUpDone.Done()
	waitFor(t, "warm-up to close", func() bool { return s.gw.Connections() == 0 })
	s.tr.CloseIdleConnections()
	baseline := runtime.NumGoroutine()

	const n = 200
	conns := make([]*websocket.Conn, n)
	ids := make([]string, n)
	for i := range n {
		conns[i], ids[i] = s.dial(t, fmt.Sprintf("leak-%d", i), nil)
	}
	if got := s.gw.Connections(); got != n {
		t.Fatalf("Connections() = %d with %d open, want %d", got, n, n)
	}
	var closing sync.WaitGroup
	for i := range n {
		if i%2 == 0 {
			closing.Go(func() { _ = conns[i].Close(websocket.StatusNormalClosure, "bye") })
			continue
		}
		readDone := conns[i].CloseRead(ctx)
		if _, err := s.mgmt.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: &ids[i]}); err != nil {
			t.Fatalf("delete connection %d: %v", i, err)
		}
		<-readDone.Done()
	}
	closing.Wait()

	waitFor(t, "every $disconnect", func() bool { return len(s.rec.invocations(routes.Disconnect)) == n+1 })
	if got := s.gw.Connections(); got != 0 {
		t.Errorf("Connections() = %d after all closed, want 0", got)
	}
	s.tr.CloseIdleConnections()
	waitFor(t, fmt.Sprintf("goroutines back to %d", baseline), func() bool { return runtime.NumGoroutine() <= baseline })
	for _, id := range ids {
		if got := len(s.rec.socketEvents(t, routes.Disconnect, id)); got != 1 {
			t.Fatalf("connection %s had %d $disconnect events, want 1", id, got)
		}
	}
}

func TestCloseRefusesNewConnections(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{})
	s.gw.Close()
	_, resp, err := websocket.Dial(context.Background(), s.socketURL("tag=late"), nil)
	if err == nil {
		t.Fatal("dial after Close succeeded, want refusal")
	}
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial after Close: response %v, want status 503", resp)
	}
	if got := len(s.rec.invocations(routes.Connect)); got != 0 {
		t.Errorf("$connect invoked %d times after Close, want 0", got)
	}
}

// errFunction is what a failing function returns.
var errFunction = errors.New("function failed")
