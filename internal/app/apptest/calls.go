package apptest

import (
	"context"
	"sort"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Call is one AWS API call of the app under test, as an SDK middleware saw
// it: from the first attempt's start to the end of the last.
type Call struct {
	// Service is the SDK's service id, e.g. "DynamoDB" or
	// "ApiGatewayManagementApi".
	Service   string
	Operation string
	Start     time.Time
	End       time.Time
}

// Calls records the AWS calls of an app through an SDK middleware
// (CallRecorder), so tests can count them and see which waited on which.
type Calls struct {
	// latency is added to every call before it returns: a network round
	// trip the in-process services do not have, so that calls made side by
	// side overlap in time and calls made one after another do not.
	latency time.Duration

	mu    sync.Mutex
	calls []Call
}

// NewCalls returns a recorder that adds latency to every call it records.
func NewCalls(latency time.Duration) *Calls { return &Calls{latency: latency} }

// Middleware returns the SDK option that records every call of a client
// (for its APIOptions).
func (c *Calls) Middleware() func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("apptest.Calls",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				start := time.Now()
				out, md, err := next.HandleInitialize(ctx, in)
				if c.latency > 0 {
					t := time.NewTimer(c.latency)
					select {
					case <-ctx.Done():
					case <-t.C:
					}
					t.Stop()
				}
				c.mu.Lock()
				c.calls = append(c.calls, Call{
					Service:   awsmiddleware.GetServiceID(ctx),
					Operation: awsmiddleware.GetOperationName(ctx),
					Start:     start,
					End:       time.Now(),
				})
				c.mu.Unlock()
				return out, md, err
			}), middleware.Before)
	}
}

// Reset forgets every call recorded so far.
func (c *Calls) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = nil
}

// All returns the calls recorded so far, by start time.
func (c *Calls) All() []Call {
	c.mu.Lock()
	out := append([]Call(nil), c.calls...)
	c.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// Before returns the calls of service that started before the first call
// of operation op (every call of service when there is none).
func Before(calls []Call, service, op string) []Call {
	cut := time.Time{}
	for _, c := range calls {
		if c.Operation == op && (cut.IsZero() || c.Start.Before(cut)) {
			cut = c.Start
		}
	}
	var out []Call
	for _, c := range calls {
		if c.Service == service && (cut.IsZero() || c.Start.Before(cut)) {
			out = append(out, c)
		}
	}
	return out
}

// SequentialDepth is the number of round trips among calls that had to wait
// for one another: the longest chain of calls in which each started only
// after the one before it had ended. Calls made side by side count once.
func SequentialDepth(calls []Call) int {
	sorted := append([]Call(nil), calls...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start.Before(sorted[j].Start) })
	depth := make([]int, len(sorted))
	longest := 0
	for i, c := range sorted {
		depth[i] = 1
		for j := range i {
			if !sorted[j].End.After(c.Start) && depth[j]+1 > depth[i] {
				depth[i] = depth[j] + 1
			}
		}
		longest = max(longest, depth[i])
	}
	return longest
}
