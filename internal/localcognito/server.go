// Package localcognito runs cognito-local (the npm emulator of Amazon
// Cognito user pools) as a child process for the local stack and tests, and
// sets up Confide's pool in it through the real AWS SDK: a user pool, an app
// client for USER_PASSWORD_AUTH and the staff group. Its tokens are RS256
// signed and its JWKS is served at {Issuer}/.well-known/jwks.json, so the
// production verifier checks them unchanged.
package localcognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

const (
	// startScript is cognito-local's entry point inside the repository.
	startScript = "node_modules/cognito-local/lib/bin/start.js"
	// readyTimeout bounds the wait for cognito-local to answer when the
	// caller's context has no earlier deadline.
	readyTimeout = 30 * time.Second
	// stopGrace is how long Close waits after SIGTERM before SIGKILL.
	stopGrace = 5 * time.Second
)

// Options configures Start.
type Options struct {
	// Root is the repository root, where node_modules is.
	Root string
	// Dir is the working directory for cognito-local's data; .cognito/ is
	// created inside it.
	Dir string
	// Addr is host:port to listen on; "" or port 0 picks a free port on
	// 127.0.0.1.
	Addr string
	// Logger receives cognito-local's output at debug level (default:
	// discard).
	Logger *slog.Logger
}

// Server is a running cognito-local with Confide's pool set up in it.
type Server struct {
	// Endpoint is the base URL for SDK clients (BaseEndpoint).
	Endpoint string
	// Issuer is the iss of the pool's tokens; its JWKS is at
	// {Issuer}/.well-known/jwks.json.
	Issuer string
	// UserPoolID is the id of the "confide" pool.
	UserPoolID string
	// ClientID is the id of the pool's app client (no secret).
	ClientID string

	client  *cognitoidentityprovider.Client
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	output  *tail
	log     *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// Start starts cognito-local from opts.Root's node_modules in opts.Dir,
// waits until it answers, and creates the "confide" user pool, its app
// client and the "staff" group. The process runs in its own process group
// until Close; ctx bounds only the start.
func Start(ctx context.Context, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	script := filepath.Join(opts.Root, startScript)
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("cognito-local is not installed in %s (run npm ci): %w", filepath.Join(opts.Root, "node_modules"), err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("cognito-local needs Node.js: %w", err)
	}
	if opts.Dir == "" {
		return nil, errors.New("start cognito-local: Options.Dir is required")
	}
	host, port, err := freeAddr(opts.Addr)
	if err != nil {
		return nil, err
	}
	endpoint := "http://" + net.JoinHostPort(host, strconv.Itoa(port))
	if err := writeConfig(opts.Dir, endpoint); err != nil {
		return nil, err
	}

	s := &Server{
		Endpoint: endpoint,
		exited:   make(chan struct{}),
		output:   &tail{log: log},
		log:      log,
	}
	s.cmd = exec.Command(node, script)
	s.cmd.Dir = opts.Dir
	s.cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "HOST="+host)
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	// Its own process group, so Close can stop it and anything it spawns;
	// killed with this process if it dies without Close.
	s.cmd.SysProcAttr = procAttr()
	// The kernel sends the parent-death signal when the OS thread that
	// started the child ends, not the process (go.dev/issue/27505): start
	// and wait on one goroutine locked to its thread for the child's life.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := s.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start cognito-local: %w", err)
	}

	if err := s.setUp(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	log.InfoContext(ctx, "cognito-local ready", "endpoint", s.Endpoint, "userPoolId", s.UserPoolID, "clientId", s.ClientID)
	return s, nil
}

// setUp waits for the server and creates the pool, client and group.
func (s *Server) setUp(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		return err
	}
	s.client = newClient(s.Endpoint)
	return s.createPool(ctx)
}

// freeAddr resolves addr ("" or port 0 for a free port on 127.0.0.1) and
// checks the port is free by listening on it.
func freeAddr(addr string) (string, int, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("cognito-local address %q: %w", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", 0, fmt.Errorf("cognito-local cannot listen on %s (is the port taken?): %w", addr, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return "", 0, fmt.Errorf("release port %d: %w", port, err)
	}
	return host, port, nil
}

// writeConfig writes .cognito/config.json: plain usernames (no email as
// username) and tokens issued by the endpoint the server really listens on.
func writeConfig(dir, endpoint string) error {
	cfg := map[string]any{
		"UserPoolDefaults": map[string]any{"UsernameAttributes": []string{}},
		"TokenConfig":      map[string]any{"IssuerDomain": endpoint},
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("encode cognito-local config: %w", err)
	}
	cfgDir := filepath.Join(dir, ".cognito")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", cfgDir, err)
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), b, 0o644); err != nil {
		return fmt.Errorf("write cognito-local config: %w", err)
	}
	return nil
}

// waitReady polls /health until it answers 200, the process exits or ctx
// ends.
func (s *Server) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/health", nil)
		if err != nil {
			return fmt.Errorf("cognito-local health check: %w", err)
		}
		if res, err := client.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("cognito-local exited before answering (%v): %s", s.waitErr, s.output.String())
		case <-ctx.Done():
			return fmt.Errorf("cognito-local did not answer on %s: %w", s.Endpoint, ctx.Err())
		case <-tick.C:
		}
	}
}

// Close stops cognito-local and every process in its group (SIGTERM, then
// SIGKILL after a grace period) and waits for it to exit. It is safe to call
// more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		pgid := s.cmd.Process.Pid
		if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			s.closeErr = fmt.Errorf("stop cognito-local: %w", err)
		}
		select {
		case <-s.exited:
		case <-time.After(stopGrace):
			s.log.Warn("cognito-local ignored SIGTERM; killing it", "pid", pgid)
			if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				s.closeErr = fmt.Errorf("kill cognito-local: %w", err)
			}
			<-s.exited
		}
	})
	return s.closeErr
}

// Pid is the process id (and process group id) of cognito-local.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// tail forwards a child's output to the logger at debug level and keeps its
// last few KB for error messages.
type tail struct {
	log *slog.Logger
	mu  sync.Mutex
	buf []byte
}

const tailSize = 4 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.log.Debug("cognito-local", "output", string(p))
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
