//go:build !linux

package localcognito

import "syscall"

// procAttr puts cognito-local in its own process group, so Close stops the
// whole group.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
