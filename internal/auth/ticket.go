package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// DefaultTicketTTL is how long a WebSocket ticket is valid.
const DefaultTicketTTL = 60 * time.Second

// ticketBytes is the ticket's entropy: 256 bits.
const ticketBytes = 32

// ticketLen is the length of a ticket written as unpadded base64url.
var ticketLen = base64.RawURLEncoding.EncodedLen(ticketBytes)

// Tickets issues and redeems the one-time tickets a client trades its access
// token for before opening a WebSocket (POST /ws/ticket), so no token ever
// travels in a URL. Only a ticket's hash is stored.
type Tickets struct {
	// Store keeps the tickets by hash.
	Store chat.TicketStore
	// TTL is how long a ticket is valid (default 60 s).
	TTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (t *Tickets) now() time.Time {
	if t.Now == nil {
		return time.Now()
	}
	return t.Now()
}

func (t *Tickets) ttl() time.Duration {
	if t.TTL <= 0 {
		return DefaultTicketTTL
	}
	return t.TTL
}

// Issue makes a random 256-bit ticket (base64url, no padding) for id, stores
// only its SHA-256 hash with the claims and expiry, and returns the ticket
// and its expiry. The ticket never outlives the token it was traded for:
// its expiry is the earlier of now+TTL and tokenExpiresAt (when not zero).
func (t *Tickets) Issue(ctx context.Context, id chat.Identity, tokenExpiresAt time.Time) (string, time.Time, error) {
	if id.UserID == "" {
		return "", time.Time{}, errors.New("issue ticket: identity has no user id")
	}
	now := t.now()
	exp := chat.At(now.Add(t.ttl()))
	claims := chat.TicketClaims{Identity: id}
	if !tokenExpiresAt.IsZero() {
		tokenExp := chat.At(tokenExpiresAt)
		claims.TokenExpiresAt = &tokenExp
		if tokenExp.Before(exp.Time) {
			exp = tokenExp
		}
	}
	if !exp.After(now) {
		e := chat.Unauthorized()
		e.Err = errors.New("issue ticket: access token already expired")
		return "", time.Time{}, e
	}
	claims.ExpiresAt = exp

	raw := make([]byte, ticketBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, fmt.Errorf("issue ticket: %w", err)
	}
	ticket := base64.RawURLEncoding.EncodeToString(raw)
	if err := t.Store.PutTicket(ctx, HashTicket(ticket), claims); err != nil {
		return "", time.Time{}, fmt.Errorf("issue ticket for %s: %w", id.UserID, err)
	}
	return ticket, exp.Time, nil
}

// Redeem consumes ticket, which then never works again, and returns what it
// stands for. Unknown, used, expired or malformed tickets give a *chat.Error
// with chat.CodeUnauthorized; a store failure is returned as it is
// (internal). Errors never contain the ticket.
func (t *Tickets) Redeem(ctx context.Context, ticket string) (chat.TicketClaims, error) {
	if !wellFormedTicket(ticket) {
		return chat.TicketClaims{}, refused(errors.New("malformed ticket"))
	}
	now := t.now()
	hash := HashTicket(ticket)
	claims, err := t.Store.ConsumeTicket(ctx, hash, now)
	if err != nil {
		switch chat.CodeOf(err) {
		case chat.CodeUnauthorized, chat.CodeNotFound:
			return chat.TicketClaims{}, refused(fmt.Errorf("consume ticket %.12s: %w", hash, err))
		}
		return chat.TicketClaims{}, fmt.Errorf("consume ticket %.12s: %w", hash, err)
	}
	// The store already checks expiry; checking again costs nothing and
	// keeps a lenient store from extending a ticket's life.
	if !claims.ExpiresAt.After(now) {
		return chat.TicketClaims{}, refused(errors.New("ticket expired"))
	}
	return claims, nil
}

// HashTicket returns the SHA-256 of ticket in hex: the only form in which a
// ticket is stored.
func HashTicket(ticket string) string {
	sum := sha256.Sum256([]byte(ticket))
	return hex.EncodeToString(sum[:])
}

// wellFormedTicket reports whether s could be a ticket Issue made.
func wellFormedTicket(s string) bool {
	if len(s) != ticketLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == ticketBytes
}

// refused is the unauthorized error with cause err.
func refused(err error) *chat.Error {
	e := chat.Unauthorized()
	e.Err = err
	return e
}
