package kernels

import (
	"math"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

func TestActivationRangeQuantized(t *testing.T) {
	tests := []struct {
		act    ir.Activation
		dt     ir.DataType
		scale  float32
		zp     int32
		lo, hi int32
		why    string
	}{
		// 6 / 0.05f = 119.9999982 in float64, 120 in float32: hi = -10 + 120.
		{ir.ActRelu6, ir.Int8, 0.05, -10, -10, 110, "relu6"},
		{ir.ActRelu, ir.Int8, 0.1, -128, -128, 127, "relu at the type minimum"},
		{ir.ActRelu, ir.Int8, 0.1, 5, 5, 127, "relu"},
		{ir.ActReluN1To1, ir.Int8, 1.0 / 64, 3, -61, 67, "relu_n1_to_1: 3 -/+ 64"},
		{ir.ActRelu6, ir.Int8, 4, 0, 0, 2, "6/4 = 1.5 rounds away from zero"},
		{ir.ActReluN1To1, ir.Int8, 2, 0, -1, 1, "-1/2 rounds to -1, 1/2 to 1"},
		{ir.ActRelu6, ir.Uint8, 0.01, 0, 0, 255, "600 clamps to the type"},
		{ir.ActRelu6, ir.Int16, 6.0 / 32767, 0, 0, 32767, "int16"},
		{ir.ActNone, ir.Int8, 0.1, 0, -128, 127, "none"},
		{ir.ActNone, ir.Uint8, 0.1, 0, 0, 255, "none uint8"},
		{ir.ActNone, ir.Int16, 0.1, 0, -32768, 32767, "none int16"},
		{ir.ActTanh, ir.Int8, 0.1, 0, -128, 127, "tanh is not a clamp"},
	}
	for _, tc := range tests {
		lo, hi, err := ActivationRangeQuantized(tc.act, tc.dt, tc.scale, tc.zp)
		if err != nil || lo != tc.lo || hi != tc.hi {
			t.Errorf("%s: ActivationRangeQuantized(%v, %v, %v, %d) = (%d, %d, %v), want (%d, %d)", tc.why, tc.act, tc.dt, tc.scale, tc.zp, lo, hi, err, tc.lo, tc.hi)
		}
	}
	if _, _, err := ActivationRangeQuantized(ir.ActRelu6, ir.Int8, 1e-30, 0); err == nil {
		t.Error("a bound beyond int32 gave no error")
	}
	if _, _, err := ActivationRangeQuantized(ir.ActRelu, ir.Float32, 1, 0); err == nil {
		t.Error("float32 gave no error")
	}
}

func quantParamsTensor(name string, dt ir.DataType, shape []int, scales []float32, zps []int64, axis int) *ir.Tensor {
	return &ir.Tensor{Name: name, Type: dt, Shape: shape, HasRank: true,
		Quant: &ir.Quantization{Scale: scales, ZeroPoint: zps, Axis: axis}}
}

func TestPerTensorQuant(t *testing.T) {
	s, zp, err := PerTensorQuant(quantParamsTensor("x", ir.Int8, []int{2}, []float32{0.5}, []int64{-3}, 0))
	if err != nil || s != 0.5 || zp != -3 {
		t.Errorf("PerTensorQuant = (%v, %d, %v), want (0.5, -3)", s, zp, err)
	}
	if _, zp, err := PerTensorQuant(quantParamsTensor("y", ir.Int8, []int{2}, []float32{0.5}, nil, 0)); err != nil || zp != 0 {
		t.Errorf("absent zero point: (%d, %v), want 0", zp, err)
	}
	bad := []*ir.Tensor{
		{Name: "bad", Type: ir.Int8, Shape: []int{2}},
		quantParamsTensor("bad", ir.Int8, []int{2}, []float32{0.5, 0.5}, []int64{0, 0}, 0),
		quantParamsTensor("bad", ir.Int8, []int{2}, []float32{0}, []int64{0}, 0),
		quantParamsTensor("bad", ir.Int8, []int{2}, []float32{-1}, []int64{0}, 0),
		quantParamsTensor("bad", ir.Int8, []int{2}, []float32{float32(math.NaN())}, []int64{0}, 0),
		quantParamsTensor("bad", ir.Int8, []int{2}, []float32{float32(math.Inf(1))}, []int64{0}, 0),
		quantParamsTensor("bad", ir.Int8, []int{2}, []float32{0.5}, []int64{128}, 0),
		quantParamsTensor("bad", ir.Uint8, []int{2}, []float32{0.5}, []int64{-1}, 0),
	}
	for i, tt := range bad {
		_, _, err := PerTensorQuant(tt)
		if err == nil || !strings.Contains(err.Error(), `"bad"`) {
			t.Errorf("case %d: error %v does not name the tensor", i, err)
		}
	}
}

func TestChannelScales(t *testing.T) {
	filter := quantParamsTensor("w", ir.Int8, []int{3, 1, 1, 2}, []float32{0.1, 0.2, 0.3}, []int64{0, 0, 0}, 0)
	if s, err := ChannelScales(filter, 0); err != nil || len(s) != 3 || s[2] != 0.3 {
		t.Errorf("per-axis: %v, %v", s, err)
	}
	perTensor := quantParamsTensor("w", ir.Int8, []int{3, 1, 1, 2}, []float32{0.5}, []int64{0}, 0)
	if s, err := ChannelScales(perTensor, 3); err != nil || len(s) != 2 || s[0] != 0.5 || s[1] != 0.5 {
		t.Errorf("broadcast: %v, %v", s, err)
	}
	for i, tc := range []struct {
		t   *ir.Tensor
		dim int
	}{
		{filter, 3}, // scales lie along dimension 0
		{quantParamsTensor("w", ir.Int8, []int{4, 1}, []float32{0.1, 0.2, 0.3}, nil, 0), 0}, // 3 scales for 4 channels
		{filter, 4}, // no such dimension
		{quantParamsTensor("w", ir.Int8, []int{2}, []float32{0.1, -0.2}, nil, 0), 0},
		{&ir.Tensor{Name: "w", Type: ir.Int8, Shape: []int{2}}, 0},
	} {
		if _, err := ChannelScales(tc.t, tc.dim); err == nil || !strings.Contains(err.Error(), `"w"`) {
			t.Errorf("case %d: error %v does not name the tensor", i, err)
		}
	}
}

func TestPerChannelMultipliers(t *testing.T) {
	// 0.5 * 0.25 / 1 = 0.125 = 0.5 * 2^-2; 0.5 * 0.75 = 0.375 = 0.75 * 2^-1;
	// 0.5 * 8 = 4 = 0.5 * 2^3.
	m, s, err := PerChannelMultipliers(fixedpoint.DoubleRounding, 0.5, []float32{0.25, 0.75, 8}, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		m int32
		s int
	}{{1 << 30, -2}, {0x60000000, -1}, {1 << 30, 3}}
	for i, w := range want {
		if m[i] != w.m || s[i] != w.s {
			t.Errorf("channel %d: (%d, %d), want (%d, %d)", i, m[i], s[i], w.m, w.s)
		}
	}
}

func TestFloat32Multiplier(t *testing.T) {
	// float32(0.1f * 0.1f) = 10737419 * 2^-30 = 0.64000005 * 2^-6: significand
	// 10737419 * 2^7 = 1374389632. (In float64 the product would give
	// 1374389576: the float32 step is what TFLite's MUL prepare does.)
	m, s, err := Float32Multiplier(fixedpoint.DoubleRounding, 0.1, 0.1, 1)
	if err != nil || m != 1374389632 || s != -6 {
		t.Errorf("Float32Multiplier(0.1, 0.1, 1) = (%d, %d, %v), want (1374389632, -6)", m, s, err)
	}
	if m, s, _ := RequantizeMultiplier(fixedpoint.DoubleRounding, 0.5, 0.25); m != 1<<30 || s != 2 {
		t.Errorf("RequantizeMultiplier(0.5, 0.25) = (%d, %d), want (2^30, 2)", m, s)
	}
}

func TestConvolutionMultiplier(t *testing.T) {
	m, s, err := ConvolutionMultiplier(fixedpoint.DoubleRounding, 0.5, 0.25, 0.5, 0.125)
	if err != nil || m != 1<<30 || s != -1 {
		t.Errorf("ConvolutionMultiplier = (%d, %d, %v), want (2^30, -1)", m, s, err)
	}
	// |0.125 - 0.2| / 0.5 = 0.15 > 0.02.
	if _, _, err := ConvolutionMultiplier(fixedpoint.DoubleRounding, 0.5, 0.25, 0.5, 0.2); err == nil {
		t.Error("a mismatched bias scale gave no error")
	}
}

func TestAddSubParams(t *testing.T) {
	// Input scales 0.5 and 0.25 (twice the larger is 1): input multipliers
	// 0.5 = (2^30, 0) and 0.25 = (2^30, -1); output 1 / (2^20 * 1) = (2^30, -19).
	p, err := NewAddSubParams(fixedpoint.DoubleRounding, ir.Int8, 0.5, 0, 0.25, 10, 1, -5)
	if err != nil {
		t.Fatal(err)
	}
	if p.LeftShift != 20 || p.Input1Multiplier != 1<<30 || p.Input1Shift != 0 ||
		p.Input2Multiplier != 1<<30 || p.Input2Shift != -1 || p.OutputMultiplier != 1<<30 || p.OutputShift != -19 ||
		p.Input1Offset != 0 || p.Input2Offset != -10 || p.OutputOffset != -5 {
		t.Fatalf("params = %+v", p)
	}
	tests := []struct {
		a, b     int32
		add, sub int32
	}{
		{4, 10, -3, -3},  // 2 + 0 = 2; 2 - 0 = 2
		{3, 13, -3, -4},  // 1.5 + 0.75 = 2.25 -> 2; 1.5 - 0.75 = 0.75 -> 1
		{1, 14, -3, -6},  // 0.5 + 1 = 1.5 -> 2; 0.5 - 1 = -0.5 -> -1 (away from zero)
		{-7, 10, -9, -9}, // -3.5 -> -4 either way
	}
	for _, tc := range tests {
		if got := p.Add(tc.a, tc.b); got != tc.add {
			t.Errorf("Add(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.add)
		}
		if got := p.Sub(tc.a, tc.b); got != tc.sub {
			t.Errorf("Sub(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.sub)
		}
	}
	// Single rounding rounds -0.5 up: (-2^19 * 2^30 + 2^49) >> 50 = 0.
	ps, err := NewAddSubParams(fixedpoint.SingleRounding, ir.Int8, 0.5, 0, 0.25, 10, 1, -5)
	if err != nil {
		t.Fatal(err)
	}
	if got := ps.Sub(1, 14); got != -5 {
		t.Errorf("single-rounding Sub(1, 14) = %d, want -5", got)
	}
	if p16, err := NewAddSubParams(fixedpoint.DoubleRounding, ir.Int16, 1.0/32768, 0, 1.0/32768, 0, 1.0/16384, 0); err != nil || p16.LeftShift != 15 {
		t.Errorf("int16: %+v, %v", p16, err)
	}
	// Output scale 2^-21 against input scales 1: the output multiplier is
	// 2 / (2^20 * 2^-21) = 4 = (2^30, 3). 1 + 0: (1 << 20) * 0.5 = 2^19, then
	// 2^19 << 3 times 0.5 = 2^21, which is 1 / 2^-21.
	narrow, err := NewAddSubParams(fixedpoint.DoubleRounding, ir.Int8, 1, 0, 1, 0, 1.0/(1<<21), 0)
	if err != nil || narrow.OutputMultiplier != 1<<30 || narrow.OutputShift != 3 {
		t.Errorf("narrow output: %+v, %v", narrow, err)
	} else if got := narrow.Add(1, 0); got != 1<<21 {
		t.Errorf("narrow output Add(1, 0) = %d, want 2^21", got)
	}
	if _, err := NewAddSubParams(fixedpoint.DoubleRounding, ir.Float32, 1, 0, 1, 0, 1, 0); err == nil {
		t.Error("float32 gave no error")
	}
}

func TestQuantRange(t *testing.T) {
	for dt, want := range map[ir.DataType][2]int32{ir.Int8: {-128, 127}, ir.Uint8: {0, 255}, ir.Int16: {-32768, 32767}} {
		if lo, hi, err := QuantRange(dt); err != nil || lo != want[0] || hi != want[1] {
			t.Errorf("QuantRange(%v) = (%d, %d, %v)", dt, lo, hi, err)
		}
	}
	if _, _, err := QuantRange(ir.Int32); err == nil {
		t.Error("QuantRange(int32) gave no error")
	}
}

func TestSymmetricQuantizeFloats(t *testing.T) {
	// max|v| = 1.27: 127/1.27f rounds to 100 in float32, so q = round(100 v).
	dst := make([]int8, 4)
	scale := SymmetricQuantizeFloats([]float32{0.5, -1.27, 0.01, 0.005}, dst)
	want := []int8{50, -127, 1, 1} // 0.005*100 = 0.5 rounds away from zero
	for i := range want {
		if dst[i] != want[i] {
			t.Errorf("q[%d] = %d, want %d", i, dst[i], want[i])
		}
	}
	if scale != float32(1.27)/127 {
		t.Errorf("scale = %v, want 1.27/127", scale)
	}
	dst = []int8{9, 9}
	if scale := SymmetricQuantizeFloats([]float32{0, 0}, dst); scale != 1 || dst[0] != 0 || dst[1] != 0 {
		t.Errorf("zeros: scale %v, %v", scale, dst)
	}
}

func TestAsymmetricQuantizeFloats(t *testing.T) {
	// [-1, 1]: scale 2/255; both ends give zero point -0.5, the max end with
	// the smaller error (127 + 127.5 < 128 + 127.5); -0.5 rounds to -1. The
	// scale as float32 is 0.0078431377 (just above 2/255), so 1/scale is
	// 127.4999925, float32 127.49999237: q(-1) = round(-128.49999) = -128,
	// q(0) = -1, q(1) = round(126.49999) = 126.
	dst := make([]int8, 3)
	scale, offset := AsymmetricQuantizeFloats([]float32{-1, 0, 1}, dst)
	if offset != -1 || scale != float32(2.0/255) || dst[0] != -128 || dst[1] != -1 || dst[2] != 126 {
		t.Errorf("[-1, 0, 1]: scale %v offset %d q %v, want 2/255, -1, [-128 -1 126]", scale, offset, dst)
	}
	// [0, 2.55]: the range starts at 0, so the zero point is -128.
	dst = make([]int8, 2)
	if _, offset := AsymmetricQuantizeFloats([]float32{0, 2.55}, dst); offset != -128 || dst[0] != -128 || dst[1] != 127 {
		t.Errorf("[0, 2.55]: offset %d q %v, want -128 [-128 127]", offset, dst)
	}
	dst = []int8{5}
	if scale, offset := AsymmetricQuantizeFloats([]float32{0}, dst); scale != 1 || offset != 0 || dst[0] != 0 {
		t.Errorf("zero: %v %d %v", scale, offset, dst)
	}
}

func TestInt16ActivationScaling(t *testing.T) {
	tests := []struct {
		in    float32
		tanh  bool
		m     int32
		shift int
		why   string
	}{
		{1.0 / 4096, false, 0, 0, "Q3.12 input: power of two"},
		{1.0 / 4096, true, 0, 0, "Q3.12 input: power of two"},
		{1.0 / 2048, true, 0, 1, "TANH also takes Q4.11 as a power of two"},
		// LOGISTIC does not: 2^-11 * 12288 = 6, doubled 12 times to 24576.
		{1.0 / 2048, false, 24576, 12, "LOGISTIC rescales Q4.11"},
		// 0.001 * 12288 = 12.288, doubled 11 times to 25165.8, truncated.
		{0.001, false, 25165, 11, "general scale"},
		{0.001, true, 25165, 11, "general scale"},
	}
	for _, tc := range tests {
		m, s, err := Int16ActivationScaling(tc.in, 0, 1.0/32768, 0, tc.tanh)
		if err != nil || m != tc.m || s != tc.shift {
			t.Errorf("%s: Int16ActivationScaling(%v, tanh=%v) = (%d, %d, %v), want (%d, %d)", tc.why, tc.in, tc.tanh, m, s, err, tc.m, tc.shift)
		}
	}
	if _, _, err := Int16ActivationScaling(0.001, 0, 1.0/16384, 0, false); err == nil {
		t.Error("output scale 2^-14 gave no error")
	}
	if _, _, err := Int16ActivationScaling(0.001, 1, 1.0/32768, 0, false); err == nil {
		t.Error("a nonzero input zero point gave no error")
	}
}
