package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/liteforge/liteforge/eval"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/kernels"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tensorio"
	"github.com/liteforge/liteforge/tflite"
	"github.com/spf13/cobra"
)

// compareResult is what compare --json prints.
type compareResult struct {
	Model     string            `json:"model"`
	Reference string            `json:"reference"`
	Kernels   string            `json:"kernels"`
	Rounding  string            `json:"rounding"`
	NodeTypes map[string]int    `json:"node_types,omitempty"`
	Tensors   []eval.TensorDiff `json:"tensors"`
	First     *eval.TensorDiff  `json:"first_difference"`
}

func newCompareCmd() *cobra.Command {
	var (
		inputs    []string
		seed      int64
		useOracle bool
		against   string
		kernelSet string
		rounding  string
		tol       float64
		all       bool
		jsonOut   bool
		threads   int
	)
	cmd := &cobra.Command{
		Use:   "compare MODEL (--oracle | --against KERNELS) [-i INPUT]... [--random SEED]",
		Short: "Compare every intermediate tensor of a run with TFLite's (or another kernel set's)",
		Long: `compare runs a model once in liteforge, keeping every tensor its ops compute,
and compares each one with a reference run on the same inputs, in execution
order, so that the first tensor that differs points at the op whose
arithmetic departs from the reference.

The reference is either:
  --oracle           real TFLite (the TFLite oracle, ../shared/tools/
                     tflite-oracle, installed with npm; found through
                     $LITEFORGE_TFLITE_ORACLE or ~/.cache/liteforge/
                     tflite-oracle). compare writes a copy of the model
                     whose outputs are all its intermediate tensors (those
                     computed from the inputs, of types the oracle can
                     return) and runs it there. TFLite applies its XNNPACK
                     delegate; exposing tensors can change what XNNPACK
                     takes, so the delegated node types are printed.
  --against KERNELS  liteforge itself with another kernel set (builtin,
                     reference or xnnpack).

--kernels picks liteforge's kernel set: builtin (TFLite's default kernels),
reference (its reference kernels, as TFLite Micro) or xnnpack (the ops
TFLite's XNNPACK delegate takes computed as XNNPACK does; use it to match
the oracle). Inputs are read as 'liteforge run' reads them.

Differences are in stored steps for integer tensors and absolute (relative
above 1) for float ones. compare prints the tensors that differ (--all: every
tensor), then the first one beyond --tol, and exits with an error when there
is one.`,
		Example: `  liteforge compare model.tflite --oracle --random 1 --kernels xnnpack
  liteforge compare model.tflite --oracle -i input.bin --tol 1e-5
  liteforge compare model.tflite --against reference --random 1 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if useOracle == (against != "") {
				return fmt.Errorf("compare needs one reference: --oracle (TFLite) or --against KERNELS (liteforge)")
			}
			set, err := parseKernelSet("--kernels", kernelSet)
			if err != nil {
				return err
			}
			opts, err := runtimeOptions(threads, rounding, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			opts = append(opts, runtime.WithKernels(set))
			path := args[0]
			m, err := tflite.ReadFile(path)
			if err != nil {
				return err
			}
			if len(m.Graphs) == 0 {
				return fmt.Errorf("%s: model has no subgraph", path)
			}
			var random *tensorio.Random
			if cmd.Flags().Changed("random") {
				random = tensorio.NewRandom(seed)
			}
			// LoadInputs fills tensors sized to their bytes: copies of the
			// graph's inputs, so that the model itself stays untouched.
			g := m.Graphs[0]
			ins := make([]*ir.Tensor, len(g.Inputs))
			for i, ti := range g.Inputs {
				if ti < 0 || ti >= len(g.Tensors) {
					return fmt.Errorf("%s: input %d is tensor %d of %d", path, i, ti, len(g.Tensors))
				}
				in := *g.Tensors[ti]
				size, err := in.ByteSize()
				if err != nil {
					return fmt.Errorf("%s: input %d (%q): %w", path, i, in.Name, err)
				}
				in.Data = make([]byte, size)
				ins[i] = &in
			}
			fed, err := tensorio.LoadInputs(ins, inputs, random)
			if err != nil {
				return err
			}
			res := compareResult{Model: path, Kernels: set.String(), Rounding: rounding}
			if useOracle {
				dir, err := eval.FindTFLiteOracle()
				if err != nil {
					return err
				}
				c, err := eval.CompareWithOracle(cmd.Context(), m, fed, dir, opts...)
				if err != nil {
					return err
				}
				res.Reference, res.Tensors, res.NodeTypes = "tflite-oracle", c.Diffs, c.NodeTypes
			} else {
				refSet, err := parseKernelSet("--against", against)
				if err != nil {
					return err
				}
				refOpts := append(slices.Clone(opts), runtime.WithKernels(refSet))
				want, err := eval.TensorValues(m, fed, refOpts...)
				if err != nil {
					return err
				}
				if res.Tensors, err = eval.CompareTensors(m, fed, want, opts...); err != nil {
					return err
				}
				res.Reference = "liteforge " + refSet.String()
			}
			if i := eval.FirstDiffer(res.Tensors, tol); i >= 0 {
				res.First = &res.Tensors[i]
			}
			if jsonOut {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else {
				writeComparison(cmd.OutOrStdout(), &res, tol, all)
			}
			if res.First != nil {
				return fmt.Errorf("tensor %d (%s, op %d %s) differs from %s by %g", res.First.Tensor, res.First.Name,
					res.First.Op, res.First.OpType, res.Reference, res.First.MaxDiff)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&inputs, "input", "i", nil, "input file, once per model input in input order (.npy, .png, .jpg, .bmp, or raw bytes)")
	f.Int64Var(&seed, "random", 0, "fill inputs that have no file with random values from this seed (the oracle's --random)")
	f.BoolVar(&useOracle, "oracle", false, "compare with real TFLite (the TFLite oracle)")
	f.StringVar(&against, "against", "", "compare with liteforge under this kernel set: builtin, reference or xnnpack")
	f.StringVar(&kernelSet, "kernels", "builtin", "liteforge's kernel set: builtin, reference or xnnpack")
	f.StringVar(&rounding, "rounding", "double", "integer rounding: double (TFLite's reference kernels) or single")
	f.Float64Var(&tol, "tol", 0, "largest difference that does not count")
	f.BoolVar(&all, "all", false, "print every tensor, not only those that differ")
	f.BoolVar(&jsonOut, "json", false, "print one JSON object")
	f.IntVar(&threads, "threads", 1, "threads the interpreter may use")
	return cmd
}

// parseKernelSet reads a kernel set's name for flag.
func parseKernelSet(flag, name string) (kernels.KernelSet, error) {
	for _, s := range []kernels.KernelSet{kernels.BuiltinKernels, kernels.ReferenceKernels, kernels.XNNPACKKernels} {
		if s.String() == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("%s %q: want builtin, reference or xnnpack", flag, name)
}

// writeComparison prints the comparison as a table and a verdict.
func writeComparison(w io.Writer, res *compareResult, tol float64, all bool) {
	fmt.Fprintf(w, "%s: liteforge (%s kernels, %s rounding) against %s\n", res.Model, res.Kernels, res.Rounding, res.Reference)
	if res.NodeTypes != nil {
		types := make([]string, 0, len(res.NodeTypes))
		for typ, n := range res.NodeTypes {
			types = append(types, fmt.Sprintf("%s %d", typ, n))
		}
		slices.Sort(types)
		fmt.Fprintf(w, "TFLite ran: %s\n", strings.Join(types, ", "))
	}
	fmt.Fprintf(w, "%4s  %-18s %6s  %-32s %-8s %9s %9s  %s\n", "op", "type", "tensor", "name", "dtype", "elements", "differ", "largest")
	largest, shown := 0.0, 0
	for _, d := range res.Tensors {
		largest = max(largest, d.MaxDiff)
		if !all && d.Differ == 0 {
			continue
		}
		shown++
		fmt.Fprintf(w, "%4d  %-18s %6d  %-32s %-8s %9d %9d  %.3g\n", d.Op, d.OpType, d.Tensor, shorten(d.Name, 32), d.DType, d.Elements, d.Differ, d.MaxDiff)
	}
	if shown == 0 {
		fmt.Fprintln(w, "  (none differ)")
	}
	if res.First == nil {
		fmt.Fprintf(w, "all %d tensors within %g (largest difference %g)\n", len(res.Tensors), tol, largest)
		return
	}
	d := res.First
	fmt.Fprintf(w, "first difference beyond %g: op %d %s, tensor %d %q: %d of %d elements differ, largest %g (element %d: %g, want %g)\n",
		tol, d.Op, d.OpType, d.Tensor, d.Name, d.Differ, d.Elements, d.MaxDiff, d.Worst, d.Got, d.Want)
}

// shorten cuts s to n characters, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
