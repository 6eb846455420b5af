package seal_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go/middleware"

	"github.com/confidechat/confide/internal/dev/localdynamo"
	"github.com/confidechat/confide/internal/dev/localkms"
	"github.com/confidechat/confide/internal/seal"
	"github.com/confidechat/confide/internal/testkit"
)

// The local DynamoDB and KMS every test of the package shares, and the
// customer-managed key they all wrap data keys under. Each test gets its
// own key table.
var (
	dynamo   *localdynamo.Server
	kmsLocal *localkms.Server
	cmk      string
)

// t0 is the tests' reference instant, 12:30 UTC. It lies years ahead of
// any real clock, so an emulator that runs TTL deletes none of the keys.
var t0 = time.Date(2035, 6, 1, 12, 30, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	var err error
	if dynamo, err = localdynamo.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "start local dynamodb:", err)
		return 1
	}
	defer dynamo.Close()
	if kmsLocal, err = localkms.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "start local kms:", err)
		return 1
	}
	defer kmsLocal.Close()
	if cmk, err = kmsLocal.CreateKey(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "create kms key:", err)
		return 1
	}
	code := m.Run()
	if n := scans.Load(); n > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "the key store issued %d Scan requests, want none\n", n)
		code = 1
	}
	return code
}

// scans counts Scan requests across every test: the key store never scans.
var scans atomic.Int64

// countingKMS is the real local KMS client, counting the calls made
// through it.
type countingKMS struct {
	next      seal.KMS
	generated atomic.Int64
	decrypted atomic.Int64
}

var _ seal.KMS = (*countingKMS)(nil)

func (c *countingKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	c.generated.Add(1)
	return c.next.GenerateDataKey(ctx, in, optFns...)
}

func (c *countingKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	c.decrypted.Add(1)
	return c.next.Decrypt(ctx, in, optFns...)
}

func (c *countingKMS) GenerateDataKeyWithoutPlaintext(ctx context.Context, in *kms.GenerateDataKeyWithoutPlaintextInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyWithoutPlaintextOutput, error) {
	c.generated.Add(1)
	return c.next.GenerateDataKeyWithoutPlaintext(ctx, in, optFns...)
}

func (c *countingKMS) calls() int64 { return c.generated.Load() + c.decrypted.Load() }

// env is one test's key table, with every Sealer on it sharing one
// counting KMS client, one counted DynamoDB client and one clock.
type env struct {
	t       testing.TB
	db      *dynamodb.Client
	table   string
	keys    *seal.DynamoKeyStore
	kms     *countingKMS
	dbCalls atomic.Int64
	clock   *testkit.Clock
}

var tables atomic.Int64

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, kms: &countingKMS{next: kmsLocal.Client(t.Context())}, clock: testkit.NewClock(t0)}
	e.db = dynamo.Client(t.Context(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("countOperation",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					if awsmiddleware.GetOperationName(ctx) == "Scan" {
						scans.Add(1)
					}
					e.dbCalls.Add(1)
					return next.HandleInitialize(ctx, in)
				}), middleware.After)
		})
	})
	e.table = fmt.Sprintf("confide-keys-%d", tables.Add(1))
	if err := seal.CreateKeyTable(t.Context(), e.db, e.table); err != nil {
		t.Fatalf("CreateKeyTable(%s) error = %v", e.table, err)
	}
	e.keys = seal.NewDynamoKeyStore(e.db, e.table)
	return e
}

// sealer returns a new Sealer (an empty cache: another function instance)
// on the env's key table, KMS and clock.
func (e *env) sealer(opts ...seal.Option) *seal.Sealer {
	e.t.Helper()
	s, err := seal.New(e.kms, cmk, e.keys, append([]seal.Option{seal.WithClock(e.clock.Now)}, opts...)...)
	if err != nil {
		e.t.Fatalf("New() error = %v", err)
	}
	return s
}

// seal seals plaintext with s under id and aad, failing the test on error.
func (e *env) seal(s *seal.Sealer, id seal.KeyID, plaintext string, aad []byte) []byte {
	e.t.Helper()
	ct, err := s.Seal(e.t.Context(), id, []byte(plaintext), aad)
	if err != nil {
		e.t.Fatalf("Seal(%s) error = %v", id, err)
	}
	return ct
}

// calls returns the KMS and DynamoDB calls made so far.
func (e *env) calls() (kmsCalls, dbCalls int64) { return e.kms.calls(), e.dbCalls.Load() }
