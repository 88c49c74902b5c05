package kernels

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// Hand-worked cases for the comparison, logical, select, rounding,
// floor-division, cumulative and index kernels (prefixed lg). Every expected
// value below is worked out by hand from TFLite's definitions in the comments.

func lgBool(shape []int, v ...byte) *ir.Tensor {
	return &ir.Tensor{Name: "bool", Type: ir.Bool, Shape: shape, HasRank: true, Data: append([]byte(nil), v...)}
}

var lgNaN = float32(math.NaN())

// lgCheckBytes compares raw output bytes (bools, int8).
func lgCheckBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// lgCheckF32Bits compares float32 outputs bit for bit (signed zeros, NaN).
func lgCheckF32Bits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := math.Float32bits(got[i]), math.Float32bits(want[i])
		if g != w && !(got[i] != got[i] && want[i] != want[i]) {
			t.Errorf("%s: [%d] = %v (%#x), want %v (%#x)", what, i, got[i], g, want[i], w)
		}
	}
}

func TestCompareFloatBroadcast(t *testing.T) {
	// a [2,3] against b [3]; NaN compares false except for NOT_EQUAL.
	a := ewF32([]int{2, 3}, 1, 2, 3, 4, 5, lgNaN)
	b := ewF32([]int{3}, 2, 2, lgNaN)
	want := map[ir.OpType][]byte{
		ir.Equal:        {0, 1, 0, 0, 0, 0},
		ir.NotEqual:     {1, 0, 1, 1, 1, 1},
		ir.Less:         {1, 0, 0, 0, 0, 0},
		ir.LessEqual:    {1, 1, 0, 0, 0, 0},
		ir.Greater:      {0, 0, 0, 1, 1, 0},
		ir.GreaterEqual: {0, 1, 0, 1, 1, 0},
	}
	for op, w := range want {
		out := ewOut(ir.Bool, []int{2, 3})
		ewMustRun(t, ewNode(op, nil, []*ir.Tensor{a, b}, out))
		lgCheckBytes(t, op.String(), out.Data, w)
	}
}

func TestCompareIntegers(t *testing.T) {
	out := ewOut(ir.Bool, []int{4})
	ewMustRun(t, ewNode(ir.Less, nil, []*ir.Tensor{ewI32([]int{4}, math.MinInt32, -1, 0, math.MaxInt32), ewI32(nil, 0)}, out))
	lgCheckBytes(t, "LESS int32", out.Data, []byte{1, 1, 0, 0})

	out = ewOut(ir.Bool, []int{2})
	ewMustRun(t, ewNode(ir.Equal, nil, []*ir.Tensor{ewI64([]int{2}, -(1 << 40), 1<<40), ewI64([]int{1}, 1<<40)}, out))
	lgCheckBytes(t, "EQUAL int64", out.Data, []byte{0, 1})

	// int16 compares its stored integers (the oracle's TFLite build has no
	// int16 comparisons; newer TFLite compares them raw as well).
	h := func(v ...int16) *ir.Tensor {
		return &ir.Tensor{Name: "h", Type: ir.Int16, Shape: []int{len(v)}, HasRank: true, Data: ir.Int16Bytes(v)}
	}
	out = ewOut(ir.Bool, []int{4})
	ewMustRun(t, ewNode(ir.LessEqual, nil, []*ir.Tensor{h(-32768, 5, 7, 32767), h(-32768, 4, 8, -32768)}, out))
	lgCheckBytes(t, "LESS_EQUAL int16", out.Data, []byte{1, 0, 1, 0})

	// A bool byte of 2 is true, like 1.
	out = ewOut(ir.Bool, []int{3})
	ewMustRun(t, ewNode(ir.Equal, nil, []*ir.Tensor{lgBool([]int{3}, 0, 1, 2), lgBool([]int{3}, 1, 1, 1)}, out))
	lgCheckBytes(t, "EQUAL bool", out.Data, []byte{0, 1, 1})

	// Plain int8 compares its integers.
	out = ewOut(ir.Bool, []int{3})
	ewMustRun(t, ewNode(ir.GreaterEqual, nil, []*ir.Tensor{
		{Name: "a", Type: ir.Int8, Shape: []int{3}, HasRank: true, Data: ir.Int8Bytes([]int8{-128, 0, 127})},
		{Name: "b", Type: ir.Int8, Shape: []int{3}, HasRank: true, Data: ir.Int8Bytes([]int8{-127, 0, -1})}}, out))
	lgCheckBytes(t, "GREATER_EQUAL int8", out.Data, []byte{0, 1, 1})
}

