package optimize

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestDropIdentities(t *testing.T) {
	b := newGraph()
	x := b.input("x", 2, 3)
	same := b.op(ir.Reshape, nil, []int{2, 3}, x, b.i32("s", []int{2}, 2, 3))
	t1 := b.op(ir.Transpose, nil, []int{3, 2}, same, b.i32("p1", []int{2}, 1, 0))
	t2 := b.op(ir.Transpose, nil, []int{2, 3}, t1, b.i32("p2", []int{2}, 1, 0))
	y := b.op(ir.Relu, nil, []int{2, 3}, t2)
	m := b.model(y)
	for range 3 {
		mustRun(t, m, DropIdentities)
		mustRun(t, m, RemoveDead)
	}
	wantOps(t, m.Graphs[0], ir.Relu)
	if g := m.Graphs[0]; g.Ops[0].Inputs[0] != g.Inputs[0] {
		t.Error("RELU does not read the input directly")
	}
}

func TestDropIdentityAtOutput(t *testing.T) {
	b := newGraph()
	x := b.input("x", 4)
	r := b.op(ir.Relu, nil, []int{4}, x)
	cp := b.op(ir.Reshape, nil, []int{4}, r, b.i32("s", []int{1}, 4))
	b.g.Tensors[cp].Name = "logits"
	m := b.model(cp)
	mustRun(t, m, DropIdentities)
	mustRun(t, m, RemoveDead)
	g := m.Graphs[0]
	wantOps(t, g, ir.Relu)
	if out := g.Tensors[g.Outputs[0]]; out.Name != "logits" {
		t.Errorf("output is named %q, want the removed op's output name logits", out.Name)
	}

	// An identity between an input and an output must stay.
	b = newGraph()
	x = b.input("x", 4)
	cp = b.op(ir.Reshape, nil, []int{4}, x, b.i32("s", []int{1}, 4))
	m = b.model(cp)
	mustRun(t, m, DropIdentities)
	wantOps(t, m.Graphs[0], ir.Reshape)
}

func TestReshapeChainsAndOrderKeepingTransposes(t *testing.T) {
	b := newGraph()
	x := b.input("x", 1, 1, 1, 8)
	// NHWC [1,1,1,8] to NCHW [1,8,1,1] moves only size-1 axes: a reshape.
	tr := b.op(ir.Transpose, nil, []int{1, 8, 1, 1}, x, b.i32("p", []int{4}, 0, 3, 1, 2))
	r1 := b.op(ir.Reshape, nil, []int{1, 8}, tr, b.i32("s1", []int{2}, 1, 8))
	r2 := b.op(ir.Reshape, nil, []int{8}, r1, b.i32("s2", []int{1}, 8))
	m := b.model(r2)
	for range 3 {
		mustRun(t, m, DropIdentities)
		mustRun(t, m, RemoveDead)
	}
	g := m.Graphs[0]
	wantOps(t, g, ir.Reshape)
	if g.Ops[0].Inputs[0] != g.Inputs[0] {
		t.Error("the reshape does not read the input directly")
	}
	if !TransposeKeepsOrder([]int{2, 1, 3}, []int{1, 0, 2}) || TransposeKeepsOrder([]int{2, 3}, []int{1, 0}) {
		t.Error("TransposeKeepsOrder is wrong")
	}
}
