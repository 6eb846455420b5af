package memstore

import (
	"context"
	"maps"
	"slices"
	"time"
)

// removals counts what one call removes, up to a limit (none when it is 0
// or less).
type removals struct{ n, limit int }

// take counts one more removal if there is room for it.
func (r *removals) take() bool {
	if r.limit > 0 && r.n >= r.limit {
		return false
	}
	r.n++
	return true
}

// DeleteExpired removes up to limit records whose expiry is at or before
// now (every one when limit is 0 or less) and returns how many it removed:
// messages, clientMessageId records, read markers, connections,
// revocations, and conversation records together with everything under
// them (the record last, so that a run the limit cuts short leaves it for
// the next). Like internal/store it leaves tickets and rate windows, which
// every read checks, to expire where they are.
func (s *Store) DeleteExpired(_ context.Context, now time.Time, limit int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &removals{limit: limit}
	for _, id := range slices.Sorted(maps.Keys(s.parts)) {
		p := s.parts[id]
		whole := p.conv != nil && expired(p.conv.ExpiresAt, now)
		for _, k := range slices.Sorted(maps.Keys(p.msgs)) {
			if whole || expired(p.msgs[k].ExpiresAt, now) {
				if !r.take() {
					return r.n, nil
				}
				delete(p.msgs, k)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(p.cmids)) {
			if whole || expired(p.cmids[k].expiresAt, now) {
				if !r.take() {
					return r.n, nil
				}
				delete(p.cmids, k)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(p.markers)) {
			if whole || expired(p.markers[k].expiresAt, now) {
				if !r.take() {
					return r.n, nil
				}
				delete(p.markers, k)
			}
		}
		if whole {
			for _, k := range slices.Sorted(maps.Keys(s.conns)) {
				if c := s.conns[k]; c.inConversation && c.c.ConversationID == id {
					if !r.take() {
						return r.n, nil
					}
					c.inConversation = false
				}
			}
			if !r.take() {
				return r.n, nil
			}
			p.conv = nil
		}
		s.forget(id)
	}
	for _, k := range slices.Sorted(maps.Keys(s.conns)) {
		if expired(&s.conns[k].c.ExpiresAt, now) {
			if !r.take() {
				return r.n, nil
			}
			delete(s.conns, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.revoked)) {
		if rv := s.revoked[k]; expired(&rv.expiresAt, now) {
			if !r.take() {
				return r.n, nil
			}
			delete(s.revoked, k)
		}
	}
	return r.n, nil
}

// EraseUser removes everything of client userID, as internal/store does:
// each of their conversations (hidden and expired ones too) with all its
// messages, clientMessageId records and read markers, their active-session
// lock, every connection of theirs or to their conversations (staff ones
// too), their rate windows and their revocation record (which
// chat.Service.EraseClient writes again). It returns how many records it
// removed.
func (s *Store) EraseUser(_ context.Context, userID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	theirs := map[string]bool{}
	for id, p := range s.parts {
		if p.conv != nil && p.conv.UserID == userID {
			theirs[id] = true
			n += 1 + len(p.msgs) + len(p.cmids) + len(p.markers)
			delete(s.parts, id)
		}
	}
	if _, held := s.locks[userID]; held {
		n++
		delete(s.locks, userID)
	}
	for id, k := range s.conns {
		if k.c.UserID == userID || (k.inConversation && theirs[k.c.ConversationID]) {
			n++
			delete(s.conns, id)
		}
	}
	for k := range s.rates {
		if k.userID == userID {
			n++
			delete(s.rates, k)
		}
	}
	if _, ok := s.revoked[userID]; ok {
		n++
		delete(s.revoked, userID)
	}
	return n, nil
}
