// Package loadtest drives many WebSocket connections of Confide at a fixed
// message rate and accounts for every message: connect and delivery
// latencies, throughput, errors by code, and messages lost or duplicated,
// checked against the acknowledgements and against what the HTTP API
// returns afterwards. cmd/loadtest is its command line.
package loadtest

import (
	"math"
	"slices"
	"time"
)

// Summary describes a set of latencies in milliseconds.
type Summary struct {
	Count int     `json:"count"`
	Mean  float64 `json:"meanMs"`
	P50   float64 `json:"p50Ms"`
	P95   float64 `json:"p95Ms"`
	P99   float64 `json:"p99Ms"`
	Max   float64 `json:"maxMs"`
}

// Summarize returns the count, mean, maximum and the 50th, 95th and 99th
// percentiles of ds. Percentiles use the nearest-rank method: the smallest
// sample that at least p% of the samples do not exceed, so every figure is a
// latency that was measured. ds is not modified.
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	var total time.Duration
	for _, d := range sorted {
		total += d
	}
	return Summary{
		Count: len(sorted),
		Mean:  ms(total / time.Duration(len(sorted))),
		P50:   ms(Percentile(sorted, 50)),
		P95:   ms(Percentile(sorted, 95)),
		P99:   ms(Percentile(sorted, 99)),
		Max:   ms(sorted[len(sorted)-1]),
	}
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted, which must be in ascending order; 0 when it is empty.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// ms converts d to milliseconds with microsecond precision.
func ms(d time.Duration) float64 {
	return math.Round(float64(d.Microseconds())) / 1000
}
