package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/dev/faults"
	"github.com/confidechat/confide/internal/endpoints"
)

// ChaosConfig is one chaos run: clients sending on the local stack while it
// injects faults, each client behaving as the widget does (web/shared's
// outbox and conversation): what is not acknowledged is sent again with the
// same clientMessageId, on a timer that backs off, after a retryable error
// frame, and at once after a reconnect and a catch-up over HTTP.
type ChaosConfig struct {
	// Conversations is how many clients there are, each with one
	// conversation and one connection; Counsellors claim them, and each
	// holds FeedsPerCounsellor staff-feed connections (dashboards).
	Conversations      int `json:"conversations"`
	Counsellors        int `json:"counsellors"`
	FeedsPerCounsellor int `json:"feedsPerCounsellor"`
	// Rate is the messages sent per second, all clients together, for
	// Duration.
	Rate      float64       `json:"rate"`
	Duration  time.Duration `json:"duration"`
	BodyBytes int           `json:"bodyBytes"`
	// Faults is the plan the stack injects while the messages flow; its
	// outages start After from the first message.
	Faults faults.Plan `json:"faults"`
	// Drops is how many client connections drop during the load, each just
	// after sending a message, and are reconnected by their client.
	Drops int `json:"drops"`
	// RetryFirst and RetryMax are the clients' retry policy (outbox.js
	// RETRY_FIRST and RETRY_MAX): the nth retry in a row waits half to all
	// of RetryFirst * 2^n, at most RetryMax.
	RetryFirst time.Duration `json:"retryFirst"`
	RetryMax   time.Duration `json:"retryMax"`
	// Drain bounds the wait, after the last message, for every message to
	// be acknowledged.
	Drain              time.Duration `json:"drain"`
	SetupConcurrency   int           `json:"setupConcurrency"`
	ConnectConcurrency int           `json:"connectConcurrency"`
	Progress           time.Duration `json:"progress"`
}

// ChaosDefault is the run of `make chaos`: 500 clients and 100 counsellors
// with 5 dashboards each (1,000 connections) at 20 messages/s for 120 s,
// with 5 % DynamoDB throttles, 1 % DynamoDB 500s, 2 % failed posts, 1 %
// panics of the message function, and DynamoDB down for 10 s in the middle.
var ChaosDefault = ChaosConfig{
	Conversations: 500, Counsellors: 100, FeedsPerCounsellor: 5,
	Rate: 20, Duration: 120 * time.Second, BodyBytes: 140,
	Faults: faults.Plan{
		DynamoDB: faults.DynamoDBFaults{
			Throttle: faults.Fault{Rate: 0.03}, Throughput: faults.Fault{Rate: 0.02},
			Error500: faults.Fault{Rate: 0.01}, Conflict: faults.Fault{Rate: 0.02},
			Latency: faults.Latency{TailRate: 0.01, Tail: faults.Duration(300 * time.Millisecond)},
		},
		Management: faults.ManagementFaults{Error500: faults.Fault{Rate: 0.02}},
		Functions:  map[string]faults.FunctionFaults{"message": {Panic: faults.Fault{Rate: 0.01}}},
		Outages:    []faults.Outage{{Service: faults.DynamoDB, After: faults.Duration(55 * time.Second), For: faults.Duration(10 * time.Second)}},
	},
	Drops:      20,
	RetryFirst: 4 * time.Second, RetryMax: 60 * time.Second,
	Drain:            3 * time.Minute,
	SetupConcurrency: 16, ConnectConcurrency: 32, Progress: 5 * time.Second,
}

// Connections is how many WebSocket connections the run opens.
func (c ChaosConfig) Connections() int { return c.Conversations + c.Counsellors*c.FeedsPerCounsellor }

