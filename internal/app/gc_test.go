package app

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneGCSetsTheCollectorUnlessTheEnvironmentDoes(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		wantGOGC  int
		wantLimit int64
	}{
		{"FunctionOf256MB", map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"}, gcPercent, 192 << 20},
		{"FunctionOf128MB", map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"}, gcPercent, 96 << 20},
		{"OutsideLambdaNoLimit", nil, gcPercent, math.MaxInt64},
		{"GOGCOfTheEnvironmentWins", map[string]string{"GOGC": "100", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"}, 100, 192 << 20},
		{"GOMEMLIMITOfTheEnvironmentWins", map[string]string{"GOMEMLIMIT": "64MiB", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"}, gcPercent, math.MaxInt64},
	}
	prevGOGC, prevLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(prevGOGC)
		debug.SetMemoryLimit(prevLimit)
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The runtime as a process starts: Go's defaults.
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			tuneGC(func(k string) string { return tt.env[k] })
			if got := debug.SetGCPercent(100); got != tt.wantGOGC {
				t.Errorf("GOGC = %d, want %d", got, tt.wantGOGC)
			}
			if got := debug.SetMemoryLimit(-1); got != tt.wantLimit {
				t.Errorf("memory limit = %d, want %d", got, tt.wantLimit)
			}
		})
	}
}
