package kernels

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestBinaryFloatHandValues(t *testing.T) {
	a := []float32{1, -2, 3.5, 8}
	b := []float32{0.5, 4, -1.5, 2}
	cases := []struct {
		op   ir.OpType
		opts ir.Options
		want []float64
	}{
		{ir.Add, nil, []float64{1.5, 2, 2, 10}},
		{ir.Add, &ir.AddOptions{Activation: ir.ActRelu6}, []float64{1.5, 2, 2, 6}},
		{ir.Sub, &ir.SubOptions{Activation: ir.ActRelu}, []float64{0.5, 0, 5, 6}},
		{ir.Sub, nil, []float64{0.5, -6, 5, 6}},
		{ir.Mul, &ir.MulOptions{Activation: ir.ActReluN1To1}, []float64{0.5, -1, -1, 1}},
		{ir.Mul, nil, []float64{0.5, -8, -5.25, 16}},
		{ir.Div, nil, []float64{2, -0.5, -3.5 / 1.5, 4}},
		{ir.SquaredDifference, nil, []float64{0.25, 36, 25, 36}},
		{ir.Maximum, nil, []float64{1, 4, 3.5, 8}},
		{ir.Minimum, nil, []float64{0.5, -2, -1.5, 2}},
		{ir.Pow, nil, []float64{1, 16, math.Pow(3.5, -1.5), 64}},
	}
	for _, c := range cases {
		out := ewOut(ir.Float32, []int{2, 2})
		ewMustRun(t, ewNode(c.op, c.opts, []*ir.Tensor{ewF32([]int{2, 2}, a...), ewF32([]int{2, 2}, b...)}, out))
		ewCheckF32(t, c.op.String(), out.Float32s(), c.want, 1e-6)
	}
}

