package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/apierr"
	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/httpapi"
	"github.com/confidechat/confide/internal/routes"
)

// protocolCodes are the error codes docs/protocol.md gives HTTP answers, but
// internal: no input may cause that one.
var protocolCodes = []chat.Code{chat.CodeBadRequest, chat.CodePayloadTooLarge, chat.CodeEmptyMessage, chat.CodeMessageTooLong,
	chat.CodeUnauthorized, chat.CodeForbidden, chat.CodeNotFound, chat.CodeConflict, chat.CodeRateLimited}

// bodyRoutes are the routes that read a JSON body.
var bodyRoutes = map[string]bool{
	"POST /conversations": true, "POST /conversations/{id}/messages": true, "PATCH /conversations/{id}/messages/{mid}": true,
	"POST /conversations/{id}/read": true, "PUT /conversations/{id}/retention": true, "POST /conversations/{id}/feedback": true,
}

// fuzzScene is a client's conversation with one message of the client, and
// a counsellor. The tokens are minted before fuzzing starts (the fake pool
// signs with the *testing.F); the conversation is made on the first input
// a fuzzing process tries, since the calls that make it need a *testing.T.
type fuzzScene struct {
	s             *stack
	client, staff string
	conv, msg     string
}

func newFuzzScene(f *testing.F) *fuzzScene {
	s := &stack{apptest.NewStack(f)}
	return &fuzzScene{s: s, client: s.clientToken("fuzz-client"), staff: s.staffToken("fuzz-staff")}
}

func (fx *fuzzScene) ready(t *testing.T) {
	t.Helper()
	if fx.conv != "" {
		return
	}
	fx.conv = fx.s.openConversation(t, fx.client)
	res := fx.s.do(t, call{route: "POST /conversations/{id}/messages", params: idParam(fx.conv), token: fx.client, body: sendBody("f-1", "hello")})
	var m struct {
		Message chat.Message `json:"message"`
	}
	if err := json.Unmarshal([]byte(res.Body), &m); err != nil || m.Message.ID == "" {
		t.Fatalf("send the scene's message: %d %s", res.StatusCode, res.Body)
	}
	fx.msg = m.Message.ID
}

// request is the event API Gateway makes of a call with a raw body and
// query string: a body that is not UTF-8 (or, when binary is set, any
// body) arrives base64-encoded, as the gateway sends binary bodies.
func (fx *fuzzScene) request(t *testing.T, route routes.HTTPRoute, token, body, query string, binary bool) events.APIGatewayV2HTTPRequest {
	c := call{route: route.Key(), params: map[string]string{"id": fx.conv, "mid": fx.msg}, token: token, body: body}
	ev := c.event(t)
	if body != "" && (binary || !utf8.ValidString(body)) {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(body)), true
	}
	if q, err := url.ParseQuery(query); err == nil && len(q) > 0 {
		ev.RawQueryString = query
		ev.QueryStringParameters = map[string]string{}
		for k, vs := range q {
			ev.QueryStringParameters[k] = vs[0]
		}
	}
	// Time moves on between inputs, so the sending limit does not answer
	// everything once reached.
	fx.s.Clock.Advance(time.Second)
	return ev
}

// checkAnswer fails unless res is a success or one of docs/protocol.md's errors
// with its status: never a 500, never a code the protocol does not have.
func checkAnswer(t *testing.T, res events.APIGatewayV2HTTPResponse) {
	t.Helper()
	if res.StatusCode < 400 {
		if res.StatusCode != http.StatusNoContent && !json.Valid([]byte(res.Body)) {
			t.Fatalf("status %d with a body that is not JSON: %q", res.StatusCode, res.Body)
		}
		return
	}
	var e struct {
		Error struct {
			Code    chat.Code `json:"code"`
			Message string    `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(res.Body), &e); err != nil {
		t.Fatalf("status %d with a body that is not the protocol's error: %q", res.StatusCode, res.Body)
	}
	if !slices.Contains(protocolCodes, e.Error.Code) || apierr.Status(e.Error.Code) != res.StatusCode || e.Error.Message == "" {
		t.Fatalf("status %d with error %+v: not one of docs/protocol.md's", res.StatusCode, e.Error)
	}
}

// FuzzRequest: whatever the body and query string of a request to any
// route, as a client or as a counsellor, the answer is never a 500 and
// every error is one of docs/protocol.md's with its status; a body that is not
// UTF-8, or not one JSON object, is bad_request on every route that reads
// one.
func FuzzRequest(f *testing.F) {
	fx := newFuzzScene(f)
	f.Fuzz(func(t *testing.T, routeIndex uint8, staff, binary bool, body, query string) {
		fx.ready(t)
		route := routes.HTTP[int(routeIndex)%len(routes.HTTP)]
		token := fx.client
		if staff {
			token = fx.staff
		}
		res := fx.s.invoke(t, fx.request(t, route, token, body, query, binary))
		checkAnswer(t, res)
		notOneObject := !utf8.ValidString(body) || json.Unmarshal([]byte(body), new(map[string]any)) != nil
		if bodyRoutes[route.Key()] && body != "" && notOneObject && len(body) <= httpapi.MaxBodyBytes {
			wantError(t, res, http.StatusBadRequest, string(chat.CodeBadRequest))
		}
	})
}

// FuzzRetentionAndRating: a retention is accepted exactly when the body is
// one JSON object whose retention is "24h" or "permanent", and a rating
// exactly when it is a whole number from 1 to 5 (then refused as conflict:
// the conversation is still active); anything else is bad_request.
func FuzzRetentionAndRating(f *testing.F) {
	fx := newFuzzScene(f)
	retention := routeOf(f, "PUT /conversations/{id}/retention")
	feedback := routeOf(f, "POST /conversations/{id}/feedback")
	f.Fuzz(func(t *testing.T, value string) {
		fx.ready(t)
		var r struct {
			Retention *string `json:"retention"`
		}
		body := `{"retention":` + value + `}`
		res := fx.s.invoke(t, fx.request(t, retention, fx.client, body, "", false))
		checkAnswer(t, res)
		valid := json.Unmarshal([]byte(body), &r) == nil && r.Retention != nil &&
			chat.Retention(*r.Retention).Valid() && utf8.ValidString(body)
		if got := res.StatusCode == http.StatusOK; got != valid {
			t.Fatalf("PUT retention %s: status %d, want it accepted: %v", body, res.StatusCode, valid)
		}

		var fb struct {
			Rating *int `json:"rating"`
		}
		body = `{"rating":` + value + `}`
		res = fx.s.invoke(t, fx.request(t, feedback, fx.client, body, "", false))
		checkAnswer(t, res)
		valid = json.Unmarshal([]byte(body), &fb) == nil && fb.Rating != nil && *fb.Rating >= 1 && *fb.Rating <= 5 && utf8.ValidString(body)
		want := http.StatusBadRequest
		if valid {
			want = http.StatusConflict
		}
		if res.StatusCode != want {
			t.Fatalf("POST feedback %s: status %d, want %d", body, res.StatusCode, want)
		}
	})
}

// routeOf returns the route of the shared table with key.
func routeOf(f *testing.F, key string) routes.HTTPRoute {
	for _, r := range routes.HTTP {
		if r.Key() == key {
			return r
		}
	}
	f.Fatalf("no route %q in the route table", key)
	return routes.HTTPRoute{}
}
