package optimize

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestFuseActivations(t *testing.T) {
	b := newGraph()
	x := b.input("x", 1, 4)
	fc := b.op(ir.FullyConnected, &ir.FullyConnectedOptions{}, []int{1, 2}, x, b.f32("w", []int{2, 4}, make([]float32, 8)...), -1)
	r6 := b.op(ir.Relu6, nil, []int{1, 2}, fc)
	m := b.model(r6)
	if n := mustRun(t, m, FuseActivations); n != 1 {
		t.Errorf("%d rewrites, want 1", n)
	}
	g := m.Graphs[0]
	wantOps(t, g, ir.FullyConnected)
	if g.Ops[0].Options.(*ir.FullyConnectedOptions).Activation != ir.ActRelu6 || g.Ops[0].Outputs[0] != r6 {
		t.Error("RELU6 not fused into the fully-connected op")
	}
}

func TestClampPatternsBecomeRelu6(t *testing.T) {
	for _, order := range []string{"max-then-min", "min-then-max"} {
		b := newGraph()
		x := b.input("x", 3)
		add := b.op(ir.Add, &ir.AddOptions{}, []int{3}, x, b.f32("one", []int{}, 1))
		zero, six := b.f32("zero", []int{}, 0), b.f32("six", []int{1}, 6)
		var out int
		if order == "max-then-min" {
			out = b.op(ir.Minimum, nil, []int{3}, b.op(ir.Maximum, nil, []int{3}, add, zero), six)
		} else {
			out = b.op(ir.Maximum, nil, []int{3}, zero, b.op(ir.Minimum, nil, []int{3}, add, six))
		}
		m := b.model(out)
		mustRun(t, m, FuseActivations)
		mustRun(t, m, FuseActivations)
		g := m.Graphs[0]
		wantOps(t, g, ir.Add)
		if g.Ops[0].Options.(*ir.AddOptions).Activation != ir.ActRelu6 {
			t.Errorf("%s: clamp not fused as RELU6", order)
		}
	}
}

func TestActivationsNotFused(t *testing.T) {
	b := newGraph()
	x := b.input("x", 2)
	add := b.op(ir.Add, &ir.AddOptions{}, []int{2}, x, x)
	tanh := b.op(ir.Tanh, nil, []int{2}, add)
	add2 := b.op(ir.Add, &ir.AddOptions{}, []int{2}, tanh, x)
	relu := b.op(ir.Relu, nil, []int{2}, add2)
	m := b.model(relu, add2) // add2 is also an output: RELU cannot fuse
	mustRun(t, m, FuseActivations)
	wantOps(t, m.Graphs[0], ir.Add, ir.Tanh, ir.Add, ir.Relu)
}
