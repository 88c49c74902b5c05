package kernels

import (
	"math"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// quantizeTo runs QUANTIZE of in into out.
func quantizeTo(t *testing.T, in, out *ir.Tensor) *ir.Tensor {
	t.Helper()
	mvMustRun(t, ir.Quantize, nil, []*ir.Tensor{in}, out)
	return out
}

func TestQuantizeFloat(t *testing.T) {
	// x/0.5 = ±0.5 rounds away from zero; ±100 clamps.
	o := quantizeTo(t, mvF32([]int{6}, 0.25, -0.25, 0.75, 100, -100, 0), mvQ(mvOut(ir.Int8, []int{6}), 0.5, 0))
	mvEqual(t, "int8", o.Int8s(), 1, -1, 2, 127, -128, 0)
	// float32(0.05)/float32(0.1) is exactly 0.5 (same significand): 1 + 128.
	u := quantizeTo(t, mvF32([]int{3}, 0.05, -20, 20), mvQ(mvOut(ir.Uint8, []int{3}), 0.1, 128))
	mvEqual(t, "uint8", u.Data, 129, 0, 255)
	s := quantizeTo(t, mvF32([]int{3}, 1000.125, 9000, -9000), mvQ(mvOut(ir.Int16, []int{3}), 0.25, 0))
	mvEqual(t, "int16", s.Int16s(), 4001, 32767, -32768)
	// NaN has no quantized value; it becomes the zero point.
	n := quantizeTo(t, mvF32([]int{1}, float32(math.NaN())), mvQ(mvOut(ir.Int8, []int{1}), 0.5, 7))
	mvEqual(t, "NaN", n.Int8s(), 7)
	// int4 packs two values per byte, low nibble first: 7.5→8→7, -9→-8,
	// 2.5→3, -2.5→-3.
	i4 := quantizeTo(t, mvF32([]int{4}, 7.5, -9, 2.5, -2.5), mvQ(mvOut(ir.Int4, []int{4}), 1, 0))
	mvEqual(t, "int4", i4.Data, 0x87, 0xd3)
}

func TestQuantizePerChannel(t *testing.T) {
	out := mvOut(ir.Int8, []int{2, 2})
	out.Quant = &ir.Quantization{Scale: []float32{0.5, 2}, ZeroPoint: []int64{0, 1}, Axis: 0}
	quantizeTo(t, mvF32([]int{2, 2}, 1, -1, 3, -3), out)
	mvEqual(t, "axis 0", out.Int8s(), 2, -2, 3, -1)
	out1 := mvOut(ir.Int8, []int{2, 2})
	out1.Quant = &ir.Quantization{Scale: []float32{0.5, 2}, ZeroPoint: []int64{0, 0}, Axis: 1}
	quantizeTo(t, mvF32([]int{2, 2}, 1, 1, 3, 3), out1)
	mvEqual(t, "axis 1", out1.Int8s(), 2, 1, 6, 2)
}

func TestQuantizeRejectsBadParameters(t *testing.T) {
	in := mvF32([]int{1}, 1)
	for _, q := range []*ir.Quantization{
		nil,
		{Scale: []float32{0}, ZeroPoint: []int64{0}},
		{Scale: []float32{float32(math.NaN())}, ZeroPoint: []int64{0}},
		{Scale: []float32{1}, ZeroPoint: []int64{200}},
	} {
		out := mvOut(ir.Int8, []int{1})
		out.Quant = q
		if err := mvRun(t, ir.Quantize, nil, []*ir.Tensor{in}, out); err == nil {
			t.Errorf("quantization %+v accepted", q)
		}
	}
}

func TestDequantize(t *testing.T) {
	o := mvOut(ir.Float32, []int{3})
	mvMustRun(t, ir.Dequantize, nil, []*ir.Tensor{mvQ(mvI8([]int{3}, -128, 0, 127), 0.5, -1)}, o)
	mvEqualF32(t, "int8", o.Float32s(), -63.5, 0.5, 64)

	u := mvOut(ir.Float32, []int{2})
	mvMustRun(t, ir.Dequantize, nil, []*ir.Tensor{mvQ(mvU8([]int{2}, 130, 128), 0.1, 128)}, u)
	mvEqualF32(t, "uint8", u.Float32s(), float32(0.1)*2, 0)

	in16 := mvI16([]int{1, 2}, 4, 4)
	in16.Quant = &ir.Quantization{Scale: []float32{0.5, 0.25}, ZeroPoint: []int64{0, 0}, Axis: 1}
	p := mvOut(ir.Float32, []int{1, 2})
	mvMustRun(t, ir.Dequantize, nil, []*ir.Tensor{in16}, p)
	mvEqualF32(t, "int16 per channel", p.Float32s(), 2, 1)

	h := mvOut(ir.Float32, []int{3})
	mvMustRun(t, ir.Dequantize, nil, []*ir.Tensor{mvTensor(ir.Float16, []int{3}, ir.Int16Bytes([]int16{0x3c00, -0x4000, 0x7c00}))}, h)
	mvEqualF32(t, "float16", h.Float32s(), 1, -2, float32(math.Inf(1)))

	i4 := mvOut(ir.Float32, []int{2})
	mvMustRun(t, ir.Dequantize, nil, []*ir.Tensor{mvQ(mvTensor(ir.Int4, []int{2}, []byte{0x87}), 2, 0)}, i4)
	mvEqualF32(t, "int4", i4.Float32s(), 14, -16)

	bad := mvI8([]int{1}, 1)
	bad.Quant = &ir.Quantization{Scale: []float32{-1}, ZeroPoint: []int64{0}}
	if err := mvRun(t, ir.Dequantize, nil, []*ir.Tensor{bad}, mvOut(ir.Float32, []int{1})); err == nil {
		t.Error("a negative scale accepted")
	}
}
