// Package memstore implements chat.Store in memory, with the semantics
// internal/store has on DynamoDB: the same refusals (a conditional write is
// judged by the write's own chat.Condition or chat.MessageCondition, never
// by a copy of the rules), the same orders and positions, the same expiry
// at or before now on every read. It is for tests of the domain that need
// a real store but not DynamoDB; internal/chat/storetest holds the contract
// both stores pass.
//
// Every method holds one lock for its whole work, so each is atomic, as
// internal/store's transactions and conditional writes are. Nothing ever
// blocks, and ctx is not consulted.
//
// Two differences are of no consequence to a caller: DeleteExpired finds
// whatever expired however long ago (DynamoDB's reads eight days of its
// expiry index, TTL has removed anything older), and counts one removal
// per record (a connection is one, where DynamoDB counts each of its
// membership items).
package memstore

import (
	"sync"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// Store is chat.Store and chat.TypingGate in memory, safe for concurrent
// use. The zero value is not ready: use New.
type Store struct {
	mu  sync.Mutex
	now func() time.Time

	// parts holds each conversation's record and what is kept under it, as
	// DynamoDB's CONV#<id> partition does.
	parts map[string]*partition
	// locks maps a client to their active conversation.
	locks   map[string]string
	conns   map[string]*connection
	tickets map[string]chat.TicketClaims
	rates   map[rateKey]*rateWindow
	audit   auditTrail
	revoked map[string]revocation
	staff   map[string]chat.StaffMember
}

var (
	_ chat.Store      = (*Store)(nil)
	_ chat.TypingGate = (*Store)(nil)
)

// Option adjusts a Store.
type Option func(*Store)

// WithClock makes the store read the time from now instead of time.Now
// where a method is not given the instant (UpdateConversation's and
// SetRetention's expiry checks, when a read marker moved), as
// internal/store's WithClock does.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		now:     time.Now,
		parts:   map[string]*partition{},
		locks:   map[string]string{},
		conns:   map[string]*connection{},
		tickets: map[string]chat.TicketClaims{},
		rates:   map[rateKey]*rateWindow{},
		audit:   auditTrail{entries: map[string]chat.AuditEntry{}},
		revoked: map[string]revocation{},
		staff:   map[string]chat.StaffMember{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// partition is one conversation: its record (nil once it is gone, or
// before it exists) and its messages, clientMessageId records and read
// markers.
type partition struct {
	conv    *chat.Conversation
	msgs    map[string]chat.Message
	cmids   map[string]clientMessage
	markers map[string]readMarker
}

// clientMessage records which message a clientMessageId produced; it
// expires with its message.
type clientMessage struct {
	messageID string
	createdAt chat.Time
	expiresAt *chat.Time
}

// readMarker is the last message a person has read in a conversation.
type readMarker struct {
	messageID string
	expiresAt *chat.Time
}

// empty reports whether nothing is left of the partition.
func (p *partition) empty() bool {
	return p.conv == nil && len(p.msgs) == 0 && len(p.cmids) == 0 && len(p.markers) == 0
}

// partition returns conversation id's partition, made when create is set
// and it does not exist (nil otherwise).
func (s *Store) partition(id string, create bool) *partition {
	p := s.parts[id]
	if p == nil && create {
		p = &partition{msgs: map[string]chat.Message{}, cmids: map[string]clientMessage{}, markers: map[string]readMarker{}}
		s.parts[id] = p
	}
	return p
}

// forget drops a partition nothing is left of.
func (s *Store) forget(id string) {
	if p := s.parts[id]; p != nil && p.empty() {
		delete(s.parts, id)
	}
}

// liveConversation returns conversation id's record if it exists and has
// not expired at now.
func (s *Store) liveConversation(id string, now time.Time) (*chat.Conversation, bool) {
	p := s.parts[id]
	if p == nil || p.conv == nil || expired(p.conv.ExpiresAt, now) {
		return nil, false
	}
	return p.conv, true
}

// expired reports whether something that expires at exp (nil: never) has
// expired at now: exp is at or before now, to the millisecond, as
// internal/store compares its protocol-time stamps.
func expired(exp *chat.Time, now time.Time) bool {
	return exp != nil && !exp.After(chat.At(now).Time)
}

// stamp writes t in the protocol format, which sorts as text.
func stamp(t time.Time) string { return chat.At(t).String() }

// activityPosition is a conversation's place in the listings, most
// recently active first: "<activityAt>#<id>", as internal/store's index
// sort keys (and the service's cursor check expects).
func activityPosition(c chat.Conversation) string { return stamp(c.ActivityAt()) + "#" + c.ID }

// timeCopy returns a copy of an optional time, in protocol precision.
func timeCopy(t *chat.Time) *chat.Time {
	if t == nil {
		return nil
	}
	return chat.At(t.Time).Ptr()
}

func stringCopy(s *string) *string {
	if s == nil {
		return nil
	}
	v := *s
	return &v
}

// storedConversation is c as it is kept and read back: the fields a store
// keeps, in protocol precision, sharing nothing with c.
func storedConversation(c chat.Conversation) chat.Conversation {
	return chat.Conversation{
		ID:              c.ID,
		UserID:          c.UserID,
		Status:          c.Status,
		Retention:       c.Retention,
		CreatedAt:       chat.At(c.CreatedAt.Time),
		LastMessageAt:   timeCopy(c.LastMessageAt),
		ClosedAt:        timeCopy(c.ClosedAt),
		ClosedBy:        stringCopy(c.ClosedBy),
		Assignee:        stringCopy(c.Assignee),
		AssigneeName:    stringCopy(c.AssigneeName),
		Deleted:         c.Deleted,
		LastSenderRole:  c.LastSenderRole,
		FirstResponseAt: timeCopy(c.FirstResponseAt),
		Rating:          c.Rating,
		Comment:         c.Comment,
		RatedAt:         timeCopy(c.RatedAt),
		HasComment:      c.Comment != "",
		Risk:            c.Risk,
		RiskAt:          timeCopy(c.RiskAt),
		RiskCategory:    c.RiskCategory,
		ClaimedAt:       timeCopy(c.ClaimedAt),
		WaitingSince:    timeCopy(c.WaitingSince),
		ExpiresAt:       timeCopy(c.ExpiresAt),
	}
}

// storedMessage is m as it is kept and read back, sharing nothing with m.
func storedMessage(m chat.Message) chat.Message {
	m.CreatedAt = chat.At(m.CreatedAt.Time)
	m.EditedAt = timeCopy(m.EditedAt)
	m.ExpiresAt = timeCopy(m.ExpiresAt)
	return m
}
