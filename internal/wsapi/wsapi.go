// Package wsapi turns API Gateway WebSocket events into Confide's use cases:
// the $connect authorizer decides who may connect and names them, $connect
// admits the connection, every frame is one action of the identity the
// authorizer named, $disconnect forgets the connection. Errors become the
// protocol's error frames here and nowhere else.
package wsapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/confidechat/confide/internal/apierr"
	"github.com/confidechat/confide/internal/app/metric"
	"github.com/confidechat/confide/internal/chat"
)

// TicketRedeemer consumes a one-time WebSocket ticket.
type TicketRedeemer interface {
	Redeem(ctx context.Context, ticket string) (chat.TicketClaims, error)
}

// NetworkPolicy decides from where staff may connect.
type NetworkPolicy interface {
	AllowsStaff(sourceIP string) bool
}

// Handlers serves the four WebSocket functions: the $connect authorizer,
// $connect, the frames and $disconnect.
type Handlers struct {
	Service *chat.Service
	Tickets TicketRedeemer
	// Origins are the exact origins a browser may connect from.
	Origins []string
	// Network restricts staff connections; nil allows every address.
	Network NetworkPolicy
	Log     *slog.Logger
}

// Connect is the $connect handler. The authorizer has already checked the
// Origin, consumed the ticket and checked the conversation; Connect reads
// the identity it attached, refuses a person over the connection cap (429,
// which an authorizer cannot answer) and stores the connection. A refusal
// answers the handshake with the error's status.
func (h *Handlers) Connect(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	start := time.Now()
	conn, err := connectionOf(req)
	if err == nil {
		conn, err = h.Service.Admit(ctx, conn)
	}
	h.logOutcome(ctx, req, conn.ConversationID, start, err)
	if err != nil {
		return refusal(err), nil
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
}

func (h *Handlers) originAllowed(origin string) bool {
	for _, o := range h.Origins {
		if o == origin && origin != "" {
			return true
		}
	}
	return false
}

func refusal(err error) events.APIGatewayProxyResponse {
	e, status := apierr.Answer(err)
	return events.APIGatewayProxyResponse{StatusCode: status, Body: e.Message}
}

// Disconnect is the $disconnect handler: it forgets the connection.
func (h *Handlers) Disconnect(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	start := time.Now()
	err := h.Service.Disconnect(ctx, req.RequestContext.ConnectionID)
	h.logOutcome(ctx, req, "", start, err)
	if err != nil {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusInternalServerError}, nil
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
}

// header finds a header regardless of its case.
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

// logOutcome writes one line per invocation: never a frame's text or a token.
func (h *Handlers) logOutcome(ctx context.Context, req events.APIGatewayWebsocketProxyRequest, conversationID string, start time.Time, err error) {
	attrs := []any{
		"route", req.RequestContext.RouteKey,
		"connectionId", req.RequestContext.ConnectionID,
		"latencyMs", float64(time.Since(start).Microseconds()) / 1000,
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, "requestId", lc.AwsRequestID)
	}
	if conversationID != "" {
		attrs = append(attrs, "conversationId", conversationID)
	}
	h.logResult(ctx, attrs, err)
}

// logResult writes the line of an invocation with attrs and its outcome:
// the error's code, and the error itself only when it is internal or
// unavailable (a failure of AWS: never a message's text).
func (h *Handlers) logResult(ctx context.Context, attrs []any, err error) {
	if err == nil {
		h.Log.InfoContext(ctx, "websocket", attrs...)
		return
	}
	code := chat.CodeOf(err)
	attrs = append(attrs, metric.CodeField, string(code))
	switch code {
	case chat.CodeInternal:
		h.Log.ErrorContext(ctx, "websocket", append(attrs, "err", err)...)
		return
	case chat.CodeUnavailable:
		// A service Confide depends on failed; the caller was told to retry.
		h.Log.WarnContext(ctx, "websocket", append(attrs, "err", err)...)
		return
	}
	h.Log.InfoContext(ctx, "websocket", attrs...)
}
