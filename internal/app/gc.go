package app

import (
	"runtime/debug"
	"strconv"
)

// gcPercent is the GOGC a function runs with. A function's live heap is a
// few megabytes, so with Go's default of 100 the collector runs after every
// few invocations' worth of allocation; at 400 it runs a quarter as often
// (measured with BenchmarkSendMessageInvocation: a third less CPU per
// sendMessage).
const gcPercent = 400

// tuneGC sets the collector for a Lambda function: GOGC gcPercent, and a
// soft memory limit of three quarters of the function's memory
// (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, in MB), so that a heap that does grow
// is collected well before Lambda's hard limit. A GOGC or GOMEMLIMIT set in
// the environment wins.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	if mb, err := strconv.Atoi(getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")); err == nil && mb > 0 {
		debug.SetMemoryLimit(int64(mb) << 20 / 4 * 3)
	}
}
