package kernels

import (
	"math"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// ewUnaryCase is one float unary op applied to inputs with hand-worked
// expected outputs.
type ewUnaryCase struct {
	op   ir.OpType
	opts ir.Options
	in   []float32
	want []float64
}

func ewRunUnaryCases(t *testing.T, cases []ewUnaryCase, tol float64) {
	t.Helper()
	for _, c := range cases {
		shape := []int{len(c.in)}
		out := ewOut(ir.Float32, shape)
		ewMustRun(t, ewNode(c.op, c.opts, []*ir.Tensor{ewF32(shape, c.in...)}, out))
		ewCheckF32(t, c.op.String(), out.Float32s(), c.want, tol)
	}
}

func TestUnaryFloat(t *testing.T) {
	e := math.E
	inf := math.Inf(1)
	ewRunUnaryCases(t, []ewUnaryCase{
		{ir.Abs, nil, []float32{-1.5, 2, 0}, []float64{1.5, 2, 0}},
		{ir.Neg, nil, []float32{-1.5, 2, 0}, []float64{1.5, -2, 0}},
		{ir.Sqrt, nil, []float32{4, 2.25, 0, -1}, []float64{2, 1.5, 0, math.NaN()}},
		{ir.Rsqrt, nil, []float32{4, 0.25, 0}, []float64{0.5, 2, inf}},
		{ir.Exp, nil, []float32{0, 1, -1, 100}, []float64{1, e, 1 / e, inf}},
		{ir.Log, nil, []float32{1, float32(e), 0, -1}, []float64{0, 1, -inf, math.NaN()}},
		{ir.Square, nil, []float32{-3, 0.5, 1e20}, []float64{9, 0.25, inf}},
	}, 1e-6)
}

func TestUnaryInt(t *testing.T) {
	out := ewOut(ir.Int32, []int{3})
	ewMustRun(t, ewNode(ir.Abs, nil, []*ir.Tensor{ewI32([]int{3}, -5, 5, math.MinInt32)}, out))
	ewCheckInts(t, "ABS int32", out.Int32s(), []int32{5, 5, math.MinInt32}) // C wraps |INT_MIN|
	out = ewOut(ir.Int64, []int{2})
	ewMustRun(t, ewNode(ir.Neg, nil, []*ir.Tensor{ewI64([]int{2}, -5, 1<<40)}, out))
	ewCheckInts(t, "NEG int64", out.Int64s(), []int64{5, -1 << 40})
}

func TestUnaryErrors(t *testing.T) {
	cases := []struct {
		name string
		n    *Node
		want string
	}{
		{"shape", ewNode(ir.Exp, nil, []*ir.Tensor{ewF32([]int{2}, 1, 2)}, ewOut(ir.Float32, []int{1, 2})), "output shape"},
		{"type", ewNode(ir.Exp, nil, []*ir.Tensor{ewF32([]int{2}, 1, 2)}, ewOut(ir.Int32, []int{2})), "output type"},
		{"int exp", ewNode(ir.Exp, nil, []*ir.Tensor{ewI32([]int{1}, 1)}, ewOut(ir.Int32, []int{1})), "does not support int32"},
		{"no input", ewNode(ir.Log, nil, nil, ewOut(ir.Float32, []int{1})), "needs 1 input"},
	}
	for _, c := range cases {
		err := ewRun(t, c.n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
