package kernels

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// ewIota234 is the 2x3x4 tensor whose element (i,j,k) is 12i+4j+k.
func ewIota234() *ir.Tensor {
	v := make([]float32, 24)
	for i := range v {
		v[i] = float32(i)
	}
	return ewF32([]int{2, 3, 4}, v...)
}

func TestReduceFloat(t *testing.T) {
	cases := []struct {
		op    ir.OpType
		axes  []int32
		keep  bool
		shape []int
		want  []float64
	}{
		// Σ_j (12i+4j+k) = 36i+12+3k
		{ir.Sum, []int32{1}, false, []int{2, 4}, []float64{12, 15, 18, 21, 48, 51, 54, 57}},
		// mean over i,k of 12i+4j+k = 6+4j+1.5
		{ir.Mean, []int32{0, 2}, true, []int{1, 3, 1}, []float64{7.5, 11.5, 15.5}},
		// -1 and 2 are the same axis; the repeat is ignored.
		{ir.Mean, []int32{-1, 2}, false, []int{2, 3}, []float64{1.5, 5.5, 9.5, 13.5, 17.5, 21.5}},
		{ir.ReduceMax, []int32{1, 0}, false, []int{4}, []float64{20, 21, 22, 23}},
		{ir.ReduceMin, []int32{1, 0}, true, []int{1, 1, 4}, []float64{0, 1, 2, 3}},
		{ir.ReduceMax, []int32{2}, false, []int{2, 3}, []float64{3, 7, 11, 15, 19, 23}},
		{ir.Sum, []int32{0, 1, 2}, false, []int{}, []float64{276}},
		{ir.Mean, []int32{-3, -2, -1}, true, []int{1, 1, 1}, []float64{11.5}},
		{ir.Sum, []int32{}, false, []int{2, 3, 4}, nil}, // no axes: a copy
	}
	for _, c := range cases {
		out := ewOut(ir.Float32, c.shape)
		n := ewNode(c.op, &ir.ReducerOptions{KeepDims: c.keep}, []*ir.Tensor{ewIota234(), ewI32([]int{len(c.axes)}, c.axes...)}, out)
		ewMustRun(t, n)
		want := c.want
		if want == nil {
			for _, v := range ewIota234().Float32s() {
				want = append(want, float64(v))
			}
		}
		ewCheckF32(t, fmt.Sprintf("%v axes %v", c.op, c.axes), out.Float32s(), want, 1e-6)
	}
}

// TestReduceAgainstDefinition compares every reducer on a 4-D tensor and
// every subset of axes with a direct per-output-element loop.
func TestReduceAgainstDefinition(t *testing.T) {
	shape := []int{2, 3, 2, 5}
	x := ewRamp(ir.NumElements(shape), -4, 4)
	for mask := 0; mask < 16; mask++ {
		var axes []int32
		keepShape := append([]int(nil), shape...)
		var outShape []int
		for d := range shape {
			if mask&(1<<d) != 0 {
				axes = append(axes, int32(d))
				keepShape[d] = 1
			} else {
				outShape = append(outShape, shape[d])
			}
		}
		for _, op := range []ir.OpType{ir.Sum, ir.Mean, ir.ReduceMax, ir.ReduceMin} {
			out := ewOut(ir.Float32, outShape)
			ewMustRun(t, ewNode(op, &ir.ReducerOptions{}, []*ir.Tensor{ewF32(shape, x...), ewI32([]int{len(axes)}, axes...)}, out))
			want := make([]float64, ir.NumElements(keepShape))
			cnt := make([]int, len(want))
			for i := range want {
				switch op {
				case ir.ReduceMax:
					want[i] = math.Inf(-1)
				case ir.ReduceMin:
					want[i] = math.Inf(1)
				}
			}
			for i, v := range x {
				o := ewBroadcastIndex(ewUnravel(i, shape), keepShape)
				cnt[o]++
				switch op {
				case ir.ReduceMax:
					want[o] = math.Max(want[o], float64(v))
				case ir.ReduceMin:
					want[o] = math.Min(want[o], float64(v))
				default:
					want[o] += float64(v)
				}
			}
			if op == ir.Mean {
				for i := range want {
					want[i] /= float64(cnt[i])
				}
			}
			ewCheckF32(t, fmt.Sprintf("%v axes %v", op, axes), out.Float32s(), want, 1e-5)
		}
	}
}

