package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/dev/faults"
	"github.com/confidechat/confide/internal/routes"
)

func TestTransient(t *testing.T) {
	reasons := func(codes ...string) *types.TransactionCanceledException {
		e := &types.TransactionCanceledException{}
		for _, c := range codes {
			e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
		}
		return e
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"Throttling", &smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{"ProvisionedThroughputExceeded", &types.ProvisionedThroughputExceededException{}, true},
		{"LimitExceeded", &smithy.GenericAPIError{Code: "LimitExceededException"}, true},
		{"RefusedConnection", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, true},
		{"OutOfTime", fmt.Errorf("get item: %w", context.DeadlineExceeded), true},
		{"GaveUpRetrying", &retry.MaxAttemptsError{Attempt: 4, Err: errors.New("whatever the last one was")}, true},
		{"OnlyLostARace", reasons("None", "TransactionConflict"), true},
		{"AConditionFailed", reasons("TransactionConflict", "ConditionalCheckFailed"), false},
		{"ConditionalCheckFailed", &types.ConditionalCheckFailedException{}, false},
		{"Validation", &smithy.GenericAPIError{Code: "ValidationException"}, false},
		{"Canceled", context.Canceled, false},
		{"Unexpected", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Transient(tt.err); got != tt.want {
				t.Errorf("Transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// policyClient is a DynamoDB client with policy p whose wire has in's faults.
func policyClient(t *testing.T, p CallPolicy, in *faults.Injector) *dynamodb.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) //nolint:errcheck // a test server
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write([]byte("{}")) //nolint:errcheck // a test server
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	return dynamodb.NewFromConfig(cfg, func(d *dynamodb.Options) {
		d.Retryer, d.APIOptions = p.Retryer(), append(d.APIOptions, p.Middleware()...)
		d.BaseEndpoint = aws.String(srv.URL)
		d.HTTPClient = in.Client(faults.DynamoDB, d.HTTPClient)
	})
}

func getItem(ctx context.Context, db *dynamodb.Client) error {
	_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}})
	return err
}

func TestCallPolicyRetriesThenAnswersUnavailable(t *testing.T) {
	tests := []struct {
		name  string
		plan  faults.Plan
		count string
		check func(error) bool
	}{
		{"Throttled", faults.Plan{DynamoDB: faults.DynamoDBFaults{Throttle: faults.Fault{Rate: 1}}}, "dynamodb.throttle", func(err error) bool {
			var api smithy.APIError
			return errors.As(err, &api) && api.ErrorCode() == "ThrottlingException"
		}},
		{"InternalServerError", faults.Plan{DynamoDB: faults.DynamoDBFaults{Error500: faults.Fault{Rate: 1}}}, "dynamodb.error500", func(err error) bool {
			var e *types.InternalServerError
			return errors.As(err, &e)
		}},
		{"Down", faults.Plan{Outages: []faults.Outage{{Service: faults.DynamoDB, For: faults.Duration(time.Hour)}}}, "dynamodb.outage", func(err error) bool {
			var op *net.OpError
			return errors.As(err, &op)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := faults.New()
			if _, err := in.Set(tt.plan); err != nil {
				t.Fatal(err)
			}
			p := CallPolicy{Attempts: 3, BaseDelay: time.Millisecond, MaxBackoff: time.Millisecond, Deadline: time.Minute}
			err := getItem(t.Context(), policyClient(t, p, in))
			if chat.CodeOf(err) != chat.CodeUnavailable || !tt.check(err) {
				t.Fatalf("GetItem = %v: want unavailable wrapping the AWS error", err)
			}
			if got := in.Counts()[tt.count]; got != int64(p.Attempts) {
				t.Errorf("%d attempts, want %d", got, p.Attempts)
			}
		})
	}
}

func TestCallPolicyDeadlineEndsAHangingCall(t *testing.T) {
	in := faults.New()
	if _, err := in.Set(faults.Plan{DynamoDB: faults.DynamoDBFaults{Latency: faults.Latency{Fixed: faults.Duration(time.Hour)}}}); err != nil {
		t.Fatal(err)
	}
	p := CallPolicy{Attempts: 2, BaseDelay: time.Millisecond, MaxBackoff: time.Millisecond, Deadline: 50 * time.Millisecond}
	err := getItem(t.Context(), policyClient(t, p, in))
	if chat.CodeOf(err) != chat.CodeUnavailable || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GetItem against a DynamoDB that never answers = %v, want unavailable after the call's deadline", err)
	}
}

func TestCallPolicyLeavesOtherErrorsAlone(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`)) //nolint:errcheck // a test server
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	db := dynamodb.NewFromConfig(cfg, func(d *dynamodb.Options) {
		d.Retryer, d.APIOptions = DynamoDBPolicy.Retryer(), append(d.APIOptions, DynamoDBPolicy.Middleware()...)
		d.BaseEndpoint = aws.String(srv.URL)
	})
	err := getItem(t.Context(), db)
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || chat.CodeOf(err) == chat.CodeUnavailable {
		t.Errorf("GetItem = %v: want the condition failure as it is", err)
	}
}

func TestEveryPolicyHasADeadlineWithinTheMessageFunction(t *testing.T) {
	message, _ := routes.Spec(routes.Message)
	for name, p := range map[string]CallPolicy{"dynamodb": DynamoDBPolicy, "kms": KMSPolicy, "management": ManagementPolicy, "cognito": CognitoPolicy, "sns": SNSPolicy} {
		if p.Attempts < 2 || p.Deadline <= 0 || p.MaxBackoff <= 0 || p.BaseDelay <= 0 || p.MaxBackoff >= p.Deadline {
			t.Errorf("%s: %+v: want retries, a backoff shorter than the deadline, and a deadline", name, p)
		}
		// The longest message path makes three calls one after another
		// (reads, write, fan-out) within the message function's timeout.
		if name != "cognito" && name != "sns" && 3*p.Deadline >= message.Timeout {
			t.Errorf("%s: three calls of %s overrun the message function's %s", name, p.Deadline, message.Timeout)
		}
	}
}
