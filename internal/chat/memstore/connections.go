package memstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// connection is an open connection as kept.
type connection struct {
	c chat.Connection
	// inConversation is its membership of its conversation, which goes
	// when the conversation's record expires and is deleted (the
	// connection itself lives on until it expires).
	inConversation bool
	// typingAt is when its last typing frame was relayed.
	typingAt *time.Time
}

// storedConnection is c as it is kept and read back, sharing nothing with c.
func storedConnection(c chat.Connection) chat.Connection {
	c.ConnectedAt = chat.At(c.ConnectedAt.Time)
	c.ExpiresAt = chat.At(c.ExpiresAt.Time)
	c.TokenExpiresAt = timeCopy(c.TokenExpiresAt)
	c.TokenIssuedAt = timeCopy(c.TokenIssuedAt)
	return c
}

// PutConnection stores c, a member of its conversation, of the staff feed
// when it is one, of its user and of the online people of its role.
func (s *Store) PutConnection(_ context.Context, c chat.Connection) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[c.ID] = &connection{c: storedConnection(c), inConversation: c.ConversationID != ""}
	return nil
}

// GetConnection returns a connection, or not found when it does not exist or
// has expired at now.
func (s *Store) GetConnection(_ context.Context, id string, now time.Time) (chat.Connection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.conns[id]
	if !ok || expired(&k.c.ExpiresAt, now) {
		return chat.Connection{}, chat.NotFound()
	}
	return storedConnection(k.c), nil
}

// DeleteConnection removes a connection and every membership of it; a
// connection already gone is no error.
func (s *Store) DeleteConnection(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, id)
	return nil
}

// open returns the connections not expired at now that pass keep, by id.
func (s *Store) open(now time.Time, keep func(*connection) bool) []chat.Connection {
	out := []chat.Connection{}
	for _, k := range s.conns {
		if !expired(&k.c.ExpiresAt, now) && keep(k) {
			out = append(out, storedConnection(k.c))
		}
	}
	slices.SortFunc(out, func(a, b chat.Connection) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// ConversationAndConnections returns a conversation and its open
// connections.
func (s *Store) ConversationAndConnections(ctx context.Context, conversationID string, now time.Time) (chat.Conversation, []chat.Connection, error) {
	c, err := s.GetConversation(ctx, conversationID, now)
	if err != nil {
		return chat.Conversation{}, nil, err
	}
	conns, err := s.ConversationConnections(ctx, conversationID, now)
	return c, conns, err
}

// ConversationConnections returns the open connections of a conversation.
func (s *Store) ConversationConnections(_ context.Context, conversationID string, now time.Time) ([]chat.Connection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open(now, func(k *connection) bool {
		return k.inConversation && k.c.ConversationID == conversationID
	}), nil
}

// FeedConnections returns the open staff feed connections.
func (s *Store) FeedConnections(_ context.Context, now time.Time) ([]chat.Connection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open(now, func(k *connection) bool { return k.c.IsFeed() }), nil
}

// SupervisorFeedConnections returns the supervisors' open staff feed
// connections.
func (s *Store) SupervisorFeedConnections(_ context.Context, now time.Time) ([]chat.Connection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open(now, func(k *connection) bool { return k.c.IsFeed() && k.c.Supervisor }), nil
}

// UserConnections returns every open connection of a user.
func (s *Store) UserConnections(_ context.Context, userID string, now time.Time) ([]chat.Connection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open(now, func(k *connection) bool { return k.c.UserID == userID }), nil
}

// OnlineStaff counts distinct staff users with an open connection.
func (s *Store) OnlineStaff(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	users := map[string]bool{}
	for _, c := range s.open(now, func(k *connection) bool { return k.c.Role == chat.RoleStaff }) {
		users[c.UserID] = true
	}
	return len(users), nil
}

// CountConnections counts every open connection.
func (s *Store) CountConnections(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open(now, func(*connection) bool { return true })), nil
}

// OpenConnections returns every open connection.
func (s *Store) OpenConnections(_ context.Context, now time.Time) ([]chat.Connection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open(now, func(*connection) bool { return true }), nil
}

// PassTyping lets one typing frame of connectionID through per gap: it
// records now on the connection if its last relayed frame is at least gap
// old. An unknown connection passes nothing.
func (s *Store) PassTyping(_ context.Context, connectionID string, now time.Time, gap time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.conns[connectionID]
	if !ok {
		return false, nil
	}
	// Compared in protocol time, as internal/store stores it.
	at := chat.At(now).Time
	if k.typingAt != nil && k.typingAt.After(chat.At(now.Add(-gap)).Time) {
		return false, nil
	}
	k.typingAt = &at
	return true, nil
}
