package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/endpoints"
)

// Target is the deployment a run loads.
type Target struct {
	Endpoints endpoints.Endpoints
	// Report, when set, returns what the stack measured from inside (its
	// Recorder): the DynamoDB time of each message and the routes' costs.
	Report func(ctx context.Context) (StackReport, error)
	// StackPIDs are the stack's processes, whose memory the result reports.
	StackPIDs func() []int
	// InProcess is set when the stack runs inside this process.
	InProcess bool
}

// conn is one WebSocket connection of the run.
type conn struct {
	idx            int
	role           chat.Role
	owner          *person
	conversationID string
	sock           *client.Socket
}

// runner holds the state of one run.
type runner struct {
	cfg    Config
	target Target
	out    io.Writer
	runID  string
	// step counts the load phases of RunSteps, so that every message of
	// the run has its own clientMessageId (one sent again would be taken
	// for a retry of the first, acknowledged and never delivered).
	step int

	ledger *Ledger
	errs   *tally
	frames atomic.Int64
	// closing is set once the run closes its connections itself.
	closing atomic.Bool

	clients, counsellors []*person
	supervisors          []*person
	convs                []string
	conns                []*conn
	// clientConn and staffConn map a conversation to its connections
	// (staffConn -1: none); feeds are the counsellors' staff-feed
	// connections, feedOf maps a counsellor to its first feed (-1: none)
	// and feedsOf to all of them; supervisorFeeds are the supervisors'.
	clientConn, staffConn []int
	feeds                 []int
	feedOf                []int
	feedsOf               [][]int
	supervisorFeeds       []int
}

// Run loads target as cfg says and returns what it measured. Progress goes
// to progress (nil: nowhere), one line per cfg.Progress. It fails only when
// the run cannot be set up; what goes wrong once messages flow is counted in
// the result.
func Run(ctx context.Context, cfg Config, target Target, progress io.Writer) (*Result, error) {
	results, err := RunSteps(ctx, cfg, target, []float64{cfg.Rate}, progress, nil)
	if err != nil {
		return nil, err
	}
	return results[0], nil
}

// RunSteps sets a run up once (users, conversations, connections), then
// loads it at each of rates in turn, for cfg.Duration each, and returns
// what each step measured on its own: its messages, verified, its
// latencies, its CPU. It stops after a step for which more (nil: always
// true) returns false. The stack's route report is cumulative over the
// steps.
func RunSteps(ctx context.Context, cfg Config, target Target, rates []float64, progress io.Writer, more func(*Result) bool) ([]*Result, error) {
	cfg = cfg.withDefaults()
	for _, rate := range rates {
		step := cfg
		step.Rate = rate
		if err := step.Validate(); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ep := target.Endpoints
	if err := CheckLoopback(ep.HTTPAPI, ep.WebSocket, ep.CognitoEndpoint); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = io.Discard
	}
	r := &runner{cfg: cfg, target: target, out: progress, runID: randomHex(3), ledger: NewLedger(), errs: newTally()}
	machine := thisMachine()
	began := time.Now()
	if err := r.setUp(ctx); err != nil {
		return nil, err
	}
	setup := time.Since(began).Seconds()

	defer r.closeAll()
	var connect ConnectStats
	if err := r.connectAll(ctx, &connect); err != nil {
		return nil, err
	}
	var results []*Result
	for i, rate := range rates {
		if i > 0 {
			r.ledger.Reset()
			r.errs.reset()
			machine = thisMachine()
		}
		r.cfg.Rate, r.step = rate, i
		res := &Result{Config: r.cfg, StartedAt: time.Now().UTC(), Machine: machine, SetupSeconds: setup, Connect: connect}
		r.load(ctx, &res.Load)
		if err := r.verify(ctx); err != nil {
			return nil, err
		}
		if i == len(rates)-1 {
			r.closeAll()
		}
		var stack *StackReport
		if target.Report != nil {
			rep, err := target.Report(ctx)
			if err != nil {
				return nil, fmt.Errorf("loadtest: read the stack's measurements: %w", err)
			}
			stack = &rep
			res.Stack = rep.Routes
		}
		r.summarise(res, stack)
		results = append(results, res)
		if more != nil && !more(res) {
			break
		}
	}
	return results, nil
}

