package chat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/chat/memstore"
	"github.com/confidechat/confide/internal/testkit"
)

// The service tests run the use cases on the in-memory store and a pusher
// that records what it is given, with clocks that stand still until moved.

// t0 is the tests' reference instant, at the start of a rate window.
var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// The people of the tests: two clients, two counsellors and a supervisor.
var (
	alice = chat.Identity{UserID: "alice-sub", Username: "alice", Role: chat.RoleClient}
	bob   = chat.Identity{UserID: "bob-sub", Username: "bob", Role: chat.RoleClient}
	sam   = chat.Identity{UserID: "sam-sub", Username: "sam", Role: chat.RoleStaff}
	kim   = chat.Identity{UserID: "kim-sub", Username: "kim", Role: chat.RoleStaff}
	kai   = chat.Identity{UserID: "kai-sub", Username: "kai", Role: chat.RoleStaff, Supervisor: true}
)

// world is one test's service with what it stands on.
type world struct {
	svc    *chat.Service
	store  *memstore.Store
	pusher *pusher
	// clock is the service's clock, tokens the clock access tokens live in.
	clock, tokens *testkit.Clock
	ids           int
}

// newWorld returns a service on an empty store, with limits (zero: the
// defaults).
func newWorld(t *testing.T, limits chat.Limits) *world {
	t.Helper()
	w := &world{pusher: newPusher(), clock: testkit.NewClock(t0), tokens: testkit.NewClock(t0)}
	w.store = memstore.New(memstore.WithClock(w.clock.Now))
	w.svc = chat.NewService(chat.Options{
		Store: w.store, Pusher: w.pusher, Limits: limits,
		Now: w.clock.Now, TokenNow: w.tokens.Now,
		Logger: slog.New(slog.DiscardHandler),
	})
	return w
}

// open starts a conversation of client who, with retention r.
func (w *world) open(t *testing.T, who chat.Identity, r chat.Retention) chat.Conversation {
	t.Helper()
	c, err := w.svc.CreateConversation(t.Context(), who, r)
	if err != nil {
		t.Fatalf("CreateConversation(%s) error = %v", who.Username, err)
	}
	return c
}

// send sends a message of who to conversation id, a second later than the
// last one, and returns it. A counsellor claims a conversation waiting for
// one first: staff reply only in their own.
func (w *world) send(t *testing.T, who chat.Identity, id, body string) chat.Message {
	t.Helper()
	if who.IsStaff() {
		w.claimIfWaiting(t, who, id)
	}
	w.clock.Advance(time.Second)
	w.ids++
	m, created, err := w.svc.SendMessage(t.Context(), who, chat.SendInput{ConversationID: id, ClientMessageID: fmt.Sprintf("c-%d", w.ids), Body: body})
	if err != nil || !created {
		t.Fatalf("SendMessage(%s) = created %v, error %v", who.Username, created, err)
	}
	return m
}

// claimIfWaiting has counsellor who claim conversation id when nobody has.
func (w *world) claimIfWaiting(t *testing.T, who chat.Identity, id string) {
	t.Helper()
	c, err := w.store.GetConversation(t.Context(), id, w.clock.Now())
	if err != nil {
		t.Fatalf("GetConversation(%s) error = %v", id, err)
	}
	if !c.Unassigned() {
		return
	}
	if _, err := w.svc.Claim(t.Context(), who, id); err != nil {
		t.Fatalf("Claim(%s, %s) error = %v", who.Username, id, err)
	}
}

// close closes conversation id as counsellor sam.
func (w *world) close(t *testing.T, id string) {
	t.Helper()
	if _, err := w.svc.Close(t.Context(), kai, id); err != nil {
		t.Fatalf("Close(%s) error = %v", id, err)
	}
}

// connect opens connection connID of who, to conversation id ("" for the
// staff feed), with a ticket for a token issued now.
func (w *world) connect(t *testing.T, who chat.Identity, connID, id string) chat.Connection {
	t.Helper()
	who.IssuedAt = w.tokens.Now()
	claims := chat.TicketClaims{Identity: who, ExpiresAt: chat.At(w.clock.Now().Add(time.Minute))}
	c, err := w.svc.Connect(t.Context(), claims, chat.ConnectRequest{ConnectionID: connID, ConversationID: id})
	if err != nil {
		t.Fatalf("Connect(%s, %s) error = %v", who.Username, connID, err)
	}
	return c
}

// auditCount counts the audit entries of the last day.
func (w *world) auditCount(t *testing.T) int {
	t.Helper()
	page, err := w.store.ListAudit(t.Context(), w.clock.Now().Add(-24*time.Hour), w.clock.Now(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

// wantError fails unless err is an application error with code and, when
// message is not "", that message.
func wantError(t *testing.T, err error, code chat.Code, message string) {
	t.Helper()
	var e *chat.Error
	if !errors.As(err, &e) || e.Code != code || (message != "" && e.Message != message) {
		t.Fatalf("error = %v, want %s %q", err, code, message)
	}
}

// frame is one frame a connection was sent, decoded.
type frame struct {
	Type           string    `json:"type"`
	ConversationID string    `json:"conversationId"`
	MessageID      string    `json:"messageId"`
	Role           chat.Role `json:"role"`
	Typing         *bool     `json:"typing"`
	// Message is the message of a message event, the text of an error.
	Message      json.RawMessage `json:"message"`
	Conversation map[string]any  `json:"conversation"`
	Code         chat.Code       `json:"code"`
}

// message returns the frame's message (nil when it carries none).
func (f frame) message() map[string]any {
	var m map[string]any
	if len(f.Message) > 0 && json.Unmarshal(f.Message, &m) != nil {
		panic(fmt.Sprintf("a %s frame's message is %s", f.Type, f.Message))
	}
	return m
}

// pusher records deliveries and disconnections; connections marked gone
// are reported gone when delivered to.
type pusher struct {
	mu     sync.Mutex
	frames map[string][]frame
	gone   map[string]bool
	closed []string
}

var _ chat.Pusher = (*pusher)(nil)

func newPusher() *pusher { return &pusher{frames: map[string][]frame{}, gone: map[string]bool{}} }

// Deliver records every delivery and answers the gone ones.
func (p *pusher) Deliver(_ context.Context, ds []chat.Delivery) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var gone []string
	for _, d := range ds {
		var f frame
		if err := json.Unmarshal(d.Frame, &f); err != nil {
			panic(fmt.Sprintf("frame to %s is not JSON: %v", d.ConnectionID, err))
		}
		p.frames[d.ConnectionID] = append(p.frames[d.ConnectionID], f)
		if p.gone[d.ConnectionID] {
			gone = append(gone, d.ConnectionID)
		}
	}
	return gone
}

// Disconnect records that the server closed a connection.
func (p *pusher) Disconnect(_ context.Context, connectionID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = append(p.closed, connectionID)
	return nil
}

// take returns what each connection was sent since the last take.
func (p *pusher) take() map[string][]frame {
	p.mu.Lock()
	defer p.mu.Unlock()
	got := p.frames
	p.frames = map[string][]frame{}
	return got
}

// audience lists the connections that were sent something, sorted.
func audience(got map[string][]frame) []string {
	var ids []string
	for id := range got {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// ids returns the ids of messages, in order.
func ids(ms []chat.Message) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}
