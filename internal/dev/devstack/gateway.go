// Package devstack runs Confide on one machine: a local API Gateway that
// turns WebSocket frames and HTTP requests into the very events API Gateway
// sends to Lambda, and the embedded services the functions need.
package devstack

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/coder/websocket"

	"github.com/confidechat/confide/internal/dev/faults"
	"github.com/confidechat/confide/internal/routes"
)

// API Gateway's limits, used when GatewayConfig leaves a field zero.
const (
	DefaultStage         = "local"
	DefaultIdleTimeout   = 10 * time.Minute
	DefaultMaxLifetime   = 2 * time.Hour
	DefaultMaxFrameBytes = routes.MaxFrameBytes
)

// GatewayConfig configures the local gateway.
type GatewayConfig struct {
	// Handlers maps each function of routes.Functions to its handler, as
	// built by lambda.NewHandler(fn). Each handler is one execution
	// environment: its invocations take turns, as they must, since a
	// lambda.Handler reuses its response buffer.
	Handlers map[routes.Function]lambda.Handler
	// Functions maps functions to the handler functions their mains pass to
	// lambda.Start. The gateway wraps one with lambda.NewHandler per
	// concurrent invocation, as Lambda starts an execution environment per
	// concurrent invocation, so these run in parallel. A function in both
	// maps uses Functions.
	Functions map[routes.Function]any
	// Stage is the WebSocket stage name, default "local".
	Stage string
	// IdleTimeout closes a connection that sent no frame for this long,
	// default 10 minutes (API Gateway's idle limit).
	IdleTimeout time.Duration
	// MaxLifetime closes every connection this long after it opened,
	// default 2 hours.
	MaxLifetime time.Duration
	// MaxFrameBytes is the largest message a client may send, default 32 KiB.
	MaxFrameBytes int
	// AllowedOrigins are the exact origins the HTTP API's CORS allows.
	AllowedOrigins []string
	// Faults, when set, decides the injected faults of each invocation
	// (a panic, a timeout, a slow cold start; internal/dev/faults).
	Faults FunctionFaults
	// Logger receives the gateway's access and error log; default slog.Default().
	Logger *slog.Logger
}

// FunctionFaults decides the faults of one invocation of function fn.
type FunctionFaults interface {
	Invoke(fn string) faults.Invocation
}

// Gateway behaves like the API Gateway WebSocket API, its management API and
// the HTTP API of Confide, invoking the functions' handlers in process.
type Gateway struct {
	cfg       GatewayConfig
	log       *slog.Logger
	functions map[routes.Function]*function

	mu     sync.Mutex
	conns  map[string]*connection
	closed bool
	// serving counts WebSocket requests in flight, from the upgrade request
	// to the end of $disconnect, so Close can wait for all of them.
	serving sync.WaitGroup
}

// NewGateway returns a gateway serving cfg's handlers, with API Gateway's
// limits for every field cfg leaves zero.
func NewGateway(cfg GatewayConfig) *Gateway {
	if cfg.Stage == "" {
		cfg.Stage = DefaultStage
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxLifetime <= 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.MaxFrameBytes <= 0 {
		cfg.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Gateway{cfg: cfg, log: cfg.Logger, functions: newFunctions(cfg), conns: map[string]*connection{}}
}

// WebSocketHandler serves the WebSocket API: GET /{stage} upgrades to a
// WebSocket after $connect accepts it, and /{stage}/@connections/{id} is the
// management API, so the URL to give apigatewaymanagementapi's BaseEndpoint is
// the listener's URL followed by /{stage}.
func (g *Gateway) WebSocketHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /"+g.cfg.Stage, g.serveWebSocket)
	mux.HandleFunc("/"+g.cfg.Stage+"/@connections/{id}", g.serveConnection)
	return mux
}

// HTTPHandler serves the HTTP API: every route of routes.HTTP, with payload
// format 2.0 and the stack's CORS configuration.
func (g *Gateway) HTTPHandler() http.Handler {
	return http.HandlerFunc(g.serveHTTPAPI)
}

// Connections returns the number of WebSocket connections open now.
func (g *Gateway) Connections() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// Close closes every WebSocket with 1001 "Going away" and returns once each
// has had its $disconnect. Upgrade requests after Close are refused.
func (g *Gateway) Close() {
	g.mu.Lock()
	g.closed = true
	open := make([]*connection, 0, len(g.conns))
	for _, c := range g.conns {
		open = append(open, c)
	}
	g.mu.Unlock()

	var hangingUp sync.WaitGroup
	for _, c := range open {
		hangingUp.Go(func() { g.hangUp(c, websocket.StatusGoingAway, "Going away") })
	}
	hangingUp.Wait()
	g.serving.Wait()
}

// enter counts a WebSocket request as in flight, unless the gateway is closed.
func (g *Gateway) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.serving.Add(1)
	return true
}

// register makes c reachable through the management API, unless the gateway
// closed while $connect ran.
func (g *Gateway) register(c *connection) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.conns[c.id] = c
	return true
}

func (g *Gateway) unregister(c *connection) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.conns, c.id)
}

// connection returns the open connection id, or nil when it is gone.
func (g *Gateway) connection(id string) *connection {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.conns[id]
}
