// Command loadtest opens many client and counsellor WebSocket connections to
// a local Confide, sends messages at a fixed rate for a fixed time, and
// reports connect and delivery latencies, throughput, errors by code, and
// every message lost or duplicated (checked against the acknowledgements and
// the HTTP API). By default it runs the local stack in a child process with
// measuring middleware inside, so the stack's memory and its time in
// DynamoDB are measured apart from the load generator's. It only targets
// loopback addresses. Progress goes to stderr, the summary to stdout, the
// full result to a JSON file; it exits 1 when a target of issue 8 is missed.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/confidechat/confide/internal/endpoints"
	"github.com/confidechat/confide/internal/textlist"
	"github.com/confidechat/confide/tools/loadtest"
)

func main() {
	cfg := loadtest.Default
	var (
		root      = flag.String("root", ".", "repository root (node_modules/ for cognito-local)")
		out       = flag.String("out", "build/loadtest/result.json", "where to write the JSON result")
		epFile    = flag.String("endpoints", "", "load a running local stack described by this endpoints.json (e.g. .devstack/endpoints.json) instead of starting one")
		recorder  = flag.String("recorder", "", "with -endpoints: the URL of that stack's recorder, if it has one")
		stackPID  = flag.Int("stack-pid", 0, "with -endpoints: the pid of that stack, to report its memory")
		inProcess = flag.Bool("in-process", false, "run the local stack inside this process (its memory is then not told apart)")
		serve     = flag.Bool("serve-stack", false, "internal: run the local stack for a parent loadtest and announce it on stdout")
		noCheck   = flag.Bool("no-check", false, "exit 0 even when a target is missed")
		rates     = flag.String("rates", "", "a capacity curve: load the same connections at each of these rates (e.g. 50,100,200) for -duration each, until a step misses the capacity targets; writes the curve to -out")
		verbose   = flag.Bool("v", false, "log the stack's warnings and errors to stderr")
	)
	flag.IntVar(&cfg.Conversations, "conversations", cfg.Conversations, "clients, each with one conversation and one connection")
	flag.IntVar(&cfg.Counsellors, "counsellors", cfg.Counsellors, "staff users")
	flag.IntVar(&cfg.Feeds, "feeds", cfg.Feeds, "staff-feed connections (one per counsellor's dashboard)")
	flag.IntVar(&cfg.StaffConversationConnections, "staff-conversations", cfg.StaffConversationConnections, "conversations that also have a counsellor's connection on them")
	flag.IntVar(&cfg.ConnectionCap, "connection-cap", cfg.ConnectionCap, "the deployment's connections per person")
	flag.Float64Var(&cfg.Rate, "rate", cfg.Rate, "messages per second, all conversations together")
	flag.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long to send")
	flag.IntVar(&cfg.BodyBytes, "body-bytes", cfg.BodyBytes, "length of each message body")
	flag.IntVar(&cfg.SetupConcurrency, "setup-concurrency", cfg.SetupConcurrency, "user, sign-in and conversation creations in flight")
	flag.IntVar(&cfg.ConnectConcurrency, "connect-concurrency", cfg.ConnectConcurrency, "connects in flight")
	flag.DurationVar(&cfg.Drain, "drain", cfg.Drain, "how long to wait for outstanding frames after the last send")
	flag.DurationVar(&cfg.Verify, "verify", cfg.Verify, "how long reading every conversation back over HTTP may take")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	level := slog.LevelError + 4 // silent unless -v
	if *verbose {
		level = slog.LevelWarn
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// Every connection is a socket at both ends (both in this process when
	// the stack runs inside it), and the stack's management API, DynamoDB
	// and HTTP clients hold a pool more.
	if err := loadtest.RaiseFileLimit(uint64(2*cfg.Connections() + 2048)); err != nil {
		fail(err)
	}
	if *serve {
		if err := serveStack(ctx, *root, logger); err != nil {
			fail(err)
		}
		return
	}

	target, cleanup, err := chooseTarget(ctx, *root, *epFile, *recorder, *stackPID, *inProcess, *verbose, logger)
	if err != nil {
		fail(err)
	}
	if *rates != "" {
		err := curve(ctx, cfg, target, *rates, *out)
		cleanup()
		if err != nil {
			fail(err)
		}
		return
	}
	res, err := loadtest.Run(ctx, cfg, target, os.Stderr)
	cleanup()
	if err != nil {
		fail(err)
	}
	res.Print(os.Stdout)
	if err := loadtest.WriteJSON(*out, res); err != nil {
		fail(err)
	}
	fmt.Printf("result: %s\n", *out)
	if !res.Met() && !*noCheck {
		os.Exit(1)
	}
}

// curve runs a capacity curve at the rates listed in list and writes it
// to out.
func curve(ctx context.Context, cfg loadtest.Config, target loadtest.Target, list, out string) error {
	var rates []float64
	for _, f := range textlist.Split(list) {
		r, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return fmt.Errorf("-rates: %q: %w", f, err)
		}
		rates = append(rates, r)
	}
	steps, err := loadtest.RunSteps(ctx, cfg, target, rates, os.Stderr, func(r *loadtest.Result) bool {
		ok, _ := loadtest.CapacityMet(r)
		return ok
	})
	if err != nil {
		return err
	}
	c := loadtest.NewCurve(steps)
	c.Print(os.Stdout)
	if err := loadtest.WriteJSON(out, c); err != nil {
		return err
	}
	fmt.Printf("result: %s\n", out)
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadtest:", err)
	os.Exit(2)
}

