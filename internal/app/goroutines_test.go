package app

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// panicInPoolEnv makes this test binary panic on a pooled goroutine
// instead of running tests (TestAPanicOnAPooledGoroutineEndsTheProcess).
const panicInPoolEnv = "CONFIDE_TEST_PANIC_IN_POOL"

func TestMain(m *testing.M) {
	if os.Getenv(panicInPoolEnv) != "" {
		runPooled(func() { panic("the store answered nonsense") })
		select {} // until the panic ends the process, or the test kills it
	}
	os.Exit(m.Run())
}

func TestPooledGoroutinesRunEveryFunction(t *testing.T) {
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ran = map[int]bool{}
	)
	for i := range 200 {
		wg.Add(1)
		runPooled(func() {
			defer wg.Done()
			mu.Lock()
			ran[i] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(ran) != 200 {
		t.Errorf("ran %d functions, want 200", len(ran))
	}
}

// TestAPanicOnAPooledGoroutineEndsTheProcess: as on a goroutine of its own,
// with the panic's value and where it happened, rather than being logged
// and recovered with the caller left waiting for half an answer.
func TestAPanicOnAPooledGoroutineEndsTheProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), panicInPoolEnv+"=1")
	out, err := cmd.CombinedOutput()
	// A Go panic exits with 2; a process the panic did not end is killed
	// when ctx ends.
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 {
		t.Fatalf("the process ended with %v, want a panic's exit code 2:\n%s", err, out)
	}
	for _, want := range []string{"the store answered nonsense", "goroutines_test.go"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("its output lacks %q:\n%s", want, out)
		}
	}
}
