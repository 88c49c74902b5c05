package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tensorio"
	"github.com/liteforge/liteforge/tflite"
	"github.com/spf13/cobra"
)

// printedValues is how many leading values run prints of each output.
const printedValues = 10

func newRunCmd() *cobra.Command {
	var (
		inputs  []string
		outDir  string
		threads int
		seed    int64
		kset    string
	)
	cmd := &cobra.Command{
		Use:   "run MODEL [-i INPUT]... [-o DIR] [--threads N] [--random SEED] [--kernels SET]",
		Short: "Run a model on input files and print or save its outputs",
		Long: `run executes a .tflite model once with liteforge's interpreter.

Give one -i per model input, in the model's input order (see 'liteforge
inspect'). An input file is read by its extension:
  .npy              a NumPy array of the input's dtype and shape
  .png .jpg .bmp    an image of the input's height and width; gray or RGB by
                    the input's channel count; pixel v becomes v (uint8),
                    v-128 (int8) or v/255 (float)
  anything else     raw little-endian bytes (.bin, .raw), exactly the input's
                    byte size
With --random SEED, inputs without a file get seeded random values: the same
values the TFLite oracle's --random SEED makes.

Without -o, run prints each output's shape, first values and arg-max. With
-o DIR it writes DIR/output_<i>.bin (the raw little-endian bytes of output i)
and DIR/outputs.json (name, dtype, shape and quantization of each input and
output), the layout of the TFLite oracle, so that the two compare byte for
byte; random inputs are saved as DIR/input_<i>.bin.

--kernels picks liteforge's kernel set: builtin (TFLite's default kernels),
reference (its reference kernels, as TFLite Micro) or xnnpack (the ops
TFLite's XNNPACK delegate takes, computed as XNNPACK does: what the TFLite
oracle and TFLite's default CPU setup run).`,
		Example: `  liteforge run model.tflite -i image.png
  liteforge run model.tflite -i in0.npy -i in1.bin -o out/
  liteforge run model.tflite --random 1 -o out/
  liteforge run model.tflite --random 1 --kernels xnnpack -o out/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := atLeast("threads", threads, 1); err != nil {
				return err
			}
			set, err := parseKernelSet("--kernels", kset)
			if err != nil {
				return err
			}
			var random *tensorio.Random
			if cmd.Flags().Changed("random") {
				random = tensorio.NewRandom(seed)
			}
			warn := func(msg string) { fmt.Fprintln(cmd.ErrOrStderr(), "liteforge: warning:", msg) }
			res, fed, outs, err := runModel(args[0], inputs, random, warn, runtime.WithThreads(threads), runtime.WithKernels(set))
			if err != nil {
				return err
			}
			if outDir == "" {
				return printOutputs(cmd.OutOrStdout(), res, outs)
			}
			// Save only what the files do not already hold: random inputs.
			saved := make([][]byte, len(fed))
			for i := len(inputs); i < len(fed); i++ {
				saved[i] = fed[i]
			}
			for i := range min(len(inputs), len(res.Inputs)) {
				res.Inputs[i].File, _ = filepath.Abs(inputs[i])
			}
			if err := tensorio.WriteResult(outDir, res, saved, outs); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d output file(s) and %s to %s\n", len(outs), tensorio.ResultFile, outDir)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&inputs, "input", "i", nil, "input file, once per model input in input order (.npy, .png, .jpg, .bmp, or raw bytes)")
	f.StringVarP(&outDir, "output", "o", "", "directory to write output_<i>.bin and outputs.json into")
	f.IntVar(&threads, "threads", 1, "threads the interpreter may use")
	f.Int64Var(&seed, "random", 0, "fill inputs that have no file with random values from this seed")
	f.StringVar(&kset, "kernels", "builtin", "kernel set: builtin, reference or xnnpack")
	return cmd
}

// runModel reads the model, feeds its inputs, invokes it once and returns the
// run's description, the input bytes fed and the output bytes.
func runModel(path string, files []string, random *tensorio.Random, warn func(string), opts ...runtime.Option) (*tensorio.Result, [][]byte, [][]byte, error) {
	m, err := tflite.ReadFile(path)
	if err != nil {
		return nil, nil, nil, err
	}
	interp, err := runtime.New(m, append(opts, runtime.WithWarnings(warn))...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	g := interp.Graph()
	ins := make([]*ir.Tensor, interp.NumInputs())
	for i := range ins {
		ins[i] = interp.Input(i)
	}
	fed, err := tensorio.LoadInputs(ins, files, random)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := interp.Invoke(); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	res := &tensorio.Result{Model: path, Runtime: "liteforge " + version(), OK: true}
	if abs, err := filepath.Abs(path); err == nil {
		res.Model = abs // as the oracle records it
	}
	for i, t := range ins {
		res.Inputs = append(res.Inputs, tensorio.Describe(t, i, g.Inputs[i]))
	}
	outs := make([][]byte, interp.NumOutputs())
	for i := range outs {
		t := interp.Output(i)
		outs[i] = slices.Clone(t.Data)
		res.Outputs = append(res.Outputs, tensorio.Describe(t, i, g.Outputs[i]))
	}
	return res, fed, outs, nil
}

// printOutputs shows each output's shape, first values and arg-max (with the
// real value of quantized outputs).
func printOutputs(w io.Writer, res *tensorio.Result, outs [][]byte) error {
	for i, o := range res.Outputs {
		fmt.Fprintf(w, "output %d %q: %s %v", i, o.Name, o.DType, o.Shape)
		if o.Quant != nil && len(o.Quant.Scale) == 1 {
			fmt.Fprintf(w, " (scale %.6g, zero point %d)", o.Quant.Scale[0], o.Quant.ZeroPoint[0])
		}
		fmt.Fprintln(w)
		dt, err := ir.ParseDataType(o.DType)
		if err != nil {
			return err
		}
		v, err := tensorio.Float64s(dt, outs[i])
		if err != nil {
			fmt.Fprintf(w, "  %d bytes (%v)\n", len(outs[i]), err)
			continue
		}
		var parts []string
		for _, x := range v[:min(len(v), printedValues)] {
			parts = append(parts, fmt.Sprintf("%.6g", x))
		}
		more := ""
		if len(v) > printedValues {
			more = fmt.Sprintf(" ... (%d values)", len(v))
		}
		fmt.Fprintf(w, "  values: %s%s\n", strings.Join(parts, " "), more)
		if am := tensorio.ArgMax(v); am >= 0 {
			fmt.Fprintf(w, "  arg-max: %d (%.6g", am, v[am])
			if q := o.Quant; q != nil && len(q.Scale) == 1 {
				fmt.Fprintf(w, ", real %.6g", q.Scale[0]*(v[am]-float64(q.ZeroPoint[0])))
			}
			fmt.Fprintln(w, ")")
		}
	}
	return nil
}
