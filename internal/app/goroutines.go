package app

import (
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/panjf2000/ants/v2"
)

// workerIdle is how long a pooled goroutine waits for work before it ends.
// A function gets a message every few seconds when it is busy at all, so a
// minute keeps the pool warm between them.
const workerIdle = time.Minute

// workers is the process's pool of goroutines for the reads made side by
// side and the posts of a fan-out. An AWS SDK call runs deep in its
// middleware stack: a new goroutine grew its stack to fit one (copying
// the frames each time it doubled) on every call, about a tenth of a
// sendMessage's CPU (BenchmarkSendMessageInvocation's profile). Pooled
// goroutines grow theirs once. The pool has no size: the fan-out and the
// reads bound their own concurrency.
var workers = sync.OnceValue(func() *ants.Pool {
	p, err := ants.NewPool(-1, ants.WithExpiryDuration(workerIdle), ants.WithPanicHandler(rethrow))
	if err != nil {
		panic(fmt.Sprintf("goroutine pool: %v", err)) // only for invalid options
	}
	return p
})

// rethrow ends the process on a pooled goroutine's panic, with its stack,
// as the panic of a goroutine of its own would: ants would log and
// recover it, leaving the call that waits for it with half its answer.
func rethrow(p any) {
	panic(fmt.Sprintf("%v\n\ngoroutine stack:\n%s", p, debug.Stack()))
}

// runPooled runs fn on a pooled goroutine, or on a new one if the pool
// refuses it.
func runPooled(fn func()) {
	if err := workers().Submit(fn); err != nil {
		go fn()
	}
}
