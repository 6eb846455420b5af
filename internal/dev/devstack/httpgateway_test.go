package devstack

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/routes"
)

const allowedOrigin = "https://app.confide.example"

// do sends an HTTP API request and returns the response with its body read.
func (s *stack) do(t *testing.T, method, path string, header http.Header, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.api.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, out
}

func (s *stack) lastHTTPEvent(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	calls := s.rec.invocations(routes.API)
	if len(calls) == 0 {
		t.Fatal("api function not invoked")
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(calls[len(calls)-1].payload, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestHTTPRequestBecomesPayload2Event(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{})
	header := http.Header{
		"Content-Type":  {"application/json"},
		"Cookie":        {"session=abc; theme=dark"},
		"X-Client":      {"one", "two"},
		"Authorization": {"Bearer t0ken"},
		"User-Agent":    {"dashboard/1.0"},
	}
	s.do(t, http.MethodPost, "/conversations/c-1/messages?limit=5&tag=a&tag=b", header, []byte(`{"text":"hi"}`))
	ev := s.lastHTTPEvent(t)
	rc := ev.RequestContext
	checks := []struct{ name, got, want string }{
		{"version", ev.Version, "2.0"},
		{"routeKey", ev.RouteKey, "POST /conversations/{id}/messages"},
		{"requestContext.routeKey", rc.RouteKey, "POST /conversations/{id}/messages"},
		{"rawPath", ev.RawPath, "/conversations/c-1/messages"},
		{"rawQueryString", ev.RawQueryString, "limit=5&tag=a&tag=b"},
		{"pathParameters.id", ev.PathParameters["id"], "c-1"},
		{"queryStringParameters.limit", ev.QueryStringParameters["limit"], "5"},
		{"queryStringParameters.tag", ev.QueryStringParameters["tag"], "a,b"},
		{"cookies", strings.Join(ev.Cookies, "|"), "session=abc|theme=dark"},
		{"headers.cookie", ev.Headers["cookie"], ""},
		{"headers.x-client", ev.Headers["x-client"], "one,two"},
		{"headers.authorization", ev.Headers["authorization"], "Bearer t0ken"},
		{"headers.content-type", ev.Headers["content-type"], "application/json"},
		{"headers.host", ev.Headers["host"], strings.TrimPrefix(s.api.URL, "http://")},
		{"body", ev.Body, `{"text":"hi"}`},
		{"stage", rc.Stage, "$default"},
		{"http.method", rc.HTTP.Method, "POST"},
		{"http.path", rc.HTTP.Path, "/conversations/c-1/messages"},
		{"http.protocol", rc.HTTP.Protocol, "HTTP/1.1"},
		{"http.sourceIp", rc.HTTP.SourceIP, "127.0.0.1"},
		{"http.userAgent", rc.HTTP.UserAgent, "dashboard/1.0"},
		{"domainName", rc.DomainName, strings.TrimPrefix(s.api.URL, "http://")},
		{"domainPrefix", rc.DomainPrefix, "127"},
		{"accountId", rc.AccountID, accountID},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if ev.IsBase64Encoded {
		t.Error("isBase64Encoded = true for a JSON body, want false")
	}
	if rc.RequestID == "" || rc.Time == "" || rc.TimeEpoch == 0 || rc.APIID == "" {
		t.Errorf("requestId %q time %q timeEpoch %d apiId %q, want all set", rc.RequestID, rc.Time, rc.TimeEpoch, rc.APIID)
	}
}

func TestBinaryBodiesCrossAsBase64(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0x00, 0xff}
	s := newStack(t, functions{api: func(ev events.APIGatewayV2HTTPRequest) (any, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: ev.Body, IsBase64Encoded: ev.IsBase64Encoded,
			Headers: map[string]string{"Content-Type": "image/png"}}, nil
	}}, GatewayConfig{})
	resp, body := s.do(t, http.MethodPost, "/conversations", http.Header{"Content-Type": {"application/octet-stream"}}, png)
	ev := s.lastHTTPEvent(t)
	if !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString(png) {
		t.Errorf("event body %q base64 %v, want the bytes in base64", ev.Body, ev.IsBase64Encoded)
	}
	if resp.StatusCode != 200 || !bytes.Equal(body, png) {
		t.Errorf("response %d %x, want 200 and the decoded bytes %x", resp.StatusCode, body, png)
	}
}

func TestHTTPResponsesAreWrittenBack(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		answer     any
		err        error
		wantStatus int
		wantBody   string
		wantHeader map[string][]string
	}{
		{
			name: "StatusHeadersCookiesAndBody", method: "GET", path: "/conversations/c-1",
			answer: events.APIGatewayV2HTTPResponse{
				StatusCode:        201,
				Headers:           map[string]string{"Content-Type": "application/json", "X-Single": "1"},
				MultiValueHeaders: map[string][]string{"X-Multi": {"a", "b"}},
				Cookies:           []string{"s=1; HttpOnly", "t=2"},
				Body:              `{"id":"c-1"}`,
			},
			wantStatus: 201, wantBody: `{"id":"c-1"}`,
			wantHeader: map[string][]string{
				"Content-Type": {"application/json"}, "X-Single": {"1"}, "X-Multi": {"a", "b"},
				"Set-Cookie": {"s=1; HttpOnly", "t=2"},
			},
		},
		{
			name: "NoStatusCodeIsA200JSONBody", method: "GET", path: "/me",
			answer:     map[string]string{"sub": "u1"},
			wantStatus: 200, wantBody: `{"sub":"u1"}`,
			wantHeader: map[string][]string{"Content-Type": {"application/json"}},
		},
		{
			name: "UnknownPathIsNotFound", method: "GET", path: "/nowhere",
			wantStatus: 404, wantBody: `{"message":"Not Found"}`,
		},
		{
			name: "UnknownMethodIsNotFound", method: "PATCH", path: "/me",
			wantStatus: 404, wantBody: `{"message":"Not Found"}`,
		},
		{
			name: "FunctionErrorIsInternalServerError", method: "GET", path: "/stats",
			err:        errFunction,
			wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, functions{api: func(events.APIGatewayV2HTTPRequest) (any, error) { return tt.answer, tt.err }}, GatewayConfig{})
			resp, body := s.do(t, tt.method, tt.path, nil, nil)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if string(body) != tt.wantBody {
				t.Errorf("body = %s, want %s", body, tt.wantBody)
			}
			for k, want := range tt.wantHeader {
				if got := resp.Header.Values(k); !slices.Equal(got, want) {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestCORS(t *testing.T) {
	preflight := func(origin string) http.Header {
		return http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"authorization,content-type"}}
	}
	tests := []struct {
		name       string
		method     string
		header     http.Header
		wantStatus int
		wantHeader map[string]string // "" means absent
		invokes    bool
	}{
		{
			name: "AllowedPreflightIsAnsweredByTheGateway", method: http.MethodOptions, header: preflight(allowedOrigin),
			wantStatus: 204,
			wantHeader: map[string]string{
				"Access-Control-Allow-Origin": allowedOrigin, "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE",
				"Access-Control-Allow-Headers": "authorization,content-type", "Access-Control-Max-Age": "600",
				"Vary": "Origin", "Access-Control-Allow-Credentials": "",
			},
		},
		{
			name: "RefusedPreflightGetsNoCORSHeaders", method: http.MethodOptions, header: preflight("https://evil.example"),
			wantStatus: 204,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""},
		},
		{
			name: "AllowedRequestGetsAllowOrigin", method: http.MethodGet, header: http.Header{"Origin": {allowedOrigin}},
			wantStatus: 200, invokes: true,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": allowedOrigin, "Vary": "Origin", "Access-Control-Allow-Credentials": ""},
		},
		{
			name: "RefusedOriginGetsNoCORSHeaders", method: http.MethodGet, header: http.Header{"Origin": {"https://evil.example"}},
			wantStatus: 200, invokes: true,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, functions{api: func(events.APIGatewayV2HTTPRequest) (any, error) {
				// The function's own CORS headers are ignored, as on AWS.
				return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Access-Control-Allow-Origin": "*"}}, nil
			}}, GatewayConfig{AllowedOrigins: []string{allowedOrigin}})
			resp, _ := s.do(t, tt.method, "/conversations", tt.header, nil)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			for k, want := range tt.wantHeader {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if got := len(s.rec.invocations(routes.API)) > 0; got != tt.invokes {
				t.Errorf("function invoked = %v, want %v", got, tt.invokes)
			}
		})
	}
}
