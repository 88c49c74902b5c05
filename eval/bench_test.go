package eval

import (
	"context"
	"math"
	"os"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
)

// TestSummarize checks the statistics on 1..10 worked by hand: nearest-rank
// p50 is the 5th value, p90 the 9th, p99 the 10th; mean 5.5; population
// variance (sum of squared deviations 82.5)/10 = 8.25.
func TestSummarize(t *testing.T) {
	v := []float64{7, 3, 10, 1, 5, 2, 9, 4, 8, 6}
	s := Summarize(v)
	want := LatencyStats{Min: 1, Mean: 5.5, P50: 5, P90: 9, P99: 10, Max: 10, Std: math.Sqrt(8.25)}
	if s != want {
		t.Errorf("Summarize = %+v, want %+v", s, want)
	}
	if v[0] != 7 {
		t.Error("Summarize sorted its argument in place")
	}
	if got := Percentile([]float64{4}, 99); got != 4 {
		t.Errorf("p99 of one value = %v", got)
	}
	if (Summarize(nil) != LatencyStats{}) {
		t.Error("empty input")
	}
}

// TestBenchPersonDetect checks a benchmark's bookkeeping (not its speed):
// one profile row per op that runs, shares adding to one, per-type counts
// adding to the op count, memory as the interpreter plans it.
func TestBenchPersonDetect(t *testing.T) {
	path := testutil.Fixture(t, "tflite/micro/person_detect.tflite")
	calls := 0
	b, err := BenchFile(context.Background(), path, BenchOptions{Runs: 3, Warmup: 1, Profile: true, Progress: func(d, n int) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if b.ModelBytes != fi.Size() || b.Runs != 3 || len(b.LatenciesMs) != 3 || calls != 4 {
		t.Errorf("model bytes %d (file %d), runs %d, %d latencies, %d progress calls", b.ModelBytes, fi.Size(), b.Runs, len(b.LatenciesMs), calls)
	}
	l := b.Latency
	if !(l.Min > 0 && l.Min <= l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max && l.Min <= l.Mean && l.Mean <= l.Max) {
		t.Errorf("latency statistics out of order: %+v", l)
	}
	m, _ := tflite.ReadFile(path)
	if len(b.Ops) != len(m.Graphs[0].Ops) {
		t.Errorf("%d profile rows for %d ops", len(b.Ops), len(m.Graphs[0].Ops))
	}
	var share, typeShare float64
	count := 0
	for _, op := range b.Ops {
		share += op.Share
	}
	for _, ty := range b.OpTypes {
		typeShare += ty.Share
		count += ty.Count
	}
	if math.Abs(share-1) > 1e-9 || math.Abs(typeShare-1) > 1e-9 || count != len(b.Ops) {
		t.Errorf("op shares sum to %v, type shares to %v, type counts to %d of %d ops", share, typeShare, count, len(b.Ops))
	}
	// person_detect: 14 CONV_2D, 14 DEPTHWISE_CONV_2D (TFLite Micro's model card; MANIFEST.md).
	for _, ty := range b.OpTypes {
		if (ty.Type == "CONV_2D" || ty.Type == "DEPTHWISE_CONV_2D") && ty.Count != 14 {
			t.Errorf("%s ×%d, want 14", ty.Type, ty.Count)
		}
	}
	it, err := runtime.New(m)
	if err != nil {
		t.Fatal(err)
	}
	st := it.Memory()
	if b.Memory.Arena != st.Arena || b.Memory.Weights != st.Weights || b.PeakMemory != st.Weights+st.Arena+st.Persistent+b.Memory.Scratch {
		t.Errorf("memory %+v, peak %d; the interpreter plans %+v", b.Memory, b.PeakMemory, st)
	}
	if b.Memory.Weights <= 0 || int64(b.Memory.Weights) > b.ModelBytes || b.Memory.GoHeapPeak < uint64(b.Memory.Weights) {
		t.Errorf("weights %d bytes of a %d-byte file; Go heap peak %d", b.Memory.Weights, b.ModelBytes, b.Memory.GoHeapPeak)
	}
	if b.InitMs < b.PrepareMs || b.InitMs < b.LoadMs {
		t.Errorf("init %v ms is less than load %v + prepare %v", b.InitMs, b.LoadMs, b.PrepareMs)
	}
}