// TestCompareQuantized uses power-of-two scales, where TFLite's rescaling is
// exact: a (scale 0.5, zero point 10) stores 10, 12, 14 = 0, 1, 2; b (scale
// 0.25, zero point 0) stores 0, 4, 9 = 0, 1, 2.25. Both become ((q-zp)<<8)·s:
// 0, 256, 512 against 0, 256, 576.
func TestCompareQuantized(t *testing.T) {
	a := ewU8([]int{3}, 0.5, 10, 10, 12, 14)
	b := ewU8([]int{3}, 0.25, 0, 0, 4, 9)
	for op, w := range map[ir.OpType][]byte{ir.Equal: {1, 1, 0}, ir.Less: {0, 0, 1}, ir.GreaterEqual: {1, 1, 0}} {
		out := ewOut(ir.Bool, []int{3})
		ewMustRun(t, ewNode(op, nil, []*ir.Tensor{a, b}, out))
		lgCheckBytes(t, op.String()+" uint8", out.Data, w)
	}
	// int8 with a broadcast scalar: -3·0.5 = -1.5 against stored -3..1 on
	// scale 0.5, zero point 0.
	out := ewOut(ir.Bool, []int{5})
	ewMustRun(t, ewNode(ir.Greater, nil, []*ir.Tensor{ewI8([]int{5}, 0.5, 0, -3, -2, -1, 0, 1), ewI8(nil, 0.5, 0, -3)}, out))
	lgCheckBytes(t, "GREATER int8", out.Data, []byte{0, 1, 1, 1, 1})

	// One quantized input and one plain is refused.
	plain := &ir.Tensor{Name: "plain", Type: ir.Uint8, Shape: []int{3}, HasRank: true, Data: []byte{1, 2, 3}}
	err := ewRun(t, ewNode(ir.Equal, nil, []*ir.Tensor{a, plain}, ewOut(ir.Bool, []int{3})))
	if err == nil || !strings.Contains(err.Error(), "quantized") {
		t.Errorf("mixed quantization: got %v", err)
	}
	// Bool ordering is not defined.
	err = ewRun(t, ewNode(ir.Less, nil, []*ir.Tensor{lgBool([]int{1}, 1), lgBool([]int{1}, 0)}, ewOut(ir.Bool, []int{1})))
	if err == nil {
		t.Error("LESS on bool: no error")
	}
}

func TestLogical(t *testing.T) {
	a := lgBool([]int{2, 1}, 1, 0)
	b := lgBool([]int{3}, 1, 0, 2)
	out := ewOut(ir.Bool, []int{2, 3})
	ewMustRun(t, ewNode(ir.LogicalAnd, nil, []*ir.Tensor{a, b}, out))
	lgCheckBytes(t, "AND", out.Data, []byte{1, 0, 1, 0, 0, 0})
	out = ewOut(ir.Bool, []int{2, 3})
	ewMustRun(t, ewNode(ir.LogicalOr, nil, []*ir.Tensor{a, b}, out))
	lgCheckBytes(t, "OR", out.Data, []byte{1, 1, 1, 1, 0, 1})
	out = ewOut(ir.Bool, []int{3})
	ewMustRun(t, ewNode(ir.LogicalNot, nil, []*ir.Tensor{lgBool([]int{3}, 0, 1, 5)}, out))
	lgCheckBytes(t, "NOT", out.Data, []byte{1, 0, 0})
	if err := ewRun(t, ewNode(ir.LogicalAnd, nil, []*ir.Tensor{ewF32([]int{1}, 1), ewF32([]int{1}, 1)}, ewOut(ir.Bool, []int{1}))); err == nil {
		t.Error("AND on float32: no error")
	}
}