// chooseTarget returns the deployment to load and what stops it.
func chooseTarget(ctx context.Context, root, epFile, recorder string, stackPID int, inProcess, verbose bool, logger *slog.Logger) (loadtest.Target, func(), error) {
	switch {
	case epFile != "":
		ep, err := endpoints.Read(epFile)
		if err != nil {
			return loadtest.Target{}, nil, err
		}
		t := loadtest.Target{Endpoints: ep}
		if recorder != "" {
			t.Report = func(ctx context.Context) (loadtest.StackReport, error) { return loadtest.FetchReport(ctx, recorder) }
		}
		if stackPID > 0 {
			t.StackPIDs = loadtest.StackProcesses(stackPID)
		}
		return t, func() {}, nil
	case inProcess:
		s, err := loadtest.StartLocal(ctx, root, logger)
		if err != nil {
			return loadtest.Target{}, nil, fmt.Errorf("start the local stack: %w", err)
		}
		return s.Target(), func() { s.Close() }, nil
	default:
		return startChild(ctx, root, verbose)
	}
}

// startChild runs this program with -serve-stack and reads its announcement.
// The child stops when its standard input closes.
func startChild(ctx context.Context, root string, verbose bool) (loadtest.Target, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return loadtest.Target{}, nil, err
	}
	args := []string{"-serve-stack", "-root", root}
	if verbose {
		args = append(args, "-v")
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return loadtest.Target{}, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return loadtest.Target{}, nil, err
	}
	if err := cmd.Start(); err != nil {
		return loadtest.Target{}, nil, fmt.Errorf("start the stack process: %w", err)
	}
	stopChild := func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	var a loadtest.Announcement
	if err == nil {
		err = json.Unmarshal(line, &a)
	}
	if err != nil {
		stopChild()
		return loadtest.Target{}, nil, fmt.Errorf("the stack process did not announce itself: %w", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return loadtest.Target{
		Endpoints: a.Endpoints,
		Report: func(ctx context.Context) (loadtest.StackReport, error) {
			return loadtest.FetchReport(ctx, a.RecorderURL)
		},
		StackPIDs: loadtest.StackProcesses(a.PID),
	}, stopChild, nil
}

// serveStack runs the local stack with its recorder served on a loopback
// port, announces both on stdout, and stops when stdin closes.
func serveStack(ctx context.Context, root string, logger *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := loadtest.StartLocal(ctx, root, logger)
	if err != nil {
		return fmt.Errorf("start the local stack: %w", err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Recorder, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // Serve returns when Close is called.
	defer srv.Close()
	a := loadtest.Announcement{Endpoints: s.Endpoints, RecorderURL: "http://" + ln.Addr().String() + "/", PID: os.Getpid()}
	if err := json.NewEncoder(os.Stdout).Encode(a); err != nil {
		return err
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	<-ctx.Done()
	return nil
}
