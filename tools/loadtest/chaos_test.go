package loadtest

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/dev/faults"
)

// TestChaosAgainstTheLocalStack is the short chaos run of make test: tens
// of connections for a few seconds with every kind of fault, a 2 s
// DynamoDB outage and dropped connections; every message must end stored
// once. No wall-clock budget: the run waits for the outcome.
func TestChaosAgainstTheLocalStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var logs bytes.Buffer
	stack, err := StartLocal(ctx, "../..", slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		t.Fatalf("start the local stack: %v", err)
	}
	t.Cleanup(func() { stack.Close() })

	ms := func(n int) faults.Duration { return faults.Duration(time.Duration(n) * time.Millisecond) }
	cfg := ChaosConfig{
		Conversations: 20, Counsellors: 4, FeedsPerCounsellor: 2,
		Rate: 20, Duration: 4 * time.Second, BodyBytes: 20,
		Faults: faults.Plan{
			DynamoDB: faults.DynamoDBFaults{
				Throttle: faults.Fault{Rate: 0.05}, Throughput: faults.Fault{Rate: 0.05}, Error500: faults.Fault{Rate: 0.03},
				Conflict: faults.Fault{Rate: 0.1}, Latency: faults.Latency{Fixed: ms(1), TailRate: 0.02, Tail: ms(200)},
			},
			Management: faults.ManagementFaults{Error500: faults.Fault{Rate: 0.05}, Throttle: faults.Fault{Rate: 0.05}, Latency: faults.Latency{TailRate: 0.02, Tail: ms(100)}},
			JWKS:       faults.JWKSFaults{Latency: faults.Latency{Fixed: ms(50)}},
			Functions: map[string]faults.FunctionFaults{"message": {
				Panic: faults.Fault{Next: 2}, Timeout: faults.Fault{Rate: 0.01}, ColdStart: faults.Fault{Rate: 0.05}, ColdStartDelay: ms(300),
			}},
			Outages: []faults.Outage{{Service: faults.DynamoDB, After: faults.Duration(time.Second), For: faults.Duration(2 * time.Second)}},
		},
		Drops:      3,
		RetryFirst: 300 * time.Millisecond, RetryMax: 2 * time.Second,
		Drain:            2 * time.Minute,
		SetupConcurrency: 8, ConnectConcurrency: 8, Progress: time.Second,
	}
	var progress bytes.Buffer
	res, err := RunChaos(ctx, cfg, stack.Endpoints, &progress)
	if err != nil {
		t.Fatalf("RunChaos: %v\n%s", err, progress.String())
	}
	if !res.Passed() {
		t.Errorf("sent %d, stored %d, lost %d, duplicated %d, unresolved %d, refused %d; want every message stored once (client errors %v)",
			res.Sent, res.Stored, res.Lost, res.Duplicated, res.Unresolved, res.Refused, res.ClientErrors)
	}
	if res.Sent != 80 {
		t.Errorf("sent %d, want 80", res.Sent)
	}
	// The faults happened and the clients rode them out.
	for _, kind := range []string{"dynamodb.outage", "functions.message.panic"} {
		if res.Injected[kind] == 0 {
			t.Errorf("no %s injected: %v", kind, res.Injected)
		}
	}
	if res.Unanswered == 0 || res.ResolvedByRetry != res.Unanswered {
		t.Errorf("unanswered %d, resolved by retry %d: want some, all resolved", res.Unanswered, res.ResolvedByRetry)
	}
	if res.ClientErrors["frame:unavailable"] == 0 || res.ClientErrors["frame:gateway_internal_error"] == 0 {
		t.Errorf("client errors %v: want unavailable frames (the outage) and API Gateway's error frames (the panics)", res.ClientErrors)
	}
	t.Logf("sent %d, attempts %d, unanswered %d, reconnects %d, client errors %v, injected %v", res.Sent, res.Attempts, res.Unanswered, res.Reconnects, res.ClientErrors, res.Injected)
	if res.Reconnects < cfg.Drops {
		t.Errorf("%d reconnects, want at least the %d dropped connections", res.Reconnects, cfg.Drops)
	}
	if len(res.Outages) != 1 || res.Outages[0].BacklogClearedSeconds <= 0 {
		t.Errorf("outages %+v, want the recovery after the one outage", res.Outages)
	}
}