func TestReduceInt(t *testing.T) {
	in := ewI32([]int{2, 2}, -7, 3, -8, 4)
	out := ewOut(ir.Int32, []int{2})
	ewMustRun(t, ewNode(ir.Mean, nil, []*ir.Tensor{in, ewI32([]int{1}, 0)}, out))
	ewCheckInts(t, "MEAN int32", out.Int32s(), []int32{-7, 3}) // -15/2 truncates toward zero

	out = ewOut(ir.Int32, []int{2})
	ewMustRun(t, ewNode(ir.Mean, nil, []*ir.Tensor{ewI32([]int{2, 2}, math.MaxInt32, math.MaxInt32, 1, 2), ewI32([]int{1}, 1)}, out))
	ewCheckInts(t, "MEAN int32 wide sum", out.Int32s(), []int32{math.MaxInt32, 1}) // summed in int64

	out64 := ewOut(ir.Int64, []int{2})
	ewMustRun(t, ewNode(ir.Sum, nil, []*ir.Tensor{ewI64([]int{2, 2}, 1, 2, 3, 4), ewI64([]int{1}, -1)}, out64))
	ewCheckInts(t, "SUM int64 (int64 axes)", out64.Int64s(), []int64{3, 7})

	out = ewOut(ir.Int32, []int{2})
	ewMustRun(t, ewNode(ir.ReduceMin, nil, []*ir.Tensor{in, ewI32([]int{1}, 1)}, out))
	ewCheckInts(t, "REDUCE_MIN int32", out.Int32s(), []int32{-7, -8})
}

// TestReduceRuntimeAxes gives the axes only at Eval (a computed tensor), which
// must resolve without allocating.
func TestReduceRuntimeAxes(t *testing.T) {
	axes := &ir.Tensor{Name: "axes", Type: ir.Int32, Shape: []int{1}, HasRank: true}
	out := ewOut(ir.Float32, []int{2, 4})
	n := ewNode(ir.Sum, nil, []*ir.Tensor{ewIota234(), axes}, out)
	k := &reduceKernel{}
	if err := k.Prepare(n); err != nil {
		t.Fatal(err)
	}
	axes.Data = ir.Int32Bytes([]int32{1})
	if err := k.Eval(n); err != nil {
		t.Fatal(err)
	}
	ewCheckF32(t, "SUM computed axes", out.Float32s(), []float64{12, 15, 18, 21, 48, 51, 54, 57}, 0)
	if a := testing.AllocsPerRun(3, func() { _ = k.Eval(n) }); a != 0 {
		t.Errorf("Eval with computed axes allocates %v times", a)
	}
	axes.Data = ir.Int32Bytes([]int32{5})
	if err := k.Eval(n); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("computed axis 5 on rank 3: error %v", err)
	}
}

