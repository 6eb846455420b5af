package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/confidechat/confide/tools/loadtest"
)

// The two ways of measuring.
const (
	armOwn = "runtime-api"
	armRIE = "rie"
)

// Result is the whole measurement; cmd/coldstart writes it as JSON.
type Result struct {
	Runs      int       `json:"runs"`
	Warm      int       `json:"warm"`
	StartedAt time.Time `json:"startedAt"`
	// Functions summarises each function (and the hello baseline).
	Functions []FunctionResult `json:"functions"`
	// Sizes are the arm64 bootstraps, raw and zipped at level 9.
	Sizes []Size `json:"sizes"`
	// Samples are every measurement, by function and arm.
	Samples map[string]map[string][]sample `json:"samples"`
}

// FunctionResult summarises one function's cold starts.
type FunctionResult struct {
	Name string `json:"name"`
	// Own Runtime API: exec to end of init, exec to first response, the
	// warm invocations after it, and the ratio of its median first response
	// to the hello baseline's.
	Init          loadtest.Summary `json:"init"`
	FirstResponse loadtest.Summary `json:"firstResponse"`
	Warm          loadtest.Summary `json:"warm"`
	Ratio         float64          `json:"ratioToHello"`
	InitRatio     float64          `json:"initRatioToHello"`
	// RIEFirstResponse is the first invocation through the emulator, which
	// execs the bootstrap when it arrives.
	RIEFirstResponse loadtest.Summary `json:"rieFirstResponse"`
	RIERatio         float64          `json:"rieRatioToHello"`
	PeakKB           int              `json:"peakKB"`
	// CallsDuringInit counts the connections opened to DynamoDB, the issuer
	// and the management API before init ended, over every sample;
	// CallsAfterInit those of the first invocations, which shows the
	// witnesses see what a function opens.
	CallsDuringInit int `json:"callsDuringInit"`
	CallsAfterInit  int `json:"callsAfterInit"`
	Failed          int `json:"failedFirstResponses"`
	// SuggestedMemoryMB is the Lambda memory size the figures suggest.
	SuggestedMemoryMB int `json:"suggestedMemoryMB"`
	// EstimatedInitMs estimates the init at each candidate size, scaling
	// the measured init (CPU-bound: it makes no call) by Lambda's CPU share.
	EstimatedInitMs map[int]float64 `json:"estimatedInitMs"`
}

// Size is one arm64 bootstrap's size.
type Size struct {
	Function    string `json:"function"`
	Bytes       int64  `json:"bytes"`
	ZippedBytes int64  `json:"zippedBytes"`
}

func (r *Result) add(fn, arm string, s sample) {
	if r.Samples[fn] == nil {
		r.Samples[fn] = map[string][]sample{}
	}
	r.Samples[fn][arm] = append(r.Samples[fn][arm], s)
}

// Lambda gives a function one vCPU at 1,769 MB and a share in proportion
// below that.
const fullCPUMB = 1769

// candidateSizes are the memory sizes considered.
var candidateSizes = []int{128, 256}

