package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
	"github.com/oklog/ulid/v2"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/dev/localdynamo"
	"github.com/confidechat/confide/internal/store"
)

// local is the embedded DynamoDB every test of the package shares; each test
// gets its own table.
var local *localdynamo.Server

// scans counts Scan requests across every test: the store must never issue one.
var scans atomic.Int64

func TestMain(m *testing.M) {
	srv, err := localdynamo.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start local dynamodb:", err)
		os.Exit(1)
	}
	local = srv
	code := m.Run()
	_ = srv.Close()
	if n := scans.Load(); n > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "the store issued %d Scan requests, want none\n", n)
		code = 1
	}
	os.Exit(code)
}

// ops records the DynamoDB operations a client sends.
type ops struct {
	mu    sync.Mutex
	names []string
}

func (o *ops) record(name string) {
	if name == "Scan" {
		scans.Add(1)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.names = append(o.names, name)
}

// since returns the operations recorded after the first n.
func (o *ops) since(n int) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.names[n:]...)
}

func (o *ops) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.names)
}

// env is one test's store on a fresh table.
type env struct {
	*store.Store
	db    *dynamodb.Client
	table string
	ops   *ops
	clock *apptest.Clock
}

var tables atomic.Int64

// t0 is the tests' reference instant.
var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	rec := &ops{}
	db := local.Client(t.Context(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("recordOperation",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					rec.record(awsmiddleware.GetOperationName(ctx))
					return next.HandleInitialize(ctx, in)
				}), middleware.After)
		})
	})
	name := fmt.Sprintf("confide-%d", tables.Add(1))
	if err := store.CreateTable(t.Context(), db, name); err != nil {
		t.Fatalf("CreateTable(%s) error = %v", name, err)
	}
	c := apptest.NewClock(t0)
	return &env{Store: store.New(db, name, store.WithClock(c.Now)), db: db, table: name, ops: rec, clock: c}
}

// ids makes ULIDs whose time is the given instant, increasing.
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
	caller := chat.Identity{UserID: owner, Role: chat.RoleClient}
	if owner == "" {
		caller.Role = chat.RoleStaff
	}
	return e.PutMessage(ctx, m, chat.PostCondition(caller, r))
}
