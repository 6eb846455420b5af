package app

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/ddb"
)

// CallPolicy is how the functions call one AWS service: the SDK's standard
// retryer with these attempts and backoff, and a deadline on each call
// (every attempt and every wait between them), so that a service that
// throttles, errors or does not answer costs a function a bounded time
// and never its whole Lambda timeout. docs/reliability.md explains the
// choices.
type CallPolicy struct {
	// Attempts is the most attempts of one call, the first included.
	Attempts int
	// BaseDelay is the backoff's base for errors other than throttling
	// (the SDK uses 1 s for those), MaxBackoff caps each wait. The wait is
	// full jitter: random up to min(base * 2^retry, MaxBackoff).
	BaseDelay, MaxBackoff time.Duration
	// Deadline bounds one call, retries included.
	Deadline time.Duration
}

// The policies of the functions' AWS clients. Message and connect
// functions have a 10 s timeout and make at most three AWS calls one after
// the other on their longest path (reads side by side, the write, the
// fan-out), so each call gets about 3 s.
var (
	// DynamoDBPolicy: DynamoDB answers in milliseconds; throttles and 500s
	// clear within a few retries (AWS's own DynamoDB clients default to more
	// attempts with a 25 ms base than other services).
	DynamoDBPolicy = CallPolicy{Attempts: 4, BaseDelay: 25 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, Deadline: 3 * time.Second}
	// KMSPolicy: unwrapping a data key happens once per cold key cache.
	KMSPolicy = CallPolicy{Attempts: 3, BaseDelay: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, Deadline: 3 * time.Second}
	// ManagementPolicy: a fan-out posts to many connections at once; a
	// post that still fails after 3 attempts is logged and given up
	// (the clients catch up over HTTP) rather than holding up the others.
	ManagementPolicy = CallPolicy{Attempts: 3, BaseDelay: 25 * time.Millisecond, MaxBackoff: 250 * time.Millisecond, Deadline: 2 * time.Second}
	// CognitoPolicy and SNSPolicy: the retention sweep's account checks
	// and the urgent alert, off the path of a message.
	CognitoPolicy = CallPolicy{Attempts: 3, BaseDelay: 100 * time.Millisecond, MaxBackoff: time.Second, Deadline: 5 * time.Second}
	SNSPolicy     = CognitoPolicy
)

// Retryer returns the SDK's standard retryer with p's attempts and backoff.
func (p CallPolicy) Retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = p.Attempts
		o.BaseDelay = p.BaseDelay
		o.MaxBackoff = p.MaxBackoff
	})
}

// Middleware returns the SDK middleware of p: the deadline on each call,
// and the failure of a call that retrying would fix turned into the
// protocol's unavailable (chat.Unavailable, wrapping the SDK's error).
func (p CallPolicy) Middleware() []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("ConfideCallPolicy",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				ctx, cancel := context.WithTimeout(ctx, p.Deadline)
				defer cancel()
				out, md, err := next.HandleInitialize(ctx, in)
				if err != nil && Transient(err) {
					err = chat.Unavailable(err)
				}
				return out, md, err
			}), middleware.Before)
	}}
}

// transientChecks are the SDK's own tests of a retryable failure:
// throttling codes, 5xx statuses, refused or reset connections, timeouts.
var transientChecks = retry.IsErrorRetryables(append(append([]retry.IsErrorRetryable{}, retry.DefaultRetryables...),
	retry.RetryableErrorCode{Codes: retry.DefaultThrottleErrorCodes}))

// Transient reports whether err is a failure of an AWS call that trying
// again later would fix: what the SDK retries (and gave up retrying), a
// call out of time, the retry quota spent, or a transaction that only lost
// races with others.
func Transient(err error) bool {
	var (
		maxAttempts *retry.MaxAttemptsError
		quota       ratelimit.QuotaExceededError
		canceled    *types.TransactionCanceledException
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &maxAttempts), errors.As(err, &quota):
		return true
	case errors.As(err, &canceled):
		return ddb.OnlyConflicts(canceled.CancellationReasons)
	}
	return transientChecks.IsErrorRetryable(err) == aws.TrueTernary
}
