package loadtest

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Result is everything a run measured; cmd/loadtest writes it as JSON.
type Result struct {
	Config    Config    `json:"config"`
	StartedAt time.Time `json:"startedAt"`
	Machine   Machine   `json:"machine"`
	// Setup is the time taken to create the users and conversations.
	SetupSeconds float64      `json:"setupSeconds"`
	Connect      ConnectStats `json:"connect"`
	Load         LoadStats    `json:"load"`
	Latency      LatencyStats `json:"latency"`
	Accounting   Accounting   `json:"accounting"`
	// Errors counts every error by where it happened and its code, e.g.
	// "frame:rate_limited", "connect:403", "closed:1006".
	Errors map[string]int `json:"errors"`
	// Stack is what the stack measured from inside, when it could be asked.
	Stack []RouteReport `json:"stackRoutes,omitempty"`
	// KMSCallsPer1000Messages counts the KMS calls of every invocation
	// (data keys made and unwrapped) per 1,000 messages stored, when the
	// stack could be asked.
	KMSCallsPer1000Messages float64     `json:"kmsCallsPer1000Messages"`
	Memory                  MemoryStats `json:"memory"`
	// Targets are the goals of issue 8 checked against this run.
	Targets []TargetCheck `json:"targets"`
}

// Machine describes where the run ran.
type Machine struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	// LoadAverage is /proc/loadavg at the start and at the end of the run:
	// other work on the machine shows there.
	LoadAverageStart string `json:"loadAverageStart"`
	LoadAverageEnd   string `json:"loadAverageEnd"`
}

func thisMachine() Machine {
	return Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, LoadAverageStart: loadAverage()}
}

// loadAverage returns the first three fields of /proc/loadavg ("" when it
// cannot be read).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// ConnectStats are the latencies of opening the connections: the ticket
// request, the WebSocket handshake (which runs $connect) and both.
type ConnectStats struct {
	Opened    int     `json:"opened"`
	Failed    int     `json:"failed"`
	Seconds   float64 `json:"seconds"`
	Ticket    Summary `json:"ticket"`
	Handshake Summary `json:"handshake"`
	Total     Summary `json:"total"`
}

// LoadStats are the throughput figures of the sending phase.
type LoadStats struct {
	Scheduled int     `json:"scheduled"`
	Seconds   float64 `json:"seconds"`
	// DrainSeconds is how long the last acknowledgements and deliveries
	// took to arrive after the last send.
	DrainSeconds float64 `json:"drainSeconds"`
	// SentPerSecond and AcknowledgedPerSecond are over the sending phase.
	SentPerSecond         float64 `json:"sentPerSecond"`
	AcknowledgedPerSecond float64 `json:"acknowledgedPerSecond"`
	// FramesReceived counts every frame the connections received (each is
	// one PostToConnection or route response), and FramesPerSecond that
	// number over the sending phase and the drain.
	FramesReceived  int64   `json:"framesReceived"`
	FramesPerSecond float64 `json:"framesPerSecond"`
	// CPU is what each process (the load generator and, when known, the
	// stack's: the functions with the local gateway, dynoxide,
	// cognito-local) spent sending and draining.
	CPU []ProcessCPU `json:"cpu"`
}

// LatencyStats summarise the latencies of acknowledged messages.
type LatencyStats struct {
	Ack                Summary `json:"ack"`
	Delivery           Summary `json:"delivery"`
	DeliveryExDynamoDB Summary `json:"deliveryExDynamoDB"`
	// ToInvocation runs from the write of a frame to the start of the
	// invocation that handles it (the gateway's share), when known.
	ToInvocation Summary `json:"toInvocation"`
	// InDynamoDB is the DynamoDB time of each message's invocation.
	InDynamoDB Summary `json:"inDynamoDB"`
}

// MemoryStats are the resident memory figures of the processes involved.
type MemoryStats struct {
	// LoadGenerator is this process.
	LoadGenerator ProcessMemory `json:"loadGenerator"`
	// Stack lists the stack's processes, when known (empty when the stack
	// runs inside this process: then LoadGenerator holds both).
	Stack []ProcessMemory `json:"stack,omitempty"`
	// InProcessStack is set when the stack ran inside the load generator.
	InProcessStack bool `json:"inProcessStack"`
}

