package eval

import (
	"context"
	"fmt"
	"math"
	"os"
	goruntime "runtime"
	"runtime/metrics"
	"slices"
	"sort"
	"time"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tensorio"
	"github.com/liteforge/liteforge/tflite"
)

// BenchOptions configure Bench.
type BenchOptions struct {
	// Threads per interpreter (default 1).
	Threads int
	// Warmup runs are made and discarded first (default 1; 0 for none
	// needs Warmup < 0).
	Warmup int
	// Runs is the number of timed runs (default 50).
	Runs int
	// Profile collects per-op times during the timed runs.
	Profile bool
	// Seed of the random inputs (the TFLite oracle's generator).
	Seed int64
	// Runtime options added to the interpreter's.
	Runtime []runtime.Option
	// Progress, when set, is called with runs done (warm-up included) and
	// the total.
	Progress func(done, total int)
}

// LatencyStats summarize the timed runs, in milliseconds.
type LatencyStats struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Std  float64 `json:"std"`
}

// MemoryReport is what running the model takes, in bytes.
type MemoryReport struct {
	// Arena is the activation arena of one interpreter.
	Arena int `json:"arena_bytes"`
	// Persistent is the interpreter's memory outside the arena: variables,
	// folded constants, aligned copies.
	Persistent int `json:"persistent_bytes"`
	// Scratch is the kernels' working memory (packed weights, buffers).
	Scratch int `json:"scratch_bytes"`
	// Weights is the model's constant data, read in place.
	Weights int `json:"weights_bytes"`
	// GoHeapPeak is the largest Go heap in use (live and not yet collected
	// objects, runtime/metrics) sampled from before loading the model to the
	// end of the runs: what the whole process held.
	GoHeapPeak uint64 `json:"go_heap_peak_bytes"`
	// GoHeapBaseline is the Go heap in use before the model was loaded.
	GoHeapBaseline uint64 `json:"go_heap_baseline_bytes"`
	// AllocsPerRun is the Go heap allocated per timed run, on average.
	AllocsPerRun float64 `json:"allocs_bytes_per_run"`
}

// Peak is the memory the model needs to run: weights, arena, persistent and
// scratch memory together (what a device must hold, apart from the program).
func (m MemoryReport) Peak() int { return m.Weights + m.Arena + m.Persistent + m.Scratch }

// OpProfile is the time of one op, averaged over the timed runs.
type OpProfile struct {
	Index  int     `json:"index"`
	Type   string  `json:"type"`
	Output string  `json:"output"`
	AvgMs  float64 `json:"avg_ms"`
	Share  float64 `json:"share"`
	Shapes string  `json:"shape"`
}

// OpTypeProfile is the time of all ops of one type, per run.
type OpTypeProfile struct {
	Type  string  `json:"type"`
	Count int     `json:"count"`
	AvgMs float64 `json:"avg_ms"`
	Share float64 `json:"share"`
}

// Benchmark is the result of Bench.
type Benchmark struct {
	Model      string `json:"model"`
	ModelBytes int64  `json:"model_bytes"`
	Threads    int    `json:"threads"`
	Warmup     int    `json:"warmup"`
	Runs       int    `json:"runs"`
	// LoadMs is reading and parsing the file, PrepareMs making the
	// interpreter (kernels, shapes, memory plan), InitMs both.
	LoadMs    float64      `json:"load_ms"`
	PrepareMs float64      `json:"prepare_ms"`
	InitMs    float64      `json:"init_ms"`
	FirstMs   float64      `json:"first_run_ms"`
	Latency   LatencyStats `json:"latency_ms"`
	// LatenciesMs holds every timed run, in order.
	LatenciesMs []float64    `json:"latencies_ms,omitempty"`
	Memory      MemoryReport `json:"memory"`
	PeakMemory  int          `json:"peak_memory_bytes"`
	Ops         []OpProfile  `json:"ops,omitempty"`
	// OpTypes is sorted by time, largest first.
	OpTypes []OpTypeProfile `json:"op_types,omitempty"`
}

