package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go/middleware"

	"github.com/confidechat/confide/internal/app"
	"github.com/confidechat/confide/internal/routes"
)

// Recorder measures the local stack's function invocations from inside:
// how long each ran, how long it waited on DynamoDB and what its DynamoDB
// calls would cost. Its DynamoDB middleware goes into the functions'
// DynamoDB client (app.WithDynamoDBOptions) and Wrap goes around each
// function the gateway invokes. Its methods are safe for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	messages map[string]MessageTiming
	routes   map[string]*routeTally
}

// MessageTiming is what the invocation that stored a sendMessage frame
// spent, by the frame's clientMessageId.
type MessageTiming struct {
	InvokedAt time.Time     `json:"invokedAt"`
	Duration  time.Duration `json:"duration"`
	// DynamoDB is the time at least one DynamoDB request of the invocation
	// was in flight (requests that overlap count once).
	DynamoDB time.Duration `json:"dynamodb"`
}

type routeTally struct {
	durations, dynamo []time.Duration
	calls             map[string]int
	rru, wru          float64
	errors            int
}

// invocation collects one invocation's DynamoDB requests.
type invocation struct {
	mu    sync.Mutex
	spans [][2]time.Time
	usage []Usage
}

type invocationKey struct{}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder {
	return &Recorder{messages: map[string]MessageTiming{}, routes: map[string]*routeTally{}}
}

// DynamoDBOptions adds the recorder's middleware to a DynamoDB client: one
// step times each request on the wire (the innermost deserialize step, so
// marshalling and signing stay outside), another estimates its usage.
func (r *Recorder) DynamoDBOptions(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		if err := s.Initialize.Add(middleware.InitializeMiddlewareFunc("loadtestUsage", usageMiddleware), middleware.Before); err != nil {
			return err
		}
		return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("loadtestWire", wireMiddleware), middleware.After)
	})
}

// ManagementAPIOptions adds the recorder's call counter to the management
// API client, so the reports count PostToConnection calls per invocation.
func (r *Recorder) ManagementAPIOptions(o *apigatewaymanagementapi.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("loadtestUsage", usageMiddleware), middleware.Before)
	})
}

// KMSOptions adds the recorder's call counter to the KMS client, so the
// reports count the data keys made and unwrapped per invocation.
func (r *Recorder) KMSOptions(o *kms.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("loadtestUsage", usageMiddleware), middleware.Before)
	})
}

// AppOptions are the app options that install the recorder's middleware.
func (r *Recorder) AppOptions() []app.Option {
	return []app.Option{app.WithDynamoDBOptions(r.DynamoDBOptions), app.WithManagementAPIOptions(r.ManagementAPIOptions),
		app.WithKMSOptions(r.KMSOptions)}
}

func usageMiddleware(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleInitialize(ctx, in)
	if inv, ok := ctx.Value(invocationKey{}).(*invocation); ok {
		u := estimate(in.Parameters, out.Result)
		inv.mu.Lock()
		inv.usage = append(inv.usage, u)
		inv.mu.Unlock()
	}
	return out, md, err
}

func wireMiddleware(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	start := time.Now()
	out, md, err := next.HandleDeserialize(ctx, in)
	if inv, ok := ctx.Value(invocationKey{}).(*invocation); ok {
		end := time.Now()
		inv.mu.Lock()
		inv.spans = append(inv.spans, [2]time.Time{start, end})
		inv.mu.Unlock()
	}
	return out, md, err
}

// Wrap returns the handler of function fn (any handler function
// lambda.Start accepts) measured on every invocation. The result is itself
// such a function, taking and returning raw JSON.
func (r *Recorder) Wrap(fn string, handler any) func(context.Context, json.RawMessage) (json.RawMessage, error) {
	return func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		inv := &invocation{}
		start := time.Now()
		// A fresh lambda.Handler per invocation: its response buffer is
		// reused by the next Invoke, so it is never shared.
		out, err := lambda.NewHandler(handler).Invoke(context.WithValue(ctx, invocationKey{}, inv), payload)
		out = bytes.Clone(out)
		r.finish(fn, payload, start, time.Since(start), inv, err)
		return out, err
	}
}

// invocationEvent is what Recorder reads of an event: its route and, for a
// frame, its body.
type invocationEvent struct {
	RequestContext struct {
		RouteKey string `json:"routeKey"`
	} `json:"requestContext"`
	Body string `json:"body"`
}

