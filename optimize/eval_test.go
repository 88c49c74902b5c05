package optimize

import (
	"errors"
	"math"
	"testing"

	"github.com/liteforge/liteforge/internal/half"
	"github.com/liteforge/liteforge/ir"
)

func evalOne(t *testing.T, op *ir.Op, out *ir.Tensor, in ...*ir.Tensor) []byte {
	t.Helper()
	res, err := Evaluate(op, in, []*ir.Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	return res[0]
}

func f32t(shape []int, v ...float32) *ir.Tensor {
	return &ir.Tensor{Type: ir.Float32, Shape: shape, HasRank: true, Data: ir.Float32Bytes(v)}
}

func i32t(shape []int, v ...int32) *ir.Tensor {
	return &ir.Tensor{Type: ir.Int32, Shape: shape, HasRank: true, Data: ir.Int32Bytes(v)}
}

func i64t(shape []int, v ...int64) *ir.Tensor {
	return &ir.Tensor{Type: ir.Int64, Shape: shape, HasRank: true, Data: ir.Int64Bytes(v)}
}

func TestEvaluateMovement(t *testing.T) {
	x := f32t([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	got := evalOne(t, &ir.Op{Type: ir.Transpose}, f32t([]int{3, 2}), x, i32t([]int{2}, 1, 0))
	wantFloats(t, "transpose", ir.AsFloat32(got), 1, 4, 2, 5, 3, 6)

	got = evalOne(t, &ir.Op{Type: ir.Gather, Options: &ir.GatherOptions{Axis: 1}}, f32t([]int{2, 2}), x, i64t([]int{2}, 2, 0))
	wantFloats(t, "gather axis 1", ir.AsFloat32(got), 3, 1, 6, 4)

	// x[:, ::-2] of [[1,2,3],[4,5,6]] is [[3,1],[6,4]].
	ss := &ir.Op{Type: ir.StridedSlice, Options: &ir.StridedSliceOptions{EndMask: 2}}
	got = evalOne(t, ss, f32t([]int{2, 2}), x, i32t([]int{2}, 0, 2), i32t([]int{2}, 2, 0), i32t([]int{2}, 1, -2))
	wantFloats(t, "strided slice", ir.AsFloat32(got), 3, 1, 6, 4)

	cat := &ir.Op{Type: ir.Concatenation, Options: &ir.ConcatenationOptions{Axis: 1}}
	got = evalOne(t, cat, f32t([]int{2, 4}), x, f32t([]int{2, 1}, 7, 8))
	wantFloats(t, "concat", ir.AsFloat32(got), 1, 2, 3, 7, 4, 5, 6, 8)

	pad := evalOne(t, &ir.Op{Type: ir.Pad}, f32t([]int{2, 4}), f32t([]int{1, 2}, 1, 2), i32t([]int{2, 2}, 1, 0, 1, 1))
	wantFloats(t, "pad", ir.AsFloat32(pad), 0, 0, 0, 0, 0, 1, 2, 0)
}

func TestEvaluateArithmetic(t *testing.T) {
	// Broadcasting [2,1] against [3]: rows get 10 and 20 added.
	add := evalOne(t, &ir.Op{Type: ir.Add, Options: &ir.AddOptions{}}, f32t([]int{2, 3}), f32t([]int{2, 1}, 10, 20), f32t([]int{3}, 1, 2, 3))
	wantFloats(t, "add", ir.AsFloat32(add), 11, 12, 13, 21, 22, 23)

	relu := evalOne(t, &ir.Op{Type: ir.Sub, Options: &ir.SubOptions{Activation: ir.ActRelu6}}, f32t([]int{3}), f32t([]int{3}, 1, 5, 20), f32t([]int{}, 2))
	wantFloats(t, "sub with relu6", ir.AsFloat32(relu), 0, 3, 6)

	// Integer division truncates toward zero, floor division rounds down.
	div := evalOne(t, &ir.Op{Type: ir.Div}, i64t([]int{2}), i64t([]int{2}, 7, -7), i64t([]int{}, 2))
	if v := ir.AsInt64(div); v[0] != 3 || v[1] != -3 {
		t.Errorf("int div = %v, want [3 -3]", v)
	}
	fdiv := evalOne(t, &ir.Op{Type: ir.FloorDiv}, i64t([]int{2}), i64t([]int{2}, 7, -7), i64t([]int{}, 2))
	if v := ir.AsInt64(fdiv); v[0] != 3 || v[1] != -4 {
		t.Errorf("floor div = %v, want [3 -4]", v)
	}
	if _, err := Evaluate(&ir.Op{Type: ir.Div}, []*ir.Tensor{i32t([]int{1}, 1), i32t([]int{1}, 0)}, []*ir.Tensor{i32t([]int{1})}); err == nil {
		t.Error("integer division by zero evaluated")
	}

	cast := evalOne(t, &ir.Op{Type: ir.Cast}, i32t([]int{3}), f32t([]int{3}, 2.7, -2.7, 0.5))
	if v := ir.AsInt32(cast); v[0] != 2 || v[1] != -2 || v[2] != 0 {
		t.Errorf("cast = %v, want truncation [2 -2 0]", v)
	}

	sum := evalOne(t, &ir.Op{Type: ir.Sum, Options: &ir.ReducerOptions{}}, f32t([]int{2}), f32t([]int{2, 3}, 1, 2, 3, 4, 5, 6), i32t([]int{1}, -1))
	wantFloats(t, "sum over the last axis", ir.AsFloat32(sum), 6, 15)
	mean := evalOne(t, &ir.Op{Type: ir.Mean, Options: &ir.ReducerOptions{KeepDims: true}}, f32t([]int{1, 3}), f32t([]int{2, 3}, 1, 2, 3, 4, 5, 6), i32t([]int{1}, 0))
	wantFloats(t, "mean over rows", ir.AsFloat32(mean), 2.5, 3.5, 4.5)

	eq := evalOne(t, &ir.Op{Type: ir.Less}, &ir.Tensor{Type: ir.Bool, Shape: []int{3}}, f32t([]int{3}, 1, 2, float32(math.NaN())), f32t([]int{}, 2))
	if eq[0] != 1 || eq[1] != 0 || eq[2] != 0 {
		t.Errorf("less = %v, want [1 0 0] (NaN compares false)", eq)
	}
}

func TestEvaluateShapeNeedsNoData(t *testing.T) {
	x := &ir.Tensor{Type: ir.Float32, Shape: []int{2, 5, 7}, HasRank: true}
	got := evalOne(t, &ir.Op{Type: ir.Shape, Options: &ir.ShapeOptions{OutType: ir.Int64}}, i64t([]int{3}), x)
	if v := ir.AsInt64(got); v[0] != 2 || v[1] != 5 || v[2] != 7 {
		t.Errorf("shape = %v", v)
	}
}

func TestEvaluateNotFoldable(t *testing.T) {
	x := f32t([]int{1, 2, 2, 1}, 1, 2, 3, 4)
	_, err := Evaluate(&ir.Op{Type: ir.Conv2D}, []*ir.Tensor{x}, []*ir.Tensor{f32t([]int{1})})
	if !errors.Is(err, ErrNotFoldable) {
		t.Errorf("CONV_2D: %v, want ErrNotFoldable", err)
	}
	q := f32t([]int{1}, 1)
	q.Type, q.Data, q.Quant = ir.Int8, []byte{3}, &ir.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{1}}
	_, err = Evaluate(&ir.Op{Type: ir.Add}, []*ir.Tensor{q, q}, []*ir.Tensor{q})
	if !errors.Is(err, ErrNotFoldable) {
		t.Errorf("quantized ADD: %v, want ErrNotFoldable", err)
	}
	// A quantized constant dequantizes with its scale and zero point.
	got := evalOne(t, &ir.Op{Type: ir.Dequantize}, f32t([]int{1}), q)
	wantFloats(t, "dequantize", ir.AsFloat32(got), 1)
}

func TestHalfConversions(t *testing.T) {
	for _, c := range []struct {
		bits uint16
		f    float32
	}{{0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0001, 5.9604645e-08}, {0x3555, 0.33325195}, {0x7c00, float32(math.Inf(1))}} {
		if got := half.Float16ToFloat32(c.bits); got != c.f {
			t.Errorf("half.Float16ToFloat32(%#04x) = %v, want %v", c.bits, got, c.f)
		}
		if got := half.Float32ToFloat16(c.f); got != c.bits {
			t.Errorf("half.Float32ToFloat16(%v) = %#04x, want %#04x", c.f, got, c.bits)
		}
	}
	// 1 + 2^-11 is halfway between two halves: ties go to the even one (1).
	if got := half.Float32ToFloat16(1 + 1.0/2048); got != 0x3c00 {
		t.Errorf("tie rounds to %#04x, want 0x3c00", got)
	}
	if got := half.Float32ToBFloat16(1.00390625); got != 0x3f80 { // 1 + 2^-8: tie to even
		t.Errorf("bfloat16 tie = %#04x, want 0x3f80", got)
	}
}