// BenchFile reads a .tflite file and benchmarks it; load time counts into
// the initialization time, as in TFLite's benchmark tool.
func BenchFile(ctx context.Context, path string, o BenchOptions) (*Benchmark, error) {
	heap := newHeapSampler()
	start := time.Now()
	m, err := tflite.ReadFile(path)
	if err != nil {
		return nil, err
	}
	load := time.Since(start)
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	b, err := bench(ctx, m, o, heap)
	if err != nil {
		return nil, err
	}
	b.Model = path
	b.ModelBytes = fi.Size()
	b.LoadMs = ms(load)
	b.InitMs = b.LoadMs + b.PrepareMs
	return b, nil
}

// Bench benchmarks an in-memory model: it prepares an interpreter (timed),
// fills its inputs with seeded random values, runs it Warmup times, then
// times Runs runs.
func Bench(ctx context.Context, m *ir.Model, o BenchOptions) (*Benchmark, error) {
	return bench(ctx, m, o, newHeapSampler())
}

func bench(ctx context.Context, m *ir.Model, o BenchOptions, heap *heapSampler) (*Benchmark, error) {
	if o.Threads <= 0 {
		o.Threads = 1
	}
	switch {
	case o.Warmup == 0:
		o.Warmup = 1
	case o.Warmup < 0:
		o.Warmup = 0
	}
	if o.Runs <= 0 {
		o.Runs = 50
	}
	var prof *opTimes
	opts := append([]runtime.Option{runtime.WithThreads(o.Threads)}, o.Runtime...)
	if o.Profile {
		prof = &opTimes{}
		opts = append(opts, runtime.WithProfiler(prof.record))
	}
	start := time.Now()
	it, err := runtime.New(m, opts...)
	if err != nil {
		return nil, err
	}
	b := &Benchmark{Threads: o.Threads, Warmup: o.Warmup, Runs: o.Runs, PrepareMs: ms(time.Since(start))}
	b.InitMs = b.PrepareMs
	heap.sample()
	rnd := tensorio.NewRandom(o.Seed)
	for i := range it.NumInputs() {
		in := it.Input(i)
		data, err := rnd.Fill(in.Type, in.NumElements())
		if err != nil {
			return nil, fmt.Errorf("bench: input %d (%q): %w", i, in.Name, err)
		}
		in.Data = data
	}
	total := o.Warmup + o.Runs
	report := func(done int) {
		if o.Progress != nil {
			o.Progress(done, total)
		}
	}
	for i := range o.Warmup {
		t0 := time.Now()
		if err := it.InvokeContext(ctx); err != nil {
			return nil, err
		}
		if i == 0 {
			b.FirstMs = ms(time.Since(t0))
		}
		report(i + 1)
	}
	heap.sample()
	if prof != nil {
		prof.reset()
	}
	allocs0 := heapAllocs()
	b.LatenciesMs = make([]float64, o.Runs)
	for i := range o.Runs {
		t0 := time.Now()
		if err := it.InvokeContext(ctx); err != nil {
			return nil, err
		}
		b.LatenciesMs[i] = ms(time.Since(t0))
		if o.Warmup == 0 && i == 0 {
			b.FirstMs = b.LatenciesMs[0]
		}
		if i%16 == 0 {
			heap.sample()
		}
		report(o.Warmup + i + 1)
	}
	b.Memory.AllocsPerRun = float64(heapAllocs()-allocs0) / float64(o.Runs)
	heap.sample()
	b.Latency = Summarize(b.LatenciesMs)
	st := it.Memory()
	b.Memory.Arena, b.Memory.Persistent, b.Memory.Scratch, b.Memory.Weights = st.Arena, st.Persistent, st.Scratch, st.Weights
	b.Memory.GoHeapPeak, b.Memory.GoHeapBaseline = heap.peak, heap.baseline
	b.PeakMemory = b.Memory.Peak()
	if prof != nil {
		b.Ops, b.OpTypes = prof.profile(it.Graph(), o.Runs)
	}
	return b, nil
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// Summarize computes latency statistics. Percentiles are nearest-rank (the
// smallest value with at least p% of the values at or below it), as
// TFLite's benchmark tool reports them; Std is the population standard
// deviation.
func Summarize(v []float64) LatencyStats {
	if len(v) == 0 {
		return LatencyStats{}
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	var sum float64
	for _, x := range s {
		sum += x
	}
	mean := sum / float64(len(s))
	var ss float64
	for _, x := range s {
		ss += (x - mean) * (x - mean)
	}
	return LatencyStats{
		Min: s[0], Max: s[len(s)-1], Mean: mean,
		P50: Percentile(s, 50), P90: Percentile(s, 90), P99: Percentile(s, 99),
		Std: math.Sqrt(ss / float64(len(s))),
	}
}

// Percentile is the nearest-rank p-th percentile of sorted values.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// opTimes accumulates the profiler's per-op durations.
type opTimes struct {
	total map[int]time.Duration
	op    map[int]*ir.Op
}

func (p *opTimes) reset() {
	p.total = map[int]time.Duration{}
	p.op = map[int]*ir.Op{}
}

func (p *opTimes) record(index int, op *ir.Op, d time.Duration) {
	if p.total == nil {
		p.reset()
	}
	p.total[index] += d
	p.op[index] = op
}

// profile turns the totals into per-op rows (in graph order) and per-type
// rows (largest first), each averaged per run with its share of the total.
func (p *opTimes) profile(g *ir.Graph, runs int) ([]OpProfile, []OpTypeProfile) {
	var sum time.Duration
	for _, d := range p.total {
		sum += d
	}
	share := func(d time.Duration) float64 {
		if sum == 0 {
			return 0
		}
		return float64(d) / float64(sum)
	}
	indices := make([]int, 0, len(p.total))
	for i := range p.total {
		indices = append(indices, i)
	}
	slices.Sort(indices)
	var ops []OpProfile
	byType := map[string]*OpTypeProfile{}
	typeTotal := map[string]time.Duration{}
	for _, i := range indices {
		op, d := p.op[i], p.total[i]
		row := OpProfile{Index: i, Type: op.Name(), AvgMs: ms(d) / float64(runs), Share: share(d)}
		if len(op.Outputs) > 0 && op.Outputs[0] >= 0 && op.Outputs[0] < len(g.Tensors) {
			t := g.Tensors[op.Outputs[0]]
			row.Output, row.Shapes = t.Name, fmt.Sprint(t.Shape)
		}
		ops = append(ops, row)
		tp := byType[row.Type]
		if tp == nil {
			tp = &OpTypeProfile{Type: row.Type}
			byType[row.Type] = tp
		}
		tp.Count++
		typeTotal[row.Type] += d
	}
	var types []OpTypeProfile
	for name, tp := range byType {
		tp.AvgMs = ms(typeTotal[name]) / float64(runs)
		tp.Share = share(typeTotal[name])
		types = append(types, *tp)
	}
	sort.Slice(types, func(a, b int) bool {
		if types[a].AvgMs != types[b].AvgMs {
			return types[a].AvgMs > types[b].AvgMs
		}
		return types[a].Type < types[b].Type
	})
	return ops, types
}

// heapSampler records the Go heap in use at chosen moments.
type heapSampler struct {
	samples        []metrics.Sample
	baseline, peak uint64
}

// heapObjects is the runtime/metrics name of the bytes held by heap objects
// (live, plus dead ones not yet swept).
const heapObjects = "/memory/classes/heap/objects:bytes"

func newHeapSampler() *heapSampler {
	h := &heapSampler{samples: []metrics.Sample{{Name: heapObjects}}}
	goruntime.GC()
	h.sample()
	h.baseline = h.peak
	return h
}

func (h *heapSampler) sample() {
	metrics.Read(h.samples)
	if v := h.samples[0].Value; v.Kind() == metrics.KindUint64 {
		h.peak = max(h.peak, v.Uint64())
	}
}

// heapAllocs is the cumulative number of bytes allocated on the Go heap.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		return s[0].Value.Uint64()
	}
	return 0
}
