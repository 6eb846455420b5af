package loadtest

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func step(rate, acked float64, lost, dup, unanswered int, p99 float64) *Result {
	r := &Result{Config: Default, Accounting: Accounting{Lost: lost, Duplicated: dup, Unanswered: unanswered}}
	r.Config.Rate = rate
	r.Load.AcknowledgedPerSecond = acked
	r.Latency.Delivery.P99 = p99
	return r
}

func TestNewCurveFindsTheKnee(t *testing.T) {
	tests := []struct {
		name      string
		steps     []*Result
		wantKnee  float64
		wantBroke []string
	}{
		{"EveryStepHeld", []*Result{step(50, 50, 0, 0, 0, 20), step(100, 99, 0, 0, 0, 40)}, 100, nil},
		{"LatencyBroke", []*Result{step(50, 50, 0, 0, 0, 20), step(100, 100, 0, 0, 0, 40), step(200, 200, 0, 0, 0, 180)}, 100, []string{"delivery p99 180 ms"}},
		{"LossBrokeTheFirst", []*Result{step(50, 50, 2, 0, 0, 20)}, 0, []string{"2 lost"}},
		{"FellBehind", []*Result{step(50, 50, 0, 0, 0, 20), step(300, 210, 0, 1, 3, 90)}, 50,
			[]string{"1 duplicated", "3 unanswered", "acknowledged 210.0/s of 300/s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCurve(tt.steps)
			if c.Knee != tt.wantKnee || !reflect.DeepEqual(c.Broke, tt.wantBroke) {
				t.Errorf("NewCurve() knee %g broke %q, want %g %q", c.Knee, c.Broke, tt.wantKnee, tt.wantBroke)
			}
			var out bytes.Buffer
			c.Print(&out)
			if !strings.Contains(out.String(), "knee:") {
				t.Errorf("Print() = %q, want the knee said", out.String())
			}
		})
	}
}
