// Package testkit is what Confide's tests share: waiting for behaviour
// without sleeping for it, and a clock they move instead of waiting. It is
// test support; no product code imports it.
package testkit

import (
	"testing"
	"time"
)

// PollEvery is how often WaitUntil asks again.
const PollEvery = 20 * time.Millisecond

// WaitUntil asks cond every PollEvery until it holds, and fails the test
// when it still does not after within. what says what was awaited.
func WaitUntil(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	if !Within(within, cond) {
		t.Fatalf("timed out after %s waiting for %s", within, what)
	}
}

// Within asks cond every PollEvery until it holds (true) or within has
// passed (false); for callers that report the failure themselves.
func Within(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	tick := time.NewTicker(PollEvery)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}
