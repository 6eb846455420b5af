package loadtest

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	status := "Name:\tdevstack\nUmask:\t0022\nVmPeak:\t 1300000 kB\nVmHWM:\t  432100 kB\nVmRSS:\t  401000 kB\nThreads:\t12\n"
	got, err := parseStatus(42, bufio.NewScanner(strings.NewReader(status)))
	want := ProcessMemory{PID: 42, Name: "devstack", PeakKB: 432100, RSSKB: 401000}
	if err != nil || got != want {
		t.Errorf("parseStatus = %+v, %v; want %+v", got, err, want)
	}
}

func TestReadMemoryOfThisProcess(t *testing.T) {
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.PeakKB <= 0 || m.RSSKB <= 0 || m.PeakKB < m.RSSKB {
		t.Errorf("ReadMemory(self) = %+v, want a peak at least the current resident size", m)
	}
}
