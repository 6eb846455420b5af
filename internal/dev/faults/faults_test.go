package faults

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	mgmttypes "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// backend answers every request with an empty success and counts them.
type backend struct {
	*httptest.Server
	hits atomic.Int64
}

func newBackend(t *testing.T) *backend {
	b := &backend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		io.Copy(io.Discard, r.Body) //nolint:errcheck // a test server
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write([]byte("{}")) //nolint:errcheck // a test server
	}))
	t.Cleanup(b.Close)
	return b
}

// sdkConfig is an AWS configuration whose retryer makes attempts attempts
// with no wait between them.
func sdkConfig(attempts int) aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = attempts
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			})
		},
	}
}

func dynamoClient(in *Injector, url string, attempts int) *dynamodb.Client {
	return dynamodb.NewFromConfig(sdkConfig(attempts), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(url)
		o.HTTPClient = in.Client(DynamoDB, o.HTTPClient)
	})
}

func getItem(ctx context.Context, db *dynamodb.Client) error {
	_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}})
	return err
}

func transact(ctx context.Context, db *dynamodb.Client, items int) error {
	in := &dynamodb.TransactWriteItemsInput{}
	for i := range items {
		in.TransactItems = append(in.TransactItems, types.TransactWriteItem{Put: &types.Put{TableName: aws.String("t"),
			Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: strings.Repeat("k", i+1)}}}})
	}
	_, err := db.TransactWriteItems(ctx, in)
	return err
}

func TestDynamoDBFaultsReachTheSDKAsAWSErrors(t *testing.T) {
	const attempts = 3
	tests := []struct {
		name  string
		plan  DynamoDBFaults
		call  func(context.Context, *dynamodb.Client) error
		check func(error) bool
		// tries is how often the SDK sends the request: its retryer retries
		// what AWS's retryable errors are and nothing else.
		tries int64
		count string
	}{
		{"Throttling", DynamoDBFaults{Throttle: Fault{Rate: 1}}, getItem, func(err error) bool {
			var api smithy.APIError
			return errors.As(err, &api) && api.ErrorCode() == "ThrottlingException"
		}, attempts, "dynamodb.throttle"},
		{"ProvisionedThroughputExceeded", DynamoDBFaults{Throughput: Fault{Rate: 1}}, getItem, func(err error) bool {
			var e *types.ProvisionedThroughputExceededException
			return errors.As(err, &e)
		}, attempts, "dynamodb.throughput"},
		{"InternalServerError", DynamoDBFaults{Error500: Fault{Rate: 1}}, getItem, func(err error) bool {
			var e *types.InternalServerError
			return errors.As(err, &e)
		}, attempts, "dynamodb.error500"},
		{"TransactionConflict", DynamoDBFaults{Conflict: Fault{Rate: 1}}, func(ctx context.Context, db *dynamodb.Client) error { return transact(ctx, db, 3) }, func(err error) bool {
			var e *types.TransactionCanceledException
			if !errors.As(err, &e) || len(e.CancellationReasons) != 3 {
				return false
			}
			for _, r := range e.CancellationReasons {
				if aws.ToString(r.Code) != "TransactionConflict" {
					return false
				}
			}
			return true
		}, 1, "dynamodb.conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackend(t)
			in := New()
			if _, err := in.Set(Plan{DynamoDB: tt.plan}); err != nil {
				t.Fatal(err)
			}
			err := tt.call(t.Context(), dynamoClient(in, b.URL, attempts))
			if !tt.check(err) {
				t.Fatalf("error = %v (%T), not the AWS error", err, err)
			}
			if got := in.Counts()[tt.count]; got != tt.tries {
				t.Errorf("%s injected %d times, want %d (the SDK's attempts)", tt.count, got, tt.tries)
			}
			if b.hits.Load() != 0 {
				t.Errorf("the endpoint got %d requests, want none", b.hits.Load())
			}
		})
	}
}

func TestTheNextNFaultsAreRetriedAway(t *testing.T) {
	b := newBackend(t)
	in := New()
	if _, err := in.Set(Plan{DynamoDB: DynamoDBFaults{Throttle: Fault{Next: 1}, Error500: Fault{Next: 1}}}); err != nil {
		t.Fatal(err)
	}
	if err := getItem(t.Context(), dynamoClient(in, b.URL, 3)); err != nil {
		t.Fatalf("GetItem after two retryable faults = %v, want the third attempt to succeed", err)
	}
	if b.hits.Load() != 1 {
		t.Errorf("the endpoint got %d requests, want 1", b.hits.Load())
	}
	want := map[string]int64{"dynamodb.throttle": 1, "dynamodb.error500": 1}
	if got := in.Counts(); !reflect.DeepEqual(got, want) {
		t.Errorf("injected %v, want %v", got, want)
	}
	if err := getItem(t.Context(), dynamoClient(in, b.URL, 1)); err != nil {
		t.Errorf("GetItem once the next faults are spent = %v", err)
	}
}

func TestAnOutageRefusesConnectionsUntilItEnds(t *testing.T) {
	b := newBackend(t)
	in := New()
	if _, err := in.Set(Plan{Outages: []Outage{{Service: DynamoDB, For: Duration(time.Hour)}}}); err != nil {
		t.Fatal(err)
	}
	err := getItem(t.Context(), dynamoClient(in, b.URL, 2))
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("GetItem during the outage = %v, want a refused connection", err)
	}
	if got := in.Counts()["dynamodb.outage"]; got != 2 {
		t.Errorf("the outage refused %d attempts, want 2: the SDK retries a refused connection", got)
	}
	if st := in.Status(); !reflect.DeepEqual(st.Down, []string{DynamoDB}) {
		t.Errorf("Status().Down = %v, want [dynamodb]", st.Down)
	}
	if _, err := in.Set(Plan{}); err != nil {
		t.Fatal(err)
	}
	if err := getItem(t.Context(), dynamoClient(in, b.URL, 1)); err != nil {
		t.Errorf("GetItem after the outage = %v", err)
	}
}

