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
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/confidechat/confide/internal/dev/child"
)

const (
	// startScript is cognito-local's entry point inside the repository.
	startScript = "node_modules/cognito-local/lib/bin/start.js"
	// readyTimeout bounds the wait for cognito-local to answer when the
	// caller's context has no earlier deadline.
	readyTimeout = 30 * time.Second
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

	client *cognitoidentityprovider.Client
	proc   *child.Process
}

// Start starts cognito-local from opts.Root's node_modules in opts.Dir,
// waits until it answers, and creates the "confide" user pool, its app
// client and the "staff" and "supervisors" groups. The process runs in its own process group
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
	host, port, err := child.FreeAddr("cognito-local", opts.Addr)
	if err != nil {
		return nil, err
	}
	endpoint := "http://" + net.JoinHostPort(host, strconv.Itoa(port))
	if err := writeConfig(opts.Dir, endpoint); err != nil {
		return nil, err
	}
	proc, err := child.Start(child.Spec{
		Name:   "cognito-local",
		Path:   node,
		Args:   []string{script},
		Dir:    opts.Dir,
		Env:    []string{"PORT=" + strconv.Itoa(port), "HOST=" + host},
		Logger: log,
	})
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: endpoint, proc: proc}

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
	return s.proc.WaitReady(ctx, func(ctx context.Context) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/health", nil)
		if err != nil {
			return false
		}
		res, err := client.Do(req)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

// Close stops cognito-local and every process it started, and waits for it
// to exit. It is safe to call more than once.
func (s *Server) Close() error { return s.proc.Close() }

// Pid is the process id (and process group id) of cognito-local.
func (s *Server) Pid() int { return s.proc.Pid() }
