package main

import (
	"encoding/json"
	"io"

	"github.com/liteforge/liteforge/demo"
	"github.com/spf13/cobra"
)

// demoResult is what demo --json prints.
type demoResult struct {
	Models []demo.Result `json:"models"`
}

func newDemoCmd() *cobra.Command {
	var (
		threads, runs int
		jsonOut       bool
	)
	cmd := &cobra.Command{
		Use:   "demo [--threads N] [--json]",
		Short: "Evaluate and benchmark the built-in demo models on the built-in data, no files needed",
		Long: `demo shows what liteforge measures, with nothing to download: it evaluates
the small classifiers built into the binary (models liteforge trained itself
with 'liteforge train') on the test images built in with them (2,000 each of
MNIST and Fashion-MNIST: every fifth image of their test sets), benchmarks
each model, and prints one table: accuracy, file size, median latency and
peak memory.

Accuracy is top-1 on the built-in images, evaluated on all CPUs. Latency is
the median of --runs timed runs (after 10 untimed ones) of one interpreter
with --threads threads on seeded random inputs, as 'liteforge bench' does.
Peak memory is what the model needs to run: its weights, the activation
arena and the kernels' scratch memory.

The models and data ship in package demo (demo/models, demo/data), with the
record of how they were made and the data's attribution.`,
		Example: `  liteforge demo
  liteforge demo --threads 2
  liteforge demo --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := demoOptions(threads, runs, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			o.Progress = func(step string) func(done, total int) { return newProgress(cmd.ErrOrStderr(), step) }
			ctx, stop := withInterrupt(cmd)
			defer stop()
			results, err := demo.Run(ctx, o)
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(demoResult{Models: results})
			}
			return demo.WriteTable(cmd.OutOrStdout(), results)
		},
	}
	cmd.Flags().IntVar(&threads, "threads", 1, "threads of the benchmarked interpreter")
	cmd.Flags().IntVar(&runs, "runs", 100, "timed benchmark runs per model")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON object: per model accuracy, top5, samples, model_bytes, latency_ms, peak_memory_bytes, memory")
	return cmd
}

// demoOptions checks demo's flags and turns them into demo.Options. The
// runtime options carry no thread count: Run gives the benchmark --threads
// and each evaluation worker one thread.
func demoOptions(threads, runs int, w io.Writer) (demo.Options, error) {
	if err := atLeast("threads", threads, 1); err != nil {
		return demo.Options{}, err
	}
	if err := atLeast("runs", runs, 1); err != nil {
		return demo.Options{}, err
	}
	rt, err := roundingOptions("double", w)
	if err != nil {
		return demo.Options{}, err
	}
	return demo.Options{Threads: threads, Runs: runs, Runtime: rt}, nil
}
