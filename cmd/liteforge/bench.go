package main

import (
	"encoding/json"
	"fmt"

	"github.com/liteforge/liteforge/eval"
	"github.com/liteforge/liteforge/report"
	"github.com/spf13/cobra"
)

// benchFlags are the benchmark settings shared by bench and report.
type benchFlags struct {
	threads, warmup, runs int
	seed                  int64
	rounding              string
}

func (f *benchFlags) register(cmd *cobra.Command, runs int) {
	fl := cmd.Flags()
	fl.IntVar(&f.threads, "threads", 1, "threads the interpreter's kernels may use")
	fl.IntVar(&f.warmup, "warmup", 1, "untimed runs first")
	fl.IntVar(&f.runs, "runs", runs, "timed runs")
	fl.Int64Var(&f.seed, "input-seed", 1, "seed of the random inputs (the TFLite oracle's --random generator)")
	fl.StringVar(&f.rounding, "rounding", "double", "integer rounding: double (TFLite's reference kernels) or single (XNNPACK)")
}

// check refuses counts that make no benchmark.
func (f *benchFlags) check() error {
	for _, c := range []struct {
		flag  string
		v, lo int
	}{{"threads", f.threads, 1}, {"warmup", f.warmup, 0}, {"runs", f.runs, 1}} {
		if err := atLeast(c.flag, c.v, c.lo); err != nil {
			return err
		}
	}
	return nil
}

func (f *benchFlags) options(cmd *cobra.Command, profile bool, what string) (eval.BenchOptions, error) {
	if err := f.check(); err != nil {
		return eval.BenchOptions{}, err
	}
	rt, err := roundingOptions(f.rounding, cmd.ErrOrStderr())
	if err != nil {
		return eval.BenchOptions{}, err
	}
	warmup := f.warmup
	if warmup == 0 {
		warmup = -1 // eval.BenchOptions: negative means none
	}
	return eval.BenchOptions{
		Threads: f.threads, Warmup: warmup, Runs: f.runs, Profile: profile, Seed: f.seed, Runtime: rt,
		Progress: newProgress(cmd.ErrOrStderr(), what),
	}, nil
}

func newBenchCmd() *cobra.Command {
	var (
		bf      benchFlags
		profile bool
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "bench MODEL [--threads N] [--warmup N] [--runs N] [--profile] [--json]",
		Short: "Measure a model's latency, initialization time, memory and per-op profile",
		Long: `bench measures a model the way TFLite's benchmark tool does: it loads the
file and prepares an interpreter (the initialization time), fills the inputs
with seeded random values, runs --warmup untimed runs, then --runs timed runs,
and reports latency min, mean, p50, p90, p99 (nearest rank), max and standard
deviation, in milliseconds.

Memory: weights (the model's constant data, used in place), the activation
arena, the interpreter's persistent memory and the kernels' scratch memory;
their sum is peak_memory_bytes. The Go heap's peak during the benchmark
(runtime/metrics) and the Go allocation per run are reported beside them.

With --profile, the time of every op is recorded during the timed runs and
reported per op (in execution order) and per op type, each with its share of
the total, like TFLite's op profiling.`,
		Example: `  liteforge bench model.tflite
  liteforge bench model.tflite --threads 2 --runs 100 --profile
  liteforge bench model.tflite --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := withInterrupt(cmd)
			defer stop()
			opts, err := bf.options(cmd, profile, "bench "+report.NameOf(args[0]))
			if err != nil {
				return err
			}
			b, err := eval.BenchFile(ctx, args[0], opts)
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(b)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "model: %s (%s)\n\n", args[0], report.Bytes(b.ModelBytes))
			return report.WriteBenchText(out, b)
		},
	}
	bf.register(cmd, 50)
	cmd.Flags().BoolVar(&profile, "profile", false, "time every op and report per op and per op type")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON object (latency_ms, init_ms, peak_memory_bytes, model_bytes, memory, and with --profile ops and op_types)")
	return cmd
}
