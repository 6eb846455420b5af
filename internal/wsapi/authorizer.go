package wsapi

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/confidechat/confide/internal/chat"
)

// ErrUnauthorized is what the authorizer returns to refuse with 401: API
// Gateway answers 401 when a Lambda authorizer fails with exactly this
// message. A Deny policy is 403; any other failure is 500.
var ErrUnauthorized = errors.New("Unauthorized")

// unknownPrincipal is the principal of a Deny given before anyone is known.
const unknownPrincipal = "anonymous"

// Authorize is the $connect route's Lambda REQUEST authorizer. It checks
// the Origin, consumes the one-time ticket of the query string, checks the
// conversation named and that the ticket's credential was not revoked,
// and returns the caller's identity as the policy's context, which API
// Gateway attaches to $connect and every later event of the connection.
// Refusals keep docs/protocol.md's statuses: a bad or used ticket and a revoked
// credential are 401 (the Unauthorized error), a foreign Origin, a
// conversation the caller may not open and staff outside the staff network
// are 403 (Deny). The ticket is consumed here and nowhere else, so it
// works once: WebSocket authorizers are never cached.
func (h *Handlers) Authorize(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	start := time.Now()
	conn, err := h.authorize(ctx, req)
	h.logAuthorization(ctx, req, conn, start, err)
	switch code := chat.CodeOf(err); {
	case err == nil:
		return policy(conn.UserID, "Allow", req.MethodArn, authorizerContext(conn)), nil
	case code == chat.CodeUnauthorized:
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	case code == chat.CodeInternal || code == chat.CodeUnavailable:
		// A failure, not a refusal: API Gateway answers 500 and the client
		// tries again.
		return events.APIGatewayCustomAuthorizerResponse{}, err
	default:
		principal := conn.UserID
		if principal == "" {
			principal = unknownPrincipal
		}
		return policy(principal, "Deny", req.MethodArn, nil), nil
	}
}

// authorize is Authorize's decision: the connection to admit, or why not.
func (h *Handlers) authorize(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (chat.Connection, error) {
	if !h.originAllowed(header(req.Headers, "Origin")) {
		return chat.Connection{}, chat.Errorf(chat.CodeForbidden, "This site may not open a conversation.")
	}
	ticket := req.QueryStringParameters["ticket"]
	if ticket == "" {
		return chat.Connection{}, chat.Unauthorized()
	}
	claims, err := h.Tickets.Redeem(ctx, ticket)
	if err != nil {
		return chat.Connection{}, err
	}
	ip := req.RequestContext.Identity.SourceIP
	if claims.IsStaff() && h.Network != nil && !h.Network.AllowsStaff(ip) {
		return chat.Connection{UserID: claims.UserID}, chat.Errorf(chat.CodeForbidden, "Counsellors cannot connect from this network.")
	}
	conn, err := h.Service.Authorize(ctx, claims, chat.ConnectRequest{
		ConversationID: req.QueryStringParameters["conversationId"],
		SourceIP:       ip,
	})
	if err != nil {
		return chat.Connection{UserID: claims.UserID}, err
	}
	return conn, nil
}

// policy is an authorizer answer: effect on the $connect method, with
// context for API Gateway to pass on.
func policy(principal, effect, methodArn string, context map[string]any) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: principal,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action:   []string{"execute-api:Invoke"},
				Effect:   effect,
				Resource: []string{methodArn},
			}},
		},
		Context: context,
	}
}

// logAuthorization writes one line per authorizer run: never the ticket.
func (h *Handlers) logAuthorization(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest, conn chat.Connection, start time.Time, err error) {
	attrs := []any{
		"route", "$connect authorizer",
		"latencyMs", float64(time.Since(start).Microseconds()) / 1000,
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, "requestId", lc.AwsRequestID)
	}
	if c := req.QueryStringParameters["conversationId"]; c != "" && chat.ValidID(c) {
		attrs = append(attrs, "conversationId", c)
	}
	h.logResult(ctx, attrs, err)
}
