package chat

import (
	"context"
	"crypto/rand"
	"log/slog"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// Pusher delivers frames to open WebSocket connections. internal/push
// implements it with the API Gateway management API.
type Pusher interface {
	// Deliver sends every delivery concurrently (bounded) and returns the ids
	// of the connections that are gone. A failure to one connection never
	// stops delivery to the others.
	Deliver(ctx context.Context, deliveries []Delivery) (gone []string)
	// Disconnect closes a connection from the server side.
	Disconnect(ctx context.Context, connectionID string) error
}

// Delivery is one frame for one connection.
type Delivery struct {
	ConnectionID string
	Frame        []byte
}

// TypingGate lets at most one typing frame through per connection per gap.
type TypingGate interface {
	// PassTyping reports whether a typing frame from connectionID may be
	// relayed at now, and if so records it.
	PassTyping(ctx context.Context, connectionID string, now time.Time, gap time.Duration) (bool, error)
}

// Limits are the tunable limits of the service.
type Limits struct {
	// MaxMessageChars is the longest message, in Unicode characters after
	// trimming (default 4000).
	MaxMessageChars int
	// RateLimit messages per RateWindow per person (default 20 per 10 s).
	RateLimit  int
	RateWindow time.Duration
	// IdleTimeout closes active conversations without a message for that
	// long (default 12 h).
	IdleTimeout time.Duration
	// ConnectionCap is the most open connections one person may have
	// (default 5).
	ConnectionCap int
	// TypingGap is the least time between two relayed typing frames of one
	// connection (default 2 s).
	TypingGap time.Duration
}

// DefaultLimits returns the limits of docs/protocol.md.
func DefaultLimits() Limits {
	return Limits{
		MaxMessageChars: 4000,
		RateLimit:       20,
		RateWindow:      10 * time.Second,
		IdleTimeout:     12 * time.Hour,
		ConnectionCap:   5,
		TypingGap:       2 * time.Second,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMessageChars <= 0 {
		l.MaxMessageChars = d.MaxMessageChars
	}
	if l.RateLimit <= 0 {
		l.RateLimit = d.RateLimit
	}
	if l.RateWindow <= 0 {
		l.RateWindow = d.RateWindow
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	if l.ConnectionCap <= 0 {
		l.ConnectionCap = d.ConnectionCap
	}
	if l.TypingGap <= 0 {
		l.TypingGap = d.TypingGap
	}
	return l
}

// Service is the set of Confide's use cases. The HTTP and WebSocket adapters
// call it with a verified Identity; it decides what the caller may see and
// do, stores, audits and fans out.
type Service struct {
	store  Store
	pusher Pusher
	typing TypingGate
	// accounts, when set, lets the sweep find disabled accounts.
	accounts Accounts
	// screener, when set, screens client messages (safeguarding triage);
	// alerter, when set, hears of waiting conversations becoming urgent.
	screener Screener
	alerter  Alerter
	keys     Keys
	limits   Limits
	now      func() time.Time
	// tokenNow is the clock access tokens are checked against: real time
	// even when now is moved.
	tokenNow func() time.Time
	log      *slog.Logger
	// run runs a function on another goroutine (Options.Go).
	run func(func())
	// recentClosed caches the closed conversations expected waits are
	// measured from (Availability).
	recentClosed closedSample
}

// Options configures a Service.
type Options struct {
	Store  Store
	Pusher Pusher
	// Typing gates typing frames; nil relays every one.
	Typing TypingGate
	// Accounts lets the retention sweep cut off the connections of
	// accounts that were disabled or deleted; nil: the sweep only cuts off
	// revoked credentials.
	Accounts Accounts
	// Screener screens client messages for risk (safeguarding triage); nil:
	// no screening, for services whose policy forbids it.
	Screener Screener
	// Alerter is told when a waiting conversation becomes urgent; nil: only
	// the dashboards are.
	Alerter Alerter
	// Keys are the data keys that seal message bodies: the sweep destroys
	// them on time, an erasure destroys the client's, a send prepares
	// them beside its reads. nil: nothing is sealed (memstore tests).
	Keys   Keys
	Limits Limits
	// Now is the clock (default time.Now); tests and the local stack inject
	// their own to move time.
	Now func() time.Time
	// TokenNow is the clock of token expiry (default time.Now): tokens live
	// in real time even where the service clock is moved.
	TokenNow func() time.Time
	Logger   *slog.Logger
	// Go runs fn on another goroutine (default: a new one each time). A
	// function passes a pool whose goroutines outlive one call, so that the
	// deep stacks an AWS SDK call grows are grown once, not on every read
	// made side by side.
	Go func(fn func())
}

// NewService returns a Service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TokenNow == nil {
		o.TokenNow = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Keys == nil {
		o.Keys = noKeys{}
	}
	if o.Go == nil {
		o.Go = func(fn func()) { go fn() }
	}
	return &Service{
		store:    o.Store,
		pusher:   o.Pusher,
		typing:   o.Typing,
		accounts: o.Accounts,
		screener: o.Screener,
		alerter:  o.Alerter,
		keys:     o.Keys,
		limits:   o.Limits.withDefaults(),
		now:      o.Now,
		tokenNow: o.TokenNow,
		log:      o.Logger,
		run:      o.Go,
	}
}

func (s *Service) newID(t time.Time) string { return NewID(t) }

var (
	idMu    sync.Mutex
	entropy = ulid.Monotonic(rand.Reader, 0)
)

// NewID returns a new id (a ULID) for something made at t: sortable by
// creation time, and increasing within one process even in the same
// millisecond.
func NewID(t time.Time) string {
	idMu.Lock()
	defer idMu.Unlock()
	return ulid.MustNew(ulid.Timestamp(t), entropy).String()
}

// audit records a sensitive action. A failure is logged, not returned: the
// action itself has happened and must not be reported as failed.
func (s *Service) audit(ctx context.Context, actor, action, target string) {
	s.auditDetail(ctx, actor, action, target, "")
}

// auditDetail is audit with a code-like detail (never free text).
func (s *Service) auditDetail(ctx context.Context, actor, action, target, detail string) {
	at := s.now()
	e := AuditEntry{ID: s.newID(at), At: At(at), Actor: actor, Action: action, Target: target, Detail: detail}
	if err := s.store.PutAudit(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit write failed", "action", action, "target", target, "err", err)
	}
}

// parallel runs fns side by side and returns when all have returned.
func (s *Service) parallel(fns ...func()) {
	var wg sync.WaitGroup
	wg.Add(len(fns))
	for _, fn := range fns {
		s.run(func() {
			defer wg.Done()
			fn()
		})
	}
	wg.Wait()
}
