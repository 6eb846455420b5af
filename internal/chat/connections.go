package chat

import (
	"context"
)

// ConnectRequest is a WebSocket connection being opened.
type ConnectRequest struct {
	ConnectionID   string
	ConversationID string
	SourceIP       string
}

// Connect admits a connection opened with a redeemed ticket. A client must
// name a conversation it owns; staff may name any, or none for the staff
// feed. Refusals are forbidden, the same whether or not the conversation
// exists.
func (s *Service) Connect(ctx context.Context, claims TicketClaims, req ConnectRequest) (Connection, error) {
	refused := Errorf(CodeForbidden, "You cannot open this conversation.")
	caller := claims.Identity
	if req.ConversationID == "" && !caller.IsStaff() {
		return Connection{}, refused
	}
	now := s.now()
	if req.ConversationID != "" {
		if !ValidID(req.ConversationID) {
			return Connection{}, refused
		}
		c, err := s.store.GetConversation(ctx, req.ConversationID, now)
		if ErrorCode(err) == CodeNotFound {
			return Connection{}, refused
		}
		if err != nil {
			return Connection{}, err
		}
		if !caller.IsStaff() && (c.UserID != caller.UserID || c.Deleted) {
			return Connection{}, refused
		}
	}
	open, err := s.store.UserConnections(ctx, caller.UserID, now)
	if err != nil {
		return Connection{}, err
	}
	if len(open) >= s.limits.ConnectionCap {
		return Connection{}, Errorf(CodeRateLimited, "You have too many open connections; close another tab or window and try again.")
	}
	conn := Connection{
		ID:             req.ConnectionID,
		UserID:         caller.UserID,
		Username:       caller.Username,
		Role:           caller.Role,
		ConversationID: req.ConversationID,
		SourceIP:       req.SourceIP,
		ConnectedAt:    At(now),
		ExpiresAt:      At(now.Add(ConnectionLifetime)),
		TokenExpiresAt: claims.TokenExpiresAt,
	}
	if err := s.store.PutConnection(ctx, conn); err != nil {
		return Connection{}, err
	}
	return conn, nil
}

// Connection returns an open connection; unknown or expired ones are
// unauthorized (the socket should reconnect).
func (s *Service) Connection(ctx context.Context, id string) (Connection, error) {
	c, err := s.store.GetConnection(ctx, id, s.now())
	if ErrorCode(err) == CodeNotFound {
		return Connection{}, Errorf(CodeUnauthorized, "This connection is no longer valid; please reconnect.")
	}
	return c, err
}

// Disconnect forgets a connection.
func (s *Service) Disconnect(ctx context.Context, connectionID string) error {
	return s.store.DeleteConnection(ctx, connectionID)
}

// actsOn checks that a connection may act on conversationID: a client's
// connection only on the conversation it named at connect.
func actsOn(conn Connection, conversationID string) error {
	if !ValidID(conversationID) {
		return NotFound()
	}
	if conn.Role != RoleStaff && conn.ConversationID != conversationID {
		return NotFound()
	}
	return nil
}

// SendFromConnection sends a message from a WebSocket connection.
func (s *Service) SendFromConnection(ctx context.Context, conn Connection, in SendInput) (Message, bool, error) {
	if err := actsOn(conn, in.ConversationID); err != nil {
		return Message{}, false, err
	}
	in.Connection = conn.ID
	return s.SendMessage(ctx, conn.Identity(), in)
}

// MarkReadFromConnection moves the read marker from a WebSocket connection.
func (s *Service) MarkReadFromConnection(ctx context.Context, conn Connection, conversationID, messageID string) error {
	if err := actsOn(conn, conversationID); err != nil {
		return err
	}
	return s.MarkRead(ctx, conn.Identity(), conversationID, messageID)
}

// Typing relays a typing indicator to the other side, at most one per
// connection every TypingGap; extra frames are dropped silently. Nothing is
// stored.
func (s *Service) Typing(ctx context.Context, conn Connection, conversationID string, typing bool) error {
	if err := actsOn(conn, conversationID); err != nil {
		return err
	}
	if s.typing != nil {
		pass, err := s.typing.PassTyping(ctx, conn.ID, s.now(), s.limits.TypingGap)
		if err != nil || !pass {
			return err
		}
	}
	s.publish(ctx, otherSide(conversationID, conn.Role),
		eventFrames(Event{Type: "typing", ConversationID: conversationID, Role: conn.Role, Typing: &typing}))
	return nil
}

// Availability counts the counsellors with an open connection.
func (s *Service) Availability(ctx context.Context) (int, error) {
	return s.store.OnlineStaff(ctx, s.now())
}

// TokenExpired reports whether the access token behind conn has expired, in
// which case the client must reconnect with a fresh ticket. Tokens live in
// real time, not on the service clock (which the local stack moves).
func (s *Service) TokenExpired(conn Connection) bool {
	return conn.TokenExpiresAt != nil && !s.tokenNow().Before(conn.TokenExpiresAt.Time)
}
