package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// runtimeAPI is a minimal Lambda Runtime API for one execution environment:
// GET /2018-06-01/runtime/invocation/next hands out the queued events one at
// a time, POST .../{id}/response and .../{id}/error take the answers. It
// records when the runtime first asked for an event (the end of its init).
type runtimeAPI struct {
	addr string
	srv  *http.Server

	events  chan []byte
	answers chan answer

	mu       sync.Mutex
	firstAsk time.Time
	initErr  string
	seq      int
}

// answer is a function's response to one invocation.
type answer struct {
	at     time.Time
	failed bool
	body   []byte
}

const runtimePrefix = "/2018-06-01/runtime"

func startRuntimeAPI() (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	api := &runtimeAPI{addr: ln.Addr().String(), events: make(chan []byte, 1), answers: make(chan answer, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimePrefix+"/invocation/next", api.next)
	mux.HandleFunc("POST "+runtimePrefix+"/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) { api.answer(w, r, false) })
	mux.HandleFunc("POST "+runtimePrefix+"/invocation/{id}/error", func(w http.ResponseWriter, r *http.Request) { api.answer(w, r, true) })
	mux.HandleFunc("POST "+runtimePrefix+"/init/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		api.mu.Lock()
		api.initErr = string(b)
		api.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	api.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go api.srv.Serve(ln) //nolint:errcheck // Serve returns when Close is called.
	return api, nil
}

func (api *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	api.mu.Lock()
	if api.firstAsk.IsZero() {
		api.firstAsk = time.Now()
	}
	api.seq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", api.seq)
	api.mu.Unlock()
	select {
	case ev := <-api.events:
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", id)
		w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:coldstart")
		w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(ev)
	case <-r.Context().Done():
	}
}

func (api *runtimeAPI) answer(w http.ResponseWriter, r *http.Request, failed bool) {
	b, _ := io.ReadAll(r.Body)
	at := time.Now()
	w.WriteHeader(http.StatusAccepted)
	api.answers <- answer{at: at, failed: failed, body: b}
}

// invoke queues ev and waits for its answer.
func (api *runtimeAPI) invoke(ctx context.Context, ev []byte) (answer, error) {
	select {
	case api.events <- ev:
	case <-ctx.Done():
		return answer{}, ctx.Err()
	}
	select {
	case a := <-api.answers:
		return a, nil
	case <-ctx.Done():
		api.mu.Lock()
		initErr := api.initErr
		api.mu.Unlock()
		if initErr != "" {
			return answer{}, fmt.Errorf("init failed: %s", initErr)
		}
		return answer{}, ctx.Err()
	}
}

// initDone returns when the runtime first asked for an event.
func (api *runtimeAPI) initDone() (time.Time, error) {
	api.mu.Lock()
	defer api.mu.Unlock()
	if api.firstAsk.IsZero() {
		return time.Time{}, errors.New("the runtime never asked for an event")
	}
	return api.firstAsk, nil
}

func (api *runtimeAPI) close() { _ = api.srv.Close() }
