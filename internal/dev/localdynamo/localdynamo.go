// Package localdynamo runs a local DynamoDB for the local stack and the
// tests, spoken to by the real aws-sdk-go-v2 client.
//
// The engine is dynoxide, a DynamoDB emulator on SQLite that ships as a
// static binary in the npm package @dynoxide/linux-x64 (npm ci installs it,
// pinned in package.json): it behaves like DynamoDB where minidyn does not
// and answers a Query in about a millisecond at any table size. It never
// deletes TTL-expired items (Confide filters them on read and its retention
// function sweeps them) and runs one request at a time.
//
// Where dynoxide has no package (anything but Linux on x86-64) the engine
// is minidyn, embedded in this process; CONFIDE_LOCAL_DYNAMODB=minidyn
// chooses it anywhere, which is how make test runs the store's contract
// tests on both.
package localdynamo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/truora/minidyn/server"

	"github.com/confidechat/confide/internal/dev/child"
)

// Region is the region the local clients sign for.
const Region = "us-east-1"

// Engine names a DynamoDB emulator.
type Engine string

const (
	// Dynoxide is the emulator of choice: a child process on a loopback port.
	Dynoxide Engine = "dynoxide"
	// Minidyn is embedded in this process, for platforms dynoxide does not
	// ship for.
	Minidyn Engine = "minidyn"
)

// EngineEnv names the environment variable that chooses the engine
// ("dynoxide" or "minidyn"; unset: dynoxide where its package exists).
const EngineEnv = "CONFIDE_LOCAL_DYNAMODB"

// BinaryEnv names the environment variable that points at a dynoxide
// binary outside node_modules.
const BinaryEnv = "CONFIDE_DYNOXIDE"

// readyTimeout bounds the wait for dynoxide to accept connections.
const readyTimeout = 15 * time.Second

// Options configures StartWith.
type Options struct {
	// Engine is the emulator; "" reads EngineEnv, then picks the platform's
	// default (DefaultEngine).
	Engine Engine
	// Root is the repository root, where node_modules is; "" searches the
	// working directory and its parents.
	Root string
	// Addr is host:port to listen on; "" or port 0 picks a free port on
	// 127.0.0.1. StartWith fails at once when the address is taken.
	Addr string
	// Logger receives dynoxide's output at debug level (default: discard).
	Logger *slog.Logger
}

// Server is a running local DynamoDB.
type Server struct {
	// Endpoint is the base URL clients talk to, e.g. http://127.0.0.1:41234.
	Endpoint string
	// Engine is the emulator behind Endpoint.
	Engine Engine

	close func() error
}

// Start runs a local DynamoDB on 127.0.0.1 at a free port.
func Start() (*Server, error) { return StartWith(Options{}) }

// StartWith runs the local DynamoDB opts describe.
func StartWith(opts Options) (*Server, error) {
	engine, err := chooseEngine(opts.Engine)
	if err != nil {
		return nil, err
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if engine == Minidyn {
		return startMinidyn(opts.Addr)
	}
	return startDynoxide(opts)
}

// DefaultEngine is dynoxide where its npm package exists for this platform,
// minidyn elsewhere.
func DefaultEngine() Engine {
	if dynoxidePackage() != "" {
		return Dynoxide
	}
	return Minidyn
}

// chooseEngine resolves the engine asked for, then EngineEnv, then the
// platform's default.
func chooseEngine(e Engine) (Engine, error) {
	if e == "" {
		e = Engine(os.Getenv(EngineEnv))
	}
	switch e {
	case "":
		return DefaultEngine(), nil
	case Dynoxide, Minidyn:
		return e, nil
	}
	return "", fmt.Errorf("local dynamodb engine %q: want %q or %q", e, Dynoxide, Minidyn)
}

// dynoxidePackage is the npm package holding dynoxide's binary for this
// platform, "" where there is none.
func dynoxidePackage() string {
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		return "@dynoxide/linux-x64"
	}
	return ""
}

