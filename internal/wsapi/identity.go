package wsapi

import (
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/chat"
)

// Keys of the context the authorizer returns. API Gateway hands it on as
// requestContext.authorizer of $connect and of every later event of the
// connection (with principalId and integrationLatency added), its values
// turned into strings; so every value here is a string already.
const (
	ctxUserID         = "userId"
	ctxUsername       = "username"
	ctxRole           = "role"
	ctxSupervisor     = "supervisor"
	ctxConversationID = "conversationId"
	ctxTokenExpiresAt = "tokenExpiresAt"
	ctxTokenIssuedAt  = "tokenIssuedAt"
)

// authorizerContext is the identity of conn as the authorizer returns it.
func authorizerContext(conn chat.Connection) map[string]any {
	c := map[string]any{
		ctxUserID:         conn.UserID,
		ctxUsername:       conn.Username,
		ctxRole:           string(conn.Role),
		ctxConversationID: conn.ConversationID,
	}
	if conn.Supervisor {
		c[ctxSupervisor] = "true"
	}
	if conn.TokenExpiresAt != nil {
		c[ctxTokenExpiresAt] = conn.TokenExpiresAt.String()
	}
	if conn.TokenIssuedAt != nil {
		c[ctxTokenIssuedAt] = conn.TokenIssuedAt.String()
	}
	return c
}

// connectionOf is the connection an event comes from, as the authorizer
// admitted it: its identity is read from requestContext.authorizer, not
// from the table. An event without that identity (no authorizer ran) is
// unauthorized.
func connectionOf(req events.APIGatewayWebsocketProxyRequest) (chat.Connection, error) {
	rc := req.RequestContext
	m, _ := rc.Authorizer.(map[string]any)
	conn := chat.Connection{
		ID:             rc.ConnectionID,
		UserID:         text(m[ctxUserID]),
		Username:       text(m[ctxUsername]),
		Role:           chat.Role(text(m[ctxRole])),
		Supervisor:     text(m[ctxSupervisor]) == "true",
		ConversationID: text(m[ctxConversationID]),
		SourceIP:       rc.Identity.SourceIP,
		ConnectedAt:    chat.At(time.UnixMilli(rc.ConnectedAt)),
	}
	if conn.ID == "" || conn.UserID == "" || (conn.Role != chat.RoleClient && conn.Role != chat.RoleStaff) {
		return chat.Connection{}, chat.Errorf(chat.CodeUnauthorized, "This connection is no longer valid; please reconnect.")
	}
	var err error
	if conn.TokenExpiresAt, err = optionalTime(m[ctxTokenExpiresAt]); err != nil {
		return chat.Connection{}, err
	}
	if conn.TokenIssuedAt, err = optionalTime(m[ctxTokenIssuedAt]); err != nil {
		return chat.Connection{}, err
	}
	conn.ExpiresAt = chat.At(conn.ConnectedAt.Add(chat.ConnectionLifetime))
	return conn, nil
}

// text reads a context value: a string, or anything else as API Gateway
// would have written it.
func text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	default:
		return fmt.Sprint(t)
	}
}

// optionalTime reads a protocol timestamp of the context ("" or missing:
// nil). One the authorizer cannot have written is an internal error.
func optionalTime(v any) (*chat.Time, error) {
	s := text(v)
	if s == "" {
		return nil, nil
	}
	t, err := chat.ParseTime(s)
	if err != nil {
		return nil, fmt.Errorf("authorizer context: bad timestamp: %w", err)
	}
	return &t, nil
}
