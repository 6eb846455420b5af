package memstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// CreateConversation stores c and, when it is active, the client's
// active-session lock, at once. An id already stored is a conflict; a
// client who holds the lock gets a conflict naming their active
// conversation, and nothing is stored.
func (s *Store) CreateConversation(_ context.Context, c chat.Conversation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.parts[c.ID]; p != nil && p.conv != nil {
		return chat.Errorf(chat.CodeConflict, "This conversation already exists.")
	}
	if c.Status == chat.StatusActive {
		if active, held := s.locks[c.UserID]; held {
			return &chat.Error{
				Code:           chat.CodeConflict,
				Message:        "You already have an active conversation.",
				ConversationID: active,
			}
		}
		s.locks[c.UserID] = c.ID
	}
	stored := storedConversation(c)
	s.partition(c.ID, true).conv = &stored
	return nil
}

// GetConversation returns a conversation, or not found when it does not
// exist or its record has expired at now.
func (s *Store) GetConversation(_ context.Context, id string, now time.Time) (chat.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.liveConversation(id, now)
	if !ok {
		return chat.Conversation{}, chat.NotFound()
	}
	return storedConversation(*c), nil
}

// ActiveConversationID returns the client's active conversation id, or "".
func (s *Store) ActiveConversationID(_ context.Context, userID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.locks[userID], nil
}

// ListUserConversations lists a client's conversations that are neither
// hidden by them nor expired at now, most recently active first, after
// position after.
func (s *Store) ListUserConversations(_ context.Context, userID, after string, limit int, now time.Time) (chat.Page[chat.Conversation], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listed(after, limit, func(c chat.Conversation) bool {
		return c.UserID == userID && !c.Deleted && !expired(c.ExpiresAt, now)
	}), nil
}

// ListConversations lists the conversations with status (every status when
// it is "") not expired at now, most recently active first, after position
// after.
func (s *Store) ListConversations(_ context.Context, status chat.Status, after string, limit int, now time.Time) (chat.Page[chat.Conversation], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listed(after, limit, func(c chat.Conversation) bool {
		return (status == "" || c.Status == status) && !expired(c.ExpiresAt, now)
	}), nil
}

// positioned is a conversation with its place in the listings.
type positioned struct {
	pos string
	c   chat.Conversation
}

// listed returns a page of limit of the conversations that pass keep, most
// recently active first, after position after, with the position of its
// last one when more follow.
func (s *Store) listed(after string, limit int, keep func(chat.Conversation) bool) chat.Page[chat.Conversation] {
	var all []positioned
	for _, p := range s.parts {
		if p.conv == nil || !keep(*p.conv) {
			continue
		}
		pos := activityPosition(*p.conv)
		if after != "" && pos >= after {
			continue
		}
		all = append(all, positioned{pos, *p.conv})
	}
	slices.SortFunc(all, func(a, b positioned) int { return strings.Compare(b.pos, a.pos) })
	page := chat.Page[chat.Conversation]{Items: []chat.Conversation{}}
	if limit = max(limit, 0); len(all) > limit {
		all = all[:limit]
		if limit > 0 {
			page.Next = all[limit-1].pos
		}
	}
	for _, e := range all {
		page.Items = append(page.Items, storedConversation(e.c))
	}
	return page
}

// ListIdle lists active conversations last active before cutoff, oldest
// first, at most limit (every one when limit is 0 or less).
func (s *Store) ListIdle(_ context.Context, cutoff time.Time, limit int) ([]chat.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var idle []positioned
	// The position sorts after the bare stamp of the same instant: only
	// activity strictly before cutoff counts, as in internal/store.
	before := stamp(cutoff)
	for _, p := range s.parts {
		if p.conv == nil || p.conv.Status != chat.StatusActive {
			continue
		}
		if pos := activityPosition(*p.conv); pos < before {
			idle = append(idle, positioned{pos, *p.conv})
		}
	}
	slices.SortFunc(idle, func(a, b positioned) int { return strings.Compare(a.pos, b.pos) })
	if limit > 0 && len(idle) > limit {
		idle = idle[:limit]
	}
	out := make([]chat.Conversation, 0, len(idle))
	for _, e := range idle {
		out = append(out, storedConversation(e.c))
	}
	return out, nil
}

