// Package httpapi turns API Gateway HTTP API (payload format 2.0) events into
// Confide's use cases. It verifies the bearer token of every request, routes
// by the route key of the shared route table, and maps application errors to
// statuses in exactly one place (writeError).
package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/confidechat/confide/internal/apierr"
	"github.com/confidechat/confide/internal/app/metric"
	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/chat"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 64 * 1024

// TokenVerifier checks an access token.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (chat.Identity, time.Time, error)
}

// TicketIssuer makes one-time WebSocket tickets.
type TicketIssuer interface {
	Issue(ctx context.Context, id chat.Identity, tokenExpiresAt time.Time) (string, time.Time, error)
}

// NetworkPolicy decides from where staff may call.
type NetworkPolicy interface {
	AllowsStaff(sourceIP string) bool
}

// API serves the HTTP API function.
type API struct {
	Service  *chat.Service
	Verifier TokenVerifier
	Tickets  TicketIssuer
	// Network restricts staff requests; nil allows every address.
	Network NetworkPolicy
	Log     *slog.Logger

	once   sync.Once
	routes map[string]route
}

// request is one authenticated call.
type request struct {
	events.APIGatewayV2HTTPRequest
	caller   chat.Identity
	tokenExp time.Time
}

// response is what a route answers: a status and a value to write as JSON
// (nil: no body).
type response struct {
	status int
	body   any
}

type route func(ctx context.Context, r request) (response, error)

// Handle serves one HTTP API request.
func (a *API) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	res, caller, err := a.serve(ctx, ev)
	a.logOutcome(ctx, ev, caller, start, res.status, err)
	if err != nil {
		return writeError(err), nil
	}
	return writeJSON(res.status, res.body), nil
}

func (a *API) serve(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (response, chat.Identity, error) {
	a.once.Do(func() { a.routes = a.table() })
	handle, ok := a.routes[ev.RouteKey]
	if !ok {
		return response{}, chat.Identity{}, chat.NotFound()
	}
	token, ok := auth.BearerToken(header(ev.Headers, "authorization"))
	if !ok {
		return response{}, chat.Identity{}, chat.Unauthorized()
	}
	caller, exp, err := a.Verifier.Verify(ctx, token)
	if err != nil {
		return response{}, chat.Identity{}, err
	}
	if caller.IsStaff() && a.Network != nil && !a.Network.AllowsStaff(ev.RequestContext.HTTP.SourceIP) {
		return response{}, caller, chat.Errorf(chat.CodeForbidden, "Counsellors cannot use Confide from this network.")
	}
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return response{}, caller, chat.BadRequest("The body is not valid base64.")
		}
		ev.Body = string(b)
	}
	if len(ev.Body) > MaxBodyBytes {
		return response{}, caller, chat.Errorf(chat.CodePayloadTooLarge, "The request body is larger than %d bytes.", MaxBodyBytes)
	}
	if err := a.Service.CheckCredential(ctx, caller); err != nil {
		return response{}, caller, err
	}
	res, err := handle(ctx, request{APIGatewayV2HTTPRequest: ev, caller: caller, tokenExp: exp})
	return res, caller, err
}

func header(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// errorBody is the protocol's error shape.
type errorBody struct {
	Error struct {
		Code    chat.Code `json:"code"`
		Message string    `json:"message"`
		// RetryAfterSeconds repeats Retry-After in the body, which a page
		// of another origin can read (CORS does not expose the header).
		RetryAfterSeconds int `json:"retryAfterSeconds,omitempty"`
	} `json:"error"`
	ConversationID string `json:"conversationId,omitempty"`
}

// writeError turns an error into the protocol's error answer: its status
// from apierr, its body, and Retry-After on rate_limited and unavailable.
func writeError(err error) events.APIGatewayV2HTTPResponse {
	e, status := apierr.Answer(err)
	var b errorBody
	b.Error.Code, b.Error.Message = e.Code, e.Message
	b.ConversationID = e.ConversationID
	if e.Code == chat.CodeRateLimited {
		b.Error.RetryAfterSeconds = e.RetryAfterSeconds()
	}
	res := writeJSON(status, b)
	if s := e.RetryAfterSeconds(); s > 0 {
		res.Headers["Retry-After"] = strconv.Itoa(s)
	}
	return res
}

func writeJSON(status int, v any) events.APIGatewayV2HTTPResponse {
	res := events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Cache-Control":          "no-store",
			"X-Content-Type-Options": "nosniff",
		},
	}
	if v == nil {
		return res
	}
	b, err := json.Marshal(v)
	if err != nil {
		return writeError(err)
	}
	res.Headers["Content-Type"] = "application/json"
	res.Body = string(b)
	return res
}

// decode reads a JSON object body into v; anything else is bad_request.
// encoding/json would turn invalid UTF-8 into U+FFFD and store the result,
// so a body that is not UTF-8 is refused before it is decoded.
func decode(r request, v any) error {
	if strings.TrimSpace(r.Body) == "" {
		return chat.BadRequest("A JSON body is required.")
	}
	if !utf8.ValidString(r.Body) {
		return chat.BadRequest("The body is not valid UTF-8.")
	}
	dec := json.NewDecoder(strings.NewReader(r.Body))
	if err := dec.Decode(v); err != nil {
		return chat.BadRequest("The body is not valid JSON of the expected shape.")
	}
	// dec.More would let a stray "]" or "}" after the value through.
	if strings.Trim(r.Body[dec.InputOffset():], " \t\r\n") != "" {
		return chat.BadRequest("The body holds more than one JSON value.")
	}
	return nil
}

// logOutcome writes one line per request: never a body or a token.
func (a *API) logOutcome(ctx context.Context, ev events.APIGatewayV2HTTPRequest, caller chat.Identity, start time.Time, status int, err error) {
	if err != nil {
		_, status = apierr.Answer(err)
	}
	attrs := []any{
		"route", ev.RouteKey,
		"status", status,
		"latencyMs", float64(time.Since(start).Microseconds()) / 1000,
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, "requestId", lc.AwsRequestID)
	}
	if id := ev.PathParameters["id"]; id != "" {
		attrs = append(attrs, "conversationId", id)
	}
	if caller.UserID != "" {
		attrs = append(attrs, "userId", caller.UserID, "role", string(caller.Role))
	}
	if err != nil {
		attrs = append(attrs, metric.CodeField, string(chat.CodeOf(err)))
	}
	if status >= http.StatusInternalServerError {
		a.Log.ErrorContext(ctx, "http", append(attrs, "err", err)...)
		return
	}
	a.Log.InfoContext(ctx, "http", attrs...)
}
