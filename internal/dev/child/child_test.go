package child_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/dev/child"
	"github.com/confidechat/confide/internal/testkit"
)

// sleeper starts a child that would run for minutes.
func sleeper(t *testing.T) *child.Process {
	t.Helper()
	p, err := child.Start(child.Spec{Name: "sleep", Path: "/bin/sleep", Args: []string{"300"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// running tells whether pid is a live process (a zombie has finished).
func running(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses: "pid (comm) S ...".
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// TestChildDiesWithItsParent: a process killed without Close (a test
// timeout, kill -9) leaves no child behind.
func TestChildDiesWithItsParent(t *testing.T) {
	if os.Getenv("CONFIDE_CHILD_PARENT") == "1" {
		p, err := child.Start(child.Spec{Name: "sleep", Path: "/bin/sleep", Args: []string{"300"}})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("pid", p.Pid())
		select {} // wait to be killed
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc (Linux)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildDiesWithItsParent$")
	cmd.Env = append(os.Environ(), "CONFIDE_CHILD_PARENT=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Fscanf(bufio.NewReader(out), "pid %d\n", &pid); err != nil {
		cmd.Process.Kill()
		t.Fatalf("the parent did not start its child: %v", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if !testkit.Within(10*time.Second, func() bool { return !running(pid) }) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("the child (pid %d) outlived the process that started it", pid)
	}
}

func TestCloseStopsTheChildOnce(t *testing.T) {
	p := sleeper(t)
	if err := p.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if running(p.Pid()) {
		t.Errorf("pid %d still runs after Close", p.Pid())
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
}

// TestWaitReady: ready ends the wait; an exit before it or the context's
// end fail it, with the child's last output in the error.
func TestWaitReady(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		ready   bool
		timeout time.Duration
		wantErr string
	}{
		{"Ready", []string{"-c", "sleep 300"}, true, time.Minute, ""},
		{"ExitsFirst", []string{"-c", "echo no such table >&2; exit 3"}, false, time.Minute, "no such table"},
		{"NeverReady", []string{"-c", "echo still starting; sleep 300"}, false, 100 * time.Millisecond, "still starting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := child.Start(child.Spec{Name: "sh", Path: "/bin/sh", Args: tt.args})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			ctx, cancel := context.WithTimeout(t.Context(), tt.timeout)
			defer cancel()
			err = p.WaitReady(ctx, func(context.Context) bool { return tt.ready })
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("WaitReady() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("WaitReady() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestFreeAddr(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name, addr, wantHost, wantErr string
	}{
		{name: "AnyPort", addr: "", wantHost: "127.0.0.1"},
		{name: "NoHost", addr: ":0", wantHost: "127.0.0.1"},
		{name: "Taken", addr: taken.Addr().String(), wantErr: "is the port taken?"},
		{name: "Malformed", addr: "localhost", wantErr: `emulator address "localhost"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, port, err := child.FreeAddr("emulator", tt.addr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("FreeAddr(%q) error = %v, want one containing %q", tt.addr, err, tt.wantErr)
				}
				return
			}
			if err != nil || host != tt.wantHost || port == 0 {
				t.Fatalf("FreeAddr(%q) = %q, %d, %v; want %s and a port", tt.addr, host, port, err, tt.wantHost)
			}
		})
	}
}
