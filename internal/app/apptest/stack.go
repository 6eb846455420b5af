// Package apptest runs Confide's real app in tests: app.New over an embedded
// DynamoDB with a table of the test's own, message encryption with a key
// table of its own under a local KMS (internal/dev/localkms), the fake
// Cognito pool of
// authtest, a management API that records what is pushed, a settable clock
// and captured logs. A package whose tests use it calls Main from TestMain.
package apptest

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/confidechat/confide/internal/app"
	"github.com/confidechat/confide/internal/auth/authtest"
	"github.com/confidechat/confide/internal/dev/localdynamo"
	"github.com/confidechat/confide/internal/dev/localkms"
	"github.com/confidechat/confide/internal/seal"
	"github.com/confidechat/confide/internal/store"
	"github.com/confidechat/confide/internal/testlog"
)

// AllowedOrigin is the browser origin every Stack admits.
const AllowedOrigin = "https://allowed.example"

// dynamo is the embedded DynamoDB the stacks of a test binary share, and
// keys the local KMS with the key cmk that wraps their data keys; Main
// starts them.
var (
	dynamo *localdynamo.Server
	keys   *localkms.Server
	cmk    string
)

var tableSeq atomic.Int64

// Main starts the embedded DynamoDB and the local KMS, runs the tests of m
// and exits with their result. Call it from the TestMain of a package that
// uses NewStack.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	db, err := localdynamo.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "apptest: start local dynamodb:", err)
		return 1
	}
	dynamo = db
	defer func() {
		if err := db.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "apptest: close local dynamodb:", err)
		}
	}()
	if keys, err = localkms.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "apptest: start local kms:", err)
		return 1
	}
	defer keys.Close()
	if cmk, err = keys.CreateKey(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "apptest: create kms key:", err)
		return 1
	}
	return m.Run()
}

// Stack is the real app of the functions with the fakes around it.
type Stack struct {
	// App is the app under test.
	App *app.App
	// Issuer is the fake Cognito pool whose tokens App accepts.
	Issuer *authtest.Issuer
	// Clock is the service's clock; it stands still until moved.
	Clock *Clock
	// Posts records what App pushes to WebSocket connections.
	Posts *Posts
	// Logs holds App's logs, as JSON lines from debug level up.
	Logs *testlog.Buffer
	// Calls records App's DynamoDB, KMS and management API calls when the
	// Stack was built WithCalls.
	Calls *Calls

	cfg     app.Config
	appOpts []app.Option
}

// Option changes how NewStack builds a Stack.
type Option func(*setup)

type setup struct {
	cfg         app.Config
	createTable bool
	tokenClock  bool
	calls       *Calls
}

// WithStaffCIDRs restricts staff to the networks cidrs.
func WithStaffCIDRs(cidrs ...string) Option {
	return func(s *setup) {
		for _, c := range cidrs {
			s.cfg.StaffCIDRs = append(s.cfg.StaffCIDRs, netip.MustParsePrefix(c))
		}
	}
}

// WithAllowedOrigins admits browsers from origins as well as AllowedOrigin.
func WithAllowedOrigins(origins ...string) Option {
	return func(s *setup) { s.cfg.AllowedOrigins = append(s.cfg.AllowedOrigins, origins...) }
}

// WithoutTable points the app at a table that does not exist, so every
// store call fails.
func WithoutTable() Option { return func(s *setup) { s.createTable = false } }

// WithTokenClock checks the expiry of access tokens against the Stack's
// Clock instead of real time.
func WithTokenClock() Option { return func(s *setup) { s.tokenClock = true } }

// WithCalls records every DynamoDB and management API call of the app in
// Stack.Calls, each made latency slower (see Calls).
func WithCalls(latency time.Duration) Option {
	return func(s *setup) { s.calls = NewCalls(latency) }
}

// NewStack builds a Stack on a fresh table; the test's cleanup stops its
// servers. The Clock starts at the current time.
func NewStack(t testing.TB, opts ...Option) *Stack {
	t.Helper()
	if dynamo == nil {
		t.Fatal("apptest: NewStack needs apptest.Main in the package's TestMain")
	}
	ctx := context.Background()
	iss := authtest.NewIssuer(t)
	posts := newPosts(t)
	table := fmt.Sprintf("confide-apptest-%d", tableSeq.Add(1))
	st := setup{
		cfg: app.Config{
			TableName:          table,
			KeyTableName:       table + "-keys",
			KMSKeyID:           cmk,
			KMSEndpoint:        keys.Endpoint,
			Issuer:             iss.URL,
			ClientID:           iss.ClientID,
			StaffGroup:         "staff",
			AllowedOrigins:     []string{AllowedOrigin},
			ManagementEndpoint: posts.url,
			DynamoDBEndpoint:   dynamo.Endpoint,
		},
		createTable: true,
	}
	for _, o := range opts {
		o(&st)
	}
	if st.createTable {
		if err := store.CreateTable(ctx, dynamo.Client(ctx), st.cfg.TableName); err != nil {
			t.Fatalf("create table %s: %v", st.cfg.TableName, err)
		}
		if err := seal.CreateKeyTable(ctx, dynamo.Client(ctx), st.cfg.KeyTableName); err != nil {
			t.Fatalf("create key table %s: %v", st.cfg.KeyTableName, err)
		}
	}
	clk := NewClock(time.Now().UTC().Truncate(time.Millisecond))
	log, logs := testlog.New()
	appOpts := []app.Option{
		app.WithAWSConfig(aws.Config{
			Region:      localdynamo.Region,
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		}),
		app.WithClock(clk.Now),
		app.WithLogger(log),
		app.WithHTTPClient(iss.HTTPClient()),
	}
	if st.tokenClock {
		appOpts = append(appOpts, app.WithTokenClock(clk.Now))
	}
	if st.calls != nil {
		mw := st.calls.Middleware()
		appOpts = append(appOpts,
			app.WithDynamoDBOptions(func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, mw) }),
			app.WithKMSOptions(func(o *kms.Options) { o.APIOptions = append(o.APIOptions, mw) }),
			app.WithManagementAPIOptions(func(o *apigatewaymanagementapi.Options) { o.APIOptions = append(o.APIOptions, mw) }))
	}
	a, err := app.New(ctx, st.cfg, appOpts...)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	return &Stack{App: a, Issuer: iss, Clock: clk, Posts: posts, Logs: logs, Calls: st.calls, cfg: st.cfg, appOpts: appOpts}
}

// NewInstance builds another App on the Stack's tables, clock, fakes and
// recorders: another execution environment of the same functions, whose
// caches (of data keys, of the issuer's keys) start empty.
func (s *Stack) NewInstance(t testing.TB) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), s.cfg, s.appOpts...)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	return a
}