// setUp creates the users, signs them in and opens the conversations.
func (r *runner) setUp(ctx context.Context) error {
	t, err := newTeam(r.target.Endpoints, r.runID)
	if err != nil {
		return err
	}
	began := time.Now()
	fmt.Fprintf(r.out, "setup: creating %d clients and %d counsellors\n", r.cfg.Conversations, r.cfg.Counsellors)
	if r.clients, err = t.people(ctx, "c", r.cfg.Conversations, r.cfg.SetupConcurrency); err != nil {
		return fmt.Errorf("loadtest: create clients: %w", err)
	}
	if r.counsellors, err = t.people(ctx, "s", r.cfg.Counsellors, r.cfg.SetupConcurrency); err != nil {
		return fmt.Errorf("loadtest: create counsellors: %w", err)
	}
	if r.supervisors, err = t.people(ctx, "v", r.cfg.Supervisors, r.cfg.SetupConcurrency); err != nil {
		return fmt.Errorf("loadtest: create supervisors: %w", err)
	}
	fmt.Fprintf(r.out, "setup: users ready in %.1fs; opening %d conversations\n", time.Since(began).Seconds(), r.cfg.Conversations)
	r.convs = make([]string, r.cfg.Conversations)
	err = parallel(ctx, r.cfg.Conversations, r.cfg.SetupConcurrency, func(ctx context.Context, i int) error {
		c, err := r.clients[i].api.CreateConversation(ctx, "")
		if err != nil {
			return err
		}
		r.convs[i] = c.ID
		// Its counsellor claims it: from then on only they and the
		// supervisors receive its words.
		_, err = r.counsellors[i%r.cfg.Counsellors].api.Claim(ctx, c.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("loadtest: create and claim conversations: %w", err)
	}
	r.plan()
	return nil
}

// plan lays out the connections: every client on its conversation, the
// counsellors on the first StaffConversationConnections conversations, and
// the feeds. Each conversation is counsellor i mod Counsellors's.
func (r *runner) plan() {
	c := r.cfg
	add := func(role chat.Role, owner *person, conv string) int {
		idx := len(r.conns)
		r.conns = append(r.conns, &conn{idx: idx, role: role, owner: owner, conversationID: conv})
		return idx
	}
	r.clientConn = make([]int, c.Conversations)
	r.staffConn = make([]int, c.Conversations)
	for i := range c.Conversations {
		r.clientConn[i] = add(chat.RoleClient, r.clients[i], r.convs[i])
		r.staffConn[i] = -1
	}
	for i := range c.StaffConversationConnections {
		r.staffConn[i] = add(chat.RoleStaff, r.counsellors[i%c.Counsellors], r.convs[i])
	}
	r.feedOf = make([]int, c.Counsellors)
	r.feedsOf = make([][]int, c.Counsellors)
	for k := range r.feedOf {
		r.feedOf[k] = -1
	}
	for j := range c.Feeds {
		k := j % c.Counsellors
		idx := add(chat.RoleStaff, r.counsellors[k], "")
		r.feeds = append(r.feeds, idx)
		r.feedsOf[k] = append(r.feedsOf[k], idx)
		if r.feedOf[k] < 0 {
			r.feedOf[k] = idx
		}
	}
	for _, s := range r.supervisors {
		r.supervisorFeeds = append(r.supervisorFeeds, add(chat.RoleStaff, s, ""))
	}
}

// connectAll opens every connection, ConnectConcurrency at a time.
func (r *runner) connectAll(ctx context.Context, st *ConnectStats) error {
	var (
		mu                     sync.Mutex
		tickets, hands, totals []time.Duration
		opened, failed         atomic.Int64
		wsURL                  = r.target.Endpoints.WebSocket
		began                  = time.Now()
		stopProgress           = r.every(func() {
			mu.Lock()
			p99 := Percentile(sortedCopy(totals), 99)
			mu.Unlock()
			fmt.Fprintf(r.out, "connect: %d/%d open, %d failed, connect p99 so far %.1f ms\n", opened.Load(), len(r.conns), failed.Load(), ms(p99))
		})
	)
	defer stopProgress()
	err := parallel(ctx, len(r.conns), r.cfg.ConnectConcurrency, func(ctx context.Context, i int) error {
		c := r.conns[i]
		t0 := time.Now()
		ticket, err := c.owner.api.Ticket(ctx)
		if err != nil {
			failed.Add(1)
			r.errs.add("ticket:" + errorCode(err))
			return nil
		}
		t1 := time.Now()
		sock, err := client.DialFunc(ctx, wsURL, ticket, c.conversationID, c.owner.api.Origin, r.onFrame(c))
		if err != nil {
			failed.Add(1)
			r.errs.add("connect:" + errorCode(err))
			return nil
		}
		t2 := time.Now()
		c.sock = sock
		opened.Add(1)
		go r.watch(c)
		mu.Lock()
		tickets = append(tickets, t1.Sub(t0))
		hands = append(hands, t2.Sub(t1))
		totals = append(totals, t2.Sub(t0))
		mu.Unlock()
		return nil
	})
	st.Opened, st.Failed = int(opened.Load()), int(failed.Load())
	st.Seconds = time.Since(began).Seconds()
	st.Ticket, st.Handshake, st.Total = Summarize(tickets), Summarize(hands), Summarize(totals)
	return err
}

// onFrame accounts for every frame connection c receives.
func (r *runner) onFrame(c *conn) func(client.Frame) {
	return func(f client.Frame) {
		r.frames.Add(1)
		switch f.Type {
		case chat.EventMessageCreated:
			if f.Message != nil {
				r.ledger.Received(c.idx, f.Message.ClientMessageID, f.Message.ID, f.At)
			}
		case "error":
			r.errs.add("frame:" + string(f.Code))
			r.ledger.Failed(f.ClientMessageID, f.Code)
		case "":
			// API Gateway's own frame when a function fails.
			if strings.Contains(string(f.Raw), "Internal server error") {
				r.errs.add("frame:gateway_internal_error")
			}
		}
	}
}

// watch counts a connection that closes before the run closes it.
func (r *runner) watch(c *conn) {
	code, err := c.sock.Closed(context.Background())
	if err != nil || r.closing.Load() {
		return
	}
	r.ledger.Gone(c.idx)
	r.errs.add(fmt.Sprintf("closed:%d", code))
}

// load sends Rate messages a second for Duration, then waits for the
// outstanding frames.
func (r *runner) load(ctx context.Context, st *LoadStats) {
	n := int(r.cfg.Rate * r.cfg.Duration.Seconds())
	st.Scheduled = n
	order := rand.Perm(r.cfg.Conversations)
	interval := time.Duration(float64(time.Second) / r.cfg.Rate)
	body := strings.Repeat("x", r.cfg.BodyBytes)
	fmt.Fprintf(r.out, "load: %d messages over %s\n", n, r.cfg.Duration)

	cpuAtStart := sampleCPU(slices.Collect(maps.Keys(r.processes())))
	began := time.Now()
	var framesAtStart = r.frames.Load()
	stopProgress := r.every(func() { r.progressLine(began) })
	var sends sync.WaitGroup
	pace(ctx, began, n, interval, func(i int) {
		if s, sock, ok := r.message(i, order); ok {
			sends.Go(func() { r.send(ctx, s, sock, body) })
		}
	})
	sends.Wait()
	st.Seconds = time.Since(began).Seconds()

	drainFrom := time.Now()
	deadline := drainFrom.Add(r.cfg.Drain)
	tick := time.NewTicker(50 * time.Millisecond)
	for r.ledger.Outstanding() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		<-tick.C
	}
	tick.Stop()
	stopProgress()
	r.progressLine(began)
	st.DrainSeconds = time.Since(drainFrom).Seconds()
	counts := r.ledger.Counts()
	st.SentPerSecond = float64(counts.Sent) / st.Seconds
	st.AcknowledgedPerSecond = float64(counts.Acknowledged) / st.Seconds
	st.FramesReceived = r.frames.Load() - framesAtStart
	st.FramesPerSecond = float64(st.FramesReceived) / (st.Seconds + st.DrainSeconds)
	procs := r.processes()
	st.CPU = cpuBetween(cpuAtStart, sampleCPU(slices.Collect(maps.Keys(procs))), counts.Acknowledged)
	for i := range st.CPU {
		if name := procs[st.CPU[i].PID]; name != "" {
			st.CPU[i].Name = name
		}
	}
}

// processes names this process and the stack's, when known: the load
// generator (with the stack inside it when it runs in this process), the
// stack's own process (the functions, the local gateway and the local
// KMS), and its children by their own names (dynoxide, node for
// cognito-local).
func (r *runner) processes() map[int]string {
	self := os.Getpid()
	procs := map[int]string{self: "load generator"}
	if r.target.InProcess {
		procs[self] = "load generator and stack"
	}
	if r.target.StackPIDs == nil {
		return procs
	}
	for i, pid := range r.target.StackPIDs() {
		switch {
		case pid == self:
		case i == 0 && !r.target.InProcess:
			procs[pid] = "functions+gateway"
		default:
			_, name, _ := ReadCPU(pid)
			if name == "node" {
				name = "cognito-local"
			}
			procs[pid] = name
		}
	}
	return procs
}

// pace calls send(i) for i from 0 to n-1, the ith at began + i*interval,
// until ctx ends.
func pace(ctx context.Context, began time.Time, n int, interval time.Duration, send func(i int)) {
	timer := time.NewTimer(0)
	<-timer.C
	for i := range n {
		if wait := time.Until(began.Add(time.Duration(i) * interval)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			return
		}
		send(i)
	}
}

// message plans send number i: conversation order[i mod n], whose turns
// alternate between its client and its counsellor. A counsellor writes on
// its connection to the conversation, else on its feed; a conversation with
// neither only hears from its client.
func (r *runner) message(i int, order []int) (Send, *client.Socket, bool) {
	ci := order[i%len(order)]
	sender := r.clientConn[ci]
	if (i/len(order))%2 == 1 {
		if s := r.staffConn[ci]; s >= 0 {
			sender = s
		} else if f := r.feedOf[ci%r.cfg.Counsellors]; f >= 0 {
			sender = f
		}
	}
	if r.conns[sender].sock == nil {
		return Send{}, nil, false
	}
	// Need to know: the conversation's own connections, its counsellor's
	// feeds and the supervisors' feeds, nobody else.
	var recipients []Recipient
	audience := append([]int{r.clientConn[ci], r.staffConn[ci]}, r.feedsOf[ci%r.cfg.Counsellors]...)
	for _, idx := range append(audience, r.supervisorFeeds...) {
		if idx >= 0 && idx != sender && r.conns[idx].sock != nil {
			recipients = append(recipients, Recipient{Conn: idx, Role: r.conns[idx].role})
		}
	}
	return Send{
		ClientMessageID: fmt.Sprintf("lt-%s-%d-%d", r.runID, r.step, i),
		ConversationID:  r.convs[ci],
		Sender:          sender,
		SenderRole:      r.conns[sender].role,
		Recipients:      recipients,
	}, r.conns[sender].sock, true
}

// send writes one sendMessage frame.
func (r *runner) send(ctx context.Context, s Send, sock *client.Socket, body string) {
	s.At = time.Now()
	r.ledger.Sent(s)
	if err := sock.SendMessage(ctx, s.ConversationID, s.ClientMessageID, body); err != nil {
		r.errs.add("write")
		r.ledger.Failed(s.ClientMessageID, "write_failed")
	}
}

// progressLine prints the run's state and the last interval's latencies.
func (r *runner) progressLine(began time.Time) {
	c := r.ledger.Counts()
	recent := Summarize(r.ledger.TakeRecent())
	fmt.Fprintf(r.out, "t=%3.0fs sent %d acked %d refused %d deliveries %d outstanding %d errors %d | last interval: %d deliveries, p50 %.1f p99 %.1f max %.1f ms\n",
		time.Since(began).Seconds(), c.Sent, c.Acknowledged, c.Failed, c.Deliveries, r.ledger.Outstanding(), r.errs.total(),
		recent.Count, recent.P50, recent.P99, recent.Max)
}

// every calls fn each Progress interval until the returned stop is called.
func (r *runner) every(fn func()) (stop func()) { return every(r.cfg.Progress, fn) }

// every calls fn each interval until the returned stop is called.
func every(interval time.Duration, fn func()) (stop func()) {
	t := time.NewTicker(interval)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-t.C:
				fn()
			case <-done:
				return
			}
		}
	})
	return func() {
		t.Stop()
		close(done)
		wg.Wait()
	}
}

