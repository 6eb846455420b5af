package loadtest

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// The capacity targets of issue 12: what a step of the curve must hold for
// its rate to count as handled.
const (
	// CapacityDeliveryP99 bounds the end-to-end delivery p99, in ms.
	CapacityDeliveryP99 = 100
)

// CapacityMet reports whether a step handled its rate: nothing lost,
// duplicated or left unanswered, every message sent at the rate asked
// (within 5 %), and delivery p99 within CapacityDeliveryP99. It returns
// the reasons when not.
func CapacityMet(r *Result) (bool, []string) {
	var why []string
	a := r.Accounting
	if a.Lost > 0 {
		why = append(why, fmt.Sprintf("%d lost", a.Lost))
	}
	if a.Duplicated > 0 {
		why = append(why, fmt.Sprintf("%d duplicated", a.Duplicated))
	}
	if a.Unanswered > 0 {
		why = append(why, fmt.Sprintf("%d unanswered", a.Unanswered))
	}
	if r.Load.AcknowledgedPerSecond < 0.95*r.Config.Rate {
		why = append(why, fmt.Sprintf("acknowledged %.1f/s of %g/s", r.Load.AcknowledgedPerSecond, r.Config.Rate))
	}
	if p99 := r.Latency.Delivery.P99; p99 > CapacityDeliveryP99 {
		why = append(why, fmt.Sprintf("delivery p99 %.0f ms", p99))
	}
	return len(why) == 0, why
}

// Curve is a capacity run: the steps of one set of connections at rising
// rates, and the highest rate handled.
type Curve struct {
	Connections int       `json:"connections"`
	Steps       []*Result `json:"steps"`
	// Knee is the highest rate a step handled (0: none), and Broke why the
	// step after it did not (empty when every step held).
	Knee  float64  `json:"knee"`
	Broke []string `json:"broke,omitempty"`
}

// NewCurve judges the steps of a capacity run.
func NewCurve(steps []*Result) Curve {
	c := Curve{Steps: steps}
	if len(steps) > 0 {
		c.Connections = steps[0].Config.Connections()
	}
	for _, s := range steps {
		ok, why := CapacityMet(s)
		if !ok {
			c.Broke = why
			break
		}
		c.Knee = s.Config.Rate
	}
	return c
}

// Print writes the curve as a table: per step the rate, what was
// acknowledged, the accounting, the latencies and the CPU per message of
// each process.
func (c Curve) Print(w io.Writer) {
	fmt.Fprintf(w, "capacity at %d connections\n", c.Connections)
	fmt.Fprintf(w, "%8s %8s %5s %5s %5s %6s %9s %9s %9s  %s\n", "rate/s", "acked/s", "lost", "dup", "unans", "refus", "p50 ms", "p99 ms", "exDB p99", "CPU ms per message")
	for _, s := range c.Steps {
		a, l := s.Accounting, s.Latency
		fmt.Fprintf(w, "%8g %8.1f %5d %5d %5d %6d %9.1f %9.1f %9.1f  %s  (load %s)\n", s.Config.Rate, s.Load.AcknowledgedPerSecond,
			a.Lost, a.Duplicated, a.Unanswered, a.Refused, l.Delivery.P50, l.Delivery.P99, l.DeliveryExDynamoDB.P99,
			cpuLine(s.Load.CPU), s.Machine.LoadAverageStart)
	}
	if c.Knee == 0 {
		fmt.Fprintf(w, "knee: no step held (%s)\n", strings.Join(c.Broke, ", "))
		return
	}
	fmt.Fprintf(w, "knee: %g messages/s", c.Knee)
	if len(c.Broke) > 0 {
		fmt.Fprintf(w, "; the next step broke: %s", strings.Join(c.Broke, ", "))
	}
	fmt.Fprintln(w)
}

// cpuLine is "loadtest 1.20, dynoxide 0.40": each process's CPU per
// message, busiest first.
func cpuLine(ps []ProcessCPU) string {
	sorted := append([]ProcessCPU(nil), ps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].MsPerMessage > sorted[j].MsPerMessage })
	parts := make([]string, len(sorted))
	for i, p := range sorted {
		parts[i] = fmt.Sprintf("%s %.2f", p.Name, p.MsPerMessage)
	}
	return strings.Join(parts, ", ")
}
