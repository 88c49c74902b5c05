package kernels

import (
	"math"
	"testing"

	"github.com/liteforge/liteforge/internal/fixedpoint"
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

// requantize runs an integer-to-integer QUANTIZE with the given rounding.
func requantize(t *testing.T, in, out *ir.Tensor, r fixedpoint.Rounding) []string {
	t.Helper()
	n := mvNode(ir.Quantize, nil, []*ir.Tensor{in}, out)
	n.Ctx.Rounding = r
	return mvRunWarned(t, n)
}

// Hand-worked MultiplyByQuantizedMultiplier: scale 0.25 gives multiplier
// 2^30 with shift -1, so double rounding rounds x/2 half up and then halves
// rounding half away from zero (5 → 2.5 → 3 → 1.5 → 2) while single rounding
// rounds x/4 once, half up (5 → 1.25 → 1).
func TestQuantizeRequantizeInt8(t *testing.T) {
	vals := []int8{5, -5, 3, 127, -128}
	for _, c := range []struct {
		r    fixedpoint.Rounding
		want []int8
	}{
		{fixedpoint.DoubleRounding, []int8{2, -1, 1, 32, -32}},
		{fixedpoint.SingleRounding, []int8{1, -1, 1, 32, -32}},
	} {
		out := mvQ(mvOut(ir.Int8, []int{5}), 1, 0)
		requantize(t, mvQ(mvI8([]int{5}, vals...), 0.25, 0), out, c.r)
		mvEqual(t, c.r.String(), out.Int8s(), c.want...)
	}
	// Equal scales and zero points 128 apart: int8 ↔ uint8 is a shift.
	u := mvQ(mvOut(ir.Uint8, []int{3}), 0.5, 127)
	requantize(t, mvQ(mvI8([]int{3}, -128, 0, 127), 0.5, -1), u, fixedpoint.DoubleRounding)
	mvEqual(t, "int8→uint8", u.Data, 0, 128, 255)
	back := mvQ(mvOut(ir.Int8, []int{3}), 0.5, -1)
	requantize(t, mvQ(mvU8([]int{3}, 0, 128, 255), 0.5, 127), back, fixedpoint.DoubleRounding)
	mvEqual(t, "uint8→int8", back.Int8s(), -128, 0, 127)
}

// int16 (scale 2^-8) to int8 (scale 0.5, zero point -10): multiplier 2^30,
// shift -6, so q' = round(q/128) - 10 with 1000 → 7.8 → 8, 96 → 0.75 → 1,
// 32 → 0.25 → 0, -32768 → -256 clamped.
func TestQuantizeRequantizeWider(t *testing.T) {
	o := mvQ(mvOut(ir.Int8, []int{4}), 0.5, -10)
	requantize(t, mvQ(mvI16([]int{4}, 1000, 96, 32, -32768), 1.0/256, 0), o, fixedpoint.DoubleRounding)
	mvEqual(t, "int16→int8", o.Int8s(), -2, -9, -10, -128)

	o32 := mvQ(mvOut(ir.Int8, []int{2}), 2, 0)
	requantize(t, mvQ(mvI32([]int{2}, 5, 1000), 0.5, 0), o32, fixedpoint.DoubleRounding)
	mvEqual(t, "int32→int8", o32.Int8s(), 2, 127)

	o16 := mvQ(mvOut(ir.Int32, []int{2}), 0.25, 0)
	requantize(t, mvQ(mvI16([]int{2}, 3, -32768), 0.5, 0), o16, fixedpoint.DoubleRounding)
	mvEqual(t, "int16→int32", o16.Int32s(), 6, -65536)

	// int8 to int16 (TFLite rejects it): scale 0.5 → 0.25 doubles q - 3.
	w := mvQ(mvOut(ir.Int16, []int{1}), 0.25, 0)
	warned := requantize(t, mvQ(mvI8([]int{1}, 10), 0.5, 3), w, fixedpoint.DoubleRounding)
	mvEqual(t, "int8→int16", w.Int16s(), 14)
	if len(warned) != 1 {
		t.Errorf("warnings %q, want one", warned)
	}

	if err := mvRun(t, ir.Quantize, nil, []*ir.Tensor{mvQ(mvI16([]int{1}, 1), 0.5, 2)}, mvQ(mvOut(ir.Int16, []int{1}), 0.5, 0)); err == nil {
		t.Error("int16 to int16 with a zero point accepted")
	}
	if err := mvRun(t, ir.Quantize, nil, []*ir.Tensor{mvQ(mvU8([]int{1}, 1), 0.5, 2)}, mvQ(mvOut(ir.Int16, []int{1}), 0.5, 0)); err == nil {
		t.Error("uint8 to int16 accepted")
	}
}

// 0.25/0.1: the float32 quotient of float32(0.25) and float32(0.1) rounds to
// exactly 2.5 (ties away: 3), the float64 quotient is 2.4999999627 (2).
// TFLite's reference kernel divides in float32, its builtin one in float64.
func TestQuantizeDivisionPrecision(t *testing.T) {
	for _, c := range []struct {
		set  KernelSet
		want []int8
	}{{ReferenceKernels, []int8{3, -3}}, {BuiltinKernels, []int8{2, -2}}} {
		out := mvQ(mvOut(ir.Int8, []int{2}), 0.1, 0)
		n := mvNode(ir.Quantize, nil, []*ir.Tensor{mvF32([]int{2}, 0.25, -0.25)}, out)
		n.Ctx.Kernels = c.set
		mvRunWarned(t, n)
		mvEqual(t, c.set.String(), out.Int8s(), c.want...)
	}
}

// quantizeQuotient on hand-worked values: ties go away from zero, a value
// just below a tie goes down, the zero point is added before clamping, and
// NaN gives the zero point.
func TestQuantizeQuotient(t *testing.T) {
	for _, c := range []struct {
		r    float64
		zp   int32
		want int32
	}{
		{2.5, 0, 3}, {-2.5, 0, -3}, {0.5, 0, 1}, {-0.5, 0, -1}, {0.49999999999999994, 0, 0},
		{-0.49999999999999994, 0, 0}, {1.5, -1, 1}, {126.5, 0, 127}, {126.5, 1, 127}, {-300, 5, -128},
		{1e300, 0, 127}, {math.Inf(-1), 0, -128}, {math.NaN(), 7, 7},
	} {
		if got := quantizeQuotient(c.r, c.zp, float64(c.zp), -128, 127); got != c.want {
			t.Errorf("quantizeQuotient(%v, zp %d) = %d, want %d", c.r, c.zp, got, c.want)
		}
	}
}