// verify reads every conversation's messages back through the HTTP API, as
// its counsellor, and gives them to the ledger. A conversation that cannot
// be read (an overloaded stack answers 5xx or not at all) is tried again a
// few times; what is still unread after cfg.Verify counts as unread rather
// than failing the run.
func (r *runner) verify(ctx context.Context) error {
	fmt.Fprintf(r.out, "verify: reading %d conversations back over HTTP\n", len(r.convs))
	vctx, cancel := context.WithTimeout(ctx, r.cfg.Verify)
	defer cancel()
	unread := 0
	var mu sync.Mutex
	_ = parallel(vctx, len(r.convs), r.cfg.SetupConcurrency, func(vctx context.Context, i int) error {
		reader := r.counsellors[i%len(r.counsellors)].api
		for attempt := 0; attempt < verifyAttempts && vctx.Err() == nil; attempt++ {
			msgs, err := readAll(vctx, reader, r.convs[i])
			if err == nil {
				r.ledger.Stored(msgs)
				return nil
			}
			r.errs.add("verify:" + errorCode(err))
			select {
			case <-time.After(verifyPause):
			case <-vctx.Done():
			}
		}
		r.ledger.Unread(r.convs[i])
		mu.Lock()
		unread++
		mu.Unlock()
		return nil
	})
	if unread > 0 {
		fmt.Fprintf(r.out, "verify: %d conversations could not be read back\n", unread)
	}
	return ctx.Err()
}

