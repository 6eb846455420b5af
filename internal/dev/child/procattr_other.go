//go:build !linux

package child

import "syscall"

// procAttr puts the child in its own process group, so Close stops the
// whole group.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
