package loadtest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ProcessMemory is a process's resident memory as Linux reports it in
// /proc/<pid>/status.
type ProcessMemory struct {
	PID  int    `json:"pid"`
	Name string `json:"name"`
	// PeakKB is VmHWM, the peak resident set; RSSKB is VmRSS, now.
	PeakKB int `json:"peakKB"`
	RSSKB  int `json:"rssKB"`
}

// ReadMemory reads the memory of process pid.
func ReadMemory(pid int) (ProcessMemory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ProcessMemory{}, fmt.Errorf("memory of process %d: %w", pid, err)
	}
	defer f.Close()
	return parseStatus(pid, bufio.NewScanner(f))
}

func parseStatus(pid int, sc *bufio.Scanner) (ProcessMemory, error) {
	m := ProcessMemory{PID: pid}
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch key {
		case "Name":
			m.Name = value
		case "VmHWM", "VmRSS":
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(value, "kB")))
			if err != nil {
				return m, fmt.Errorf("memory of process %d: %s %q: %w", pid, key, value, err)
			}
			if key == "VmHWM" {
				m.PeakKB = kb
			} else {
				m.RSSKB = kb
			}
		}
	}
	return m, sc.Err()
}

// Children returns the pids of pid's child processes.
func Children(pid int) []int {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var out []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, field := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(field); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}
