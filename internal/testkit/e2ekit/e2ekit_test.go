package e2ekit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fatalRecorder is a testing.TB whose Fatalf records the failure and ends
// the goroutine, as the real one does, so a helper's failure can be tested.
type fatalRecorder struct {
	testing.TB
	failure string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *fatalRecorder) Fatal(args ...any) {
	r.failure = fmt.Sprint(args...)
	runtime.Goexit()
}

// failureOf runs f with a fatalRecorder around t and returns the failure
// it reported, "" when none.
func failureOf(t *testing.T, f func(tb testing.TB)) string {
	t.Helper()
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.failure
}

func TestContext(t *testing.T) {
	tests := []struct {
		name     string
		d        time.Duration
		wantDone bool // before the test ends
	}{
		{"ShortDeadlinePasses", time.Millisecond, true},
		{"LongDeadlineHoldsUntilTheTestEnds", time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ctx context.Context
			t.Run("inner", func(t *testing.T) {
				ctx = Context(t, tt.d)
				if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) > tt.d {
					t.Errorf("deadline %v (%v), want within %s", deadline, ok, tt.d)
				}
				if tt.wantDone {
					<-ctx.Done()
				} else if ctx.Err() != nil {
					t.Errorf("context ended early: %v", ctx.Err())
				}
			})
			if ctx.Err() == nil {
				t.Errorf("context still open after its test ended")
			}
		})
	}
}

func TestUniqueName(t *testing.T) {
	seen := map[string]bool{}
	for _, prefix := range []string{"", "client-", "staff-", "client-"} {
		got := UniqueName(prefix)
		if !strings.HasPrefix(got, prefix) || len(got) != len(prefix)+12 {
			t.Errorf("UniqueName(%q) = %q, want the prefix and 12 hex digits", prefix, got)
		}
		if seen[got] {
			t.Errorf("UniqueName(%q) = %q twice", prefix, got)
		}
		seen[got] = true
	}
}

func TestEventually(t *testing.T) {
	refused := errors.New("connection refused")
	tests := []struct {
		name string
		// try answers its n-th call (from 1).
		try         func(n int) (bool, error)
		within      time.Duration
		wantFailure string
	}{
		{"DoneAtOnce", func(int) (bool, error) { return true, nil }, time.Minute, ""},
		{"DoneOnTheThirdTry", func(n int) (bool, error) { return n == 3, nil }, time.Minute, ""},
		{"AnErrorFailsAtOnce", func(n int) (bool, error) { return false, refused }, time.Minute, "waiting for the answer: connection refused"},
		{"NeverDoneTimesOut", func(int) (bool, error) { return false, nil }, 50 * time.Millisecond, "timed out after 50ms waiting for the answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			got := failureOf(t, func(tb testing.TB) {
				Eventually(tb, "the answer", tt.within, func(ctx context.Context) (bool, error) {
					calls++
					if _, ok := ctx.Deadline(); !ok {
						t.Error("try got a context without a deadline")
					}
					return tt.try(calls)
				})
			})
			if got != tt.wantFailure {
				t.Errorf("failure %q, want %q", got, tt.wantFailure)
			}
		})
	}
}