// TargetCheck is one goal and whether the run met it.
type TargetCheck struct {
	Name string  `json:"name"`
	Want string  `json:"want"`
	Got  float64 `json:"got"`
	Met  bool    `json:"met"`
}

// checkTargets compares r with the goals of issue 8 for a run of this size.
func checkTargets(r *Result, haveDynamo bool) []TargetCheck {
	at := func(name, want string, got float64, met bool) TargetCheck {
		return TargetCheck{Name: name, Want: want, Got: got, Met: met}
	}
	out := []TargetCheck{
		at("connect p99 (ms)", "<= 100", r.Connect.Total.P99, r.Connect.Total.P99 <= 100),
		at("connections opened", fmt.Sprintf("= %d", r.Config.Connections()), float64(r.Connect.Opened), r.Connect.Opened == r.Config.Connections()),
		at("lost messages", "= 0", float64(r.Accounting.Lost), r.Accounting.Lost == 0),
		at("duplicated messages", "= 0", float64(r.Accounting.Duplicated), r.Accounting.Duplicated == 0),
		at("unanswered messages", "= 0", float64(r.Accounting.Unanswered), r.Accounting.Unanswered == 0),
		at("unverified messages", "= 0", float64(r.Accounting.Unverified), r.Accounting.Unverified == 0),
	}
	if haveDynamo {
		out = append(out,
			at("delivery p99 without DynamoDB time (ms)", "<= 10", r.Latency.DeliveryExDynamoDB.P99, r.Latency.DeliveryExDynamoDB.P99 <= 10),
			at("delivery p50 without DynamoDB time (ms)", "<= 2", r.Latency.DeliveryExDynamoDB.P50, r.Latency.DeliveryExDynamoDB.P50 <= 2))
	}
	return out
}

// kmsOperations are the KMS calls the functions make.
var kmsOperations = []string{"Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext"}

// kmsPer1000 is the KMS calls of every route per 1,000 of stored
// messages.
func kmsPer1000(routes []RouteReport, stored int) float64 {
	if stored == 0 {
		return 0
	}
	var calls float64
	for _, rt := range routes {
		for _, op := range kmsOperations {
			calls += rt.CallsPerInvocation[op] * float64(rt.Invocations)
		}
	}
	return calls / float64(stored) * 1000
}

// Met reports whether every target was met.
func (r *Result) Met() bool {
	for _, t := range r.Targets {
		if !t.Met {
			return false
		}
	}
	return true
}