// How often and how patiently verify reads a conversation.
const (
	verifyAttempts = 4
	verifyPause    = 5 * time.Second
)

// readAll reads every page of a conversation's messages.
func readAll(ctx context.Context, reader *client.Client, conversationID string) ([]chat.Message, error) {
	var all []chat.Message
	q := url.Values{"limit": {"100"}}
	for {
		page, err := reader.Messages(ctx, conversationID, q)
		if err != nil {
			return nil, fmt.Errorf("loadtest: read back conversation %s: %w", conversationID, err)
		}
		all = append(all, page.Messages...)
		if page.NextCursor == nil {
			return all, nil
		}
		q.Set("cursor", *page.NextCursor)
	}
}

// closeAll closes every open connection (each gets its $disconnect).
func (r *runner) closeAll() {
	if r.closing.Swap(true) {
		return
	}
	_ = parallel(context.Background(), len(r.conns), 16, func(_ context.Context, i int) error {
		if s := r.conns[i].sock; s != nil {
			_ = s.Close()
		}
		return nil
	})
}

// summarise fills res from the ledger and the stack's report.
func (r *runner) summarise(res *Result, stack *StackReport) {
	var inDB func(string) (time.Duration, bool)
	var toInvocation, dbTimes []time.Duration
	if stack != nil {
		inDB = func(cmid string) (time.Duration, bool) {
			t, ok := stack.Messages[cmid]
			return t.DynamoDB, ok
		}
		r.ledger.eachAcknowledged(func(s Send) {
			if t, ok := stack.Messages[s.ClientMessageID]; ok {
				toInvocation = append(toInvocation, t.InvokedAt.Sub(s.At))
				dbTimes = append(dbTimes, t.DynamoDB)
			}
		})
	}
	lat := r.ledger.Latencies(inDB)
	res.Latency = LatencyStats{
		Ack: Summarize(lat.Ack), Delivery: Summarize(lat.Delivery), DeliveryExDynamoDB: Summarize(lat.DeliveryExDynamoDB),
		ToInvocation: Summarize(toInvocation), InDynamoDB: Summarize(dbTimes),
	}
	res.Accounting = r.ledger.Account()
	res.KMSCallsPer1000Messages = kmsPer1000(res.Stack, res.Accounting.Stored)
	res.Errors = r.errs.snapshot()
	res.Memory = r.memory()
	res.Machine.LoadAverageEnd = loadAverage()
	res.Targets = checkTargets(res, stack != nil)
}

