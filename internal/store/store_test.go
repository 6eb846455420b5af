package store_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/confidechat/confide/internal/dev/localdynamo"
	"github.com/confidechat/confide/internal/dev/localkms"
	"github.com/confidechat/confide/internal/store"
)

// local is the embedded DynamoDB every test of the package shares; each test
// gets its own table. keys is the local KMS and cmk the key under which the
// sealed stores' data keys are wrapped.
var (
	local *localdynamo.Server
	keys  *localkms.Server
	cmk   string
)

// scans counts Scan requests across every test: the store must never issue one.
var scans atomic.Int64

func TestMain(m *testing.M) {
	srv, err := localdynamo.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start local dynamodb:", err)
		os.Exit(1)
	}
	local = srv
	if keys, err = localkms.Start(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "start local kms:", err)
		os.Exit(1)
	}
	if cmk, err = keys.CreateKey(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "create kms key:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = keys.Close()
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
}

var tables atomic.Int64

// t0 is the tests' reference instant.
var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// atT0 is a clock that stands at t0.
func atT0() time.Time { return t0 }

// newEnv returns a store on a fresh table that reads the time from now.
func newEnv(t *testing.T, now func() time.Time, opts ...store.Option) *env {
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
	return &env{Store: store.New(db, name, append([]store.Option{store.WithClock(now)}, opts...)...), db: db, table: name, ops: rec}
}