// Validate refuses a run that cannot be set up.
func (c ChaosConfig) Validate() error {
	switch {
	case c.Conversations < 1 || c.Counsellors < 1 || c.FeedsPerCounsellor < 0:
		return fmt.Errorf("chaos: want at least one conversation and one counsellor")
	case c.Rate <= 0 || c.Duration <= 0:
		return fmt.Errorf("chaos: want a positive rate and duration")
	case c.RetryFirst <= 0 || c.RetryMax < c.RetryFirst || c.Drain <= 0:
		return fmt.Errorf("chaos: want 0 < retryFirst <= retryMax and a positive drain")
	}
	return c.Faults.Validate()
}

// ChaosResult is what a chaos run saw.
type ChaosResult struct {
	Config      ChaosConfig `json:"config"`
	StartedAt   time.Time   `json:"startedAt"`
	Machine     Machine     `json:"machine"`
	Connections int         `json:"connections"`
	// Sent is the messages people wrote; Attempts the sendMessage frames
	// (and nothing else) it took, resends included.
	Sent     int `json:"sent"`
	Attempts int `json:"attempts"`
	// Stored is the messages read back over HTTP; Lost the sent ones not
	// stored, Duplicated the clientMessageIds stored more than once.
	Stored     int `json:"stored"`
	Lost       int `json:"lost"`
	Duplicated int `json:"duplicated"`
	// Unanswered is the messages whose first send was not acknowledged
	// (an error frame, API Gateway's error, no answer in time, a dropped
	// connection); ResolvedByRetry of them were stored once in the end;
	// Unresolved is the messages never acknowledged; Refused the ones a
	// client dropped on a refusal it may not retry.
	Unanswered      int `json:"unanswered"`
	ResolvedByRetry int `json:"resolvedByRetry"`
	Unresolved      int `json:"unresolved"`
	Refused         int `json:"refused"`
	// AckLatency runs from when a person sent a message to its
	// acknowledgement, retries included.
	AckLatency Summary `json:"ackLatency"`
	// Reconnects and CatchUps count the clients' reconnections and the
	// messages a catch-up over HTTP found stored before their
	// acknowledgement arrived.
	Reconnects int `json:"reconnects"`
	CatchUps   int `json:"catchUps"`
	// FeedDeliveries are the message.created frames the dashboards got, of
	// FeedExpected (each message once on each of its counsellor's feeds).
	FeedDeliveries int `json:"feedDeliveries"`
	FeedExpected   int `json:"feedExpected"`
	// Outages are the recoveries after each outage of the plan.
	Outages []OutageRecovery `json:"outages"`
	// ClientErrors counts what clients saw go wrong, e.g.
	// "frame:unavailable", "frame:gateway_internal_error", "ticket:503".
	ClientErrors map[string]int `json:"clientErrors"`
	// Injected counts the faults the stack injected, by kind.
	Injected map[string]int64 `json:"injected"`
	Seconds  float64          `json:"seconds"`
}