func TestSelect(t *testing.T) {
	// SELECT_V2: condition [2,1], x [1,3], y a scalar.
	out := ewOut(ir.Float32, []int{2, 3})
	ewMustRun(t, ewNode(ir.SelectV2, nil, []*ir.Tensor{lgBool([]int{2, 1}, 1, 0), ewF32([]int{1, 3}, 1, 2, 3), ewF32(nil, 9)}, out))
	lgCheckF32Bits(t, "SELECT_V2 float32", out.Float32s(), []float32{1, 2, 3, 9, 9, 9})

	// int64 elements, condition broadcast along the rows.
	out = ewOut(ir.Int64, []int{2, 2})
	ewMustRun(t, ewNode(ir.SelectV2, nil, []*ir.Tensor{lgBool([]int{2}, 0, 1), ewI64([]int{2, 2}, 1, 2, 3, 4), ewI64([]int{2, 2}, -1, -2, -3, -4)}, out))
	ewCheckInts(t, "SELECT_V2 int64", out.Int64s(), []int64{-1, 2, -3, 4})

	// SELECT with a rank-1 condition picks whole rows: [0,1] takes y's first
	// row and x's second.
	out = ewOut(ir.Int32, []int{2, 2})
	ewMustRun(t, ewNode(ir.Select, nil, []*ir.Tensor{lgBool([]int{2}, 0, 1), ewI32([]int{2, 2}, 1, 2, 3, 4), ewI32([]int{2, 2}, 5, 6, 7, 8)}, out))
	ewCheckInts(t, "SELECT rank 1", out.Int32s(), []int32{5, 6, 3, 4})

	// A scalar condition picks a whole tensor; int8 bytes move unchanged.
	out = ewOut(ir.Int8, []int{3})
	ewMustRun(t, ewNode(ir.Select, nil, []*ir.Tensor{lgBool(nil, 1), ewI8([]int{3}, 0.1, 0, -1, -2, -3), ewI8([]int{3}, 0.1, 0, 7, 8, 9)}, out))
	ewCheckInts(t, "SELECT scalar", out.Int8s(), []int8{-1, -2, -3})

	// SELECT does not broadcast x against y.
	err := ewRun(t, ewNode(ir.Select, nil, []*ir.Tensor{lgBool([]int{2}, 0, 1), ewI32([]int{2, 2}, 1, 2, 3, 4), ewI32([]int{2, 1}, 5, 6)}, ewOut(ir.Int32, []int{2, 2})))
	if err == nil {
		t.Error("SELECT with x and y of different shapes: no error")
	}
}

