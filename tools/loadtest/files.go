package loadtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// RaiseFileLimit lifts the soft limit on open files to at least want (up to
// the hard limit): every connection of a run is a socket at both ends.
func RaiseFileLimit(want uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("read the open-file limit: %w", err)
	}
	if lim.Cur >= want {
		return nil
	}
	if want > lim.Max {
		return fmt.Errorf("%d open files needed, the hard limit is %d (raise it with ulimit -Hn)", want, lim.Max)
	}
	lim.Cur = want
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raise the open-file limit to %d: %w", want, err)
	}
	return nil
}

// WriteJSON writes v, indented, to path, making its folder.
func WriteJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// LoadAverage returns the machine's load average (/proc/loadavg's first
// three fields; "" when it cannot be read).
func LoadAverage() string { return loadAverage() }
