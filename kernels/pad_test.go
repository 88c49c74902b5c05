package kernels

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestPad(t *testing.T) {
	in := mvF32([]int{2, 2}, 1, 2, 3, 4)
	pads := mvI32([]int{2, 2}, 1, 0, 0, 2)
	out := mvOut(ir.Float32, []int{3, 4})
	mvMustRun(t, ir.Pad, nil, []*ir.Tensor{in, pads}, out)
	mvEqualF32(t, "PAD", out.Float32s(), 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0)

	out2 := mvOut(ir.Float32, []int{3, 4})
	mvMustRun(t, ir.PadV2, nil, []*ir.Tensor{in, mvI64([]int{2, 2}, 1, 0, 0, 2), mvF32([]int{}, 9)}, out2)
	mvEqualF32(t, "PADV2", out2.Float32s(), 9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9)

	// A 4-d image-style pad (the case TFLite special-cases).
	img := mvOut(ir.Int32, []int{1, 3, 3, 1})
	mvMustRun(t, ir.Pad, nil, []*ir.Tensor{mvI32([]int{1, 1, 1, 1}, 7), mvI32([]int{4, 2}, 0, 0, 1, 1, 1, 1, 0, 0)}, img)
	mvEqual(t, "image style", img.Int32s(), 0, 0, 0, 0, 7, 0, 0, 0, 0)
}

// Quantized tensors pad with the output zero point (TFLite: always for
// uint8, for int8 and int16 when quantized), or with a constant that must
// share the output's quantization.
func TestPadQuantized(t *testing.T) {
	pads := mvI32([]int{1, 2}, 1, 1)
	u := mvQ(mvOut(ir.Uint8, []int{3}), 0.5, 5)
	mvMustRun(t, ir.Pad, nil, []*ir.Tensor{mvQ(mvU8([]int{1}, 200), 0.5, 5), pads}, u)
	mvEqual(t, "uint8", u.Data, 5, 200, 5)

	i8 := mvQ(mvOut(ir.Int8, []int{3}), 0.5, -3)
	mvMustRun(t, ir.Pad, nil, []*ir.Tensor{mvQ(mvI8([]int{1}, 100), 0.5, -3), pads}, i8)
	mvEqual(t, "int8", i8.Int8s(), -3, 100, -3)

	plain := mvOut(ir.Int8, []int{3})
	mvMustRun(t, ir.Pad, nil, []*ir.Tensor{mvI8([]int{1}, 100), pads}, plain)
	mvEqual(t, "unquantized int8", plain.Int8s(), 0, 100, 0)

	i16 := mvQ(mvOut(ir.Int16, []int{3}), 0.5, 0)
	mvMustRun(t, ir.PadV2, nil, []*ir.Tensor{mvQ(mvI16([]int{1}, -300), 0.5, 0), pads, mvQ(mvI16([]int{}, 1000), 0.5, 0)}, i16)
	mvEqual(t, "int16 constant", i16.Int16s(), 1000, -300, 1000)

	bad := mvQ(mvI8([]int{}, 1), 0.25, -3)
	if err := mvRun(t, ir.PadV2, nil, []*ir.Tensor{mvQ(mvI8([]int{1}, 100), 0.5, -3), pads, bad}, mvQ(mvOut(ir.Int8, []int{3}), 0.5, -3)); err == nil {
		t.Error("a constant with another scale accepted")
	}
	if err := mvRun(t, ir.Pad, nil, []*ir.Tensor{mvF32([]int{1}, 1), mvI32([]int{1, 2}, -1, 1)}, mvOut(ir.Float32, []int{1})); err == nil {
		t.Error("a negative padding accepted")
	}
}

// The examples of TensorFlow's MirrorPad documentation.
func TestMirrorPad(t *testing.T) {
	in := mvI32([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	pads := mvI32([]int{2, 2}, 1, 1, 2, 2)
	r := mvOut(ir.Int32, []int{4, 7})
	mvMustRun(t, ir.MirrorPad, &ir.MirrorPadOptions{Mode: ir.MirrorReflect}, []*ir.Tensor{in, pads}, r)
	mvEqual(t, "REFLECT", r.Int32s(),
		6, 5, 4, 5, 6, 5, 4,
		3, 2, 1, 2, 3, 2, 1,
		6, 5, 4, 5, 6, 5, 4,
		3, 2, 1, 2, 3, 2, 1)
	s := mvOut(ir.Int32, []int{4, 7})
	mvMustRun(t, ir.MirrorPad, &ir.MirrorPadOptions{Mode: ir.MirrorSymmetric}, []*ir.Tensor{in, pads}, s)
	mvEqual(t, "SYMMETRIC", s.Int32s(),
		2, 1, 1, 2, 3, 3, 2,
		2, 1, 1, 2, 3, 3, 2,
		5, 4, 4, 5, 6, 6, 5,
		5, 4, 4, 5, 6, 6, 5)

	// REFLECT allows at most size-1 of padding, SYMMETRIC size.
	if err := mvRun(t, ir.MirrorPad, &ir.MirrorPadOptions{Mode: ir.MirrorReflect}, []*ir.Tensor{in, mvI32([]int{2, 2}, 2, 0, 0, 0)}, mvOut(ir.Int32, []int{4, 3})); err == nil {
		t.Error("REFLECT padding of 2 on a dimension of 2 accepted")
	}
	sym := mvOut(ir.Int32, []int{4, 3})
	mvMustRun(t, ir.MirrorPad, &ir.MirrorPadOptions{Mode: ir.MirrorSymmetric}, []*ir.Tensor{in, mvI64([]int{2, 2}, 2, 0, 0, 0)}, sym)
	mvEqual(t, "SYMMETRIC 2", sym.Int32s(), 4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6)

	if err := mvRun(t, ir.MirrorPad, nil, []*ir.Tensor{mvQ(mvI8([]int{2}, 1, 2), 0.5, 0), mvI32([]int{1, 2}, 1, 0)}, mvQ(mvOut(ir.Int8, []int{3}), 0.25, 0)); err == nil {
		t.Error("MIRROR_PAD changing quantization accepted")
	}
}
