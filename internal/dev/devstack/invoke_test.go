package devstack

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/confidechat/confide/internal/routes"
)

func TestInvocationContextIsLambdas(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{})
	start := time.Now()
	s.do(t, "GET", "/me", nil, nil)
	s.do(t, "GET", "/me", nil, nil)
	calls := s.rec.invocations(routes.API)
	if len(calls) != 2 {
		t.Fatalf("%d invocations, want 2", len(calls))
	}
	spec, _ := routes.Spec(routes.API)
	for i, c := range calls {
		if c.lc == nil {
			t.Fatalf("invocation %d has no LambdaContext", i)
		}
		if want := "arn:aws:lambda:local:000000000000:function:confide-api"; c.lc.InvokedFunctionArn != want {
			t.Errorf("InvokedFunctionArn = %q, want %q", c.lc.InvokedFunctionArn, want)
		}
		if len(c.lc.AwsRequestID) != 36 {
			t.Errorf("AwsRequestID = %q, want a UUID", c.lc.AwsRequestID)
		}
		if c.deadline.Before(start.Add(spec.Timeout)) || c.deadline.After(time.Now().Add(spec.Timeout)) {
			t.Errorf("deadline %v, want the function's %v timeout from the call", c.deadline, spec.Timeout)
		}
	}
	if calls[0].lc.AwsRequestID == calls[1].lc.AwsRequestID {
		t.Error("two invocations share an AwsRequestID")
	}
}

func TestInvokeFailures(t *testing.T) {
	tests := []struct {
		name    string
		handler lambda.Handler
		want    string
	}{
		{"MissingHandler", nil, "no handler"},
		{"HandlerError", lambda.NewHandler(func(context.Context) error { return errFunction }), "function failed"},
		{"HandlerPanic", lambda.NewHandler(func(context.Context) error { panic("boom") }), "panicked"},
		{"DeadlineOverrun", lambda.NewHandler(func(ctx context.Context) error { <-ctx.Done(); return nil }), "timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handlers := map[routes.Function]lambda.Handler{}
			if tt.handler != nil {
				handlers[routes.API] = tt.handler
			}
			g := NewGateway(GatewayConfig{Handlers: handlers, Logger: slog.New(slog.DiscardHandler)})
			// A canceled parent stands in for the function's timeout running out.
			ctx, cancel := context.WithCancel(context.Background())
			if tt.name == "DeadlineOverrun" {
				cancel()
			}
			defer cancel()
			_, err := g.invoke(ctx, routes.API, struct{}{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("invoke error = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestConcurrentInvocationsKeepTheirOwnResponses(t *testing.T) {
	double := func(_ context.Context, in map[string]int) (map[string]int, error) {
		return map[string]int{"n": in["n"] * 2}, nil
	}
	tests := []struct {
		name string
		cfg  GatewayConfig
	}{
		{"HandlersTakeTurns", GatewayConfig{Handlers: map[routes.Function]lambda.Handler{routes.API: lambda.NewHandler(double)}}},
		{"FunctionsGetAnEnvironmentEach", GatewayConfig{Functions: map[routes.Function]any{routes.API: double}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Logger = slog.New(slog.DiscardHandler)
			g := NewGateway(tt.cfg)
			var wg sync.WaitGroup
			for n := range 50 {
				wg.Go(func() {
					raw, err := g.invoke(context.Background(), routes.API, map[string]int{"n": n})
					var out map[string]int
					if err == nil {
						err = json.Unmarshal(raw, &out)
					}
					if err != nil || out["n"] != 2*n {
						t.Errorf("invoke n=%d = %v, %v; want n=%d", n, out, err, 2*n)
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestFunctionsRunInParallel(t *testing.T) {
	const n = 8
	var mu sync.Mutex
	entered := 0
	all := make(chan struct{})
	// Every invocation waits until all n are running at once.
	barrier := func(ctx context.Context) error {
		mu.Lock()
		if entered++; entered == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	g := NewGateway(GatewayConfig{Logger: slog.New(slog.DiscardHandler), Functions: map[routes.Function]any{routes.API: barrier}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := g.invoke(ctx, routes.API, struct{}{}); err != nil {
				t.Errorf("invoke: %v, want all %d invocations running together", err, n)
			}
		})
	}
	wg.Wait()
}