// dynoxideBinary finds dynoxide: BinaryEnv, else node_modules under root,
// else under the working directory or the nearest parent that has it.
func dynoxideBinary(root string) (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		return p, nil
	}
	pkg := dynoxidePackage()
	if pkg == "" {
		return "", fmt.Errorf("dynoxide ships no package for %s/%s: set %s=%s or %s to a dynoxide binary", runtime.GOOS, runtime.GOARCH, EngineEnv, Minidyn, BinaryEnv)
	}
	rel := filepath.Join("node_modules", pkg, "dynoxide")
	dirs := []string{root}
	if root == "" {
		dirs = nil
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("find dynoxide: %w", err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			dirs = append(dirs, d)
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("dynoxide is not installed (%s in the repository root, or the working directory's parents): run npm ci or make deps", rel)
}

// startDynoxide runs dynoxide in memory on opts.Addr and waits until it
// accepts connections.
func startDynoxide(opts Options) (*Server, error) {
	bin, err := dynoxideBinary(opts.Root)
	if err != nil {
		return nil, err
	}
	host, port, err := child.FreeAddr("dynoxide", opts.Addr)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	proc, err := child.Start(child.Spec{
		Name:   "dynoxide",
		Path:   bin,
		Args:   []string{"serve", "--host", host, "--port", strconv.Itoa(port)},
		Logger: opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	var dialer net.Dialer
	err = proc.WaitReady(ctx, func(ctx context.Context) bool {
		c, err := dialer.DialContext(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	if err != nil {
		_ = proc.Close()
		return nil, err
	}
	return &Server{Endpoint: "http://" + addr, Engine: Dynoxide, close: proc.Close}, nil
}

// startMinidyn serves minidyn on addr from this process.
func startMinidyn(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for local dynamodb on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	s := &Server{Endpoint: "http://" + ln.Addr().String(), Engine: Minidyn}
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("local dynamodb stopped", "endpoint", s.Endpoint, "err", err)
		}
	}()
	s.close = func() error {
		err := srv.Close()
		<-done
		return err
	}
	return s, nil
}

// Handler returns a fresh minidyn, in memory, as an http.Handler: its
// server with the X-Amz-Crc32 header DynamoDB puts on every response.
func Handler() http.Handler { return WithCRC32(server.NewServer()) }

// WithCRC32 wraps h so every response carries X-Amz-Crc32, the CRC-32 (IEEE)
// of its body, which the SDK's DynamoDB client validates. It also turns
// minidyn's plain-text "unsupported operation" into DynamoDB's
// UnknownOperationException, so callers can tell it from other failures.
func WithCRC32(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		body := rec.body.Bytes()
		if rec.status == http.StatusBadRequest && strings.TrimSpace(string(body)) == "unsupported operation" {
			// minidyn answers operations it lacks (UpdateTimeToLive, ...) in
			// plain text; DynamoDB's answer is a typed error the SDK decodes.
			rec.header = http.Header{"Content-Type": {"application/x-amz-json-1.0"}}
			body = []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#UnknownOperationException","message":"operation not supported by the local dynamodb"}`)
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	})
}

// bufferedResponse holds a whole response so its checksum can precede it.
type bufferedResponse struct {
	header      http.Header
	body        bytes.Buffer
	status      int
	wroteHeader bool
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if !b.wroteHeader {
		b.status, b.wroteHeader = status, true
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wroteHeader = true
	return b.body.Write(p)
}

// Client returns a DynamoDB client for the server: static fake credentials,
// region us-east-1. optFns adjust the client's options further.
func (s *Server) Client(_ context.Context, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return NewClient(s.Endpoint, optFns...)
}

// NewClient returns a DynamoDB client for a local endpoint (this server or
// any other emulator) with static fake credentials in region us-east-1. It
// reads no environment or shared configuration.
func NewClient(endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	opts := dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	return dynamodb.New(opts, optFns...)
}

// Close stops the server at once (its data goes with it) and waits until
// it has stopped.
func (s *Server) Close() error {
	if err := s.close(); err != nil {
		return fmt.Errorf("stop local dynamodb: %w", err)
	}
	return nil
}
