// Package child runs the local stack's emulators (cognito-local, dynoxide)
// as child processes: each in its own process group, killed with the process
// that started it even when that one dies without cleaning up (a test
// timeout, kill -9), its output kept for error messages, stopped with
// SIGTERM and then SIGKILL.
package child

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long Close waits after SIGTERM before SIGKILL.
const stopGrace = 5 * time.Second

// pollEvery is how often WaitReady asks whether the child is ready.
const pollEvery = 10 * time.Millisecond

// Spec says what to run.
type Spec struct {
	// Name names the program in errors and logs, e.g. "cognito-local".
	Name string
	// Path is the executable.
	Path string
	// Args are its arguments (without the program name).
	Args []string
	// Dir is its working directory ("" for this process's).
	Dir string
	// Env is added to this process's environment.
	Env []string
	// Logger receives its output at debug level (default: discard).
	Logger *slog.Logger
}

// Process is a running child.
type Process struct {
	name    string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	output  *tail
	log     *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// Start starts spec's program. It runs in its own process group until Close
// and is killed by the kernel if this process dies first.
func Start(spec Spec) (*Process, error) {
	log := spec.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Process{
		name:   spec.Name,
		exited: make(chan struct{}),
		output: &tail{log: log, name: spec.Name},
		log:    log,
	}
	p.cmd = exec.Command(spec.Path, spec.Args...)
	p.cmd.Dir = spec.Dir
	p.cmd.Env = append(os.Environ(), spec.Env...)
	p.cmd.Stdout = p.output
	p.cmd.Stderr = p.output
	p.cmd.SysProcAttr = procAttr()
	// The kernel sends the parent-death signal when the OS thread that
	// started the child ends, not the process (go.dev/issue/27505): start
	// and wait on one goroutine locked to its thread for the child's life.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := p.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	return p, nil
}

// WaitReady calls ready every few milliseconds until it reports true, and
// fails when the child exits first or ctx ends.
func (p *Process) WaitReady(ctx context.Context, ready func(context.Context) bool) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		if ready(ctx) {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited before it was ready (%v): %s", p.name, p.waitErr, p.output.String())
		case <-ctx.Done():
			return fmt.Errorf("%s was not ready: %w: %s", p.name, ctx.Err(), p.output.String())
		case <-tick.C:
		}
	}
}

// Pid is the process id of the child, which is also its process group id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Output is the last few KB the child wrote to stdout and stderr.
func (p *Process) Output() string { return p.output.String() }

// Close stops the child and every process in its group (SIGTERM, then
// SIGKILL after a grace period) and waits for it to exit. It is safe to
// call more than once.
func (p *Process) Close() error {
	p.closeOnce.Do(func() {
		pgid := p.cmd.Process.Pid
		if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			p.closeErr = fmt.Errorf("stop %s: %w", p.name, err)
		}
		select {
		case <-p.exited:
		case <-time.After(stopGrace):
			p.log.Warn("child ignored SIGTERM; killing it", "name", p.name, "pid", pgid)
			if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				p.closeErr = fmt.Errorf("kill %s: %w", p.name, err)
			}
			<-p.exited
		}
	})
	return p.closeErr
}

// FreeAddr resolves addr (host:port; "" or port 0 picks a free port, on
// 127.0.0.1 when the host is empty) for a child that is told where to
// listen, and checks the port is free by listening on it. name is for the
// error.
func FreeAddr(name, addr string) (host string, port int, err error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err = net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("%s address %q: %w", name, addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", 0, fmt.Errorf("%s cannot listen on %s (is the port taken?): %w", name, addr, err)
	}
	port = ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return "", 0, fmt.Errorf("release port %d: %w", port, err)
	}
	return host, port, nil
}

// tail forwards a child's output to the logger at debug level and keeps its
// last few KB for error messages.
type tail struct {
	log  *slog.Logger
	name string
	mu   sync.Mutex
	buf  []byte
}

const tailSize = 4 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.log.Debug(t.name, "output", string(p))
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = t.buf[len(t.buf)-tailSize:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
