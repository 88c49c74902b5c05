package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/liteforge/liteforge/convert/onnx"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite"
	"github.com/spf13/cobra"
)

func newConvertCmd() *cobra.Command {
	var (
		out    string
		shapes []string
		nhwc   bool
		noOpt  bool
	)
	cmd := &cobra.Command{
		Use:   "convert MODEL.onnx -o OUT.tflite [--input-shape NAME=1,1,28,28]... [--nhwc]",
		Short: "Convert an ONNX model to a TensorFlow Lite model",
		Long: `convert reads an ONNX model (opsets 1 to 21, with external data beside
it) and writes the equivalent TensorFlow Lite model.

The graph is moved from ONNX's channels-first layout to TFLite's
channels-last one inside; the written model's inputs and outputs keep the
ONNX layout (one TRANSPOSE at each boundary that needs it), or are
channels-last with --nhwc. Quantized ONNX models (QuantizeLinear and
DequantizeLinear pairs, QLinearConv, QLinearMatMul, ONNX Runtime's dynamic
quantization) become integer TFLite models with the same parameters.

Dynamic dimensions become fixed sizes: give them with --input-shape
NAME=D0,D1,... (once per input; NAME may be left out when the model has one
input); a dynamic first (batch) dimension not given becomes 1. A model with
operators liteforge cannot convert fails with one error listing all of
them, by type, with the nodes and counts.`,
		Example: `  liteforge convert lenet.onnx -o lenet.tflite
  liteforge convert model.onnx -o model.tflite --input-shape input=8,3,224,224
  liteforge convert model.onnx -o model.tflite --nhwc`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			inputShapes, err := parseInputShapes(shapes)
			if err != nil {
				return err
			}
			warn := func(msg string) { fmt.Fprintln(cmd.ErrOrStderr(), "liteforge: warning:", msg) }
			m, err := onnx.ConvertFile(args[0], onnx.Options{InputShapes: inputShapes, NHWC: nhwc, NoOptimize: noOpt, Warn: warn})
			if err != nil {
				return err
			}
			if err := tflite.WriteFile(out, m); err != nil {
				return err
			}
			return printConversion(cmd.OutOrStdout(), out, m)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the .tflite file to write (required)")
	cmd.Flags().StringArrayVar(&shapes, "input-shape", nil, "NAME=D0,D1,...: the shape of an input, in ONNX's layout (repeatable)")
	cmd.Flags().BoolVar(&nhwc, "nhwc", false, "make 4-D inputs and outputs channels-last (NHWC) instead of ONNX's NCHW")
	cmd.Flags().BoolVar(&noOpt, "no-optimize", false, "skip the graph passes (constant folding, batch-norm folding, activation fusion, ...)")
	_ = cmd.MarkFlagRequired("output")
	return cmd
}

// parseInputShapes reads --input-shape values: NAME=D0,D1,... or, for a
// model's only input, D0,D1,...
func parseInputShapes(flags []string) (map[string][]int, error) {
	shapes := map[string][]int{}
	for _, f := range flags {
		name, dims, ok := strings.Cut(f, "=")
		if !ok {
			name, dims = "", f
		}
		if _, dup := shapes[name]; dup {
			return nil, fmt.Errorf("--input-shape %q: input %q given twice", f, name)
		}
		var shape []int
		for _, d := range strings.Split(dims, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(d))
			if err != nil || v < 0 {
				return nil, fmt.Errorf("--input-shape %q: %q is not a dimension (want NAME=D0,D1,...)", f, d)
			}
			shape = append(shape, v)
		}
		shapes[name] = shape
	}
	return shapes, nil
}

// printConversion summarizes the written model: size, ops by type, and the
// inputs and outputs with their shapes.
func printConversion(w io.Writer, path string, m *ir.Model) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	g := m.Graphs[0]
	counts := map[string]int{}
	for _, op := range g.Ops {
		counts[op.Name()]++
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if counts[types[i]] != counts[types[j]] {
			return counts[types[i]] > counts[types[j]]
		}
		return types[i] < types[j]
	})
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%s %d", t, counts[t])
	}
	fmt.Fprintf(w, "wrote %s (%d bytes): %d ops: %s\n", filepath.Clean(path), st.Size(), len(g.Ops), strings.Join(parts, ", "))
	for _, list := range []struct {
		what string
		ts   []int
	}{{"input", g.Inputs}, {"output", g.Outputs}} {
		for _, ti := range list.ts {
			t := g.Tensors[ti]
			q := ""
			if t.Quant.Quantized() {
				q = fmt.Sprintf(" (scale %g, zero point %d)", t.Quant.Scale[0], t.Quant.ZeroPoint[0])
			}
			fmt.Fprintf(w, "  %s %q %v %v%s\n", list.what, t.Name, t.Type, t.Shape, q)
		}
	}
	return nil
}