func TestAnOutageLaterDoesNotStartYet(t *testing.T) {
	b := newBackend(t)
	in := New()
	if _, err := in.Set(Plan{Outages: []Outage{{Service: DynamoDB, After: Duration(time.Hour), For: Duration(time.Second)}}}); err != nil {
		t.Fatal(err)
	}
	if err := getItem(t.Context(), dynamoClient(in, b.URL, 1)); err != nil {
		t.Errorf("GetItem before the outage starts = %v", err)
	}
}

func TestManagementFaultsReachTheSDKAsAWSErrors(t *testing.T) {
	tests := []struct {
		name  string
		plan  ManagementFaults
		check func(error) bool
		tries int64
		count string
	}{
		{"LimitExceeded", ManagementFaults{Throttle: Fault{Rate: 1}}, func(err error) bool {
			var e *mgmttypes.LimitExceededException
			return errors.As(err, &e)
		}, 2, "management.throttle"},
		{"InternalServerError", ManagementFaults{Error500: Fault{Rate: 1}}, func(err error) bool {
			var api smithy.APIError
			return errors.As(err, &api) && api.ErrorCode() == "InternalServerErrorException"
		}, 2, "management.error500"},
		{"Gone", ManagementFaults{Gone: Fault{Rate: 1}}, func(err error) bool {
			var e *mgmttypes.GoneException
			return errors.As(err, &e)
		}, 1, "management.gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackend(t)
			in := New()
			if _, err := in.Set(Plan{Management: tt.plan}); err != nil {
				t.Fatal(err)
			}
			mgmt := apigatewaymanagementapi.NewFromConfig(sdkConfig(2), func(o *apigatewaymanagementapi.Options) {
				o.BaseEndpoint = aws.String(b.URL + "/local")
				o.HTTPClient = in.Client(Management, o.HTTPClient)
			})
			_, err := mgmt.PostToConnection(t.Context(), &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String("c1"), Data: []byte("{}")})
			if !tt.check(err) {
				t.Fatalf("PostToConnection = %v (%T), not the AWS error", err, err)
			}
			if got := in.Counts()[tt.count]; got != tt.tries {
				t.Errorf("%s injected %d times, want %d", tt.count, got, tt.tries)
			}
			if _, err := mgmt.GetConnection(t.Context(), &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String("c1")}); err != nil {
				t.Errorf("GetConnection = %v: only posts fail", err)
			}
			// Limited to another connection, the fault spares this one.
			plan := tt.plan
			plan.Connections = []string{"c2"}
			if _, err := in.Set(Plan{Management: plan}); err != nil {
				t.Fatal(err)
			}
			if _, err := mgmt.PostToConnection(t.Context(), &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String("c1"), Data: []byte("{}")}); err != nil {
				t.Errorf("PostToConnection to c1 with faults on c2 only = %v", err)
			}
		})
	}
}

func TestJWKSUnreachableAndSlow(t *testing.T) {
	b := newBackend(t)
	in := New()
	c := &http.Client{Transport: in.Transport(JWKS, nil)}
	if _, err := in.Set(Plan{JWKS: JWKSFaults{Unreachable: Fault{Next: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(b.URL); err == nil {
		t.Fatal("a fetch while the JWKS is unreachable succeeded")
	}
	res, err := c.Get(b.URL)
	if err != nil {
		t.Fatalf("the fetch after it = %v", err)
	}
	res.Body.Close()
	// Slow: a fetch waits out the latency, or gives up with its context.
	if _, err := in.Set(Plan{JWKS: JWKSFaults{Latency: Latency{Fixed: Duration(time.Hour)}}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.URL, nil)
	if _, err := c.Do(req); !errors.Is(err, context.Canceled) {
		t.Errorf("a fetch given up while held = %v, want context.Canceled", err)
	}
	if b.hits.Load() != 1 {
		t.Errorf("the endpoint got %d requests, want 1", b.hits.Load())
	}
}

func TestASeedRepeatsWhichRequestsFail(t *testing.T) {
	run := func(seed int64) []bool {
		in := New()
		if _, err := in.Set(Plan{Seed: seed, Functions: map[string]FunctionFaults{"message": {Panic: Fault{Rate: 0.3}}}}); err != nil {
			t.Fatal(err)
		}
		out := make([]bool, 200)
		for i := range out {
			out[i] = in.Invoke("message").Panic
		}
		return out
	}
	a, b := run(7), run(7)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed chose different invocations")
	}
	n := 0
	for _, p := range a {
		if p {
			n++
		}
	}
	if n == 0 || n == len(a) {
		t.Errorf("%d of %d invocations panicked at rate 0.3", n, len(a))
	}
}

func TestInvokeFaults(t *testing.T) {
	in := New()
	if _, err := in.Set(Plan{Functions: map[string]FunctionFaults{
		"message": {Panic: Fault{Next: 1}, Timeout: Fault{Next: 1}, ColdStart: Fault{Next: 1}, ColdStartDelay: Duration(time.Second)},
	}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		fn   string
		want Invocation
	}{
		{"api", Invocation{}},
		{"message", Invocation{Panic: true, ColdStart: time.Second}},
		{"message", Invocation{Timeout: true}},
		{"message", Invocation{}},
	}
	for i, tt := range tests {
		if got := in.Invoke(tt.fn); got != tt.want {
			t.Errorf("invocation %d of %s = %+v, want %+v", i, tt.fn, got, tt.want)
		}
	}
}