func TestRoundingOps(t *testing.T) {
	inf := float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	x := []float32{-2.5, -1.5, -0.5, -0.4, 0.5, 1.5, 2.5, 2.6, negZero, lgNaN, inf, -inf}
	cases := []struct {
		op   ir.OpType
		want []float32
	}{
		{ir.Floor, []float32{-3, -2, -1, -1, 0, 1, 2, 2, negZero, lgNaN, inf, -inf}},
		{ir.Ceil, []float32{-2, -1, negZero, negZero, 1, 2, 3, 3, negZero, lgNaN, inf, -inf}},
		// Halves to even, keeping the sign of a zero result.
		{ir.Round, []float32{-2, -2, negZero, negZero, 0, 2, 2, 3, negZero, lgNaN, inf, -inf}},
		// SIGN of a zero or NaN is +0.
		{ir.Sign, []float32{-1, -1, -1, -1, 1, 1, 1, 1, 0, 0, 1, -1}},
	}
	for _, c := range cases {
		out := ewOut(ir.Float32, []int{len(x)})
		ewMustRun(t, ewNode(c.op, nil, []*ir.Tensor{ewF32([]int{len(x)}, x...)}, out))
		lgCheckF32Bits(t, c.op.String(), out.Float32s(), c.want)
	}
	// TFLite's reference ROUND computes floor+1, which gives +0 for -0.5 and -0.4.
	out := ewOut(ir.Float32, []int{len(x)})
	n := ewNode(ir.Round, nil, []*ir.Tensor{ewF32([]int{len(x)}, x...)}, out)
	n.Ctx.Kernels = ReferenceKernels
	ewMustRun(t, n)
	lgCheckF32Bits(t, "ROUND reference", out.Float32s(), []float32{-2, -2, 0, 0, 0, 2, 2, 3, negZero, lgNaN, inf, -inf})

	out = ewOut(ir.Int32, []int{3})
	ewMustRun(t, ewNode(ir.Sign, nil, []*ir.Tensor{ewI32([]int{3}, math.MinInt32, 0, 7)}, out))
	ewCheckInts(t, "SIGN int32", out.Int32s(), []int32{-1, 0, 1})

	// sin and cos at multiples of pi/6, within float32 rounding.
	a := []float32{0, math.Pi / 2, math.Pi, -math.Pi / 6}
	out = ewOut(ir.Float32, []int{4})
	ewMustRun(t, ewNode(ir.Sin, nil, []*ir.Tensor{ewF32([]int{4}, a...)}, out))
	ewCheckF32(t, "SIN", out.Float32s(), []float64{0, 1, 0, -0.5}, 1e-6)
	out = ewOut(ir.Float32, []int{4})
	ewMustRun(t, ewNode(ir.Cos, nil, []*ir.Tensor{ewF32([]int{4}, a...)}, out))
	ewCheckF32(t, "COS", out.Float32s(), []float64{1, 0, -1, math.Sqrt(3) / 2}, 1e-6)

	if err := ewRun(t, ewNode(ir.Round, nil, []*ir.Tensor{ewI32([]int{1}, 1)}, ewOut(ir.Int32, []int{1}))); err == nil {
		t.Error("ROUND on int32: no error")
	}
}

func TestFloorDivMod(t *testing.T) {
	// Quotients round toward -inf; remainders take the divisor's sign.
	out := ewOut(ir.Float32, []int{5})
	ewMustRun(t, ewNode(ir.FloorDiv, nil, []*ir.Tensor{ewF32([]int{5}, 7, -7, 7, -7, 1), ewF32([]int{5}, 2, 2, -2, -2, 0.3)}, out))
	lgCheckF32Bits(t, "FLOOR_DIV float32", out.Float32s(), []float32{3, -4, -4, 3, 3})

	out = ewOut(ir.Float32, []int{5})
	ewMustRun(t, ewNode(ir.FloorMod, nil, []*ir.Tensor{ewF32([]int{5}, 7, -7, 7, -7, 5.5), ewF32([]int{5}, 2, 2, -2, -2, 2)}, out))
	lgCheckF32Bits(t, "FLOOR_MOD float32", out.Float32s(), []float32{1, 1, -1, -1, 1.5})

	// The divisor broadcasts; MinInt32 / -1 wraps as in C on x86.
	out = ewOut(ir.Int32, []int{2, 3})
	ewMustRun(t, ewNode(ir.FloorDiv, nil, []*ir.Tensor{ewI32([]int{2, 3}, 7, -7, 0, math.MinInt32, 6, -1), ewI32([]int{2, 1}, 2, -1)}, out))
	ewCheckInts(t, "FLOOR_DIV int32", out.Int32s(), []int32{3, -4, 0, math.MinInt32, -6, 1})

	out = ewOut(ir.Int64, []int{4})
	ewMustRun(t, ewNode(ir.FloorMod, nil, []*ir.Tensor{ewI64([]int{4}, 7, -7, 7, math.MinInt64), ewI64([]int{4}, 2, 2, -2, -1)}, out))
	ewCheckInts(t, "FLOOR_MOD int64", out.Int64s(), []int64{1, 1, -1, 0})

	// Float FLOOR_MOD by zero is NaN (fmod); every other zero divisor is an error.
	out = ewOut(ir.Float32, []int{1})
	ewMustRun(t, ewNode(ir.FloorMod, nil, []*ir.Tensor{ewF32([]int{1}, 3), ewF32([]int{1}, 0)}, out))
	if v := out.Float32s()[0]; v == v {
		t.Errorf("FLOOR_MOD float32 by 0 = %v, want NaN", v)
	}
	for _, n := range []*Node{
		ewNode(ir.FloorDiv, nil, []*ir.Tensor{ewI32([]int{2}, 1, 2), ewI32([]int{2}, 1, 0)}, ewOut(ir.Int32, []int{2})),
		ewNode(ir.FloorMod, nil, []*ir.Tensor{ewI64([]int{1}, 1), ewI64([]int{1}, 0)}, ewOut(ir.Int64, []int{1})),
		ewNode(ir.FloorDiv, nil, []*ir.Tensor{ewF32([]int{1}, 1), ewF32([]int{1}, 0)}, ewOut(ir.Float32, []int{1})),
	} {
		if err := ewRun(t, n); err == nil || !strings.Contains(err.Error(), "division by zero") {
			t.Errorf("%v %v by zero: got %v", n.Op.Type, n.In[0].Type, err)
		}
	}
}

