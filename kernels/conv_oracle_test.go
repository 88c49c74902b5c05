package kernels

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite"
)

// oracleCase is one op for the TFLite oracle: its inputs (activations, named
// "act", become graph inputs; the rest are constants) and its output.
type oracleCase struct {
	name string
	op   *ir.Op
	ins  []*ir.Tensor
	out  *ir.Tensor
}

// oracleRun runs every case's op in one TFLite model (one Node.js start for
// all of them) and returns each case's output bytes. It skips when the
// oracle is absent.
func oracleRun(t *testing.T, cases []oracleCase) [][]byte {
	t.Helper()
	testutil.TFLiteOracle(t)
	g := &ir.Graph{Name: "main"}
	dir := t.TempDir()
	var files []string
	for ci, c := range cases {
		op := c.op.Clone()
		op.Inputs, op.Outputs = nil, nil
		if op.Version == 0 {
			op.Version = 1
		}
		for i, in := range c.ins {
			if in == nil {
				op.Inputs = append(op.Inputs, -1)
				continue
			}
			cl := in.Clone()
			cl.Name = fmt.Sprintf("c%d_in%d", ci, i)
			idx := len(g.Tensors)
			g.Tensors = append(g.Tensors, cl)
			op.Inputs = append(op.Inputs, idx)
			if in.Name == "act" {
				cl.Data = nil
				g.Inputs = append(g.Inputs, idx)
				f := filepath.Join(dir, fmt.Sprintf("input_%d.bin", len(files)))
				if err := os.WriteFile(f, in.Data, 0o644); err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
			}
		}
		o := c.out.Clone()
		o.Name, o.Data = fmt.Sprintf("c%d_out", ci), nil
		g.Tensors = append(g.Tensors, o)
		op.Outputs = []int{len(g.Tensors) - 1}
		g.Outputs = append(g.Outputs, op.Outputs[0])
		g.Ops = append(g.Ops, op)
	}
	data, err := tflite.Write(&ir.Model{Version: 3, Graphs: []*ir.Graph{g}})
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "model.tflite")
	if err := os.WriteFile(model, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := testutil.RunTFLiteOracle(t, model, filepath.Join(dir, "out"), files...); err != nil {
		t.Fatal(err)
	}
	outs := make([][]byte, len(cases))
	for i := range cases {
		if outs[i], err = os.ReadFile(filepath.Join(dir, "out", fmt.Sprintf("output_%d.bin", i))); err != nil {
			t.Fatal(err)
		}
	}
	return outs
}

// matchOracle runs all cases in TFLite at once and in liteforge, and
// requires each integer output to equal TFLite's bytes under one of
// TFLite's two arithmetics: its builtin kernels (double rounding) or, for
// ops TFLite handed to its XNNPACK delegate, XNNPACK's (XNNPACKKernels,
// single rounding). Float outputs must be within tol (relative).
func matchOracle(t *testing.T, tol float64, cases ...oracleCase) {
	t.Helper()
	want := oracleRun(t, cases)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mismatch string
			for _, ctx := range []*Context{
				{Threads: 2, Rounding: fixedpoint.DoubleRounding},
				{Threads: 2, Rounding: fixedpoint.SingleRounding, Kernels: XNNPACKKernels},
			} {
				runKernelCtx(t, c.op, c.ins, []*ir.Tensor{c.out}, ctx)
				if mismatch = compareOracle(c.out, want[i], tol); mismatch == "" {
					t.Logf("%s matches TFLite with %v kernels, %v rounding", c.op.Type, ctx.Kernels, ctx.Rounding)
					return
				}
			}
			t.Fatalf("%s: %s", c.op.Type, mismatch)
		})
	}
}

// compareOracle describes how out differs from TFLite's bytes, "" when it
// does not.
func compareOracle(out *ir.Tensor, want []byte, tol float64) string {
	if len(want) != len(out.Data) {
		return fmt.Sprintf("oracle gave %d bytes, liteforge %d", len(want), len(out.Data))
	}
	if out.Type == ir.Float32 {
		got, w := out.Float32s(), ir.AsFloat32(want)
		for i := range w {
			if d := math.Abs(float64(got[i] - w[i])); d > tol*(1+math.Abs(float64(w[i]))) || math.IsNaN(float64(got[i])) {
				return fmt.Sprintf("element %d: liteforge %v, TFLite %v", i, got[i], w[i])
			}
		}
		return ""
	}
	if !bytes.Equal(want, out.Data) {
		diff := 0
		for i := range want {
			if want[i] != out.Data[i] {
				diff++
			}
		}
		return fmt.Sprintf("%v output: %d of %d bytes differ from TFLite", out.Type, diff, len(want))
	}
	return ""
}