func (r *Recorder) finish(fn string, payload []byte, start time.Time, took time.Duration, inv *invocation, err error) {
	var ev invocationEvent
	_ = json.Unmarshal(payload, &ev)
	route := ev.RequestContext.RouteKey
	inv.mu.Lock()
	inDB := union(inv.spans)
	usage := inv.usage
	inv.mu.Unlock()

	var frame struct {
		Action          string `json:"action"`
		ClientMessageID string `json:"clientMessageId"`
	}
	if ev.Body != "" {
		_ = json.Unmarshal([]byte(ev.Body), &frame)
	}
	if frame.Action != "" && route == "$default" {
		route = frame.Action
	}
	if route != "" {
		route = fn + " " + route
	} else {
		route = fn
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if frame.Action == routes.ActionSendMessage && frame.ClientMessageID != "" {
		r.messages[frame.ClientMessageID] = MessageTiming{InvokedAt: start, Duration: took, DynamoDB: inDB}
	}
	t := r.routes[route]
	if t == nil {
		t = &routeTally{calls: map[string]int{}}
		r.routes[route] = t
	}
	t.durations = append(t.durations, took)
	t.dynamo = append(t.dynamo, inDB)
	for _, u := range usage {
		t.calls[u.Operation]++
		t.rru += u.RRU
		t.wru += u.WRU
	}
	if err != nil {
		t.errors++
	}
}

// union is the total time covered by spans, overlaps counted once.
func union(spans [][2]time.Time) time.Duration {
	if len(spans) == 0 {
		return 0
	}
	s := slices.Clone(spans)
	sort.Slice(s, func(i, j int) bool { return s[i][0].Before(s[j][0]) })
	var total time.Duration
	cur := s[0]
	for _, sp := range s[1:] {
		if sp[0].After(cur[1]) {
			total += cur[1].Sub(cur[0])
			cur = sp
			continue
		}
		if sp[1].After(cur[1]) {
			cur[1] = sp[1]
		}
	}
	return total + cur[1].Sub(cur[0])
}

// RouteReport is what the invocations of one route cost on average.
type RouteReport struct {
	// Route is the function and its route key, e.g. "message sendMessage".
	Route       string  `json:"route"`
	Invocations int     `json:"invocations"`
	Errors      int     `json:"errors"`
	Duration    Summary `json:"duration"`
	// InDynamoDB is the time each invocation waited on DynamoDB, and
	// OutsideDynamoDB the rest of its duration.
	InDynamoDB      Summary `json:"inDynamoDB"`
	OutsideDynamoDB Summary `json:"outsideDynamoDB"`
	// CallsPerInvocation counts DynamoDB, management API and KMS calls by
	// operation.
	CallsPerInvocation map[string]float64 `json:"callsPerInvocation"`
	RRUPerInvocation   float64            `json:"estimatedRRUPerInvocation"`
	WRUPerInvocation   float64            `json:"estimatedWRUPerInvocation"`
}

// StackReport is everything the recorder measured.
type StackReport struct {
	Messages map[string]MessageTiming `json:"messages"`
	Routes   []RouteReport            `json:"routes"`
}

// Report returns what the recorder measured so far.
func (r *Recorder) Report() StackReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := StackReport{Messages: make(map[string]MessageTiming, len(r.messages))}
	for k, v := range r.messages {
		rep.Messages[k] = v
	}
	for route, t := range r.routes {
		n := len(t.durations)
		outside := make([]time.Duration, n)
		for i := range t.durations {
			outside[i] = t.durations[i] - t.dynamo[i]
		}
		calls := map[string]float64{}
		for op, c := range t.calls {
			calls[op] = float64(c) / float64(n)
		}
		rep.Routes = append(rep.Routes, RouteReport{
			Route: route, Invocations: n, Errors: t.errors,
			Duration: Summarize(t.durations), InDynamoDB: Summarize(t.dynamo), OutsideDynamoDB: Summarize(outside),
			CallsPerInvocation: calls, RRUPerInvocation: t.rru / float64(n), WRUPerInvocation: t.wru / float64(n),
		})
	}
	sort.Slice(rep.Routes, func(i, j int) bool { return rep.Routes[i].Route < rep.Routes[j].Route })
	return rep
}

// ServeHTTP answers GET with Report as JSON: how a load generator in another
// process reads what the stack measured.
func (r *Recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet {
		http.Error(w, "GET only", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(r.Report())
}