func TestReduceProd(t *testing.T) {
	x := ewF32([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	out := ewOut(ir.Float32, []int{2})
	ewMustRun(t, ewNode(ir.ReduceProd, &ir.ReducerOptions{}, []*ir.Tensor{x, ewI32([]int{1}, 1)}, out))
	ewCheckF32(t, "rows", out.Float32s(), []float64{6, 120}, 0)
	out = ewOut(ir.Float32, []int{1, 3})
	ewMustRun(t, ewNode(ir.ReduceProd, &ir.ReducerOptions{KeepDims: true}, []*ir.Tensor{x, ewI32([]int{1}, -2)}, out))
	ewCheckF32(t, "columns", out.Float32s(), []float64{4, 10, 18}, 0)

	// int32 wraps: 2^16·2^16 = 2^32 is 0; int64 holds 2^40.
	o32 := ewOut(ir.Int32, []int{})
	ewMustRun(t, ewNode(ir.ReduceProd, &ir.ReducerOptions{}, []*ir.Tensor{ewI32([]int{2}, 1<<16, 1<<16), ewI32([]int{1}, 0)}, o32))
	ewCheckInts(t, "int32", o32.Int32s(), []int32{0})
	o64 := ewOut(ir.Int64, []int{})
	ewMustRun(t, ewNode(ir.ReduceProd, &ir.ReducerOptions{}, []*ir.Tensor{ewI64([]int{2}, 1<<20, -(1 << 20)), ewI32([]int{1}, 0)}, o64))
	ewCheckInts(t, "int64", o64.Int64s(), []int64{-(1 << 40)})

	// An empty reduction is 1.
	out = ewOut(ir.Float32, []int{2})
	ewMustRun(t, ewNode(ir.ReduceProd, &ir.ReducerOptions{}, []*ir.Tensor{ewF32([]int{2, 0}), ewI32([]int{1}, 1)}, out))
	ewCheckF32(t, "empty", out.Float32s(), []float64{1, 1}, 0)
}

func TestCumsum(t *testing.T) {
	x := ewI32([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, c := range []struct {
		excl, rev bool
		axis      int32
		want      []int32
	}{
		{false, false, 1, []int32{1, 3, 6, 4, 9, 15}},
		{true, false, 1, []int32{0, 1, 3, 0, 4, 9}},
		{false, true, 1, []int32{6, 5, 3, 15, 11, 6}},
		{true, true, -1, []int32{5, 3, 0, 11, 6, 0}},
		{false, false, -2, []int32{1, 2, 3, 5, 7, 9}},
		{true, true, 0, []int32{4, 5, 6, 0, 0, 0}},
	} {
		out := ewOut(ir.Int32, []int{2, 3})
		ewMustRun(t, ewNode(ir.Cumsum, &ir.CumsumOptions{Exclusive: c.excl, Reverse: c.rev}, []*ir.Tensor{x, ewI32(nil, c.axis)}, out))
		ewCheckInts(t, "CUMSUM", out.Int32s(), c.want)
	}
	// Sums start from +0, so -0 becomes +0.
	negZero := float32(math.Copysign(0, -1))
	out := ewOut(ir.Float32, []int{2})
	ewMustRun(t, ewNode(ir.Cumsum, &ir.CumsumOptions{}, []*ir.Tensor{ewF32([]int{2}, negZero, 1.5), ewI32(nil, 0)}, out))
	lgCheckF32Bits(t, "CUMSUM float32", out.Float32s(), []float32{0, 1.5})
	o64 := ewOut(ir.Int64, []int{3})
	ewMustRun(t, ewNode(ir.Cumsum, &ir.CumsumOptions{Reverse: true}, []*ir.Tensor{ewI64([]int{3}, 1<<40, 1, -1), ewI32(nil, 0)}, o64))
	ewCheckInts(t, "CUMSUM int64", o64.Int64s(), []int64{1 << 40, 0, -1})

	if err := ewRun(t, ewNode(ir.Cumsum, &ir.CumsumOptions{}, []*ir.Tensor{x, ewI32(nil, 2)}, ewOut(ir.Int32, []int{2, 3}))); err == nil {
		t.Error("axis 2 of a rank-2 input: no error")
	}
}

func TestRangeKernel(t *testing.T) {
	out := ewOut(ir.Int32, []int{4})
	ewMustRun(t, ewNode(ir.Range, nil, []*ir.Tensor{ewI32(nil, 0), ewI32(nil, 10), ewI32(nil, 3)}, out))
	ewCheckInts(t, "int32", out.Int32s(), []int32{0, 3, 6, 9})
	o64 := ewOut(ir.Int64, []int{3})
	ewMustRun(t, ewNode(ir.Range, nil, []*ir.Tensor{ewI64(nil, 10), ewI64(nil, -2), ewI64(nil, -4)}, o64))
	ewCheckInts(t, "int64", o64.Int64s(), []int64{10, 6, 2})
	out = ewOut(ir.Float32, []int{4})
	ewMustRun(t, ewNode(ir.Range, nil, []*ir.Tensor{ewF32(nil, 1), ewF32(nil, 2), ewF32(nil, 0.3)}, out))
	ewCheckF32(t, "float32", out.Float32s(), []float64{1, 1.3, 1.6, 1.9}, 1e-6)
}

func TestBroadcastToReverse(t *testing.T) {
	out := ewOut(ir.Float32, []int{2, 3, 2})
	ewMustRun(t, ewNode(ir.BroadcastTo, nil, []*ir.Tensor{ewF32([]int{3, 1}, 1, 2, 3), ewI32([]int{3}, 2, 3, 2)}, out))
	lgCheckF32Bits(t, "BROADCAST_TO", out.Float32s(), []float32{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3})
	if err := ewRun(t, ewNode(ir.BroadcastTo, nil, []*ir.Tensor{ewF32([]int{2}, 1, 2), ewI32([]int{1}, 3)}, ewOut(ir.Float32, []int{3}))); err == nil {
		t.Error("BROADCAST_TO [2] to [3]: no error")
	}

	x := ewI32([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, c := range []struct {
		axes []int32
		want []int32
	}{
		{[]int32{1}, []int32{3, 2, 1, 6, 5, 4}},
		{[]int32{-2}, []int32{4, 5, 6, 1, 2, 3}},
		{[]int32{0, 1}, []int32{6, 5, 4, 3, 2, 1}},
		{[]int32{}, []int32{1, 2, 3, 4, 5, 6}},
	} {
		out := ewOut(ir.Int32, []int{2, 3})
		ewMustRun(t, ewNode(ir.ReverseV2, nil, []*ir.Tensor{x, ewI32([]int{len(c.axes)}, c.axes...)}, out))
		ewCheckInts(t, "REVERSE_V2", out.Int32s(), c.want)
	}
	if err := ewRun(t, ewNode(ir.ReverseV2, nil, []*ir.Tensor{x, ewI32([]int{2}, 1, -1)}, ewOut(ir.Int32, []int{2, 3}))); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("axes 1 and -1: got %v", err)
	}
}

func TestAddNGatherND(t *testing.T) {
	out := ewOut(ir.Float32, []int{2})
	ewMustRun(t, ewNode(ir.AddN, nil, []*ir.Tensor{ewF32([]int{2}, 1, 2), ewF32([]int{2}, 3, 4), ewF32([]int{2}, 5, 6)}, out))
	ewCheckF32(t, "ADD_N", out.Float32s(), []float64{9, 12}, 0)
	o32 := ewOut(ir.Int32, []int{1})
	ewMustRun(t, ewNode(ir.AddN, nil, []*ir.Tensor{ewI32([]int{1}, math.MaxInt32), ewI32([]int{1}, 1)}, o32))
	ewCheckInts(t, "ADD_N wraps", o32.Int32s(), []int32{math.MinInt32})

	params := ewF32([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	out = ewOut(ir.Float32, []int{2})
	ewMustRun(t, ewNode(ir.GatherND, nil, []*ir.Tensor{params, ewI32([]int{2, 2}, 1, 2, 0, 0)}, out))
	ewCheckF32(t, "GATHER_ND elements", out.Float32s(), []float64{6, 1}, 0)
	out = ewOut(ir.Float32, []int{1, 3})
	ewMustRun(t, ewNode(ir.GatherND, nil, []*ir.Tensor{params, ewI64([]int{1, 1}, 1)}, out))
	ewCheckF32(t, "GATHER_ND rows", out.Float32s(), []float64{4, 5, 6}, 0)
	// [0, 3] lies inside params when flattened but column 3 does not exist.
	err := ewRun(t, ewNode(ir.GatherND, nil, []*ir.Tensor{params, ewI32([]int{1, 2}, 0, 3)}, ewOut(ir.Float32, []int{1})))
	if err == nil || !strings.Contains(err.Error(), "outside [0, 3)") {
		t.Errorf("index [0 3]: got %v", err)
	}
}

func TestAbsInt(t *testing.T) {
	out := &ir.Tensor{Name: "out", Type: ir.Int16, Shape: []int{3}, HasRank: true, Data: make([]byte, 6)}
	ewMustRun(t, ewNode(ir.Abs, nil, []*ir.Tensor{{Name: "x", Type: ir.Int16, Shape: []int{3}, HasRank: true, Data: ir.Int16Bytes([]int16{-32768, -5, 7})}}, out))
	ewCheckInts(t, "int16", out.Int16s(), []int16{-32768, 5, 7})

	// Scale 0.5, zero point -10: stored -14, -10, 0 are -2, 0, 5. Same scale
	// out with zero point -128: |q+10| - 128. Scale 0.25 out: the double.
	x := ewI8([]int{3}, 0.5, -10, -14, -10, 0)
	o := ewQuant(ewOut(ir.Int8, []int{3}), 0.5, -128)
	ewMustRun(t, ewNode(ir.Abs, nil, []*ir.Tensor{x}, o))
	ewCheckInts(t, "int8 same scale", o.Int8s(), []int8{-124, -128, -118})
	o = ewQuant(ewOut(ir.Int8, []int{3}), 0.25, 0)
	ewMustRun(t, ewNode(ir.Abs, nil, []*ir.Tensor{x}, o))
	ewCheckInts(t, "int8 rescaled", o.Int8s(), []int8{8, 0, 20})
}