// OutageRecovery is how the clients came back after an outage.
type OutageRecovery struct {
	Service string    `json:"service"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	// FirstAckSeconds runs from the end of the outage to the first
	// acknowledgement after it; BacklogClearedSeconds to the
	// acknowledgement of the last message sent before it ended.
	FirstAckSeconds       float64 `json:"firstAckSeconds"`
	BacklogClearedSeconds float64 `json:"backlogClearedSeconds"`
}

// Passed reports whether the run kept its promise: nothing lost, nothing
// duplicated, every message acknowledged and stored once in the end.
func (r *ChaosResult) Passed() bool {
	return r.Sent > 0 && r.Lost == 0 && r.Duplicated == 0 && r.Unresolved == 0 && r.Refused == 0 && r.Stored == r.Sent
}

// chaosSend is one message a person wrote.
type chaosSend struct {
	cmid     string
	at       time.Time
	attempts int
	// unanswered: its first send was not acknowledged by the next retry.
	unanswered bool
	ackedAt    time.Time
	refused    bool
}

// chaosClient is one simulated widget: its connection, its outbox and its
// retry timer.
type chaosClient struct {
	r    *chaosRun
	who  *person
	conv string

	mu      sync.Mutex
	sock    *client.Socket
	pending []*chaosSend // oldest first
	sends   []*chaosSend
	retries int
	timer   *time.Timer
	// drop closes the connection after the next send.
	drop bool
	// redialing is set while the client reconnects.
	redialing bool
}

// chaosRun holds one chaos run.
type chaosRun struct {
	cfg     ChaosConfig
	ep      endpoints.Endpoints
	out     io.Writer
	runID   string
	ctx     context.Context
	errs    *tally
	closing atomic.Bool
	body    string

	clients    []*chaosClient
	feeds      []*client.Socket
	feedsSeen  atomic.Int64
	feedSeen   sync.Map // "<feed>/<message id>" of the frames feedsSeen counted
	attempts   atomic.Int64
	reconnects atomic.Int64
	catchUps   atomic.Int64
}

// RunChaos runs cfg against the local stack at ep, whose fault control is
// /_devstack/faults on its web server, and accounts for every message.
// It fails only when the run cannot be set up.
func RunChaos(ctx context.Context, cfg ChaosConfig, ep endpoints.Endpoints, progress io.Writer) (*ChaosResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := CheckLoopback(ep.HTTPAPI, ep.WebSocket, ep.CognitoEndpoint, ep.WidgetDemo); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = io.Discard
	}
	r := &chaosRun{cfg: cfg, ep: ep, out: progress, runID: randomHex(3), ctx: ctx, errs: newTally(), body: strings.Repeat("y", max(cfg.BodyBytes, 1))}
	res := &ChaosResult{Config: cfg, StartedAt: time.Now().UTC(), Machine: thisMachine(), Connections: cfg.Connections()}
	if _, err := setFaults(ctx, ep, faults.Plan{}); err != nil {
		return nil, err
	}
	if err := r.setUp(ctx); err != nil {
		return nil, err
	}
	defer r.closeAll()

	began := time.Now()
	applied, err := setFaults(ctx, ep, cfg.Faults)
	if err != nil {
		return nil, err
	}
	r.load(ctx)
	r.drain(ctx)
	status, err := setFaults(ctx, ep, faults.Plan{})
	if err != nil {
		return nil, err
	}
	res.Seconds = time.Since(began).Seconds()
	res.Injected = status.Injected
	stored, err := r.readBack(ctx)
	if err != nil {
		return nil, err
	}
	r.closeAll()
	r.account(res, stored, applied.Plan.Outages)
	res.Machine.LoadAverageEnd = loadAverage()
	return res, nil
}

// setFaults puts plan on the stack through its control and returns the
// control's answer.
func setFaults(ctx context.Context, ep endpoints.Endpoints, plan faults.Plan) (faults.Status, error) {
	var st faults.Status
	body, err := json.Marshal(plan)
	if err != nil {
		return st, err
	}
	web := strings.TrimSuffix(ep.WidgetDemo, "/widget/demo.html")
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, web+"/_devstack/faults", bytes.NewReader(body))
	if err != nil {
		return st, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("chaos: set the stack's faults: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(res.Body)
		return st, fmt.Errorf("chaos: set the stack's faults: %s %s", res.Status, msg)
	}
	return st, json.NewDecoder(res.Body).Decode(&st)
}

// setUp creates the people, the claimed conversations and the connections.
func (r *chaosRun) setUp(ctx context.Context) error {
	t, err := newTeam(r.ep, r.runID)
	if err != nil {
		return err
	}
	c := r.cfg
	fmt.Fprintf(r.out, "setup: %d clients, %d counsellors, %d connections\n", c.Conversations, c.Counsellors, c.Connections())
	clients, err := t.people(ctx, "c", c.Conversations, c.SetupConcurrency)
	if err != nil {
		return fmt.Errorf("chaos: create clients: %w", err)
	}
	counsellors, err := t.people(ctx, "s", c.Counsellors, c.SetupConcurrency)
	if err != nil {
		return fmt.Errorf("chaos: create counsellors: %w", err)
	}
	r.clients = make([]*chaosClient, c.Conversations)
	err = parallel(ctx, c.Conversations, c.SetupConcurrency, func(ctx context.Context, i int) error {
		conv, err := clients[i].api.CreateConversation(ctx, "")
		if err != nil {
			return err
		}
		if _, err := counsellors[i%c.Counsellors].api.Claim(ctx, conv.ID); err != nil {
			return err
		}
		r.clients[i] = &chaosClient{r: r, who: clients[i], conv: conv.ID}
		return nil
	})
	if err != nil {
		return fmt.Errorf("chaos: create and claim conversations: %w", err)
	}
	r.feeds = make([]*client.Socket, c.Counsellors*c.FeedsPerCounsellor)
	err = parallel(ctx, len(r.feeds), c.ConnectConcurrency, func(ctx context.Context, i int) error {
		s, err := dialFunc(ctx, r.ep.WebSocket, counsellors[i%c.Counsellors], "", r.onFeedFrame(i))
		r.feeds[i] = s
		return err
	})
	if err != nil {
		return fmt.Errorf("chaos: open the dashboards: %w", err)
	}
	err = parallel(ctx, len(r.clients), c.ConnectConcurrency, func(ctx context.Context, i int) error {
		return r.clients[i].connect(ctx)
	})
	if err != nil {
		return fmt.Errorf("chaos: open the clients' connections: %w", err)
	}
	return nil
}

// dialFunc takes a ticket for p and opens a connection handing its frames
// to handle.
func dialFunc(ctx context.Context, wsURL string, p *person, conversationID string, handle func(client.Frame)) (*client.Socket, error) {
	ticket, err := p.api.Ticket(ctx)
	if err != nil {
		return nil, err
	}
	return client.DialFunc(ctx, wsURL, ticket, conversationID, p.api.Origin, handle)
}

// onFeedFrame counts the run's messages dashboard feed got, each once: a
// resend's message comes again (delivery is at least once) and a
// dashboard shows it once.
func (r *chaosRun) onFeedFrame(feed int) func(client.Frame) {
	return func(f client.Frame) {
		if f.Type != chat.EventMessageCreated || f.Message == nil || !strings.HasPrefix(f.Message.ClientMessageID, "ch-"+r.runID) {
			return
		}
		if _, seen := r.feedSeen.LoadOrStore(fmt.Sprintf("%d/%s", feed, f.Message.ID), true); !seen {
			r.feedsSeen.Add(1)
		}
	}
}

// load writes cfg.Rate messages a second for cfg.Duration, each from the
// next client of a shuffled order, and drops cfg.Drops connections on the
// way.
func (r *chaosRun) load(ctx context.Context) {
	n := int(r.cfg.Rate * r.cfg.Duration.Seconds())
	order := rand.Perm(len(r.clients))
	interval := time.Duration(float64(time.Second) / r.cfg.Rate)
	// Drop k (1..Drops) comes with send k*(n/(Drops+1)) + k: spread over
	// the run, from different clients.
	drops := map[int]bool{}
	for k := 1; k <= r.cfg.Drops; k++ {
		drops[k*(n/(r.cfg.Drops+1))+k] = true
	}
	fmt.Fprintf(r.out, "load: %d messages over %s with faults on\n", n, r.cfg.Duration)
	began := time.Now()
	stop := r.progress(began)
	defer stop()
	pace(ctx, began, n, interval, func(i int) {
		c := r.clients[order[i%len(order)]]
		go c.write(fmt.Sprintf("ch-%s-%d", r.runID, i), drops[i])
	})
}

// drain waits until every message is acknowledged (or refused), or Drain.
func (r *chaosRun) drain(ctx context.Context) {
	fmt.Fprintf(r.out, "drain: waiting for every message to be acknowledged\n")
	stop := r.progress(time.Now())
	defer stop()
	deadline := time.Now().Add(r.cfg.Drain)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for r.waiting() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		<-tick.C
	}
}

// waiting counts the messages still waiting in the clients' outboxes.
func (r *chaosRun) waiting() int {
	n := 0
	for _, c := range r.clients {
		c.mu.Lock()
		n += len(c.pending)
		c.mu.Unlock()
	}
	return n
}

// progress prints a progress line each Progress until stop is called.
func (r *chaosRun) progress(began time.Time) (stop func()) {
	return every(r.cfg.Progress, func() {
		fmt.Fprintf(r.out, "t=%3.0fs attempts %d waiting %d reconnects %d client errors %d\n",
			time.Since(began).Seconds(), r.attempts.Load(), r.waiting(), r.reconnects.Load(), r.errs.total())
	})
}

// readBack reads every conversation over HTTP, as its client, and counts
// each clientMessageId stored.
func (r *chaosRun) readBack(ctx context.Context) (map[string]int, error) {
	fmt.Fprintf(r.out, "verify: reading %d conversations back over HTTP\n", len(r.clients))
	stored := map[string]int{}
	var mu sync.Mutex
	err := parallel(ctx, len(r.clients), r.cfg.SetupConcurrency, func(ctx context.Context, i int) error {
		c := r.clients[i]
		var msgs []chat.Message
		var err error
		for attempt := 0; attempt < verifyAttempts; attempt++ {
			if msgs, err = readAll(ctx, c.who.api, c.conv); err == nil {
				break
			}
			r.errs.add("verify:" + errorCode(err))
		}
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			stored[m.ClientMessageID]++
		}
		return nil
	})
	return stored, err
}

func (r *chaosRun) closeAll() {
	if r.closing.Swap(true) {
		return
	}
	for _, c := range r.clients {
		if c == nil {
			continue
		}
		c.mu.Lock()
		if c.timer != nil {
			c.timer.Stop()
		}
		s := c.sock
		c.mu.Unlock()
		if s != nil {
			_ = s.Close()
		}
	}
	for _, f := range r.feeds {
		if f != nil {
			_ = f.Close()
		}
	}
}

// account fills res from the clients' outboxes and what was stored.
func (r *chaosRun) account(res *ChaosResult, stored map[string]int, outages []faults.Outage) {
	var acks []time.Duration
	type ack struct{ at, acked time.Time }
	var all []ack
	for _, c := range r.clients {
		c.mu.Lock()
		for _, s := range c.sends {
			res.Sent++
			n := stored[s.cmid]
			if n == 0 {
				res.Lost++
			}
			if n > 1 {
				res.Duplicated++
			}
			if n > 0 {
				res.Stored++
			}
			if s.refused {
				res.Refused++
			}
			if s.ackedAt.IsZero() && !s.refused {
				res.Unresolved++
			}
			if s.unanswered {
				res.Unanswered++
				if n == 1 && !s.ackedAt.IsZero() {
					res.ResolvedByRetry++
				}
			}
			if !s.ackedAt.IsZero() {
				acks = append(acks, s.ackedAt.Sub(s.at))
				all = append(all, ack{s.at, s.ackedAt})
			}
		}
		c.mu.Unlock()
	}
	res.Attempts = int(r.attempts.Load())
	res.AckLatency = Summarize(acks)
	res.Reconnects = int(r.reconnects.Load())
	res.CatchUps = int(r.catchUps.Load())
	res.FeedDeliveries = int(r.feedsSeen.Load())
	res.FeedExpected = res.Stored * r.cfg.FeedsPerCounsellor
	res.ClientErrors = r.errs.snapshot()
	for _, o := range outages {
		rec := OutageRecovery{Service: o.Service, Start: o.Start, End: o.End}
		var first, last time.Time
		for _, a := range all {
			if a.acked.After(o.End) && (first.IsZero() || a.acked.Before(first)) {
				first = a.acked
			}
			if a.at.Before(o.End) && a.acked.After(last) {
				last = a.acked
			}
		}
		if !first.IsZero() {
			rec.FirstAckSeconds = first.Sub(o.End).Seconds()
		}
		if last.After(o.End) {
			rec.BacklogClearedSeconds = last.Sub(o.End).Seconds()
		}
		res.Outages = append(res.Outages, rec)
	}
}

// connect opens the client's connection on its conversation.
func (c *chaosClient) connect(ctx context.Context) error {
	sock, err := dialFunc(ctx, c.r.ep.WebSocket, c.who, c.conv, c.onFrame)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.sock = sock
	c.mu.Unlock()
	go c.watch(sock)
	return nil
}

// write is a person sending a message: into the outbox, then onto the
// socket (dropped right after, when drop says so).
func (c *chaosClient) write(cmid string, drop bool) {
	s := &chaosSend{cmid: cmid, at: time.Now()}
	c.mu.Lock()
	c.sends = append(c.sends, s)
	c.pending = append(c.pending, s)
	c.drop = c.drop || drop
	c.mu.Unlock()
	c.flush()
}

// flush sends everything waiting, oldest first, when the connection is
// open, then arms the retry timer (conversation.js track and retryLater).
func (c *chaosClient) flush() {
	c.mu.Lock()
	sock, drop := c.sock, c.drop
	var frames []*chaosSend
	if sock != nil && !c.redialing {
		frames = append(frames, c.pending...)
		for _, s := range frames {
			if s.attempts > 0 {
				s.unanswered = true
			}
			s.attempts++
		}
		c.drop = c.drop && len(frames) == 0
	}
	c.mu.Unlock()
	for _, s := range frames {
		c.r.attempts.Add(1)
		if err := sock.SendMessage(c.r.ctx, c.conv, s.cmid, c.r.body); err != nil {
			c.r.errs.add("write")
			break
		}
	}
	if drop && len(frames) > 0 {
		// The connection drops with a send in flight.
		_ = sock.Close()
	}
	c.retryLater()
}

// retryLater sends what still waits again after the retry policy's wait.
func (c *chaosClient) retryLater() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
	if len(c.pending) == 0 || c.r.closing.Load() {
		c.retries = 0
		return
	}
	d := retryWait(c.retries, c.r.cfg.RetryFirst, c.r.cfg.RetryMax)
	c.retries++
	c.timer = time.AfterFunc(d, c.flush)
}

// retryWait is outbox.js's retryDelay: half to all of first * 2^n, at most max.
func retryWait(n int, first, most time.Duration) time.Duration {
	d := most
	if n < 30 && first<<n < most {
		d = first << n
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// onFrame takes what the server sends the client: its acknowledgements
// and refusals.
func (c *chaosClient) onFrame(f client.Frame) {
	switch {
	case f.Type == chat.EventMessageCreated && f.Message != nil:
		c.settle(f.Message.ClientMessageID, false)
	case f.Type == "error":
		c.r.errs.add("frame:" + string(f.Code))
		if f.ClientMessageID == "" {
			return
		}
		if retryableCode(f.Code) {
			c.retryLater()
			return
		}
		c.mu.Lock()
		for i, s := range c.pending {
			if s.cmid == f.ClientMessageID {
				s.refused = true
				c.pending = append(c.pending[:i], c.pending[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
	case f.Type == "" && strings.Contains(string(f.Raw), "Internal server error"):
		// API Gateway's frame when the function failed: nothing names the
		// send; the retry timer sends it again.
		c.r.errs.add("frame:gateway_internal_error")
	}
}

// retryableCode is outbox.js's retryable: the codes that keep a message
// waiting to be sent again.
func retryableCode(code chat.Code) bool {
	switch code {
	case chat.CodeRateLimited, chat.CodeUnauthorized, chat.CodeUnavailable, chat.CodeInternal:
		return true
	}
	return false
}

// settle takes the server's word that cmid is stored: acknowledged on the
// socket, or found by a catch-up over HTTP.
func (c *chaosClient) settle(cmid string, caughtUp bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.pending {
		if s.cmid == cmid {
			s.ackedAt = time.Now()
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			c.retries = 0
			if caughtUp {
				c.r.catchUps.Add(1)
			}
			return
		}
	}
}

// watch reconnects the client when its connection closes during the run,
// catches up over HTTP, and sends what still waits (conversation.js
// catchUp).
func (c *chaosClient) watch(sock *client.Socket) {
	code, err := sock.Closed(context.Background())
	if err != nil || c.r.closing.Load() {
		return
	}
	c.r.errs.add(fmt.Sprintf("closed:%d", code))
	c.mu.Lock()
	c.redialing = true
	c.mu.Unlock()
	for n := 0; !c.r.closing.Load(); n++ {
		wait := time.NewTimer(retryWait(n, 500*time.Millisecond, 10*time.Second))
		select {
		case <-wait.C:
		case <-c.r.ctx.Done():
			wait.Stop()
			return
		}
		ctx, cancel := context.WithTimeout(c.r.ctx, 30*time.Second)
		next, err := dialFunc(ctx, c.r.ep.WebSocket, c.who, c.conv, c.onFrame)
		if err != nil {
			cancel()
			c.r.errs.add("reconnect:" + errorCode(err))
			continue
		}
		c.r.reconnects.Add(1)
		msgs, err := readAll(ctx, c.who.api, c.conv)
		cancel()
		if err != nil {
			c.r.errs.add("catchup:" + errorCode(err))
		}
		for _, m := range msgs {
			c.settle(m.ClientMessageID, true)
		}
		c.mu.Lock()
		c.sock, c.redialing = next, false
		c.mu.Unlock()
		go c.watch(next)
		c.flush()
		return
	}
}

// Print writes the run's summary for people.
func (r *ChaosResult) Print(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "\nchaos: %d connections (%d clients, %d dashboards), %.0f messages/s for %s; load average %s -> %s\n",
		r.Connections, c.Conversations, c.Counsellors*c.FeedsPerCounsellor, c.Rate, c.Duration, r.Machine.LoadAverageStart, r.Machine.LoadAverageEnd)
	fmt.Fprintf(w, "messages: sent %d (in %d frames), stored %d, lost %d, duplicated %d\n", r.Sent, r.Attempts, r.Stored, r.Lost, r.Duplicated)
	fmt.Fprintf(w, "unanswered at first %d, resolved by retry %d, never acknowledged %d, refused %d\n", r.Unanswered, r.ResolvedByRetry, r.Unresolved, r.Refused)
	fmt.Fprintf(w, "acknowledgement (retries included): p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms\n", r.AckLatency.P50, r.AckLatency.P95, r.AckLatency.P99, r.AckLatency.Max)
	fmt.Fprintf(w, "reconnects %d, settled by catch-up %d, dashboard deliveries %d of %d\n", r.Reconnects, r.CatchUps, r.FeedDeliveries, r.FeedExpected)
	for _, o := range r.Outages {
		fmt.Fprintf(w, "%s outage %s: first acknowledgement %.1f s after it ended, backlog cleared %.1f s after\n",
			o.Service, o.End.Sub(o.Start), o.FirstAckSeconds, o.BacklogClearedSeconds)
	}
	fmt.Fprintf(w, "client errors: %s\n", sortedCounts(r.ClientErrors))
	injected := make(map[string]int, len(r.Injected))
	for k, v := range r.Injected {
		injected[k] = int(v)
	}
	fmt.Fprintf(w, "faults injected: %s\n", sortedCounts(injected))
	verdict := "PASS: nothing lost, nothing duplicated, every message stored once"
	if !r.Passed() {
		verdict = "FAIL: messages lost, duplicated or never acknowledged"
	}
	fmt.Fprintln(w, verdict)
}

// sortedCounts writes counts as "a=1 b=2", by name.
func sortedCounts(m map[string]int) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
