package kernels

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite"
)

// ewOracleOp is one op for the TFLite oracle: a node whose input tensors
// with an index in Consts become constants of the model, the others model
// inputs fed with their data.
type ewOracleOp struct {
	N      *Node
	Consts []int
}

// ewOracleRun is what the oracle computed for a batch of ops.
type ewOracleRun struct {
	Outputs   [][][]byte     // per op, per output: the bytes TFLite wrote
	NodeTypes map[string]int // the node types TFLite executed
}

// Builtin reports whether TFLite ran op type t with its own kernel (as
// opposed to handing it to XNNPACK, whose int8 arithmetic rounds once).
func (r *ewOracleRun) Builtin(t ir.OpType) bool { return r.NodeTypes[t.String()] > 0 }

// ewOracle puts independent ops into one model (one oracle run, since each
// costs a Node.js start), runs it in TFLite and returns every op's outputs.
// It skips the test when the oracle is not installed.
func ewOracle(t testing.TB, ops ...ewOracleOp) *ewOracleRun {
	t.Helper()
	testutil.TFLiteOracle(t)
	g := &ir.Graph{Name: "main"}
	dir := t.TempDir()
	var inputFiles []string
	for k, o := range ops {
		isConst := map[int]bool{}
		for _, c := range o.Consts {
			isConst[c] = true
		}
		op := &ir.Op{Type: o.N.Op.Type, Version: 1, Options: o.N.Op.Options}
		for i, x := range o.N.In {
			if x == nil {
				op.Inputs = append(op.Inputs, -1)
				continue
			}
			c := x.Clone()
			c.Name = fmt.Sprintf("op%d_in%d", k, i)
			if !isConst[i] {
				c.Data = nil
				g.Inputs = append(g.Inputs, len(g.Tensors))
				f := filepath.Join(dir, c.Name+".bin")
				if err := os.WriteFile(f, x.Data, 0o644); err != nil {
					t.Fatal(err)
				}
				inputFiles = append(inputFiles, f)
			}
			op.Inputs = append(op.Inputs, len(g.Tensors))
			g.Tensors = append(g.Tensors, c)
		}
		var casts []*ir.Op
		for i, x := range o.N.Out {
			c := x.Clone()
			c.Name = fmt.Sprintf("op%d_out%d", k, i)
			c.Data = nil
			op.Outputs = append(op.Outputs, len(g.Tensors))
			g.Tensors = append(g.Tensors, c)
			if x.Type == ir.Int64 {
				// The oracle cannot read int64 outputs: TFLite casts them to
				// int32 (the tests' values fit) and the result is widened back.
				c32 := &ir.Tensor{Name: c.Name + "_int32", Type: ir.Int32, Shape: c.Shape, HasRank: true}
				casts = append(casts, &ir.Op{Type: ir.Cast, Version: 1, Options: &ir.CastOptions{InType: ir.Int64, OutType: ir.Int32},
					Inputs: []int{len(g.Tensors) - 1}, Outputs: []int{len(g.Tensors)}})
				g.Tensors = append(g.Tensors, c32)
			}
			g.Outputs = append(g.Outputs, len(g.Tensors)-1)
		}
		g.Ops = append(g.Ops, op)
		g.Ops = append(g.Ops, casts...)
	}
	m := &ir.Model{Version: 3, Description: "liteforge kernel test", Graphs: []*ir.Graph{g}}
	buf, err := tflite.Write(m)
	if err != nil {
		t.Fatalf("writing the test model: %v", err)
	}
	model := filepath.Join(dir, "ops.tflite")
	if err := os.WriteFile(model, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out")
	if err := testutil.RunTFLiteOracle(t, model, outDir, inputFiles...); err != nil {
		t.Fatal(err)
	}
	var res struct {
		NodeTypes map[string]int `json:"node_types"`
	}
	js, err := os.ReadFile(filepath.Join(outDir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &res); err != nil {
		t.Fatal(err)
	}
	r := &ewOracleRun{NodeTypes: res.NodeTypes}
	next := 0
	for _, o := range ops {
		var outs [][]byte
		for range o.N.Out {
			b, err := os.ReadFile(filepath.Join(outDir, fmt.Sprintf("output_%d.bin", next)))
			if err != nil {
				t.Fatal(err)
			}
			if o.N.Out[len(outs)].Type == ir.Int64 {
				v := make([]int64, len(b)/4)
				for i, x := range ir.AsInt32(b) {
					v[i] = int64(x)
				}
				b = ir.Int64Bytes(v)
			}
			outs = append(outs, b)
			next++
		}
		r.Outputs = append(r.Outputs, outs)
	}
	return r
}
