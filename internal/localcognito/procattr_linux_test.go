package localcognito

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEmulatorDiesWithItsParent: a test binary killed without Close (a
// timeout, kill -9) leaves no cognito-local behind.
func TestEmulatorDiesWithItsParent(t *testing.T) {
	if os.Getenv("CONFIDE_COGNITO_CHILD") == "1" {
		root, _ := filepath.Abs("../..")
		s, err := Start(context.Background(), Options{Root: root, Dir: os.Getenv("CONFIDE_COGNITO_DIR")})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("pid", s.cmd.Process.Pid)
		select {} // wait to be killed
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEmulatorDiesWithItsParent$")
	cmd.Env = append(os.Environ(), "CONFIDE_COGNITO_CHILD=1", "CONFIDE_COGNITO_DIR="+t.TempDir())
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
		t.Fatalf("child did not start cognito-local: %v", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for running(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("cognito-local (pid %d) outlived the process that started it", pid)
		}
		time.Sleep(20 * time.Millisecond) // polling the process table
	}
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
