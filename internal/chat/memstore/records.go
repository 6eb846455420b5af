package memstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// PutTicket stores a ticket's hash with the identity it stands for, in
// protocol precision.
func (s *Store) PutTicket(_ context.Context, hash string, t chat.TicketClaims) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored := chat.TicketClaims{
		Identity:       chat.Identity{UserID: t.UserID, Username: t.Username, Role: t.Role},
		ExpiresAt:      chat.At(t.ExpiresAt.Time),
		TokenExpiresAt: timeCopy(t.TokenExpiresAt),
	}
	if !t.IssuedAt.IsZero() {
		stored.IssuedAt = chat.At(t.IssuedAt).Time
	}
	s.tickets[hash] = stored
	return nil
}

// ConsumeTicket deletes the ticket and returns its claims if it exists and
// has not expired at now; else unauthorized. Of concurrent calls exactly one
// gets the claims.
func (s *Store) ConsumeTicket(_ context.Context, hash string, now time.Time) (chat.TicketClaims, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[hash]
	if !ok || expired(&t.ExpiresAt, now) {
		return chat.TicketClaims{}, chat.Unauthorized()
	}
	delete(s.tickets, hash)
	t.TokenExpiresAt = timeCopy(t.TokenExpiresAt)
	return t, nil
}

// rateKey names one person's rate window.
type rateKey struct {
	userID string
	window string
}

// rateWindow counts the messages of one window; it expires ttl after the
// window starts.
type rateWindow struct {
	count     int
	expiresAt chat.Time
}

// Hit counts one message of userID in the window starting at window and
// reports whether it stayed within limit. The count only grows while below
// limit, so exactly limit hits of a window are allowed (the first always
// is).
func (s *Store) Hit(_ context.Context, userID string, window time.Time, limit int, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := rateKey{userID: userID, window: stamp(window)}
	w := s.rates[k]
	if w == nil {
		w = &rateWindow{}
		s.rates[k] = w
	} else if w.count >= limit {
		return false, nil
	}
	w.count++
	w.expiresAt = chat.At(window.Add(ttl))
	return true, nil
}

// auditTrail keeps audit entries in the order of their positions,
// "<at>#<id>".
type auditTrail struct {
	positions []string
	entries   map[string]chat.AuditEntry
}

// PutAudit appends an entry; an entry without an id gets a new one.
func (s *Store) PutAudit(_ context.Context, e chat.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.ID == "" {
		e.ID = chat.NewID(e.At.Time)
	}
	e.At = chat.At(e.At.Time)
	pos := e.At.String() + "#" + e.ID
	if i, found := slices.BinarySearch(s.audit.positions, pos); !found {
		s.audit.positions = slices.Insert(s.audit.positions, i, pos)
	}
	s.audit.entries[pos] = e
	return nil
}

// ListAudit lists entries between from and to (inclusive), oldest first,
// after position after: "<at>#<id>" of the last entry returned, as
// internal/store's positions (a malformed one is bad_request).
func (s *Store) ListAudit(_ context.Context, from, to time.Time, after string, limit int) (chat.Page[chat.AuditEntry], error) {
	page := chat.Page[chat.AuditEntry]{Items: []chat.AuditEntry{}}
	lower := stamp(from)
	if after != "" {
		if _, err := time.Parse(time.DateOnly, after[:min(len(after), len(time.DateOnly))]); err != nil || !strings.Contains(after, "#") {
			return page, chat.BadRequest("Invalid audit position.")
		}
		lower = after + " " // just past the last entry returned
	}
	upper := stamp(to) + "$" // '$' sorts after "#<id>"
	s.mu.Lock()
	defer s.mu.Unlock()
	var picked []string
	i, _ := slices.BinarySearch(s.audit.positions, lower)
	for ; i < len(s.audit.positions) && s.audit.positions[i] <= upper && len(picked) <= limit; i++ {
		picked = append(picked, s.audit.positions[i])
	}
	if limit = max(limit, 0); len(picked) > limit {
		picked = picked[:limit]
		if limit > 0 {
			page.Next = picked[limit-1]
		}
	}
	for _, pos := range picked {
		page.Items = append(page.Items, s.audit.entries[pos])
	}
	return page, nil
}

// revocation is when a person's credentials were last revoked.
type revocation struct {
	at        time.Time
	expiresAt chat.Time
}

// Revoke records that every credential of userID issued at or before at is
// void; a later revocation is never replaced by an earlier one. The record
// expires chat.RevocationLifetime after at.
func (s *Store) Revoke(_ context.Context, userID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := chat.At(at).Time
	if old, ok := s.revoked[userID]; ok && !old.at.Before(t) {
		return nil
	}
	s.revoked[userID] = revocation{at: t, expiresAt: chat.At(at.Add(chat.RevocationLifetime))}
	return nil
}

// RevokedAt returns when userID's credentials were last revoked, or the
// zero time when they never were or that record has expired at now.
func (s *Store) RevokedAt(_ context.Context, userID string, now time.Time) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.revoked[userID]
	if !ok || expired(&r.expiresAt, now) {
		return time.Time{}, nil
	}
	return r.at, nil
}