func TestReduceErrors(t *testing.T) {
	cases := []struct {
		name string
		n    *Node
		want string
	}{
		{"axis range", ewNode(ir.Sum, nil, []*ir.Tensor{ewIota234(), ewI32([]int{1}, 3)}, ewOut(ir.Float32, []int{2, 3})), "out of range"},
		{"negative axis range", ewNode(ir.Mean, nil, []*ir.Tensor{ewIota234(), ewI32([]int{1}, -4)}, ewOut(ir.Float32, []int{3, 4})), "out of range"},
		{"output shape", ewNode(ir.Sum, &ir.ReducerOptions{KeepDims: true}, []*ir.Tensor{ewIota234(), ewI32([]int{1}, 1)}, ewOut(ir.Float32, []int{2, 4})), "output shape"},
		{"axis type", ewNode(ir.Sum, nil, []*ir.Tensor{ewIota234(), ewF32([]int{1}, 1)}, ewOut(ir.Float32, []int{2, 4})), "int32 or int64"},
		{"quant mismatch", ewNode(ir.ReduceMax, nil, []*ir.Tensor{ewQuant(ewOut(ir.Int8, []int{2}), 0.5, 0), ewI32([]int{1}, 0)}, ewQuant(ewOut(ir.Int8, nil), 0.25, 0)), "same quantization"},
	}
	for _, c := range cases {
		err := ewRun(t, c.n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestArgMinMax(t *testing.T) {
	// [[1, 5, 5], [7, 2, 7]]: ties go to the first index.
	in := func() *ir.Tensor { return ewF32([]int{2, 3}, 1, 5, 5, 7, 2, 7) }
	cases := []struct {
		op    ir.OpType
		axis  int32
		out   ir.DataType
		shape []int
		want  []int64
	}{
		{ir.ArgMax, 1, ir.Int32, []int{2}, []int64{1, 0}},
		{ir.ArgMax, -1, ir.Int64, []int{2}, []int64{1, 0}},
		{ir.ArgMax, 0, ir.Int32, []int{3}, []int64{1, 0, 1}},
		{ir.ArgMin, 1, ir.Int32, []int{2}, []int64{0, 1}},
		{ir.ArgMin, 0, ir.Int64, []int{3}, []int64{0, 1, 0}},
	}
	for _, c := range cases {
		out := ewOut(c.out, c.shape)
		ewMustRun(t, ewNode(c.op, nil, []*ir.Tensor{in(), ewI32([]int{1}, c.axis)}, out))
		got := make([]int64, len(c.want))
		for i := range got {
			if c.out == ir.Int32 {
				got[i] = int64(out.Int32s()[i])
			} else {
				got[i] = out.Int64s()[i]
			}
		}
		ewCheckInts(t, fmt.Sprintf("%v axis %d", c.op, c.axis), got, c.want)
	}

	// Integer and bool inputs, a 3-D middle axis, an int64 axis tensor.
	q := &ir.Tensor{Name: "q", Type: ir.Int8, Shape: []int{1, 3, 2}, Data: ir.Int8Bytes([]int8{-5, 100, 127, -128, 127, 3})}
	out := ewOut(ir.Int32, []int{1, 2})
	ewMustRun(t, ewNode(ir.ArgMax, nil, []*ir.Tensor{q, ewI64(nil, 1)}, out))
	ewCheckInts(t, "ARG_MAX int8", out.Int32s(), []int32{1, 0})
	b := &ir.Tensor{Name: "b", Type: ir.Bool, Shape: []int{4}, Data: []byte{0, 0, 1, 1}}
	out = ewOut(ir.Int32, []int{})
	ewMustRun(t, ewNode(ir.ArgMax, nil, []*ir.Tensor{b, ewI32([]int{1}, 0)}, out))
	ewCheckInts(t, "ARG_MAX bool", out.Int32s(), []int32{2})

	for _, bad := range []*Node{
		ewNode(ir.ArgMax, nil, []*ir.Tensor{in(), ewI32([]int{1}, 2)}, ewOut(ir.Int32, []int{2})),
		ewNode(ir.ArgMax, nil, []*ir.Tensor{in(), ewI32([]int{1}, 1)}, ewOut(ir.Int32, []int{3})),
		ewNode(ir.ArgMax, nil, []*ir.Tensor{in(), ewI32([]int{1}, 1)}, ewOut(ir.Float32, []int{2})),
		ewNode(ir.ArgMin, nil, []*ir.Tensor{in(), ewI32([]int{2}, 1, 0)}, ewOut(ir.Int32, []int{2})),
	} {
		if err := ewRun(t, bad); err == nil {
			t.Errorf("%v accepted bad axis, output shape or type", bad.Op.Type)
		}
	}
}