// memory reads this process's memory and the stack's processes'.
func (r *runner) memory() MemoryStats {
	m := MemoryStats{InProcessStack: r.target.InProcess}
	m.LoadGenerator, _ = ReadMemory(os.Getpid())
	if r.target.StackPIDs != nil {
		for _, pid := range r.target.StackPIDs() {
			if pm, err := ReadMemory(pid); err == nil {
				m.Stack = append(m.Stack, pm)
			}
		}
	}
	return m
}

// errorCode names an error for the tally: the API's code, the refused
// handshake's status, or "transport".
func errorCode(err error) string {
	var api *client.APIError
	var dial *client.DialError
	switch {
	case errors.As(err, &api) && api.Code != "":
		return string(api.Code)
	case errors.As(err, &api):
		return fmt.Sprint(api.Status)
	case errors.As(err, &dial) && dial.Status != 0:
		return fmt.Sprint(dial.Status)
	default:
		return "transport"
	}
}

func sortedCopy(ds []time.Duration) []time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s
}

// tally counts errors by name.
type tally struct {
	mu sync.Mutex
	n  map[string]int
}

func newTally() *tally { return &tally{n: map[string]int{}} }

func (t *tally) add(name string) {
	t.mu.Lock()
	t.n[name]++
	t.mu.Unlock()
}

func (t *tally) reset() {
	t.mu.Lock()
	clear(t.n)
	t.mu.Unlock()
}

func (t *tally) total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, v := range t.n {
		n += v
	}
	return n
}

func (t *tally) snapshot() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int, len(t.n))
	for k, v := range t.n {
		out[k] = v
	}
	return out
}
