package optimize

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// A 1x1 convolution with two output channels, then y*[10,100] + [1,2]: the
// weights become w*k and the bias b*k + shift, worked out by hand.
func TestFoldBatchNormIntoConv(t *testing.T) {
	b := newGraph()
	x := b.input("x", 1, 2, 2, 1)
	w := b.f32("w", []int{2, 1, 1, 1}, 2, 3)
	bias := b.f32("b", []int{2}, 1, 1)
	conv := b.op(ir.Conv2D, &ir.Conv2DOptions{StrideH: 1, StrideW: 1, Padding: ir.PaddingValid}, []int{1, 2, 2, 2}, x, w, bias)
	mul := b.op(ir.Mul, &ir.MulOptions{}, []int{1, 2, 2, 2}, conv, b.f32("scale", []int{2}, 10, 100))
	add := b.op(ir.Add, &ir.AddOptions{Activation: ir.ActRelu}, []int{1, 2, 2, 2}, mul, b.f32("shift", []int{1, 1, 1, 2}, 1, 2))
	m := b.model(add)
	if n := mustRun(t, m, FoldBatchNorm); n != 2 {
		t.Errorf("folded %d ops, want 2", n)
	}
	g := m.Graphs[0]
	wantOps(t, g, ir.Conv2D)
	op := g.Ops[0]
	wantFloats(t, "weights", g.Tensors[op.Inputs[1]].Float32s(), 20, 300)
	wantFloats(t, "bias", g.Tensors[op.Inputs[2]].Float32s(), 11, 102)
	if op.Options.(*ir.Conv2DOptions).Activation != ir.ActRelu || op.Outputs[0] != add {
		t.Error("the conv did not take over the ADD's output and activation")
	}
	wantFloats(t, "original weights", g.Tensors[w].Float32s(), 2, 3)
}

func TestFoldBatchNormDepthwiseAndRefusals(t *testing.T) {
	b := newGraph()
	x := b.input("x", 1, 1, 1, 2)
	// Depthwise weights [1,1,1,2]: channel is the last axis.
	dw := b.op(ir.DepthwiseConv2D, &ir.DepthwiseConv2DOptions{StrideH: 1, StrideW: 1, DepthMultiplier: 1}, []int{1, 1, 1, 2},
		x, b.f32("w", []int{1, 1, 1, 2}, 2, 3), -1)
	sub := b.op(ir.Sub, &ir.SubOptions{}, []int{1, 1, 1, 2}, dw, b.f32("k", []int{2}, 1, 4))
	m := b.model(sub)
	mustRun(t, m, FoldBatchNorm)
	g := m.Graphs[0]
	wantOps(t, g, ir.DepthwiseConv2D)
	wantFloats(t, "bias", g.Tensors[g.Ops[0].Inputs[2]].Float32s(), -1, -4)

	// A conv whose output is also read elsewhere keeps its MUL.
	b = newGraph()
	x = b.input("x", 1, 1, 1, 1)
	conv := b.op(ir.Conv2D, &ir.Conv2DOptions{StrideH: 1, StrideW: 1}, []int{1, 1, 1, 1}, x, b.f32("w", []int{1, 1, 1, 1}, 2), -1)
	mul := b.op(ir.Mul, &ir.MulOptions{}, []int{1, 1, 1, 1}, conv, b.f32("k", []int{1}, 3))
	m = b.model(mul, conv)
	mustRun(t, m, FoldBatchNorm)
	wantOps(t, m.Graphs[0], ir.Conv2D, ir.Mul)

	// A MUL by a tensor varying along another axis is not per channel.
	b = newGraph()
	x = b.input("x", 1, 2, 1, 1)
	conv = b.op(ir.Conv2D, &ir.Conv2DOptions{StrideH: 1, StrideW: 1}, []int{1, 2, 1, 1}, x, b.f32("w", []int{1, 1, 1, 1}, 2), -1)
	mul = b.op(ir.Mul, &ir.MulOptions{}, []int{1, 2, 1, 1}, conv, b.f32("k", []int{1, 2, 1, 1}, 3, 4))
	m = b.model(mul)
	mustRun(t, m, FoldBatchNorm)
	wantOps(t, m.Graphs[0], ir.Conv2D, ir.Mul)
}
