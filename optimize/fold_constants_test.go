package optimize

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestFoldConstants(t *testing.T) {
	b := newGraph()
	x := b.input("x", 2)
	c := b.op(ir.Add, &ir.AddOptions{}, []int{2}, b.f32("a", []int{2}, 1, 2), b.f32("b", []int{2}, 10, 20))
	y := b.op(ir.Mul, &ir.MulOptions{}, []int{2}, x, c)
	shape := b.act("shape", ir.Int32, 1)
	b.g.Ops = append(b.g.Ops, &ir.Op{Type: ir.Shape, Inputs: []int{x}, Outputs: []int{shape}, Options: &ir.ShapeOptions{OutType: ir.Int32}})
	half := b.g.AddTensor(&ir.Tensor{Name: "h", Type: ir.Float16, Shape: []int{1}, HasRank: true, Data: []byte{0, 0x3c}})
	deq := b.op(ir.Dequantize, nil, []int{1}, half)
	out := b.op(ir.Reshape, nil, []int{2}, b.f32("k", []int{2}, 5, 6), b.i32("s", []int{1}, 2))
	m := b.model(y, shape, deq, out)
	if n := mustRun(t, m, FoldConstants); n != 1 {
		t.Errorf("folded %d ops, want 1 (the ADD; the SHAPE, DEQUANTIZE and output RESHAPE stay)", n)
	}
	wantOps(t, m.Graphs[0], ir.Mul, ir.Shape, ir.Dequantize, ir.Reshape)
	wantFloats(t, "folded sum", m.Graphs[0].Tensors[c].Float32s(), 11, 22)

	// SHAPE of a static tensor folds once it feeds something else.
	m.Graphs[0].Outputs = []int{y}
	mustRun(t, m, FoldConstants)
	if got := m.Graphs[0].Tensors[shape]; !got.IsConst() || got.Int32s()[0] != 2 {
		t.Errorf("SHAPE not folded to [2]: %+v", got)
	}
}

func TestRemoveDead(t *testing.T) {
	b := newGraph()
	x := b.input("x", 2)
	used := b.op(ir.Relu, nil, []int{2}, x)
	dead1 := b.op(ir.Tanh, nil, []int{2}, x)
	b.op(ir.Exp, nil, []int{2}, dead1) // dead, and makes dead1 dead once removed
	b.f32("unused_const", []int{1}, 1)
	m := b.model(used)
	n := mustRun(t, m, RemoveDead)
	wantOps(t, m.Graphs[0], ir.Relu)
	if got := len(m.Graphs[0].Tensors); got != 2 {
		t.Errorf("%d tensors left, want 2 (x and the RELU output)", got)
	}
	if n != 2+3 {
		t.Errorf("reported %d removals, want 5 (2 ops, 3 tensors)", n)
	}
	if g := m.Graphs[0]; g.Tensors[g.Outputs[0]].Name != "RELU_out" || g.Tensors[g.Inputs[0]].Name != "x" {
		t.Error("input or output lost its tensor after renumbering")
	}
}