// UpdateConversation applies u to conversation id if it exists, has not
// expired and meets u.If (else not found, or u.If.Check's answer), and
// returns it. Closing also releases the client's active-session lock.
func (s *Store) UpdateConversation(_ context.Context, id string, u chat.ConversationUpdate) (chat.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.liveConversation(id, s.now())
	if !ok {
		return chat.Conversation{}, chat.NotFound()
	}
	if err := u.If.Check(storedConversation(*c)); err != nil {
		return chat.Conversation{}, err
	}
	if u.Status != nil {
		c.Status = *u.Status
		if c.Status == chat.StatusClosed && s.locks[c.UserID] == id {
			delete(s.locks, c.UserID)
		}
	}
	if u.ClosedAt != nil {
		c.ClosedAt = timeCopy(u.ClosedAt)
	}
	if u.ClosedBy != nil {
		c.ClosedBy = stringCopy(u.ClosedBy)
	}
	if u.Assignee != nil {
		c.Assignee = stringCopy(u.Assignee)
	}
	if u.AssigneeName != nil {
		c.AssigneeName = nil
		if *u.AssigneeName != "" {
			c.AssigneeName = stringCopy(u.AssigneeName)
		}
	}
	if u.UserDeleted != nil {
		c.Deleted = *u.UserDeleted
	}
	if u.ExpiresAt != nil {
		c.ExpiresAt = timeCopy(u.ExpiresAt)
	}
	if f := u.Feedback; f != nil {
		c.Rating, c.RatedAt = f.Rating, timeCopy(&f.At)
		if f.Comment != "" {
			c.Comment = f.Comment
		}
	}
	if r := u.Risk; r != nil {
		c.Risk, c.RiskCategory, c.RiskAt = r.Level, r.Category, timeCopy(&r.At)
	}
	if u.ClaimedAt != nil && c.ClaimedAt == nil {
		c.ClaimedAt = timeCopy(u.ClaimedAt)
	}
	return storedConversation(*c), nil
}

// SetRetention changes the retention of conversation id, re-stamps the
// record's own expiry when it is closed, and re-stamps every message and
// clientMessageId record (sent + r) and read marker (now + r). What had
// already expired stays expired.
func (s *Store) SetRetention(_ context.Context, id string, r chat.Retention) (chat.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c, ok := s.liveConversation(id, now)
	if !ok {
		return chat.Conversation{}, chat.NotFound()
	}
	c.Retention = r
	if c.Status == chat.StatusClosed && c.ClosedAt != nil {
		c.ExpiresAt = r.Expiry(c.ClosedAt.Time)
	}
	p := s.parts[id]
	for k, m := range p.msgs {
		if !expired(m.ExpiresAt, now) {
			m.ExpiresAt = r.Expiry(m.CreatedAt.Time)
			p.msgs[k] = m
		}
	}
	for k, cm := range p.cmids {
		if !expired(cm.expiresAt, now) {
			cm.expiresAt = r.Expiry(cm.createdAt.Time)
			p.cmids[k] = cm
		}
	}
	for k, rm := range p.markers {
		if !expired(rm.expiresAt, now) {
			rm.expiresAt = r.Expiry(now)
			p.markers[k] = rm
		}
	}
	return storedConversation(*c), nil
}

// StatsSample returns the active conversations and the most recently
// active closed ones, at most limit of each, none expired at now.
func (s *Store) StatsSample(_ context.Context, limit int, now time.Time) (active, closed []chat.Conversation, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	of := func(status chat.Status) []chat.Conversation {
		return s.listed("", limit, func(c chat.Conversation) bool {
			return c.Status == status && !expired(c.ExpiresAt, now)
		}).Items
	}
	return of(chat.StatusActive), of(chat.StatusClosed), nil
}
