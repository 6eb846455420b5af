package loadtest

import (
	"math"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"EmptyIsZero", nil, 50, 0},
		{"OneSampleIsEveryPercentile", ms(7), 99, 7 * time.Millisecond},
		{"MedianOfFourIsTheSecond", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"P99OfAHundredIsTheNinetyNinth", ms(hundred...), 99, 99 * time.Millisecond},
		{"P95OfAHundredIsTheNinetyFifth", ms(hundred...), 95, 95 * time.Millisecond},
		{"P100IsTheMaximum", ms(1, 5, 9), 100, 9 * time.Millisecond},
		{"P99OfTenIsTheMaximum", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"TinyPercentileIsTheMinimum", ms(3, 4), 0.1, 3 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %g) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want Summary
	}{
		{"EmptyIsZero", nil, Summary{}},
		{"UnsortedInputIsSortedFirst",
			[]time.Duration{4 * time.Millisecond, 1 * time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond},
			Summary{Count: 4, Mean: 2.5, P50: 2, P95: 4, P99: 4, Max: 4}},
		{"MicrosecondsAreKept",
			[]time.Duration{1500 * time.Microsecond},
			Summary{Count: 1, Mean: 1.5, P50: 1.5, P95: 1.5, P99: 1.5, Max: 1.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]time.Duration(nil), tt.in...)
			if got := Summarize(in); got != tt.want {
				t.Errorf("Summarize = %+v, want %+v", got, tt.want)
			}
			for i := range in {
				if in[i] != tt.in[i] {
					t.Fatalf("Summarize changed its input: %v, was %v", in, tt.in)
				}
			}
		})
	}
}

func TestKMSCallsPer1000Messages(t *testing.T) {
	routes := []RouteReport{
		{Route: "message sendMessage", Invocations: 2000, CallsPerInvocation: map[string]float64{"Decrypt": 0.001, "GetItem": 2}},
		{Route: "api POST /conversations", Invocations: 10, CallsPerInvocation: map[string]float64{"GenerateDataKey": 0.1, "Decrypt": 0.2}},
		{Route: "retention", Invocations: 1, CallsPerInvocation: map[string]float64{"GenerateDataKeyWithoutPlaintext": 2}},
	}
	tests := []struct {
		name   string
		stored int
		want   float64
	}{
		{"EveryFunctionsCallsCount", 2000, (2 + 3 + 2) / 2.0}, // per 1,000 of 2,000 stored
		{"NothingStored", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kmsPer1000(routes, tt.stored); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("kmsPer1000 = %g, want %g", got, tt.want)
			}
		})
	}
}
