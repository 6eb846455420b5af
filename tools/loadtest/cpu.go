package loadtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is Linux's USER_HZ, the unit of the CPU times in
// /proc/<pid>/stat: 100 on every architecture Linux runs Go on.
const clockTicks = 100

// ProcessCPU is the processor time one process spent during a run's load
// phase (sending and draining), and per message acknowledged.
type ProcessCPU struct {
	PID  int    `json:"pid"`
	Name string `json:"name"`
	// Seconds is user and system time together.
	Seconds float64 `json:"seconds"`
	// MsPerMessage is Seconds over the messages acknowledged, in ms.
	MsPerMessage float64 `json:"msPerMessage"`
}

// ReadCPU returns the user and system time process pid has used so far,
// and its name.
func ReadCPU(pid int) (time.Duration, string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", fmt.Errorf("cpu of process %d: %w", pid, err)
	}
	return parseStat(pid, string(b))
}

// parseStat reads utime and stime (fields 14 and 15) of a /proc/<pid>/stat
// line. The name, field 2, is in parentheses and may hold spaces, so the
// fields are counted from its closing parenthesis.
func parseStat(pid int, line string) (time.Duration, string, error) {
	open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return 0, "", fmt.Errorf("cpu of process %d: no name in %q", pid, line)
	}
	name := line[open+1 : end]
	fields := strings.Fields(line[end+1:])
	// fields[0] is field 3 (state): utime is field 14, stime field 15.
	if len(fields) < 13 {
		return 0, name, fmt.Errorf("cpu of process %d: %d fields after the name", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, name, fmt.Errorf("cpu of process %d: %q: %w", pid, f, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, name, nil
}

// cpuSample is the CPU time of a set of processes at one moment.
type cpuSample map[int]time.Duration

// sampleCPU reads the CPU time of each of pids (those it cannot read are
// left out).
func sampleCPU(pids []int) cpuSample {
	s := cpuSample{}
	for _, pid := range pids {
		if t, _, err := ReadCPU(pid); err == nil {
			s[pid] = t
		}
	}
	return s
}

// cpuBetween is what each process present in both samples spent between
// them, per message acknowledged (none when messages is 0).
func cpuBetween(before, after cpuSample, messages int) []ProcessCPU {
	var out []ProcessCPU
	for pid, end := range after {
		start, ok := before[pid]
		if !ok {
			continue
		}
		_, name, _ := ReadCPU(pid)
		p := ProcessCPU{PID: pid, Name: name, Seconds: (end - start).Seconds()}
		if messages > 0 {
			p.MsPerMessage = p.Seconds * 1000 / float64(messages)
		}
		out = append(out, p)
	}
	return out
}
