package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/testkit/apigw"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// stack is the real app of the functions with the fakes of apptest, and the
// HTTP API calls of these tests.
type stack struct{ *apptest.Stack }

func newStack(t *testing.T, opts ...apptest.Option) *stack {
	t.Helper()
	return &stack{apptest.NewStack(t, opts...)}
}

// clientToken is a valid access token of a client.
func (s *stack) clientToken(sub string) string {
	return s.Issuer.AccessToken(sub, "client-"+sub, nil)
}

// staffToken is a valid access token of a counsellor.
func (s *stack) staffToken(sub string) string {
	return s.Issuer.AccessToken(sub, "staff-"+sub, []string{"staff"})
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
	raw := apigw.Event(t, apigw.HTTPNoAuthorizer)
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
	out, err := lambda.NewHandler(s.App.HTTP.Handle).Invoke(context.Background(), payload)
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
			out, err := lambda.NewHandler(s.App.HTTP.Handle).Invoke(context.Background(), p)
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
