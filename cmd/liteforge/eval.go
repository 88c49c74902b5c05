package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/eval"
	"github.com/liteforge/liteforge/report"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// dataFlags are the flags that choose and preprocess a data set, shared by
// eval and report.
type dataFlags struct {
	data, split, labels, rawDType string
	limit                         int
	shuffle                       bool
	seed                          uint64
	resize, color, layout         string
	scale                         string
	mean, std                     []float64
}

func (f *dataFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "data set: an MNIST-style IDX folder, an image folder (one subfolder per class), x/y .npy files, or raw samples with --labels")
	fl.StringVar(&f.split, "split", "test", "split of an IDX folder or x_<split>/y_<split>.npy pair: train or test")
	fl.StringVar(&f.labels, "labels", "", "labels file (.npy or IDX) for a samples file whose labels are not found by name")
	fl.StringVar(&f.rawDType, "raw-dtype", "float32", "element type of a raw samples file")
	fl.IntVar(&f.limit, "limit", 0, "evaluate only the first N examples (after shuffling); 0 for all")
	fl.BoolVar(&f.shuffle, "shuffle", false, "shuffle the examples (with --seed) before --limit")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of --shuffle")
	fl.StringVar(&f.resize, "resize", "bilinear", "how images are brought to the input's size: bilinear, nearest, catmullrom, approx, or none (a size mismatch is an error)")
	fl.StringVar(&f.color, "color", "", "gray or rgb (default: the input's channel count)")
	fl.StringVar(&f.layout, "layout", "auto", "the model input's image layout: NHWC, NCHW, or auto (NHWC unless only [1,C,H,W] fits)")
	fl.StringVar(&f.scale, "scale", "", "multiply raw values by this first, e.g. 1/255 or 0.0078125 (default 1/255 for images, 1 for tensors)")
	fl.Float64SliceVar(&f.mean, "mean", nil, "subtract after scaling: one value, or one per channel (comma-separated)")
	fl.Float64SliceVar(&f.std, "std", nil, "divide by after subtracting the mean: one value, or one per channel")
}

// open reads the data set and applies --shuffle and --limit.
func (f *dataFlags) open() (dataset.Source, error) {
	if f.data == "" {
		return nil, fmt.Errorf("no data set: give --data PATH")
	}
	if err := atLeast("limit", f.limit, 0); err != nil {
		return nil, err
	}
	// Checked here, not only when a raw file is read, so that a typo is
	// never silently ignored.
	if dataset.ElementSize(f.rawDType) == 0 {
		return nil, fmt.Errorf("--raw-dtype %q: not an element type (want float32, float16, int8, uint8, int16, int32, ...)", f.rawDType)
	}
	src, err := dataset.Open(f.data, dataset.OpenOptions{Split: f.split, Labels: f.labels, RawDType: f.rawDType})
	if err != nil {
		return nil, err
	}
	return dataset.Select(src, f.shuffle, f.seed, f.limit), nil
}

// preprocess is the preprocessing the flags ask for.
func (f *dataFlags) preprocess() (dataset.Preprocess, error) {
	p := dataset.Preprocess{Resize: f.resize, Color: f.color, Layout: f.layout, Mean: f.mean, Std: f.std}
	if f.scale != "" {
		s, err := parseFraction(f.scale)
		if err != nil {
			return p, fmt.Errorf("--scale %q: %w", f.scale, err)
		}
		p.Scale = s
	}
	return p, nil
}

// parseFraction reads a number or a fraction such as 1/255.
func parseFraction(s string) (float64, error) {
	num, den, isFrac := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return 0, fmt.Errorf("not a number or a fraction")
	}
	if !isFrac {
		return n, nil
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(den), 64)
	if err != nil || d == 0 {
		return 0, fmt.Errorf("not a fraction with a nonzero denominator")
	}
	return n / d, nil
}

// evalResult is what eval --json prints.
type evalResult struct {
	Model string `json:"model"`
	Data  string `json:"data"`
	*eval.Accuracy
}

