package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/eval"
	"github.com/liteforge/liteforge/report"
	"github.com/liteforge/liteforge/tflite"
	"github.com/spf13/cobra"
)

func newReportCmd() *cobra.Command {
	var (
		df        dataFlags
		bf        benchFlags
		out       string
		title     string
		noProfile bool
		workers   int
	)
	cmd := &cobra.Command{
		Use:   "report MODEL... [--data PATH] -o report.html",
		Short: "Compare models side by side: accuracy, size, latency, memory, with charts",
		Long: `report benchmarks each model (as 'liteforge bench --profile' does) and, with
--data, evaluates it (as 'liteforge eval' does, with the same data and
preprocessing flags), then writes one report comparing them side by side.

The format follows the -o file's extension: .html is one self-contained page
(inline CSS and SVG charts drawn with gonum/plot: the latency distribution and
time per op type of each model, and accuracy against size and against latency
across models; nothing is fetched from the network), .md is Markdown, .json
is JSON, anything else text. Without -o the text report is printed. The file
is written atomically: a failure never leaves a half-written report.`,
		Example: `  liteforge report float.tflite int8.tflite --data ../shared/fixtures/data/mnist -o report.html
  liteforge report model.tflite --runs 20 -o report.md`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := atLeast("workers", workers, 0); err != nil {
				return err
			}
			if err := bf.check(); err != nil {
				return err
			}
			ctx, stop := withInterrupt(cmd)
			defer stop()
			r := &report.Report{Title: title, Created: time.Now()}
			if r.Title == "" {
				names := make([]string, len(args))
				for i, a := range args {
					names[i] = report.NameOf(a)
				}
				r.Title = "liteforge report: " + strings.Join(names, ", ")
			}
			var evalOpts eval.Options
			var src dataset.Source
			if df.data != "" {
				pre, err := df.preprocess()
				if err != nil {
					return err
				}
				rt, err := runtimeOptions(1, bf.rounding, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				if src, err = df.open(); err != nil {
					return err
				}
				r.Data = src.Name()
				evalOpts = eval.Options{Workers: workers, Runtime: rt, Preprocess: pre}
			}
			for _, path := range args {
				name := report.NameOf(path)
				opts, err := bf.options(cmd, !noProfile, "bench "+name)
				if err != nil {
					return err
				}
				b, err := eval.BenchFile(ctx, path, opts)
				if err != nil {
					return err
				}
				e := report.Entry{Name: name, Path: path, ModelBytes: b.ModelBytes, Bench: b}
				if src != nil {
					m, err := tflite.ReadFile(path)
					if err != nil {
						return err
					}
					evalOpts.Progress = newProgress(cmd.ErrOrStderr(), "eval "+name)
					if e.Accuracy, err = eval.Evaluate(ctx, m, src, evalOpts); err != nil {
						return err
					}
				}
				r.Entries = append(r.Entries, e)
			}
			r.Compare()
			if out == "" {
				return report.WriteText(cmd.OutOrStdout(), r)
			}
			if err := report.WriteFile(out, r); err != nil {
				return err
			}
			fi, err := os.Stat(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%s, %s)\n", out, report.FormatOf(out), report.Bytes(fi.Size()))
			return nil
		},
	}
	df.register(cmd)
	bf.register(cmd, 30)
	cmd.Flags().StringVarP(&out, "output", "o", "", "report file: .html, .md, .json or text (default: text on stdout)")
	cmd.Flags().StringVar(&title, "title", "", "the report's title")
	cmd.Flags().BoolVar(&noProfile, "no-profile", false, "skip the per-op profile")
	cmd.Flags().IntVar(&workers, "workers", 0, "interpreters evaluating at once (default: the number of CPUs)")
	return cmd
}
