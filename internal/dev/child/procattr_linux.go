package child

import "syscall"

// procAttr puts the child in its own process group (Close stops the
// whole group) and has the kernel kill it if the test or devstack process
// dies without calling Close (a test timeout, kill -9), so no emulator is
// left running on a developer's machine or in CI.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
