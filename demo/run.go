package demo

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/liteforge/liteforge/eval"
	"github.com/liteforge/liteforge/report"
	"github.com/liteforge/liteforge/runtime"
)

// Options configure Run.
type Options struct {
	// Threads is the number of threads of the benchmarked interpreter
	// (default 1).
	Threads int
	// Warmup and Runs are the benchmark's untimed and timed runs per model
	// (defaults 10 and 100).
	Warmup, Runs int
	// Workers is how many interpreters evaluate accuracy at once (default:
	// the number of CPUs); the accuracy does not depend on it.
	Workers int
	// Runtime options for every interpreter.
	Runtime []runtime.Option
	// Progress, when set, is asked for a progress callback for each step
	// ("eval lenet", "bench lenet", ...); it may return nil.
	Progress func(step string) func(done, total int)
}

// Result is one demo model's measurements.
type Result struct {
	Model
	// DataTitle is the data set's usual name.
	DataTitle string `json:"data_title"`
	// Samples, Accuracy (top-1, a fraction), Correct and Top5 are measured
	// on the embedded test subset.
	Samples  int     `json:"samples"`
	Accuracy float64 `json:"accuracy"`
	Correct  int     `json:"correct"`
	Top5     float64 `json:"top5"`
	// ModelBytes is the size of the .tflite file.
	ModelBytes int `json:"model_bytes"`
	// Threads, Runs, Latency, InitMs, PeakMemory and Memory come from
	// eval.Bench.
	Threads    int               `json:"threads"`
	Runs       int               `json:"runs"`
	Latency    eval.LatencyStats `json:"latency_ms"`
	InitMs     float64           `json:"init_ms"`
	PeakMemory int               `json:"peak_memory_bytes"`
	Memory     eval.MemoryReport `json:"memory"`
	// EvalSeconds is the wall time of the accuracy evaluation.
	EvalSeconds float64 `json:"eval_seconds"`
}

func (o Options) withDefaults() Options {
	if o.Threads < 1 {
		o.Threads = 1
	}
	if o.Warmup == 0 {
		o.Warmup = 10
	}
	if o.Runs < 1 {
		o.Runs = 100
	}
	return o
}

func (o Options) progress(step string) func(done, total int) {
	if o.Progress == nil {
		return nil
	}
	return o.Progress(step)
}

// Run evaluates every demo model on its embedded test subset and benchmarks
// it, one model after another so that the benchmark has the machine to
// itself.
func Run(ctx context.Context, o Options) ([]Result, error) {
	o = o.withDefaults()
	var results []Result
	for _, m := range models {
		r, err := runOne(ctx, m, o)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	return results, nil
}

func runOne(ctx context.Context, m Model, o Options) (Result, error) {
	data, err := DataSetOf(m.Data)
	if err != nil {
		return Result{}, err
	}
	images, err := data.Images()
	if err != nil {
		return Result{}, err
	}
	file, err := m.Bytes()
	if err != nil {
		return Result{}, err
	}
	im, err := m.Load()
	if err != nil {
		return Result{}, err
	}
	acc, err := eval.Evaluate(ctx, im, images, eval.Options{
		Workers: o.Workers, Runtime: o.Runtime, Progress: o.progress("eval " + m.Name),
	})
	if err != nil {
		return Result{}, fmt.Errorf("demo model %s on %s: %w", m.Name, data.Title, err)
	}
	b, err := eval.Bench(ctx, im, eval.BenchOptions{
		Threads: o.Threads, Warmup: o.Warmup, Runs: o.Runs, Seed: 1, Runtime: o.Runtime,
		Progress: o.progress("bench " + m.Name),
	})
	if err != nil {
		return Result{}, fmt.Errorf("demo model %s: %w", m.Name, err)
	}
	return Result{
		Model: m, DataTitle: data.Title,
		Samples: acc.Samples, Accuracy: acc.Top1, Correct: acc.Correct1, Top5: acc.Top5,
		ModelBytes: len(file),
		Threads:    b.Threads, Runs: b.Runs, Latency: b.Latency, InitMs: b.InitMs,
		PeakMemory: b.PeakMemory, Memory: b.Memory,
		EvalSeconds: acc.Seconds,
	}, nil
}

// WriteTable prints the results as one table, with a line saying what was
// measured and a line crediting the data.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\ttype\tdata set\taccuracy\tsize\tp50 latency\tpeak memory")
	samples, threads, runs := map[int]bool{}, 0, 0
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s ms\t%s\n", r.Name, r.Type, r.DataTitle,
			report.Percent(r.Accuracy), report.Bytes(int64(r.ModelBytes)), report.Ms(r.Latency.P50), report.Bytes(int64(r.PeakMemory)))
		samples[r.Samples] = true
		threads, runs = r.Threads, r.Runs
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var n []string
	for _, s := range slices.Sorted(maps.Keys(samples)) {
		n = append(n, fmt.Sprint(s))
	}
	var credits []string
	for _, d := range dataSets {
		credits = append(credits, fmt.Sprintf("%s (%s)", d.Title, d.Credit))
	}
	_, err := fmt.Fprintf(w, "\naccuracy: top-1 on %s embedded test images per data set (every 5th of the test set)\n"+
		"latency: median of %d runs, %d thread(s); peak memory: weights + activations + kernel scratch\n"+
		"data: %s\n",
		strings.Join(n, "/"), runs, threads, strings.Join(credits, "; "))
	return err
}
