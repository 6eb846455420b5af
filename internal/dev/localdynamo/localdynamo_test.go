package localdynamo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	"github.com/truora/minidyn/server"

	"github.com/confidechat/confide/internal/dev/localdynamo"
)

// warnings records what the SDK logs as warnings.
type warnings struct {
	mu   sync.Mutex
	logs []string
}

func (w *warnings) Logf(c logging.Classification, format string, v ...any) {
	if c == logging.Warn {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.logs = append(w.logs, fmt.Sprintf(format, v...))
	}
}

// engines are the emulators every engine-neutral test runs on.
var engines = []localdynamo.Engine{localdynamo.Dynoxide, localdynamo.Minidyn}

// forEachEngine runs f as a subtest per engine (dynoxide only where its
// package exists).
func forEachEngine(t *testing.T, f func(t *testing.T, e localdynamo.Engine)) {
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			if e == localdynamo.Dynoxide && localdynamo.DefaultEngine() != localdynamo.Dynoxide {
				t.Skipf("dynoxide ships no package for this platform")
			}
			f(t, e)
		})
	}
}

func start(t *testing.T, e localdynamo.Engine) *localdynamo.Server {
	t.Helper()
	srv, err := localdynamo.StartWith(localdynamo.Options{Engine: e})
	if err != nil {
		t.Fatalf("StartWith(%s) error = %v", e, err)
	}
	if srv.Engine != e {
		t.Fatalf("Engine = %s, want %s", srv.Engine, e)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close() error = %v", err)
		}
	})
	return srv
}

// exercise runs a few operations, including a failing one.
func exercise(ctx context.Context, db *dynamodb.Client) error {
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("things"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	item := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}, "text": &types.AttributeValueMemberS{Value: "héllo ✓"}}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("things"), Item: item}); err != nil {
		return fmt.Errorf("put: %w", err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("things"), Key: map[string]types.AttributeValue{"pk": item["pk"]}})
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	if got := out.Item["text"].(*types.AttributeValueMemberS).Value; got != "héllo ✓" {
		return fmt.Errorf("get returned %q", got)
	}
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("things"), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return fmt.Errorf("conditional put error = %v, want ConditionalCheckFailedException", err)
	}
	return nil
}

func TestSDKValidatesEveryResponseWithoutWarnings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e localdynamo.Engine) {
		srv := start(t, e)
		log := &warnings{}
		db := srv.Client(t.Context(), func(o *dynamodb.Options) {
			o.Logger = log
			o.ClientLogMode = aws.LogRetries | aws.LogResponse
		})
		if err := exercise(t.Context(), db); err != nil {
			t.Fatal(err)
		}
		if len(log.logs) > 0 {
			t.Errorf("SDK logged warnings: %q", log.logs)
		}
	})
}

// TestCRC32HeaderIsTheChecksumOfTheBody: minidyn sends no X-Amz-Crc32 of
// its own; the wrapper adds it.
func TestCRC32HeaderIsTheChecksumOfTheBody(t *testing.T) {
	srv := start(t, localdynamo.Minidyn)
	tests := []struct {
		name, target, body string
		wantStatus         int
	}{
		{"Success", "DynamoDB_20120810.CreateTable", `{"TableName":"x","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`, http.StatusOK},
		{"Error", "DynamoDB_20120810.DescribeTable", `{"TableName":"missing"}`, http.StatusBadRequest},
		{"UnsupportedOperation", "DynamoDB_20120810.UpdateTimeToLive", `{}`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.Endpoint, strings.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", tt.target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", res.StatusCode, tt.wantStatus, body)
			}
			want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
			if got := res.Header.Get("X-Amz-Crc32"); got != want {
				t.Errorf("X-Amz-Crc32 = %q, want %q", got, want)
			}
		})
	}
}

// TestSDKChecksWhatTheHeaderSays shows the header is really checked: the
// SDK reports a mismatch (as a warning when it closes the body), both for a
// wrong header and for minidyn alone, which sends none.
func TestSDKChecksWhatTheHeaderSays(t *testing.T) {
	inner := localdynamo.Handler()
	wrong := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("X-Amz-Crc32", "1")
		w.WriteHeader(rec.Code)
		_, _ = io.Copy(w, bytes.NewReader(rec.Body.Bytes()))
	})
	tests := []struct {
		name    string
		handler http.Handler
	}{
		{"WrongHeader", wrong},
		{"MinidynWithoutWrapper", server.NewServer()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			log := &warnings{}
			db := localdynamo.NewClient(srv.URL, func(o *dynamodb.Options) { o.Logger = log })
			if err := exercise(t.Context(), db); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(log.logs, "\n"); !strings.Contains(got, "checksum") {
				t.Errorf("SDK warnings = %q, want a checksum mismatch", got)
			}
		})
	}
}

// TestUnsupportedOperationIsATypedError: minidyn's plain-text answer to an
// operation it lacks becomes DynamoDB's typed error.
func TestUnsupportedOperationIsATypedError(t *testing.T) {
	db := start(t, localdynamo.Minidyn).Client(t.Context())
	_, err := db.UpdateTimeToLive(t.Context(), &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String("things"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)},
	})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "UnknownOperationException" {
		t.Errorf("UpdateTimeToLive error = %v, want UnknownOperationException", err)
	}
}

func TestStartWithRefusesATakenAddress(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e localdynamo.Engine) {
		srv := start(t, e)
		addr := strings.TrimPrefix(srv.Endpoint, "http://")
		if other, err := localdynamo.StartWith(localdynamo.Options{Engine: e, Addr: addr}); err == nil {
			other.Close()
			t.Fatalf("StartWith(%s, %s) on a taken port succeeded, want an error", e, addr)
		}
	})
}

func TestEachServerHasItsOwnData(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e localdynamo.Engine) {
		a, b := start(t, e), start(t, e)
		if a.Endpoint == b.Endpoint {
			t.Fatalf("two servers share endpoint %s", a.Endpoint)
		}
		if err := exercise(t.Context(), a.Client(t.Context())); err != nil {
			t.Fatal(err)
		}
		if err := exercise(t.Context(), b.Client(t.Context())); err != nil {
			t.Errorf("second server sees the first one's table: %v", err)
		}
	})
}

// TestEngineChoice: the environment picks the engine, an unknown one is
// refused, and a missing dynoxide says how to install it.
func TestEngineChoice(t *testing.T) {
	tests := []struct {
		name, env, root, binary string
		want                    localdynamo.Engine
		wantErr                 string
	}{
		{name: "MinidynByEnvironment", env: "minidyn", want: localdynamo.Minidyn},
		{name: "UnknownEngine", env: "dynamodb-local", wantErr: `want "dynoxide" or "minidyn"`},
		{name: "DynoxideMissing", env: "dynoxide", root: t.TempDir(), wantErr: "npm ci"},
		{name: "DynoxideBinaryMissing", env: "dynoxide", binary: "/nonexistent/dynoxide", wantErr: "start dynoxide"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(localdynamo.EngineEnv, tt.env)
			t.Setenv(localdynamo.BinaryEnv, tt.binary)
			if tt.name == "DynoxideMissing" && localdynamo.DefaultEngine() != localdynamo.Dynoxide {
				t.Skip("dynoxide ships no package for this platform")
			}
			srv, err := localdynamo.StartWith(localdynamo.Options{Root: tt.root})
			if tt.wantErr != "" {
				if err == nil {
					srv.Close()
					t.Fatalf("StartWith() succeeded, want an error containing %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("StartWith() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if srv.Engine != tt.want {
				t.Errorf("Engine = %s, want %s", srv.Engine, tt.want)
			}
		})
	}
}
