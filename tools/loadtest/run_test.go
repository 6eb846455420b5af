package loadtest

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestRunAgainstTheLocalStack is a short run of the real thing: 20
// connections on the local stack for 5 s, every message accounted for.
func TestRunAgainstTheLocalStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var logs bytes.Buffer
	stack, err := StartLocal(ctx, "../..", slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("start the local stack: %v", err)
	}
	t.Cleanup(func() { stack.Close() })

	cfg := Config{
		Conversations: 10, Counsellors: 2, Feeds: 2, StaffConversationConnections: 8, Supervisors: 1,
		Rate: 4, Duration: 5 * time.Second, Drain: 20 * time.Second, Progress: time.Second,
	}
	var progress bytes.Buffer
	res, err := Run(ctx, cfg, stack.Target(), &progress)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}

	if got, want := res.Connect.Opened, 21; got != want {
		t.Errorf("connections opened = %d, want %d (errors %v)", got, want, res.Errors)
	}
	a := res.Accounting
	if a.Sent != 20 || a.Acknowledged != a.Sent || a.Stored != a.Sent {
		t.Errorf("sent %d, acknowledged %d, stored %d; want 20 of each (errors %v)", a.Sent, a.Acknowledged, a.Stored, res.Errors)
	}
	if a.Lost != 0 || a.Duplicated != 0 || a.Unanswered != 0 {
		t.Errorf("lost %d, duplicated %d, unanswered %d; want none: %+v", a.Lost, a.Duplicated, a.Unanswered, a)
	}
	// Every message reaches its counsellor's feed and the supervisor's (need
	// to know: not the other counsellor's) and, from a client, the
	// counsellor's connection on its conversation, or, from a counsellor,
	// the client and the counsellor's connection when it wrote on its feed.
	if a.Deliveries < 2*a.Sent || a.Delivered != a.Deliveries {
		t.Errorf("deliveries %d of %d, want all of at least %d", a.Delivered, a.Deliveries, 2*a.Sent)
	}
	if d, ex := res.Latency.Delivery, res.Latency.DeliveryExDynamoDB; d.Count == 0 || ex.Count != d.Count || ex.P50 > d.P50 {
		t.Errorf("delivery %+v, without DynamoDB %+v; want both measured, the second no slower", d, ex)
	}
	var send *RouteReport
	for i, r := range res.Stack {
		if r.Route == "message sendMessage" {
			send = &res.Stack[i]
		}
	}
	if send == nil || send.Invocations != 20 || send.CallsPerInvocation["PostToConnection"] < 3 {
		t.Errorf("stack's sendMessage route = %+v, want 20 invocations, each posting to 3 connections or more", send)
	}
	if len(res.Memory.Stack) == 0 || res.Memory.LoadGenerator.PeakKB == 0 {
		t.Errorf("memory = %+v, want this process's and cognito-local's", res.Memory)
	}
	if !strings.Contains(progress.String(), "t=  1s sent") {
		t.Errorf("progress = %q, want a line a second", progress.String())
	}
	if strings.Contains(logs.String(), strings.Repeat("x", cfg.withDefaults().BodyBytes)) {
		t.Error("the stack logged a message body")
	}
}

// TestRunStepsOnTheSameConnections: a capacity run's steps load the same
// connections one after the other, each accounted for on its own: every
// message of each step is new (a clientMessageId sent again in a later
// step would be taken for a retry and never delivered), the second step
// finds the first's messages stored beside its own, and each step says
// what CPU each process spent.
func TestRunStepsOnTheSameConnections(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stack, err := StartLocal(ctx, "../..", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start the local stack: %v", err)
	}
	t.Cleanup(func() { stack.Close() })
	cfg := Config{
		Conversations: 1, Counsellors: 1, Feeds: 1, StaffConversationConnections: 1,
		Duration: 3 * time.Second, Drain: 20 * time.Second, Progress: time.Second,
	}
	steps, err := RunSteps(ctx, cfg, stack.Target(), []float64{2, 3}, nil, nil)
	if err != nil {
		t.Fatalf("RunSteps: %v", err)
	}
	if len(steps) != 2 {
		t.Fatalf("%d steps, want 2", len(steps))
	}
	for i, want := range []int{6, 9} {
		a := steps[i].Accounting
		if a.Sent != want || a.Acknowledged != want || a.Stored != want || a.Lost != 0 || a.Duplicated != 0 || a.Delivered != a.Deliveries {
			t.Errorf("step %d: %+v; want %d sent, acknowledged, stored and delivered, none lost or duplicated", i+1, a, want)
		}
		if len(steps[i].Load.CPU) == 0 || steps[i].Config.Rate != float64(want)/3 {
			t.Errorf("step %d: rate %g, CPU %+v; want rate %g and the CPU of each process", i+1, steps[i].Config.Rate, steps[i].Load.CPU, float64(want)/3)
		}
	}
	if got := steps[1].Accounting.ForeignStored; got != 6 {
		t.Errorf("the second step found %d earlier messages stored, want the first step's 6", got)
	}
}