func newEvalCmd() *cobra.Command {
	var (
		df       dataFlags
		workers  int
		threads  int
		output   int
		jsonOut  bool
		rounding string
	)
	cmd := &cobra.Command{
		Use:   "eval MODEL --data PATH [--split test] [--limit N] [--json]",
		Short: "Measure a classifier's accuracy on a labelled data set",
		Long: `eval runs a classifier over a labelled data set and reports its top-1 and
top-5 accuracy, the accuracy per class and the confusion matrix.

The data set (--data) is one of:
  an MNIST-style folder   train-images*/train-labels* and t10k-images*/
                          t10k-labels* IDX files, gzip-compressed or not;
                          --split picks train or test (default test)
  an image folder         one subfolder per class holding PNG or JPEG images;
                          classes are numbered in sorted order of their names
  .npy samples            a folder with x_<split>.npy and y_<split>.npy (or
                          x.npy and y.npy), or a file x....npy whose labels are
                          the y....npy beside it, or any .npy with --labels
  raw samples             a file of little-endian --raw-dtype values, one
                          model input after another, with --labels (.npy or
                          IDX)

Images are resized to the input's height and width (--resize), made gray or
RGB to match its channels (--color), laid out NHWC or NCHW (--layout), and
scaled: x = (pixel*scale - mean) / std, with scale 1/255, mean 0 and std 1
unless given. Tensor samples are scaled the same way with scale 1 by default.
For an int8, uint8 or int16 input, x is then quantized with the input's scale
and zero point as TFLite does (round half away from zero, clamp).

Scores are read from output 0 (--output), dequantized when quantized; logits
and probabilities both work. Each example starts from the model's initial
state. The work is spread over --workers interpreters, one per goroutine; the
result does not depend on their number.`,
		Example: `  liteforge eval mnist.tflite --data ../shared/fixtures/data/mnist
  liteforge eval mobilenet.tflite --data imagenet_val/ --mean 0.5 --std 0.5 --limit 500 --shuffle
  liteforge eval model.tflite --data x_test.npy --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := atLeast("workers", workers, 0); err != nil {
				return err
			}
			if err := atLeast("output", output, 0); err != nil {
				return err
			}
			ctx, stop := withInterrupt(cmd)
			defer stop()
			// Flags first, files after: a bad flag is reported before any
			// file is read.
			pre, err := df.preprocess()
			if err != nil {
				return err
			}
			rt, err := runtimeOptions(threads, rounding, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			src, err := df.open()
			if err != nil {
				return err
			}
			m, err := tflite.ReadFile(args[0])
			if err != nil {
				return err
			}
			acc, err := eval.Evaluate(ctx, m, src, eval.Options{
				Workers: workers, Runtime: rt, Preprocess: pre, Output: output,
				Progress: newProgress(cmd.ErrOrStderr(), "eval "+report.NameOf(args[0])),
			})
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(evalResult{Model: args[0], Data: src.Name(), Accuracy: acc})
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "model:    %s\ndata:     %s (%d examples)\n", args[0], src.Name(), acc.Samples)
			fmt.Fprintf(out, "top-1:    %s (%d of %d)\ntop-5:    %s (%d of %d)\n", report.Percent(acc.Top1), acc.Correct1, acc.Samples, report.Percent(acc.Top5), acc.Correct5, acc.Samples)
			fmt.Fprintf(out, "time:     %.1f s on %d workers (%.0f examples/s)\n\n", acc.Seconds, acc.Workers, float64(acc.Samples)/acc.Seconds)
			return report.WriteAccuracyText(out, acc)
		},
	}
	df.register(cmd)
	cmd.Flags().IntVar(&workers, "workers", 0, "interpreters running at once, one per goroutine (default: the number of CPUs)")
	cmd.Flags().IntVar(&threads, "threads", 1, "threads per interpreter")
	cmd.Flags().IntVar(&output, "output", 0, "the output that holds the class scores")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON object (accuracy, top5, samples, per_class, confusion, ...)")
	cmd.Flags().StringVar(&rounding, "rounding", "double", "integer rounding: double (TFLite's reference kernels) or single (XNNPACK)")
	return cmd
}

// runtimeOptions turns the shared interpreter flags into runtime options;
// the model's warnings go to w.
func runtimeOptions(threads int, rounding string, w io.Writer) ([]runtime.Option, error) {
	if err := atLeast("threads", threads, 1); err != nil {
		return nil, err
	}
	opts, err := roundingOptions(rounding, w)
	if err != nil {
		return nil, err
	}
	return append(opts, runtime.WithThreads(threads)), nil
}

// roundingOptions are the runtime options of --rounding, with the model's
// warnings going to w.
func roundingOptions(rounding string, w io.Writer) ([]runtime.Option, error) {
	opts := []runtime.Option{runtime.WithWarnings(onceWarner(w))}
	switch rounding {
	case "", "double":
	case "single":
		opts = append(opts, runtime.WithRounding(runtime.SingleRounding))
	default:
		return nil, fmt.Errorf("--rounding %q: want double or single", rounding)
	}
	return opts, nil
}

// onceWarner prints each distinct warning once, however many interpreters
// report it.
func onceWarner(w io.Writer) func(string) {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		if !seen[msg] {
			seen[msg] = true
			fmt.Fprintln(w, "liteforge: warning:", msg)
		}
	}
}

// progressDelay is how long work runs before it shows progress: nothing
// shorter than this gets a bar.
var progressDelay = time.Second

// plainProgressEvery is how often progress lines are printed when stderr is
// not a terminal.
var plainProgressEvery = 5 * time.Second

// newProgress returns a progress callback for work called what. Once the
// work has run for a second it shows a progress bar on a terminal, and
// otherwise prints a plain line every few seconds (and one at the end).
func newProgress(w io.Writer, what string) func(done, total int) {
	f, isFile := w.(*os.File)
	return newProgressTTY(w, what, isFile && term.IsTerminal(int(f.Fd())))
}

// newProgressTTY is newProgress with the terminal check done.
func newProgressTTY(w io.Writer, what string, tty bool) func(done, total int) {
	start := time.Now()
	var (
		bar       *progressbar.ProgressBar
		lastPrint time.Time
		printed   bool
	)
	return func(done, total int) {
		now := time.Now()
		if tty {
			// The bar starts with the work, so that its rate and time left
			// are right, but draws nothing during the first second.
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(&delayedWriter{w: w, from: start.Add(progressDelay)}), progressbar.OptionSetDescription(what),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetWidth(30),
					progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
					progressbar.OptionSetPredictTime(true))
			}
			bar.Set(done)
			return
		}
		if now.Sub(start) < progressDelay && !(printed && done == total) {
			return
		}
		if done == total || !printed || now.Sub(lastPrint) >= plainProgressEvery {
			fmt.Fprintf(w, "%s: %d/%d (%.0f%%) after %.1fs\n", what, done, total, 100*float64(done)/float64(max(total, 1)), now.Sub(start).Seconds())
			lastPrint, printed = now, true
		}
	}
}

// delayedWriter drops what is written before a moment.
type delayedWriter struct {
	w    io.Writer
	from time.Time
}

func (d *delayedWriter) Write(p []byte) (int, error) {
	if time.Now().Before(d.from) {
		return len(p), nil
	}
	return d.w.Write(p)
}

// withInterrupt is the command's context, cancelled by Ctrl-C.
func withInterrupt(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(cmd.Context(), os.Interrupt)
}
