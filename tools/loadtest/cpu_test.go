package loadtest

import (
	"os"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/testkit"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		wantCPU  time.Duration
		wantName string
		wantErr  bool
	}{
		{"Plain", "4242 (dynoxide) S 1 4242 4242 0 -1 4194560 1185 0 0 0 250 37 0 0 20 0 4 0 100 0 0", 2870 * time.Millisecond, "dynoxide", false},
		{"NameWithSpacesAndParentheses", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 100 100 0 0", 2 * time.Second, "a (b) c", false},
		{"NoName", "7 dynoxide R 1", 0, "", true},
		{"TooShort", "7 (x) R 1 2", 0, "x", true},
		{"NotANumber", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 ten 100 0 0", 0, "x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, name, err := parseStat(7, tt.line)
			if (err != nil) != tt.wantErr || (!tt.wantErr && (got != tt.wantCPU || name != tt.wantName)) {
				t.Errorf("parseStat() = %v, %q, %v; want %v, %q, error %v", got, name, err, tt.wantCPU, tt.wantName, tt.wantErr)
			}
		})
	}
}

// TestReadCPUOfThisProcess: a process that burns CPU sees its own time
// grow, and the split per message divides it.
func TestReadCPUOfThisProcess(t *testing.T) {
	pid := os.Getpid()
	before := sampleCPU([]int{pid})
	var after cpuSample
	testkit.WaitUntil(t, "this process's CPU time to grow", 30*time.Second, func() bool {
		for n, end := 0, time.Now().Add(10*time.Millisecond); time.Now().Before(end); n++ {
			_ = n * n
		}
		after = sampleCPU([]int{pid})
		return after[pid] > before[pid]
	})
	got := cpuBetween(before, after, 10)
	if len(got) != 1 || got[0].PID != pid || got[0].Seconds <= 0 || got[0].MsPerMessage != got[0].Seconds*100 {
		t.Errorf("cpuBetween() = %+v, want this process with some CPU, a tenth of it per message", got)
	}
}
