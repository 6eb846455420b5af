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

// Authorize decides whether a connection may be opened with a redeemed
// ticket, and stores nothing: a client must name a conversation it owns,
// staff one they may read (CanRead), or none for the staff feed, and the credential the
// ticket was traded for must not have been revoked. The conversation and
// the revocation are read side by side. Conversation refusals are
// forbidden, the same whether or not the conversation exists; a revoked
// credential is unauthorized. It returns the connection to Admit.
func (s *Service) Authorize(ctx context.Context, claims TicketClaims, req ConnectRequest) (Connection, error) {
	refused := Errorf(CodeForbidden, "You cannot open this conversation.")
	caller := claims.Identity
	if req.ConversationID == "" && !caller.IsStaff() {
		return Connection{}, refused
	}
	if req.ConversationID != "" && !ValidID(req.ConversationID) {
		return Connection{}, refused
	}
	now := s.now()
	var (
		c       Conversation
		convErr error
	)
	revoked := s.revocationGuard(ctx, caller)
	if req.ConversationID != "" {
		c, convErr = s.store.GetConversation(ctx, req.ConversationID, now)
	}
	if err := revoked.ok(); err != nil {
		return Connection{}, err
	}
	if req.ConversationID != "" {
		if CodeOf(convErr) == CodeNotFound {
			return Connection{}, refused
		}
		if convErr != nil {
			return Connection{}, convErr
		}
		if !CanRead(caller, c) {
			return Connection{}, refused
		}
	}
	conn := Connection{
		ID:             req.ConnectionID,
		UserID:         caller.UserID,
		Username:       caller.Username,
		Role:           caller.Role,
		Supervisor:     caller.IsSupervisor(),
		ConversationID: req.ConversationID,
		SourceIP:       req.SourceIP,
		ConnectedAt:    At(now),
		ExpiresAt:      At(now.Add(ConnectionLifetime)),
		TokenExpiresAt: claims.TokenExpiresAt,
	}
	if !caller.IssuedAt.IsZero() {
		conn.TokenIssuedAt = At(caller.IssuedAt).Ptr()
	}
	return conn, nil
}

// Admit stores a connection Authorize allowed, connected now, unless its
// person already has ConnectionCap connections open (rate_limited).
func (s *Service) Admit(ctx context.Context, conn Connection) (Connection, error) {
	now := s.now()
	open, err := s.store.UserConnections(ctx, conn.UserID, now)
	if err != nil {
		return Connection{}, err
	}
	if len(open) >= s.limits.ConnectionCap {
		return Connection{}, Errorf(CodeRateLimited, "You have too many open connections; close another tab or window and try again.")
	}
	conn.ConnectedAt = At(now)
	conn.ExpiresAt = At(now.Add(ConnectionLifetime))
	if err := s.store.PutConnection(ctx, conn); err != nil {
		return Connection{}, err
	}
	return conn, nil
}

// Connect authorizes and admits a connection opened with a redeemed ticket
// in one step (Authorize, then Admit).
func (s *Service) Connect(ctx context.Context, claims TicketClaims, req ConnectRequest) (Connection, error) {
	conn, err := s.Authorize(ctx, claims, req)
	if err != nil {
		return Connection{}, err
	}
	return s.Admit(ctx, conn)
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

// SendFromConnection sends a message from a WebSocket connection. Whether
// the connection's credential was revoked is read side by side with the
// first reads of the send; a revoked one stores nothing.
func (s *Service) SendFromConnection(ctx context.Context, conn Connection, in SendInput) (Message, bool, error) {
	revoked := s.revocationGuard(ctx, conn.Identity())
	err := actsOn(conn, in.ConversationID)
	var (
		m       Message
		created bool
	)
	if err == nil {
		in.Connection = conn.ID
		m, created, err = s.send(ctx, conn.Identity(), in, revoked)
	}
	if err != nil {
		return Message{}, false, revokedOr(revoked, err)
	}
	return m, created, nil
}

// MarkReadFromConnection moves the read marker from a WebSocket connection,
// unless the connection's credential was revoked.
func (s *Service) MarkReadFromConnection(ctx context.Context, conn Connection, conversationID, messageID string) error {
	revoked := s.revocationGuard(ctx, conn.Identity())
	err := actsOn(conn, conversationID)
	if err == nil {
		err = s.markRead(ctx, conn.Identity(), conversationID, messageID, revoked)
	}
	return revokedOr(revoked, err)
}

// Typing relays a typing indicator to the other side, at most one per
// connection every TypingGap; extra frames are dropped silently. Nothing is
// stored. A revoked connection relays nothing.
func (s *Service) Typing(ctx context.Context, conn Connection, conversationID string, typing bool) error {
	revoked := s.revocationGuard(ctx, conn.Identity())
	return revokedOr(revoked, s.relayTyping(ctx, conn, conversationID, typing, revoked))
}

func (s *Service) relayTyping(ctx context.Context, conn Connection, conversationID string, typing bool, revoked guard) error {
	if err := actsOn(conn, conversationID); err != nil {
		return err
	}
	if s.typing != nil {
		pass, err := s.typing.PassTyping(ctx, conn.ID, s.now(), s.limits.TypingGap)
		if err != nil || !pass {
			return err
		}
	}
	// Who may hear it depends on the conversation as it is now.
	c, err := s.conversationFor(ctx, conn.Identity(), conversationID)
	if rErr := revoked.ok(); rErr != nil {
		return rErr
	}
	if err != nil {
		return err
	}
	s.publish(ctx, otherSide(c, conn.Role),
		eventFrames(Event{Type: EventTyping, ConversationID: conversationID, Role: conn.Role, Typing: &typing}))
	return nil
}
