package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/confidechat/confide/internal/app"
	"github.com/confidechat/confide/tools/loadtest"
)

// sample is one cold start of one function.
type sample struct {
	// Init runs from exec to the runtime's first request for an event (own
	// Runtime API only); FirstResponse from exec to the first answer.
	Init          time.Duration `json:"init"`
	FirstResponse time.Duration `json:"firstResponse"`
	// Warm are the durations of the invocations after the first.
	Warm []time.Duration `json:"warm,omitempty"`
	// PeakKB is the bootstrap's VmHWM after its last invocation.
	PeakKB int `json:"peakKB"`
	// CallsDuringInit counts connections to DynamoDB, the token issuer or
	// the management API opened between exec and the end of init (own
	// Runtime API only), CallsAfterInit those from then to the first answer.
	CallsDuringInit int  `json:"callsDuringInit"`
	CallsAfterInit  int  `json:"callsAfterInit"`
	Failed          bool `json:"failed"`
}

// measurer runs the samples.
type measurer struct {
	env   []string
	ws    *witnesses
	rie   string
	warm  int
	limit time.Duration
}

// environment is what Lambda would give a function of Confide's stack, with
// every service at a witness on this machine.
func environment(ws *witnesses, table string) []string {
	cfg := app.Config{
		TableName: table, Issuer: ws.issuer.url, ClientID: "coldstart", StaffGroup: "staff",
		AllowedOrigins: []string{"http://127.0.0.1:4500"}, ManagementEndpoint: ws.management.url + "/local",
		DynamoDBEndpoint: ws.dynamo.url, LogLevel: "warn",
		KeyTableName: keyTable(table), KMSKeyID: ws.kmsKeyID, KMSEndpoint: ws.kms.url,
	}
	env := []string{
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=coldstart", "AWS_SECRET_ACCESS_KEY=coldstart", "AWS_SESSION_TOKEN=coldstart",
		"AWS_LAMBDA_FUNCTION_NAME=coldstart", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"TZ=:UTC", "LANG=en_US.UTF-8", "PATH=/usr/local/bin:/usr/bin:/bin",
	}
	for k, v := range cfg.Env() {
		env = append(env, k+"="+v)
	}
	return env
}

// own starts bootstrap against our own Runtime API with the event already
// queued, and times exec, the first request for an event and the answer.
func (m *measurer) own(ctx context.Context, fn, bootstrap string) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, m.limit)
	defer cancel()
	api, err := startRuntimeAPI()
	if err != nil {
		return sample{}, err
	}
	defer api.close()
	ev := firstEvent(fn)
	api.events <- ev
	var logs tail
	cmd := exec.Command(bootstrap)
	cmd.Env = append(append([]string(nil), m.env...), "AWS_LAMBDA_RUNTIME_API="+api.addr)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, fmt.Errorf("exec %s: %w", bootstrap, err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	var first answer
	select {
	case first = <-api.answers:
	case <-ctx.Done():
		return sample{}, fmt.Errorf("%s: no answer: %w; its output: %s", fn, ctx.Err(), logs.String())
	}
	initEnd, err := api.initDone()
	if err != nil {
		return sample{}, err
	}
	s := sample{
		Init: initEnd.Sub(start), FirstResponse: first.at.Sub(start), Failed: first.failed,
		CallsDuringInit: m.ws.between(start, initEnd), CallsAfterInit: m.ws.between(initEnd, first.at),
	}
	for range m.warm {
		t := time.Now()
		a, err := api.invoke(ctx, ev)
		if err != nil {
			return s, fmt.Errorf("%s: warm invocation: %w", fn, err)
		}
		s.Warm = append(s.Warm, a.at.Sub(t))
	}
	if mem, err := loadtest.ReadMemory(cmd.Process.Pid); err == nil {
		s.PeakKB = mem.PeakKB
	}
	return s, nil
}

// withRIE starts the Runtime Interface Emulator for bootstrap, waits until
// it listens, and times one invocation through it: the emulator execs the
// bootstrap on its first invocation, so this is exec to first response as
// the emulator sees it.
func (m *measurer) withRIE(ctx context.Context, fn, bootstrap string) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, m.limit)
	defer cancel()
	addr, err := freeAddr()
	if err != nil {
		return sample{}, err
	}
	apiAddr, err := freeAddr()
	if err != nil {
		return sample{}, err
	}
	var out tail
	cmd := exec.Command(m.rie, "--log-level", "error", "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, bootstrap)
	cmd.Env = append(append([]string(nil), m.env...), "AWS_LAMBDA_FUNCTION_TIMEOUT=30")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return sample{}, fmt.Errorf("start the emulator: %w", err)
	}
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() }()
	if err := waitListening(ctx, addr); err != nil {
		return sample{}, fmt.Errorf("the emulator for %s: %w; its output: %s", fn, err, out.String())
	}

	url := "http://" + addr + "/2015-03-31/functions/function/invocations"
	start := time.Now()
	status, err := post(ctx, url, firstEvent(fn))
	if err != nil {
		return sample{}, fmt.Errorf("invoke %s through the emulator: %w; its output: %s", fn, err, out.String())
	}
	s := sample{FirstResponse: time.Since(start), Failed: status != http.StatusOK}
	for _, pid := range loadtest.Children(cmd.Process.Pid) {
		if mem, err := loadtest.ReadMemory(pid); err == nil {
			s.PeakKB = max(s.PeakKB, mem.PeakKB)
		}
	}
	return s, nil
}

func post(ctx context.Context, url string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitListening waits until addr accepts connections.
func waitListening(ctx context.Context, addr string) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// tail keeps the last 4 KB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = t.buf[len(t.buf)-4096:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

var _ io.Writer = (*tail)(nil)

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
