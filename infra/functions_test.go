package main

import (
	"testing"

	"github.com/confidechat/confide/internal/routes"
)

// TestEveryFunctionHasAMemorySize: every function of the route table gets
// a Lambda memory size, one of the two docs/performance.md measured.
func TestEveryFunctionHasAMemorySize(t *testing.T) {
	for _, spec := range routes.Functions {
		t.Run(string(spec.Name), func(t *testing.T) {
			mb, ok := memoryMB[spec.Name]
			if !ok {
				t.Fatalf("%s has no memory size", spec.Name)
			}
			if mb != 128 && mb != 256 {
				t.Errorf("%s: %d MB, want 128 or 256", spec.Name, mb)
			}
		})
	}
	if len(memoryMB) != len(routes.Functions) {
		t.Errorf("memoryMB sizes %d functions, the route table has %d", len(memoryMB), len(routes.Functions))
	}
}