// TestBinaryBroadcastShapes checks the broadcast walk against the definition
// of NumPy broadcasting on shapes that exercise every stride case: scalar,
// per-channel, outer broadcast, both operands broadcast, rank mismatch.
func TestBinaryBroadcastShapes(t *testing.T) {
	shapes := [][3][]int{
		{{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
		{{2, 3, 4}, {}, {2, 3, 4}},
		{{}, {2, 3, 4}, {2, 3, 4}},
		{{2, 3, 4}, {4}, {2, 3, 4}},
		{{4}, {2, 3, 4}, {2, 3, 4}},
		{{2, 1, 4}, {1, 3, 1}, {2, 3, 4}},
		{{2, 3, 1}, {1, 4}, {2, 3, 4}},
		{{1, 1, 5, 1, 2}, {3, 1, 1, 2}, {1, 3, 5, 1, 2}},
		{{1}, {1}, {1}},
		{{1, 1}, {}, {1, 1}},
		{{3, 1}, {1, 1}, {3, 1}},
		{{2, 0, 3}, {3}, {2, 0, 3}},
		{{1, 2, 1, 3, 1, 2}, {2, 2, 1, 1, 2}, {1, 2, 2, 3, 1, 2}},
	}
	ops := map[ir.OpType]func(x, y float64) float64{
		ir.Add: func(x, y float64) float64 { return x + y },
		ir.Sub: func(x, y float64) float64 { return x - y },
		ir.Mul: func(x, y float64) float64 { return x * y },
		ir.Div: func(x, y float64) float64 { return x / y },
		ir.SquaredDifference: func(x, y float64) float64 {
			return (x - y) * (x - y)
		},
		ir.Maximum: math.Max,
		ir.Minimum: math.Min,
	}
	for _, s := range shapes {
		av := ewRamp(ir.NumElements(s[0]), -3, 3)
		bv := ewRamp(ir.NumElements(s[1]), 0.5, 2)
		for i := range bv {
			bv[i] += float32(i) // distinct values so a wrong index shows
		}
		for op, f := range ops {
			out := ewOut(ir.Float32, s[2])
			ewMustRun(t, ewNode(op, nil, []*ir.Tensor{ewF32(s[0], av...), ewF32(s[1], bv...)}, out))
			want := make([]float64, ir.NumElements(s[2]))
			for i := range want {
				idx := ewUnravel(i, s[2])
				want[i] = f(float64(av[ewBroadcastIndex(idx, s[0])]), float64(bv[ewBroadcastIndex(idx, s[1])]))
			}
			ewCheckF32(t, fmt.Sprintf("%v %v,%v", op, s[0], s[1]), out.Float32s(), want, 1e-6)
		}
	}
}

func TestBinaryInt(t *testing.T) {
	a := []int32{7, -7, 100, math.MaxInt32}
	b := []int32{2, 2, -3, 1}
	cases := []struct {
		op   ir.OpType
		opts ir.Options
		want []int32
	}{
		{ir.Add, nil, []int32{9, -5, 97, math.MinInt32}}, // wraps like C
		{ir.Add, &ir.AddOptions{Activation: ir.ActRelu6}, []int32{6, 0, 6, 0}},
		{ir.Sub, &ir.SubOptions{Activation: ir.ActRelu}, []int32{5, 0, 103, math.MaxInt32 - 1}},
		{ir.Mul, nil, []int32{14, -14, -300, math.MaxInt32}},
		{ir.Div, nil, []int32{3, -3, -33, math.MaxInt32}}, // truncates toward zero
		{ir.Maximum, nil, []int32{7, 2, 100, math.MaxInt32}},
		{ir.Minimum, nil, []int32{2, -7, -3, 1}},
		{ir.SquaredDifference, nil, []int32{25, 81, 10609, 4}}, // last: it changes a[3], b[3]
	}
	for _, c := range cases {
		if c.op == ir.SquaredDifference {
			a[3] = 3
			b[3] = 5
		}
		out := ewOut(ir.Int32, []int{4})
		ewMustRun(t, ewNode(c.op, c.opts, []*ir.Tensor{ewI32([]int{4}, a...), ewI32([]int{4}, b...)}, out))
		ewCheckInts(t, c.op.String(), out.Int32s(), c.want)
	}

	// int64 with a broadcast scalar, as shape arithmetic does.
	out := ewOut(ir.Int64, []int{3})
	ewMustRun(t, ewNode(ir.Mul, nil, []*ir.Tensor{ewI64([]int{3}, 1, -2, 1<<40), ewI64(nil, 3)}, out))
	ewCheckInts(t, "MUL int64", out.Int64s(), []int64{3, -6, 3 << 40})

	// POW on int32: exact small powers.
	out = ewOut(ir.Int32, []int{4})
	ewMustRun(t, ewNode(ir.Pow, nil, []*ir.Tensor{ewI32([]int{4}, 2, -3, 7, 0), ewI32([]int{4}, 10, 3, 0, 0)}, out))
	ewCheckInts(t, "POW int32", out.Int32s(), []int32{1024, -27, 1, 1})
}

func TestBinaryErrors(t *testing.T) {
	f23 := func() *ir.Tensor { return ewF32([]int{2, 3}, 1, 2, 3, 4, 5, 6) }
	cases := []struct {
		name string
		n    *Node
		want string
	}{
		{"no broadcast", ewNode(ir.Add, nil, []*ir.Tensor{f23(), ewF32([]int{2}, 1, 2)}, ewOut(ir.Float32, []int{2, 3})), "cannot be broadcast"},
		{"wrong output shape", ewNode(ir.Add, nil, []*ir.Tensor{f23(), f23()}, ewOut(ir.Float32, []int{3, 2})), "output shape"},
		{"type mismatch", ewNode(ir.Mul, nil, []*ir.Tensor{f23(), ewI32([]int{2, 3}, 1, 2, 3, 4, 5, 6)}, ewOut(ir.Float32, []int{2, 3})), "input types"},
		{"missing input", ewNode(ir.Sub, nil, []*ir.Tensor{f23()}, ewOut(ir.Float32, []int{2, 3})), "needs 2 inputs"},
		{"div by zero", ewNode(ir.Div, nil, []*ir.Tensor{ewI32([]int{2}, 1, 2), ewI32([]int{2}, 1, 0)}, ewOut(ir.Int32, []int{2})), "division by zero"},
		{"negative int pow", ewNode(ir.Pow, nil, []*ir.Tensor{ewI32([]int{1}, 2), ewI32([]int{1}, -1)}, ewOut(ir.Int32, []int{1})), "negative"},
		{"int64 div", ewNode(ir.Div, nil, []*ir.Tensor{ewI64([]int{1}, 2), ewI64([]int{1}, 1)}, ewOut(ir.Int64, []int{1})), "does not support"},
		{"tanh activation", ewNode(ir.Add, &ir.AddOptions{Activation: ir.ActTanh}, []*ir.Tensor{f23(), f23()}, ewOut(ir.Float32, []int{2, 3})), "activation"},
		{"rank 9", ewNode(ir.Add, nil, []*ir.Tensor{ewF32([]int{1, 1, 1, 1, 1, 1, 1, 1, 2}, 1, 2), ewF32(nil, 1)}, ewOut(ir.Float32, []int{1, 1, 1, 1, 1, 1, 1, 1, 2})), "rank"},
	}
	for _, c := range cases {
		err := ewRun(t, c.n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
