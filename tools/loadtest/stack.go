package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/confidechat/confide/internal/dev/devstack"
	"github.com/confidechat/confide/internal/endpoints"
)

// LocalStack is the local stack started with a Recorder inside: the
// recorder's middleware in the functions' SDK clients and around every
// function the gateway invokes.
type LocalStack struct {
	*devstack.Stack
	Recorder *Recorder
}

// StartLocal starts the local stack of the repository at root (devstack.Start
// with its default limits and fresh data) with a Recorder inside.
func StartLocal(ctx context.Context, root string, logger *slog.Logger) (*LocalStack, error) {
	rec := NewRecorder()
	s, err := devstack.Start(ctx, devstack.Options{
		Root:       root,
		AppOptions: rec.AppOptions(),
		Gateway: func(g *devstack.GatewayConfig) {
			for fn, h := range g.Functions {
				g.Functions[fn] = rec.Wrap(string(fn), h)
			}
		},
		Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	return &LocalStack{Stack: s, Recorder: rec}, nil
}

// Target returns the run target of a stack in this process.
func (s *LocalStack) Target() Target {
	return Target{
		Endpoints: s.Endpoints,
		Report:    func(context.Context) (StackReport, error) { return s.Recorder.Report(), nil },
		StackPIDs: s.processes,
		InProcess: true,
	}
}

// processes are cognito-local's process, when the stack started one.
func (s *LocalStack) processes() []int {
	if s.Cognito == nil {
		return nil
	}
	return []int{s.Cognito.Pid()}
}

// Announcement is what a stack served for another process (cmd/loadtest's
// child) tells its parent on its first line of output.
type Announcement struct {
	Endpoints   endpoints.Endpoints `json:"endpoints"`
	RecorderURL string              `json:"recorderUrl"`
	PID         int                 `json:"pid"`
}

// FetchReport reads a Recorder's report from its URL (Recorder.ServeHTTP).
func FetchReport(ctx context.Context, url string) (StackReport, error) {
	if err := CheckLoopback(url); err != nil {
		return StackReport{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return StackReport{}, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return StackReport{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return StackReport{}, fmt.Errorf("recorder at %s answered %s", url, res.Status)
	}
	var rep StackReport
	if err := json.NewDecoder(res.Body).Decode(&rep); err != nil {
		return StackReport{}, fmt.Errorf("recorder at %s: %w", url, err)
	}
	return rep, nil
}

// StackProcesses returns a stack process and its children (cognito-local).
func StackProcesses(pid int) func() []int {
	return func() []int {
		if pid == os.Getpid() {
			return Children(pid)
		}
		return append([]int{pid}, Children(pid)...)
	}
}