// Print writes a human summary of r.
func (r *Result) Print(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "Confide load test: %d conversations, %d connections (%d clients, %d staff feeds, %d staff on conversations), %g messages/s for %s\n",
		c.Conversations, c.Connections(), c.Conversations, c.Feeds, c.StaffConversationConnections, c.Rate, c.Duration)
	fmt.Fprintf(w, "machine: %d CPUs, load average %s at the start, %s at the end\n", r.Machine.CPUs, r.Machine.LoadAverageStart, r.Machine.LoadAverageEnd)
	fmt.Fprintf(w, "setup %.1fs; connect %d opened, %d failed in %.1fs\n", r.SetupSeconds, r.Connect.Opened, r.Connect.Failed, r.Connect.Seconds)
	row := func(name string, s Summary) {
		fmt.Fprintf(w, "  %-36s n=%-7d p50 %8.2f  p95 %8.2f  p99 %8.2f  max %8.2f ms\n", name, s.Count, s.P50, s.P95, s.P99, s.Max)
	}
	row("ticket", r.Connect.Ticket)
	row("handshake ($connect)", r.Connect.Handshake)
	row("connect (ticket + handshake)", r.Connect.Total)
	row("ack (sender's own message.created)", r.Latency.Ack)
	row("delivery to the other side", r.Latency.Delivery)
	row("  of which in DynamoDB", r.Latency.InDynamoDB)
	row("delivery without DynamoDB time", r.Latency.DeliveryExDynamoDB)
	row("write to invocation start", r.Latency.ToInvocation)
	l := r.Load
	fmt.Fprintf(w, "throughput: %.1f sent/s, %.1f acknowledged/s, %d frames received (%.0f/s); drain %.1fs\n",
		l.SentPerSecond, l.AcknowledgedPerSecond, l.FramesReceived, l.FramesPerSecond, l.DrainSeconds)
	for _, p := range l.CPU {
		fmt.Fprintf(w, "  cpu %-14s (pid %d) %6.1f s, %5.2f ms per message\n", p.Name, p.PID, p.Seconds, p.MsPerMessage)
	}
	a := r.Accounting
	fmt.Fprintf(w, "messages: %d sent, %d acknowledged, %d refused, %d unanswered (%d of them stored), %d stored, %d unverified; deliveries %d/%d\n",
		a.Sent, a.Acknowledged, a.Refused, a.Unanswered, a.StoredUnanswered, a.Stored, a.Unverified, a.Delivered, a.Deliveries)
	fmt.Fprintf(w, "lost %d (not stored %d, not delivered %d); duplicated %d (stored %d, delivered %d); delivered again %d (the same message, dropped by clients)\n",
		a.Lost, a.LostStored, a.LostDeliveries, a.Duplicated, a.DuplicatedStored, a.DuplicatedDeliveries, a.Redelivered)
	for _, l := range a.LostSamples {
		fmt.Fprintf(w, "  lost: %s to connection %d (%s); %d of its %d recipients got it\n", l.ClientMessageID, l.Conn, l.Role, l.Received, l.Recipients)
	}
	for _, d := range a.Duplicates {
		fmt.Fprintf(w, "  duplicate: %s to connection %d (sender %t): %d copies of %d messages, first %.1f ms after the send, last %.1f ms after the first\n",
			d.ClientMessageID, d.Conn, d.Sender, d.Copies, d.Messages, ms(d.SentToFirst), ms(d.FirstToLast))
	}
	if len(r.Errors) > 0 {
		keys := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprint(w, "errors:")
		for _, k := range keys {
			fmt.Fprintf(w, " %s=%d", k, r.Errors[k])
		}
		fmt.Fprintln(w)
	}
	m := r.Memory
	fmt.Fprintf(w, "memory: load generator peak %d MB", m.LoadGenerator.PeakKB/1024)
	if m.InProcessStack {
		fmt.Fprint(w, " (stack inside it)")
	}
	for _, p := range m.Stack {
		fmt.Fprintf(w, "; %s (pid %d) peak %d MB", p.Name, p.PID, p.PeakKB/1024)
	}
	fmt.Fprintln(w)
	for _, rt := range r.Stack {
		fmt.Fprintf(w, "  %-40s n=%-5d p50 %7.2f p99 %7.2f ms; outside DynamoDB p50 %6.2f p99 %6.2f ms; %.1f RRU %.1f WRU; calls %s\n",
			rt.Route, rt.Invocations, rt.Duration.P50, rt.Duration.P99, rt.OutsideDynamoDB.P50, rt.OutsideDynamoDB.P99,
			rt.RRUPerInvocation, rt.WRUPerInvocation, formatCalls(rt.CallsPerInvocation))
	}
	if len(r.Stack) > 0 {
		fmt.Fprintf(w, "KMS: %.1f calls per 1,000 messages stored\n", r.KMSCallsPer1000Messages)
	}
	for _, t := range r.Targets {
		mark := "MET "
		if !t.Met {
			mark = "MISS"
		}
		fmt.Fprintf(w, "[%s] %-42s want %-8s got %g\n", mark, t.Name, t.Want, t.Got)
	}
}

// formatCalls writes calls per invocation sorted by operation, e.g.
// "GetItem 2, Query 1.5".
func formatCalls(calls map[string]float64) string {
	ops := make([]string, 0, len(calls))
	for op := range calls {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = fmt.Sprintf("%s %.3g", op, calls[op])
	}
	return strings.Join(parts, ", ")
}
