package testkit_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/testkit"
)

func TestWithin(t *testing.T) {
	tests := []struct {
		name      string
		trueAfter int64 // calls before cond holds; -1: never
		// within is generous where cond holds, so that only a cond that
		// never holds makes Within give up, however slow the machine.
		within time.Duration
		want   bool
	}{
		{"AtOnce", 0, time.Minute, true},
		{"AfterAFewPolls", 3, time.Minute, true},
		{"Never", -1, 100 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			got := testkit.Within(tt.within, func() bool {
				n := calls.Add(1) - 1
				return tt.trueAfter >= 0 && n >= tt.trueAfter
			})
			if got != tt.want {
				t.Errorf("Within() = %v after %d calls, want %v", got, calls.Load(), tt.want)
			}
			if tt.want && calls.Load() != tt.trueAfter+1 {
				t.Errorf("cond asked %d times, want %d", calls.Load(), tt.trueAfter+1)
			}
		})
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the failure and ends
// the goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	failure string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestWaitUntil(t *testing.T) {
	tests := []struct {
		name        string
		holds       bool
		within      time.Duration
		wantFailure string
	}{
		{"HoldsPasses", true, time.Minute, ""},
		{"NeverHoldsFailsNamingWhatWasAwaited", false, 50 * time.Millisecond, "timed out after 50ms waiting for the answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fatalRecorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				testkit.WaitUntil(r, "the answer", tt.within, func() bool { return tt.holds })
			}()
			<-done
			if r.failure != tt.wantFailure {
				t.Errorf("failure %q, want %q", r.failure, tt.wantFailure)
			}
		})
	}
}
