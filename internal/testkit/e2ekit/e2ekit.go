// Package e2ekit is what Confide's end-to-end suites share, the black-box
// suite (e2e/) and the browser tests (e2e/browser/): people with accounts
// signed in to a deployment, contexts with deadlines, waiting for behaviour
// over the network, and the local stack's controls. It is test support; no
// product code imports it.
package e2ekit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/testkit"
)

// Patience is how long the suites wait for behaviour that must happen: a
// frame, an answer, a close. It is a guard against waiting forever, not a
// performance target: long enough that only something that never happens
// fails, on a busy machine under -race. Figures of speed are measured by
// benchmarks and tools (docs/performance.md), never by a test's deadline.
const Patience = 30 * time.Second

// Context returns a context that ends after d or when the test ends,
// whichever comes first.
func Context(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// UniqueName returns prefix followed by 12 random hex digits: names of
// users, messages and ids that no other test, run or deployment shares.
func UniqueName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Eventually calls try every testkit.PollEvery, with a context that ends
// after within, until try reports done. It fails the test at once when try
// returns an error, and when within passes first; what says what was
// awaited. For conditions that ask the deployment over the network; a
// condition on memory alone is testkit.WaitUntil's.
func Eventually(t testing.TB, what string, within time.Duration, try func(ctx context.Context) (done bool, err error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var failed error
	ok := testkit.Within(within, func() bool {
		done, err := try(ctx)
		if err != nil && ctx.Err() == nil {
			failed = err
			return true
		}
		return done
	})
	switch {
	case failed != nil:
		t.Fatalf("waiting for %s: %v", what, failed)
	case !ok:
		t.Fatalf("timed out after %s waiting for %s", within, what)
	}
}
