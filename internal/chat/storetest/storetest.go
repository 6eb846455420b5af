// Package storetest is the contract of chat.Store (and of chat.TypingGate):
// one suite of behaviour tests that every implementation runs, so that the
// DynamoDB store (internal/store) and the in-memory one
// (internal/chat/memstore) are held to the same semantics, the ones the
// interface documents. Tests about one store's own workings (DynamoDB's
// item layout, operation counts, table creation) stay with that store; the
// Seed functions give them the same data the contract uses.
//
// It is test code that other packages' tests run, which is why it is not in
// _test.go files.
package storetest

import (
	"context"
	"errors"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/testkit"
)

// NewStore returns an empty store for one test. The store must read the
// time from now wherever a method of chat.Store is not given the instant
// (UpdateConversation's and SetRetention's expiry checks): the contract
// moves that clock.
type NewStore func(t *testing.T, now func() time.Time) chat.Store

// Run runs the contract against stores made by newStore, each test on a
// store of its own, as subtests of t named after the behaviour they test
// ("Tickets/SingleUseUnderTwentyConcurrentConsumes"). It runs them one
// after the other.
func Run(t *testing.T, newStore NewStore) {
	for _, c := range contract {
		t.Run(c.name, func(t *testing.T) { c.test(t, factory(newStore)) })
	}
}

// contract is every test of the suite, by name.
var contract = []struct {
	name string
	test func(*testing.T, factory)
}{
	{"CreateConversation", testCreateConversation},
	{"GetConversation", testGetConversation},
	{"ListConversations", testListConversations},
	{"ListUserConversations", testListUserConversations},
	{"ListIdle", testListIdle},
	{"StatsSample", testStatsSample},
	{"UpdateConversation", testUpdateConversation},
	{"Feedback", testFeedback},
	{"PutMessage", testPutMessage},
	{"UpdateMessage", testUpdateMessage},
	{"ListMessages", testListMessages},
	{"ExpiredMessagesAreInvisible", testExpiredMessagesAreInvisible},
	{"Unread", testUnread},
	{"SetRetention", testSetRetention},
	{"DeleteExpired", testDeleteExpired},
	{"EraseUser", testEraseUser},
	{"Connections", testConnections},
	{"ConversationAndConnections", testConversationAndConnections},
	{"Tickets", testTickets},
	{"RateHit", testRateHit},
	{"PassTyping", testPassTyping},
	{"Audit", testAudit},
	{"Revocation", testRevocation},
	{"ReaderConditions", testReaderConditions},
	{"StaffDirectory", testStaffDirectory},
	{"StaffPostsOnlyWhenAssigned", testStaffPostsOnlyWhenAssigned},
	{"AssigneeNameAndFeedbackMarks", testAssigneeNameAndFeedbackMarks},
}

// factory makes a test's environment: a fresh store on a clock of its own.
type factory NewStore

// env is one test's store and the clock it reads.
type env struct {
	chat.Store
	clock *testkit.Clock
}

// new returns a fresh store whose clock stands at t0.
func (f factory) new(t *testing.T) *env {
	t.Helper()
	clock := testkit.NewClock(t0)
	return &env{Store: f(t, clock.Now), clock: clock}
}

// t0 is the contract's reference instant.
var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// ids makes ULIDs whose time is the given instant, increasing, the same
// sequence in every test.
type ids struct {
	mu      sync.Mutex
	entropy *ulid.MonotonicEntropy
}

func newIDs() *ids { return &ids{entropy: ulid.Monotonic(rand.New(rand.NewSource(1)), 0)} }

func (g *ids) at(t time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return ulid.MustNew(ulid.Timestamp(t), g.entropy).String()
}

// conversation returns an active conversation of user created at at.
func conversation(id, user string, r chat.Retention, at time.Time) chat.Conversation {
	return chat.Conversation{ID: id, UserID: user, Status: chat.StatusActive, Retention: r, CreatedAt: chat.At(at)}
}

// message returns a message of conversation conv sent at at.
func message(id, conv, sender string, role chat.Role, at time.Time) chat.Message {
	return chat.Message{
		ID: id, ConversationID: conv, SenderID: sender, SenderRole: role,
		Body: "text of " + id, ClientMessageID: "cmid-" + id, CreatedAt: chat.At(at),
	}
}

// connection returns a connection opened at t0.
func connection(id, user string, role chat.Role, conv string) chat.Connection {
	return chat.Connection{
		ID: id, UserID: user, Username: "name-" + user, Role: role, ConversationID: conv,
		SourceIP: "203.0.113.7", ConnectedAt: chat.At(t0), ExpiresAt: chat.At(t0.Add(chat.ConnectionLifetime)),
	}
}

// mustCreate stores a conversation or fails the test.
func (e *env) mustCreate(t *testing.T, c chat.Conversation) chat.Conversation {
	t.Helper()
	if err := e.CreateConversation(t.Context(), c); err != nil {
		t.Fatalf("CreateConversation(%s) error = %v", c.ID, err)
	}
	return c
}

// mustPut stores a message with the conversation's retention.
func (e *env) mustPut(t *testing.T, m chat.Message, r chat.Retention) chat.Message {
	t.Helper()
	stored, created, err := e.putMessage(t.Context(), m, r, "")
	if err != nil || !created {
		t.Fatalf("PutMessage(%s) = created %v, error %v; want created", m.ID, created, err)
	}
	return stored
}

// mustClose closes a conversation as the service does.
func (e *env) mustClose(t *testing.T, id string, at time.Time, expires *time.Time) chat.Conversation {
	t.Helper()
	closed, by := chat.StatusClosed, "staff-1"
	u := chat.ConversationUpdate{If: chat.Condition{Status: chat.StatusActive}, Status: &closed, ClosedAt: chat.At(at).Ptr(), ClosedBy: &by}
	if expires != nil {
		u.ExpiresAt = chat.At(*expires).Ptr()
	}
	c, err := e.UpdateConversation(t.Context(), id, u)
	if err != nil {
		t.Fatalf("close %s: %v", id, err)
	}
	return c
}

// mustConnect stores connections or fails the test.
func (e *env) mustConnect(t *testing.T, conns ...chat.Connection) {
	t.Helper()
	for _, c := range conns {
		if err := e.PutConnection(t.Context(), c); err != nil {
			t.Fatalf("PutConnection(%s) error = %v", c.ID, err)
		}
	}
}

// wantCode fails unless err is an application error with code.
func wantCode(t *testing.T, err error, code chat.Code) {
	t.Helper()
	if !errors.Is(err, chat.Sentinel(code)) {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

// putMessage stores m as the service stores a message of a sender whose
// conversation it is (owner; "" for staff) under retention r: expiring as r
// says, on the condition the service sets.
func (e *env) putMessage(ctx context.Context, m chat.Message, r chat.Retention, owner string) (chat.Message, bool, error) {
	if m.ExpiresAt == nil {
		m.ExpiresAt = r.Expiry(m.CreatedAt.Time)
	}
	if m.Owner == "" {
		// The service knows the conversation's client from its read.
		if c, err := e.GetConversation(ctx, m.ConversationID, m.CreatedAt.Time); err == nil {
			m.Owner = c.UserID
		}
	}
	caller := chat.Identity{UserID: owner, Role: chat.RoleClient}
	if owner == "" {
		caller.Role = chat.RoleStaff
	}
	return e.PutMessage(ctx, m, chat.PostCondition(caller, r))
}
