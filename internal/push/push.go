// Package push delivers frames to WebSocket connections through the API
// Gateway management API. It implements chat.Pusher.
package push

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/confidechat/confide/internal/app/metric"
	"github.com/confidechat/confide/internal/chat"
)

// ManagementAPI is the part of the management API client that push uses.
type ManagementAPI interface {
	PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
	DeleteConnection(ctx context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error)
}

// DefaultConcurrency bounds the posts in flight for one fan-out. Chosen
// with BenchmarkDeliverWidth (100 posts, each answered after 10 ms): the
// last of 100 feeds waits 283 ms at 4 in flight, 83 at 16, 49 at 32, 28 at
// 64 and 18 at 100, and a post costs less CPU the wider the fan-out (fewer
// rounds of waking up). 64 holds a 100-feed fan-out to two rounds; past it
// each function would keep more idle connections (TLS sessions, on AWS)
// for under 10 ms.
const DefaultConcurrency = 64

// Fanout posts frames to connections concurrently.
type Fanout struct {
	api         ManagementAPI
	concurrency int
	log         *slog.Logger
	run         func(func())
}

var _ chat.Pusher = (*Fanout)(nil)

// Option configures a Fanout.
type Option func(*Fanout)

// OnGoroutines makes the Fanout post on goroutines run gives it rather
// than a new one per post: a function passes a pool whose goroutines keep
// the stacks an SDK call grows.
func OnGoroutines(run func(fn func())) Option {
	return func(f *Fanout) { f.run = run }
}

// New returns a Fanout over api with at most concurrency posts in flight
// (DefaultConcurrency when 0).
func New(api ManagementAPI, concurrency int, log *slog.Logger, opts ...Option) *Fanout {
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	if log == nil {
		log = slog.Default()
	}
	f := &Fanout{api: api, concurrency: concurrency, log: log, run: func(fn func()) { go fn() }}
	for _, o := range opts {
		o(f)
	}
	return f
}

// Deliver posts every delivery and returns the connections that are gone
// (410). Any other failure is logged and does not stop the others.
func (f *Fanout) Deliver(ctx context.Context, ds []chat.Delivery) []string {
	if len(ds) == 1 {
		if f.post(ctx, ds[0]) {
			return []string{ds[0].ConnectionID}
		}
		return nil
	}
	var (
		mu   sync.Mutex
		gone []string
		wg   sync.WaitGroup
		sem  = make(chan struct{}, f.concurrency)
	)
	for _, d := range ds {
		wg.Add(1)
		sem <- struct{}{}
		f.run(func() {
			defer func() { <-sem; wg.Done() }()
			if f.post(ctx, d) {
				mu.Lock()
				gone = append(gone, d.ConnectionID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return gone
}

// post sends one frame and reports whether the connection is gone.
func (f *Fanout) post(ctx context.Context, d chat.Delivery) bool {
	_, err := f.api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
		ConnectionId: aws.String(d.ConnectionID),
		Data:         d.Frame,
	})
	var gone *types.GoneException
	switch {
	case err == nil:
		return false
	case errors.As(err, &gone):
		return true
	default:
		f.log.WarnContext(ctx, metric.DeliveryFailed, "connectionId", d.ConnectionID, "err", err)
		return false
	}
}

// Disconnect closes a connection; one already gone is not an error.
func (f *Fanout) Disconnect(ctx context.Context, connectionID string) error {
	_, err := f.api.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(connectionID)})
	var gone *types.GoneException
	if errors.As(err, &gone) {
		return nil
	}
	return err
}
