package devstack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/confidechat/confide/internal/dev/faults"
	"github.com/confidechat/confide/internal/routes"
)

// defaultFunctionTimeout is Lambda's default timeout, for a function missing
// from routes.Functions.
const defaultFunctionTimeout = 3 * time.Second

// FunctionARN returns the ARN the local stack gives function fn, as seen in
// lambdacontext.LambdaContext.InvokedFunctionArn.
func FunctionARN(fn routes.Function) string {
	return "arn:aws:lambda:local:" + accountID + ":function:confide-" + string(fn)
}

// function holds the execution environments of one Lambda function. Like
// an environment on AWS, each runs one invocation at a time; this also keeps
// a lambda.Handler from reusing the buffer of a response that is still being
// read (its Invoke returns pooled storage, aws/aws-lambda-go#639).
type function struct {
	// newHandler builds another environment; nil when one handler serves
	// every invocation and they take turns on it.
	newHandler func() lambda.Handler

	mu   sync.Mutex
	idle []lambda.Handler
	only lambda.Handler
	// turn serialises invocations of only.
	turn sync.Mutex
}

// newFunctions builds the execution environments of cfg's functions.
func newFunctions(cfg GatewayConfig) map[routes.Function]*function {
	out := map[routes.Function]*function{}
	for name, h := range cfg.Handlers {
		if h != nil {
			out[name] = &function{only: h}
		}
	}
	for name, fn := range cfg.Functions {
		if fn != nil {
			out[name] = &function{newHandler: func() lambda.Handler { return lambda.NewHandler(fn) }}
		}
	}
	return out
}

// acquire returns an environment for one invocation, to be released.
func (f *function) acquire() lambda.Handler {
	if f.newHandler == nil {
		f.turn.Lock()
		return f.only
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.idle); n > 0 {
		h := f.idle[n-1]
		f.idle = f.idle[:n-1]
		return h
	}
	return f.newHandler()
}

func (f *function) release(h lambda.Handler) {
	if f.newHandler == nil {
		f.turn.Unlock()
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.idle = append(f.idle, h)
}

// invoke calls fn's handler with event as JSON, as the Lambda service does:
// the context carries a LambdaContext and the function's timeout as its
// deadline. It returns the handler's JSON response. A handler that errors,
// panics or overruns its deadline is an error.
func (g *Gateway) invoke(ctx context.Context, fn routes.Function, event any) ([]byte, error) {
	f, ok := g.functions[fn]
	if !ok {
		return nil, fmt.Errorf("invoke %s: no handler", fn)
	}
	payload, err := json.Marshal(event)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: marshal event: %w", fn, err)
	}
	timeout := defaultFunctionTimeout
	if spec, ok := routes.Spec(fn); ok && spec.Timeout > 0 {
		timeout = spec.Timeout
	}
	requestID := newUUID()
	var inject faults.Invocation
	if g.cfg.Faults != nil {
		inject = g.cfg.Faults.Invoke(string(fn))
	}

	h := f.acquire()
	defer f.release(h)
	if inject.ColdStart > 0 {
		// A slow start of a new environment: before the deadline, as
		// Lambda's init phase is.
		coldStart(ctx, inject.ColdStart)
	}
	// The deadline starts once an environment is free, as Lambda's does.
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: FunctionARN(fn),
	})
	start := time.Now()
	var resp []byte
	switch {
	case inject.Panic:
		resp, err = call(ctx, injectedPanic{}, payload)
	case inject.Timeout:
		// The invocation hangs: Lambda stops it at its deadline.
		<-ctx.Done()
	default:
		resp, err = call(ctx, h, payload)
	}
	// Copied before the environment takes another invocation.
	resp = bytes.Clone(resp)
	g.log.Debug("invoke", "function", fn, "request", requestID, "duration", time.Since(start), "error", err != nil)
	if err != nil {
		return nil, &FunctionError{Function: fn, RequestID: requestID, Err: err}
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("invoke %s request %s: task timed out after %s", fn, requestID, timeout)
	}
	return resp, nil
}

// FunctionError is an invocation that failed in the handler: what it
// returned or its panic. Err.Error() is the errorMessage Lambda reports.
type FunctionError struct {
	Function  routes.Function
	RequestID string
	Err       error
}

// Error says which invocation failed and why.
func (e *FunctionError) Error() string {
	return fmt.Sprintf("invoke %s request %s: %v", e.Function, e.RequestID, e.Err)
}

// Unwrap returns the handler's error.
func (e *FunctionError) Unwrap() error { return e.Err }

// call runs h, turning a panic into an error as the Lambda runtime does.
func call(ctx context.Context, h lambda.Handler, payload []byte) (resp []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h.Invoke(ctx, payload)
}

// injectedPanic is a handler that panics: the fault of an invocation that
// panics (internal/dev/faults).
type injectedPanic struct{}

func (injectedPanic) Invoke(context.Context, []byte) ([]byte, error) {
	panic("injected fault: the invocation panicked")
}

// coldStart holds an invocation for d, or until ctx ends.
func coldStart(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// newUUID returns a random version 4 UUID, the shape of Lambda request ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
