package memstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// PutMessage stores m with its clientMessageId record and moves the
// conversation's activity, at once, if the conversation meets k. In this
// order: a conversation that does not exist, has expired or is not k.Owner's
// is not found; a clientMessageId already used in it answers the first
// message with created false (a conflict when another sender used it); a
// conversation that does not meet k gets k.Check's answer.
func (s *Store) PutMessage(_ context.Context, m chat.Message, k chat.Condition) (chat.Message, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.CreatedAt.Time
	c, ok := s.liveConversation(m.ConversationID, now)
	if !ok {
		return chat.Message{}, false, chat.NotFound()
	}
	// Someone else's conversation: nothing more is said.
	if err := (chat.Condition{Owner: k.Owner}).Check(storedConversation(*c)); err != nil {
		return chat.Message{}, false, err
	}
	p := s.parts[m.ConversationID]
	if rec, used := p.cmids[m.ClientMessageID]; used && !expired(rec.expiresAt, now) {
		first, ok := p.msgs[rec.messageID]
		if !ok || expired(first.ExpiresAt, now) {
			if err := k.Check(storedConversation(*c)); err != nil {
				return chat.Message{}, false, err
			}
			return chat.Message{}, false, chat.NotFound()
		}
		if first.SenderID != m.SenderID {
			return chat.Message{}, false, chat.Errorf(chat.CodeConflict, "This clientMessageId is already in use.")
		}
		return storedMessage(first), false, nil
	}
	if err := k.Check(storedConversation(*c)); err != nil {
		return chat.Message{}, false, err
	}
	if old, taken := p.msgs[m.ID]; taken && !expired(old.ExpiresAt, now) {
		return chat.Message{}, false, fmt.Errorf("put message %s: the id is already stored", m.ID)
	}
	stored := storedMessage(m)
	p.msgs[m.ID] = stored
	p.cmids[m.ClientMessageID] = clientMessage{messageID: m.ID, createdAt: stored.CreatedAt, expiresAt: timeCopy(stored.ExpiresAt)}
	c.LastMessageAt = stored.CreatedAt.Ptr()
	c.LastSenderRole = m.SenderRole
	if m.StartsWait {
		c.WaitingSince = stored.CreatedAt.Ptr()
	}
	if m.SenderRole == chat.RoleStaff && c.FirstResponseAt == nil {
		c.FirstResponseAt = stored.CreatedAt.Ptr()
	}
	return storedMessage(stored), true, nil
}

// GetMessage returns one message, or not found when it does not exist or has
// expired at now.
func (s *Store) GetMessage(_ context.Context, conversationID, messageID string, now time.Time) (chat.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.liveMessage(conversationID, messageID, now)
	if !ok {
		return chat.Message{}, chat.NotFound()
	}
	return storedMessage(m), nil
}

// liveMessage returns a message that exists and has not expired at now.
func (s *Store) liveMessage(conversationID, messageID string, now time.Time) (chat.Message, bool) {
	p := s.parts[conversationID]
	if p == nil {
		return chat.Message{}, false
	}
	m, ok := p.msgs[messageID]
	if !ok || expired(m.ExpiresAt, now) {
		return chat.Message{}, false
	}
	return m, true
}

// UpdateMessage edits (u.Body set: stamped EditedAt u.At) or soft-deletes
// (u.Delete: the body is erased) a message that exists, has not expired at
// u.At and meets u.If; else not found (u.If.Check's answer).
func (s *Store) UpdateMessage(_ context.Context, conversationID, messageID string, u chat.MessageUpdate) (chat.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.liveMessage(conversationID, messageID, u.At)
	if !ok {
		return chat.Message{}, chat.NotFound()
	}
	if err := u.If.Check(storedMessage(m)); err != nil {
		return chat.Message{}, err
	}
	switch {
	case u.Delete:
		m.Deleted, m.Body = true, ""
	case u.Body != nil:
		m.Body, m.EditedAt = *u.Body, chat.At(u.At).Ptr()
	default:
		m.EditedAt = chat.At(u.At).Ptr()
	}
	s.parts[conversationID].msgs[messageID] = m
	return storedMessage(m), nil
}

// defaultMessageLimit is the page size when none is given, as in
// internal/store.
const defaultMessageLimit = 50

// ListMessages returns a page of a conversation's messages, oldest first,
// none expired at now; see chat.MessageStore.
func (s *Store) ListMessages(_ context.Context, conversationID string, q chat.MessageRange, now time.Time) (chat.Page[chat.Message], error) {
	if q.Before != "" && q.After != "" {
		return chat.Page[chat.Message]{}, chat.BadRequest("Use either before or after, not both.")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultMessageLimit
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var in []chat.Message
	if p := s.parts[conversationID]; p != nil {
		for _, m := range p.msgs {
			switch {
			case expired(m.ExpiresAt, now),
				q.After != "" && m.ID <= q.After,
				q.Before != "" && m.ID >= q.Before:
				continue
			}
			in = append(in, m)
		}
	}
	slices.SortFunc(in, func(a, b chat.Message) int { return strings.Compare(a.ID, b.ID) })
	page := chat.Page[chat.Message]{Items: []chat.Message{}}
	if len(in) > limit {
		if q.After != "" {
			in = in[:limit]
			page.Next = in[limit-1].ID
		} else {
			in = in[len(in)-limit:]
			page.Next = in[0].ID
		}
	}
	for _, m := range in {
		page.Items = append(page.Items, storedMessage(m))
	}
	return page, nil
}

// PutReadMarker moves userID's read marker in conversation id forward to
// messageID, expiring at expiresAt; an older or the same id leaves it as it
// is.
func (s *Store) PutReadMarker(_ context.Context, id, userID, messageID string, expiresAt *chat.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.partition(id, true)
	// Like internal/store's conditional put, an expired marker that is
	// further on still holds its place until it is deleted.
	if old, ok := p.markers[userID]; ok && old.messageID >= messageID {
		return nil
	}
	p.markers[userID] = readMarker{messageID: messageID, expiresAt: timeCopy(expiresAt)}
	return nil
}

// Unread counts the messages of conversation id sent by the other role than
// role, neither deleted nor expired at now, after userID's read marker (an
// expired marker counts as none).
func (s *Store) Unread(_ context.Context, id, userID string, role chat.Role, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.parts[id]
	if p == nil {
		return 0, nil
	}
	after := ""
	if rm, ok := p.markers[userID]; ok && !expired(rm.expiresAt, now) {
		after = rm.messageID
	}
	other := chat.RoleStaff
	if role == chat.RoleStaff {
		other = chat.RoleClient
	}
	n := 0
	for _, m := range p.msgs {
		if m.ID > after && m.SenderRole == other && !m.Deleted && !expired(m.ExpiresAt, now) {
			n++
		}
	}
	return n, nil
}
