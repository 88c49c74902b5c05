package kernels

import (
	"strings"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestConcatenation(t *testing.T) {
	a := mvF32([]int{2, 2}, 1, 2, 3, 4)
	b := mvF32([]int{2, 1}, 5, 6)
	for _, axis := range []int{1, -1} {
		out := mvOut(ir.Float32, []int{2, 3})
		mvMustRun(t, ir.Concatenation, &ir.ConcatenationOptions{Axis: axis}, []*ir.Tensor{a, b}, out)
		mvEqualF32(t, "axis 1", out.Float32s(), 1, 2, 5, 3, 4, 6)
	}
	out := mvOut(ir.Float32, []int{4, 2})
	mvMustRun(t, ir.Concatenation, &ir.ConcatenationOptions{Axis: 0}, []*ir.Tensor{a, a}, out)
	mvEqualF32(t, "axis 0", out.Float32s(), 1, 2, 3, 4, 1, 2, 3, 4)

	// A fused RELU clamps the result.
	relu := mvOut(ir.Float32, []int{4})
	mvMustRun(t, ir.Concatenation, &ir.ConcatenationOptions{Activation: ir.ActRelu}, []*ir.Tensor{mvF32([]int{2}, -1, 2), mvF32([]int{2}, 3, -4)}, relu)
	mvEqualF32(t, "relu", relu.Float32s(), 0, 2, 3, 0)

	// Scalars become a vector.
	sc := mvOut(ir.Int64, []int{3})
	mvMustRun(t, ir.Concatenation, nil, []*ir.Tensor{mvI64([]int{}, 7), mvI64([]int{}, 8), mvI64([]int{}, 9)}, sc)
	mvEqual(t, "scalars", sc.Int64s(), 7, 8, 9)

	// Bools move as bytes.
	bo := mvOut(ir.Bool, []int{3})
	mvMustRun(t, ir.Concatenation, nil, []*ir.Tensor{mvTensor(ir.Bool, []int{1}, []byte{1}), mvTensor(ir.Bool, []int{2}, []byte{0, 1})}, bo)
	mvEqual(t, "bool", bo.Data, 1, 0, 1)

	if err := mvRun(t, ir.Concatenation, &ir.ConcatenationOptions{Axis: 0}, []*ir.Tensor{a, b}, mvOut(ir.Float32, []int{4, 2})); err == nil {
		t.Error("inputs differing off the axis were accepted")
	}
	if err := mvRun(t, ir.Concatenation, &ir.ConcatenationOptions{Axis: 2}, []*ir.Tensor{a, a}, mvOut(ir.Float32, []int{2, 4})); err == nil {
		t.Error("axis 2 of a 2-d input was accepted")
	}
}

// Hand-worked ConcatenationWithScaling: uint8 input (scale 0.5, zero point
// 10) into an output of scale 1, zero point 0, so q' = round(q/2 - 5) with
// ties away from zero, clamped to [0, 255]; the second input already has the
// output's parameters and is copied.
func TestConcatenationRequantizesUint8(t *testing.T) {
	a := mvQ(mvU8([]int{4}, 15, 13, 9, 255), 0.5, 10)
	b := mvQ(mvU8([]int{1}, 200), 1, 0)
	out := mvQ(mvOut(ir.Uint8, []int{5}), 1, 0)
	warned := mvRunWarned(t, mvNode(ir.Concatenation, nil, []*ir.Tensor{a, b}, out))
	mvEqual(t, "uint8", out.Data, 3, 2, 0, 123, 200)
	if len(warned) != 0 {
		t.Errorf("uint8 requantization (which TFLite does) warned: %v", warned)
	}
}

// int8 inputs with other parameters: TFLite rejects them; liteforge
// requantizes with the same arithmetic and warns. Input scale 0.25 zero point
// -3 into scale 0.5 zero point 1: q' = round(q/2 + 1.5) + 1.
func TestConcatenationRequantizesInt8WithWarning(t *testing.T) {
	a := mvQ(mvI8([]int{4}, -128, 127, -6, 0), 0.25, -3)
	out := mvQ(mvOut(ir.Int8, []int{4}), 0.5, 1)
	warned := mvRunWarned(t, mvNode(ir.Concatenation, nil, []*ir.Tensor{a}, out))
	mvEqual(t, "int8", out.Int8s(), -62, 66, -1, 3)
	if len(warned) != 1 || !strings.Contains(warned[0], "TFLite rejects") {
		t.Errorf("warnings %q, want one saying TFLite rejects the model", warned)
	}
}

func TestConcatenationInt16NeedsZeroPointZero(t *testing.T) {
	a := mvQ(mvI16([]int{1}, 1), 0.5, 3)
	out := mvQ(mvOut(ir.Int16, []int{1}), 0.5, 0)
	if err := mvRun(t, ir.Concatenation, nil, []*ir.Tensor{a}, out); err == nil {
		t.Error("int16 input with zero point 3 accepted")
	}
}

func TestPackUnpack(t *testing.T) {
	x, y := mvF32([]int{2}, 1, 2), mvF32([]int{2}, 3, 4)
	o0 := mvOut(ir.Float32, []int{2, 2})
	mvMustRun(t, ir.Pack, &ir.PackOptions{ValuesCount: 2, Axis: 0}, []*ir.Tensor{x, y}, o0)
	mvEqualF32(t, "axis 0", o0.Float32s(), 1, 2, 3, 4)
	for _, axis := range []int{1, -1} {
		o1 := mvOut(ir.Float32, []int{2, 2})
		mvMustRun(t, ir.Pack, &ir.PackOptions{ValuesCount: 2, Axis: axis}, []*ir.Tensor{x, y}, o1)
		mvEqualF32(t, "axis 1", o1.Float32s(), 1, 3, 2, 4)
	}
	// From TFLite's pack_test.cc (ThreeInputsDifferentAxis): three [2] inputs
	// stacked on axis 1.
	p := mvOut(ir.Int32, []int{2, 3})
	mvMustRun(t, ir.Pack, &ir.PackOptions{ValuesCount: 3, Axis: 1}, []*ir.Tensor{mvI32([]int{2}, 1, 4), mvI32([]int{2}, 2, 5), mvI32([]int{2}, 3, 6)}, p)
	mvEqual(t, "three inputs", p.Int32s(), 1, 2, 3, 4, 5, 6)

	if err := mvRun(t, ir.Pack, &ir.PackOptions{ValuesCount: 2}, []*ir.Tensor{x, mvF32([]int{3}, 1, 2, 3)}, mvOut(ir.Float32, []int{2, 2})); err == nil {
		t.Error("inputs of different shapes accepted")
	}

	in := mvI64([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	u := []*ir.Tensor{mvOut(ir.Int64, []int{2}), mvOut(ir.Int64, []int{2}), mvOut(ir.Int64, []int{2})}
	mvMustRun(t, ir.Unpack, &ir.UnpackOptions{Num: 3, Axis: 1}, []*ir.Tensor{in}, u...)
	mvEqual(t, "unpack 0", u[0].Int64s(), 1, 4)
	mvEqual(t, "unpack 1", u[1].Int64s(), 2, 5)
	mvEqual(t, "unpack 2", u[2].Int64s(), 3, 6)
	v := []*ir.Tensor{mvOut(ir.Int64, []int{3}), mvOut(ir.Int64, []int{3})}
	mvMustRun(t, ir.Unpack, &ir.UnpackOptions{Num: 2, Axis: 0}, []*ir.Tensor{in}, v...)
	mvEqual(t, "unpack axis 0", v[1].Int64s(), 4, 5, 6)

	// UNPACK cannot change quantization (TFLite rejects it).
	qin := mvQ(mvI8([]int{2}, 1, 2), 0.5, 0)
	qo := []*ir.Tensor{mvQ(mvOut(ir.Int8, []int{}), 0.25, 0), mvQ(mvOut(ir.Int8, []int{}), 0.25, 0)}
	if err := mvRun(t, ir.Unpack, &ir.UnpackOptions{Num: 2}, []*ir.Tensor{qin}, qo...); err == nil {
		t.Error("unpack changing quantization accepted")
	}
}

// Packing int8 values whose scale differs from the output's requantizes them
// (TFLite rejects such a model), as in the concatenation case above.
func TestPackRequantizesInt8(t *testing.T) {
	a := mvQ(mvI8([]int{2}, -128, 127), 0.25, -3)
	b := mvQ(mvI8([]int{2}, 5, 6), 0.5, 1)
	out := mvQ(mvOut(ir.Int8, []int{2, 2}), 0.5, 1)
	mvMustRun(t, ir.Pack, &ir.PackOptions{ValuesCount: 2}, []*ir.Tensor{a, b}, out)
	mvEqual(t, "pack", out.Int8s(), -62, 66, 5, 6)
}

func TestSplit(t *testing.T) {
	in := mvF32([]int{2, 4}, mvSeq(8)...)
	for _, axis := range []int32{1, -1} {
		o := []*ir.Tensor{mvOut(ir.Float32, []int{2, 2}), mvOut(ir.Float32, []int{2, 2})}
		mvMustRun(t, ir.Split, &ir.SplitOptions{NumSplits: 2}, []*ir.Tensor{mvI32([]int{}, axis), in}, o...)
		mvEqualF32(t, "split 0", o[0].Float32s(), 1, 2, 5, 6)
		mvEqualF32(t, "split 1", o[1].Float32s(), 3, 4, 7, 8)
	}
	o := []*ir.Tensor{mvOut(ir.Float32, []int{2, 1}), mvOut(ir.Float32, []int{2, 3})}
	mvMustRun(t, ir.SplitV, &ir.SplitVOptions{NumSplits: 2}, []*ir.Tensor{in, mvI32([]int{2}, 1, -1), mvI32([]int{}, 1)}, o...)
	mvEqualF32(t, "split_v 0", o[0].Float32s(), 1, 5)
	mvEqualF32(t, "split_v 1", o[1].Float32s(), 2, 3, 4, 6, 7, 8)

	bad := []*ir.Tensor{mvOut(ir.Float32, []int{2, 1}), mvOut(ir.Float32, []int{2, 3})}
	if err := mvRun(t, ir.Split, &ir.SplitOptions{NumSplits: 2}, []*ir.Tensor{mvI32([]int{}, 1), in}, bad...); err == nil {
		t.Error("SPLIT into unequal parts accepted")
	}
	if err := mvRun(t, ir.Split, &ir.SplitOptions{NumSplits: 2}, []*ir.Tensor{mvI32([]int{}, 2), in}, mvOut(ir.Float32, []int{2, 2}), mvOut(ir.Float32, []int{2, 2})); err == nil {
		t.Error("axis 2 of a 2-d input accepted")
	}
}