func (r *Result) summarise(fns []string) {
	pick := func(ss []sample, f func(sample) time.Duration) loadtest.Summary {
		var ds []time.Duration
		for _, s := range ss {
			if d := f(s); d > 0 {
				ds = append(ds, d)
			}
		}
		return loadtest.Summarize(ds)
	}
	for _, fn := range fns {
		own, viaRIE := r.Samples[fn][armOwn], r.Samples[fn][armRIE]
		fr := FunctionResult{
			Name:             fn,
			Init:             pick(own, func(s sample) time.Duration { return s.Init }),
			FirstResponse:    pick(own, func(s sample) time.Duration { return s.FirstResponse }),
			RIEFirstResponse: pick(viaRIE, func(s sample) time.Duration { return s.FirstResponse }),
		}
		var warm []time.Duration
		for _, s := range append(append([]sample(nil), own...), viaRIE...) {
			warm = append(warm, s.Warm...)
			fr.PeakKB = max(fr.PeakKB, s.PeakKB)
			fr.CallsDuringInit += s.CallsDuringInit
			fr.CallsAfterInit += s.CallsAfterInit
			if s.Failed {
				fr.Failed++
			}
		}
		fr.Warm = loadtest.Summarize(warm)
		fr.EstimatedInitMs = map[int]float64{}
		for _, mb := range candidateSizes {
			fr.EstimatedInitMs[mb] = fr.Init.P50 * fullCPUMB / float64(mb)
		}
		fr.SuggestedMemoryMB = suggest(fr)
		r.Functions = append(r.Functions, fr)
	}
	base := r.Functions[0]
	for i := range r.Functions {
		f := &r.Functions[i]
		if base.FirstResponse.P50 > 0 {
			f.Ratio = f.FirstResponse.P50 / base.FirstResponse.P50
		}
		if base.Init.P50 > 0 {
			f.InitRatio = f.Init.P50 / base.Init.P50
		}
		if base.RIEFirstResponse.P50 > 0 {
			f.RIERatio = f.RIEFirstResponse.P50 / base.RIEFirstResponse.P50
		}
	}
}

// suggest picks the smaller size unless the function's peak memory would
// leave it less than half its memory free, or its init there (CPU scaled to
// the size's share) would pass 250 ms.
func suggest(f FunctionResult) int {
	for _, mb := range candidateSizes {
		if f.PeakKB/1024 <= mb/2 && f.EstimatedInitMs[mb] <= 250 {
			return mb
		}
	}
	return candidateSizes[len(candidateSizes)-1]
}

// zippedSizes zips each function's arm64 bootstrap at deflate level 9 (as
// `zip -9` does) and reports the sizes.
func zippedSizes(dir string, fns []string) ([]Size, error) {
	var out []Size
	for _, fn := range fns {
		path := filepath.Join(dir, fn, "bootstrap")
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%w: run `make build` first", err)
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
		h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
		h.SetMode(0o755)
		w, err := zw.CreateHeader(h)
		if err == nil {
			_, err = w.Write(b)
		}
		if err == nil {
			err = zw.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("zip %s: %w", path, err)
		}
		out = append(out, Size{Function: fn, Bytes: int64(len(b)), ZippedBytes: int64(buf.Len())})
	}
	return out, nil
}

// Print writes the summary table.
func (r *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "Cold starts: %d per function and arm, medians (p95) in ms; own Runtime API and the Runtime Interface Emulator\n", r.Runs)
	fmt.Fprintf(w, "%-11s %15s %6s %17s %6s %17s %6s %7s %6s %11s %7s\n",
		"function", "init", "ratio", "first response", "ratio", "RIE first resp.", "ratio", "warm", "peak", "calls i/1st", "memory")
	for _, f := range r.Functions {
		fmt.Fprintf(w, "%-11s %6.2f (%6.2f) %6.2f %7.2f (%7.2f) %6.2f %7.2f (%7.2f) %6.2f %7.3f %4dMB %5d/%-5d %5dMB\n",
			f.Name, f.Init.P50, f.Init.P95, f.InitRatio, f.FirstResponse.P50, f.FirstResponse.P95, f.Ratio,
			f.RIEFirstResponse.P50, f.RIEFirstResponse.P95, f.RIERatio,
			f.Warm.P50, f.PeakKB/1024, f.CallsDuringInit, f.CallsAfterInit, f.SuggestedMemoryMB)
	}
	fmt.Fprintln(w, "(calls: connections to DynamoDB, the issuer and the management API opened before init ended / during the first invocation;")
	fmt.Fprintln(w, " warm: median of the invocations after the first; memory: the suggested Lambda size)")
	for _, s := range r.Sizes {
		fmt.Fprintf(w, "%-11s arm64 bootstrap %6.2f MB, zipped -9 %6.2f MB\n", s.Function, float64(s.Bytes)/1e6, float64(s.ZippedBytes)/1e6)
	}
}
