package kernels

import (
	"fmt"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// TestFloatOpsAgainstOracle runs every float op of this family as a one-op
// model in TFLite and compares with the kernels.
func TestFloatOpsAgainstOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("oracle comparisons are slow")
	}
	f := func(shape ...int) *ir.Tensor {
		return ewF32(shape, ewRamp(ir.NumElements(shape), -3, 3)...)
	}
	pos := func(shape ...int) *ir.Tensor {
		return ewF32(shape, ewRamp(ir.NumElements(shape), 0.25, 4)...)
	}
	type tc struct {
		op     ir.OpType
		opts   ir.Options
		in     []*ir.Tensor
		consts []int
		out    []int
		outT   ir.DataType
	}
	cases := []tc{
		{op: ir.Add, opts: &ir.AddOptions{Activation: ir.ActRelu6}, in: []*ir.Tensor{f(2, 3, 4), f(3, 1)}, out: []int{2, 3, 4}},
		{op: ir.Sub, opts: &ir.SubOptions{}, in: []*ir.Tensor{f(1, 4), f(3, 1)}, out: []int{3, 4}},
		{op: ir.Mul, opts: &ir.MulOptions{Activation: ir.ActReluN1To1}, in: []*ir.Tensor{f(2, 2, 2, 5), f(5)}, consts: []int{1}, out: []int{2, 2, 2, 5}},
		{op: ir.Div, opts: &ir.DivOptions{}, in: []*ir.Tensor{f(2, 6), pos(2, 6)}, out: []int{2, 6}},
		{op: ir.SquaredDifference, in: []*ir.Tensor{f(4, 3), f(1, 3)}, out: []int{4, 3}},
		{op: ir.Maximum, in: []*ir.Tensor{f(2, 3), f(3)}, out: []int{2, 3}},
		{op: ir.Minimum, in: []*ir.Tensor{f(3), f(2, 3)}, out: []int{2, 3}},
		{op: ir.Pow, in: []*ir.Tensor{pos(2, 3), f(2, 3)}, out: []int{2, 3}},
		{op: ir.Abs, in: []*ir.Tensor{f(7)}, out: []int{7}},
		{op: ir.Neg, in: []*ir.Tensor{f(7)}, out: []int{7}},
		{op: ir.Sqrt, in: []*ir.Tensor{pos(7)}, out: []int{7}},
		{op: ir.Rsqrt, in: []*ir.Tensor{pos(7)}, out: []int{7}},
		{op: ir.Exp, in: []*ir.Tensor{f(7)}, out: []int{7}},
		{op: ir.Log, in: []*ir.Tensor{pos(7)}, out: []int{7}},
		{op: ir.Square, in: []*ir.Tensor{f(7)}, out: []int{7}},
		{op: ir.Relu, in: []*ir.Tensor{f(9)}, out: []int{9}},
		{op: ir.Relu6, in: []*ir.Tensor{ewF32([]int{5}, -8, -1, 2, 6.5, 9)}, out: []int{5}},
		{op: ir.ReluN1To1, in: []*ir.Tensor{f(9)}, out: []int{9}},
		{op: ir.LeakyRelu, opts: &ir.LeakyReluOptions{Alpha: 0.1}, in: []*ir.Tensor{f(9)}, out: []int{9}},
		{op: ir.PRelu, in: []*ir.Tensor{f(1, 2, 2, 3), f(1, 1, 3)}, consts: []int{1}, out: []int{1, 2, 2, 3}},
		{op: ir.HardSwish, in: []*ir.Tensor{ewF32([]int{8}, ewRamp(8, -5, 5)...)}, out: []int{8}},
		{op: ir.Logistic, in: []*ir.Tensor{f(9)}, out: []int{9}},
		{op: ir.Tanh, in: []*ir.Tensor{f(9)}, out: []int{9}},
		{op: ir.Gelu, opts: &ir.GeluOptions{}, in: []*ir.Tensor{f(9)}, out: []int{9}},
		{op: ir.Gelu, opts: &ir.GeluOptions{Approximate: true}, in: []*ir.Tensor{f(9)}, out: []int{9}},
		{op: ir.Elu, in: []*ir.Tensor{f(9)}, out: []int{9}},
		{op: ir.Softmax, opts: &ir.SoftmaxOptions{Beta: 0.7}, in: []*ir.Tensor{f(2, 3, 10)}, out: []int{2, 3, 10}},
		{op: ir.LogSoftmax, in: []*ir.Tensor{f(3, 10)}, out: []int{3, 10}},
		{op: ir.L2Normalization, opts: &ir.L2NormOptions{}, in: []*ir.Tensor{f(2, 2, 6)}, out: []int{2, 2, 6}},
		{op: ir.Mean, opts: &ir.ReducerOptions{KeepDims: true}, in: []*ir.Tensor{f(1, 4, 5, 3), ewI32([]int{2}, 1, 2)}, consts: []int{1}, out: []int{1, 1, 1, 3}},
		{op: ir.Mean, opts: &ir.ReducerOptions{}, in: []*ir.Tensor{f(2, 3, 4), ewI32([]int{2}, 0, -1)}, consts: []int{1}, out: []int{3}},
		{op: ir.Sum, opts: &ir.ReducerOptions{}, in: []*ir.Tensor{f(2, 3, 4), ewI32([]int{1}, 1)}, consts: []int{1}, out: []int{2, 4}},
		{op: ir.ReduceMax, opts: &ir.ReducerOptions{KeepDims: true}, in: []*ir.Tensor{f(2, 3, 4), ewI32([]int{2}, 0, 2)}, consts: []int{1}, out: []int{1, 3, 1}},
		{op: ir.ReduceMin, opts: &ir.ReducerOptions{}, in: []*ir.Tensor{f(2, 3, 4), ewI32([]int{1}, 2)}, consts: []int{1}, out: []int{2, 3}},
		{op: ir.ArgMax, opts: &ir.ArgMaxOptions{OutputType: ir.Int32}, in: []*ir.Tensor{f(3, 5), ewI32([]int{1}, 1)}, consts: []int{1}, out: []int{3}, outT: ir.Int32},
		{op: ir.ArgMin, opts: &ir.ArgMinOptions{OutputType: ir.Int32}, in: []*ir.Tensor{f(3, 5), ewI32([]int{1}, 0)}, consts: []int{1}, out: []int{5}, outT: ir.Int32},
	}
	var ops []ewOracleOp
	var outs []*ir.Tensor
	for _, c := range cases {
		out := ewOut(c.outT, c.out)
		n := ewNode(c.op, c.opts, c.in, out)
		ewMustRun(t, n)
		ops = append(ops, ewOracleOp{N: n, Consts: c.consts})
		outs = append(outs, out)
	}
	res := ewOracle(t, ops...)
	for i, c := range cases {
		what := fmt.Sprintf("case %d (%v) vs TFLite", i, c.op)
		want := res.Outputs[i][0]
		if c.outT == ir.Int32 {
			ewCheckInts(t, what, outs[i].Int32s(), ir.AsInt32(want))
			continue
		}
		w := ir.AsFloat32(want)
		wf := make([]float64, len(w))
		for j, v := range w {
			wf[j] = float64(v)
		}
		ewCheckF32(t, what, outs[i].Float32s(), wf, 2e-6)
	}
}
