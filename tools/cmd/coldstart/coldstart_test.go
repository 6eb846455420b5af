package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// buildBootstrap builds the main package pkg as a bootstrap for this machine.
func buildBootstrap(t *testing.T, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, b)
	}
	return out
}

func TestOwnRuntimeAPITimesAColdStartAndSeesCallsDuringInit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ws, err := startWitnesses(ctx, "bench")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ws.close)
	m := &measurer{env: environment(ws, "bench"), ws: ws, warm: 3, limit: 30 * time.Second}
	tests := []struct {
		name      string
		pkg       string
		wantCalls bool
	}{
		{"QuietInitOpensNoConnection", "./hello", false},
		{"ACallDuringInitIsSeen", "./testdata/callsout", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := m.own(ctx, "hello", buildBootstrap(t, tt.pkg))
			if err != nil {
				t.Fatal(err)
			}
			if s.Init <= 0 || s.FirstResponse < s.Init || s.Failed {
				t.Errorf("init %v, first response %v, failed %v; want a successful answer after init", s.Init, s.FirstResponse, s.Failed)
			}
			if len(s.Warm) != 3 || s.PeakKB <= 0 {
				t.Errorf("warm %v, peak %d KB; want 3 warm invocations and the peak memory", s.Warm, s.PeakKB)
			}
			if got := s.CallsDuringInit > 0; got != tt.wantCalls {
				t.Errorf("calls during init = %d, want some: %v", s.CallsDuringInit, tt.wantCalls)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		name   string
		peakMB int
		est128 float64
		want   int
	}{
		{"SmallAndQuickFitsTheSmallest", 20, 90, 128},
		{"OverHalfOfTheSmallestTakesTheNext", 70, 90, 256},
		{"SlowAtTheSmallestTakesTheNext", 20, 400, 256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := FunctionResult{PeakKB: tt.peakMB * 1024, EstimatedInitMs: map[int]float64{128: tt.est128, 256: tt.est128 / 2}}
			if got := suggest(f); got != tt.want {
				t.Errorf("suggest(peak %d MB, %g ms at 128 MB) = %d, want %d", tt.peakMB, tt.est128, got, tt.want)
			}
		})
	}
}
