package kernels

import (
	"bytes"
	"encoding/json"
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

// oracleOp runs one op in TFLite (the oracle): it writes a one-op model
// whose graph inputs are the op's non-constant inputs, feeds their data and
// returns the output bytes, and whether TFLite handed the op to XNNPACK
// (whose 8-bit kernels round once). It skips when the oracle is absent.
func oracleOp(t *testing.T, op *ir.Op, ins []*ir.Tensor, out *ir.Tensor) (got []byte, xnnpack bool) {
	t.Helper()
	testutil.TFLiteOracle(t)
	g := &ir.Graph{Name: "main"}
	op = op.Clone()
	op.Inputs, op.Outputs = nil, nil
	dir := t.TempDir()
	var files []string
	for i, in := range ins {
		if in == nil {
			op.Inputs = append(op.Inputs, -1)
			continue
		}
		c := in.Clone()
		c.Name = fmt.Sprintf("in%d", i)
		idx := len(g.Tensors)
		g.Tensors = append(g.Tensors, c)
		op.Inputs = append(op.Inputs, idx)
		if in.Name == "act" {
			c.Data = nil
			g.Inputs = append(g.Inputs, idx)
			f := filepath.Join(dir, fmt.Sprintf("input_%d.bin", len(files)))
			if err := os.WriteFile(f, in.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	o := out.Clone()
	o.Name, o.Data = "out", nil
	g.Tensors = append(g.Tensors, o)
	op.Outputs = []int{len(g.Tensors) - 1}
	g.Outputs = op.Outputs
	g.Ops = []*ir.Op{op}
	if op.Version == 0 {
		op.Version = 1
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
	got, err = os.ReadFile(filepath.Join(dir, "out", "output_0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		NodeTypes map[string]int `json:"node_types"`
	}
	js, err := os.ReadFile(filepath.Join(dir, "out", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &res); err != nil {
		t.Fatal(err)
	}
	return got, res.NodeTypes["TfLiteXNNPackDelegate"] > 0
}

// matchOracle runs op in the oracle and in liteforge, with single rounding
// when TFLite delegated it to XNNPACK, and requires identical bytes for
// integer outputs and closeness within tol for float ones.
func matchOracle(t *testing.T, op *ir.Op, ins []*ir.Tensor, out *ir.Tensor, tol float64) {
	t.Helper()
	want, xnn := oracleOp(t, op, ins, out)
	t.Logf("TFLite ran %v through XNNPACK: %v", op.Type, xnn)
	ctx := &Context{Threads: 2, Rounding: fixedpoint.DoubleRounding}
	if xnn {
		ctx.Rounding, ctx.Kernels = fixedpoint.SingleRounding, XNNPACKKernels
	}
	runKernelCtx(t, op, ins, []*ir.Tensor{out}, ctx)
	if len(want) != len(out.Data) {
		t.Fatalf("oracle gave %d bytes, liteforge %d", len(want), len(out.Data))
	}
	if out.Type == ir.Float32 {
		got, w := out.Float32s(), ir.AsFloat32(want)
		for i := range w {
			if d := math.Abs(float64(got[i] - w[i])); d > tol*(1+math.Abs(float64(w[i]))) || math.IsNaN(float64(got[i])) {
				t.Fatalf("element %d: liteforge %v, TFLite %v", i, got[i], w[i])
			}
		}
		return
	}
	if !bytes.Equal(want, out.Data) {
		diff := 0
		for i := range want {
			if want[i] != out.Data[i] {
				diff++
			}
		}
		t.Fatalf("%v output (xnnpack %v, rounding %v): %d of %d bytes differ from TFLite", out.Type, xnn, ctx.Rounding, diff, len(want))
	}
}
