package admin_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/admin"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/dev/devstack"
	"github.com/confidechat/confide/internal/push"
	"github.com/confidechat/confide/internal/seal"
	"github.com/confidechat/confide/internal/store"
)

// stack is the local stack every test runs against.
var stack *devstack.Stack

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	s, err := devstack.Start(ctx, devstack.Options{Root: "../..", Seed: true,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start local stack:", err)
		os.Exit(1)
	}
	stack = s
	code := m.Run()
	s.Close()
	os.Exit(code)
}

// newAdmin returns an admin.Admin wired to the local stack as confidectl wires
// it, printing into out.
func newAdmin(out *bytes.Buffer) *admin.Admin {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(stack.Endpoints.DynamoDBEndpoint) })
	mc := apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(stack.ManagementEndpoint)
	})
	keys := kms.NewFromConfig(cfg, func(o *kms.Options) { o.BaseEndpoint = aws.String(stack.Endpoints.KMSEndpoint) })
	sealer, err := seal.New(keys, stack.Endpoints.KMSKeyID, seal.NewDynamoKeyStore(db, stack.Endpoints.KeyTableName), seal.WithClock(stack.Clock.Now))
	if err != nil {
		panic(err)
	}
	st := store.New(db, stack.Endpoints.TableName, store.WithSealer(sealer), store.WithClock(stack.Clock.Now))
	return &admin.Admin{
		Plaintext:  func(ctx context.Context) (store.SealReport, error) { return st.SealPlaintext(ctx, db) },
		Cognito:    stack.Cognito.Client(),
		UserPoolID: stack.Endpoints.UserPoolID,
		Store:      st,
		Keys:       st,
		Pusher:     push.New(mc, 0, nil),
		Out:        out,
		Now:        stack.Clock.Now,
	}
}

var userSeq atomic.Int64

// uniqueName returns a username no other test uses.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s%d%d", prefix, time.Now().UnixNano()%1e6, userSeq.Add(1))
}

const testPassword = "Confide-test-password-1"

// origin is the scheme and host of the widget demo, the browser origin.
func origin(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(stack.Endpoints.WidgetDemo)
	if err != nil {
		t.Fatalf("parse widget URL: %v", err)
	}
	return u.Scheme + "://" + u.Host
}

// signedIn adds a user through the admin and returns an API client signed
// in as them, with their sub.
func signedIn(t *testing.T, ctx context.Context, a *admin.Admin, prefix string, staff bool) (*client.Client, string, string) {
	t.Helper()
	name := uniqueName(prefix)
	sub, err := a.AddUser(ctx, name, testPassword, staff)
	if err != nil {
		t.Fatalf("AddUser(%s): %v", name, err)
	}
	token, _, err := stack.Cognito.SignIn(ctx, name, testPassword)
	if err != nil {
		t.Fatalf("sign in %s: %v", name, err)
	}
	return client.New(stack.Endpoints.HTTPAPI, token, origin(t)), name, sub
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
