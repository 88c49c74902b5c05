package fixedpoint

import (
	"math"
	"math/big"
	"testing"
)

func TestQuantizeMultiplier(t *testing.T) {
	tests := []struct {
		real  float64
		mult  int32
		shift int
		why   string
	}{
		{0, 0, 0, "zero is (0, 0)"},
		{1, 1 << 30, 1, "frexp(1) = 0.5 * 2^1"},
		{0.5, 1 << 30, 0, "0.5 * 2^0"},
		{0.75, 0x60000000, 0, "0.75 * 2^31 = 1610612736"},
		{3, 0x60000000, 2, "0.75 * 2^2"},
		{-0.75, -0x60000000, 0, "negative multipliers keep their sign"},
		{1.0 / 3, 1431655765, -1, "2/3 * 2^31 = 1431655765.33"},
		{math.Ldexp(1, -31), 1 << 30, -30, "2^-31 = 0.5 * 2^-30"},
		{math.Ldexp(1, -32), 1 << 30, -31, "smallest kept shift"},
		{math.Ldexp(1, -33), 0, 0, "shift -32 flushes to zero"},
		{math.Ldexp(1.5, -40), 0, 0, "tiny values flush to zero"},
		{1 - math.Ldexp(1, -31), math.MaxInt32, 0, "(1-2^-31) * 2^31 = 2^31-1 exactly"},
		{1 - math.Ldexp(1, -32), 1 << 30, 1, "2^31-0.5 rounds to 2^31: halved, shift+1"},
		{1 - math.Ldexp(1, -40), 1 << 30, 1, "just below 1 rounds up to 1"},
		{2 - math.Ldexp(1, -40), 1 << 30, 2, "just below 2 rounds up to 2"},
		{math.Ldexp(1, 31), 1 << 30, 32, "double rounding keeps large shifts"},
	}
	for _, tc := range tests {
		m, s, err := QuantizeMultiplier(tc.real)
		if err != nil || m != tc.mult || s != tc.shift {
			t.Errorf("QuantizeMultiplier(%v) = (%d, %d, %v), want (%d, %d) (%s)", tc.real, m, s, err, tc.mult, tc.shift, tc.why)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, _, err := QuantizeMultiplier(bad); err == nil {
			t.Errorf("QuantizeMultiplier(%v) gave no error", bad)
		}
	}
}

func TestQuantizeMultiplierSingleRoundingSaturatesShift(t *testing.T) {
	tests := []struct {
		real  float64
		mult  int32
		shift int
	}{
		{math.Ldexp(1, 29), 1 << 30, 30},       // shift 30 fits
		{math.Ldexp(1, 30), math.MaxInt32, 30}, // shift 31 saturates
		{math.Ldexp(1, 40), math.MaxInt32, 30},
		{0.5, 1 << 30, 0},
	}
	for _, tc := range tests {
		m, s, err := SingleRounding.QuantizeMultiplier(tc.real)
		if err != nil || m != tc.mult || s != tc.shift {
			t.Errorf("SingleRounding.QuantizeMultiplier(%v) = (%d, %d, %v), want (%d, %d)", tc.real, m, s, err, tc.mult, tc.shift)
		}
	}
	if m, s, _ := DoubleRounding.QuantizeMultiplier(math.Ldexp(1, 30)); m != 1<<30 || s != 31 {
		t.Errorf("DoubleRounding.QuantizeMultiplier(2^30) = (%d, %d), want (2^30, 31)", m, s)
	}
}

func TestQuantizeMultiplierRangeChecks(t *testing.T) {
	if m, s, err := QuantizeMultiplierSmallerThanOneExp(0.5); err != nil || m != 1<<30 || s != 0 {
		t.Errorf("QuantizeMultiplierSmallerThanOneExp(0.5) = (%d, %d, %v)", m, s, err)
	}
	if m, s, err := QuantizeMultiplierSmallerThanOneExp(0.001); err != nil || s > 0 || m < 1<<30 {
		t.Errorf("QuantizeMultiplierSmallerThanOneExp(0.001) = (%d, %d, %v)", m, s, err)
	}
	for _, bad := range []float64{0, 1, 1.5, -0.5, math.NaN()} {
		if _, _, err := QuantizeMultiplierSmallerThanOneExp(bad); err == nil {
			t.Errorf("QuantizeMultiplierSmallerThanOneExp(%v) gave no error", bad)
		}
	}
	if m, s, err := QuantizeMultiplierGreaterThanOne(1.5); err != nil || m != 0x60000000 || s != 1 {
		t.Errorf("QuantizeMultiplierGreaterThanOne(1.5) = (%d, %d, %v)", m, s, err)
	}
	for _, bad := range []float64{1, 0.5, 0, math.NaN()} {
		if _, _, err := QuantizeMultiplierGreaterThanOne(bad); err == nil {
			t.Errorf("QuantizeMultiplierGreaterThanOne(%v) gave no error", bad)
		}
	}
}

// Round-tripping: the quantized multiplier represents the real within half a
// unit of its 31-bit significand.
func TestQuantizeMultiplierRepresentsReal(t *testing.T) {
	for _, real := range []float64{1e-9, 3.3e-5, 0.0123, 0.4999999, 0.7071, 0.999, 1.5, 17.25, 1234.5678} {
		m, s, err := QuantizeMultiplier(real)
		if err != nil {
			t.Fatal(err)
		}
		got := float64(m) * math.Ldexp(1, s-31)
		if tol := math.Ldexp(1, s-32); math.Abs(got-real) > tol {
			t.Errorf("QuantizeMultiplier(%v) represents %v, off by more than %v", real, got, tol)
		}
	}
}

func TestMultiplyByQuantizedMultiplier(t *testing.T) {
	const half = 1 << 30 // 0.5
	tests := []struct {
		x, m           int32
		shift          int
		double, single int32
		why            string
	}{
		{100, half, 0, 50, 50, "100*0.5"},
		{101, half, 0, 51, 51, "50.5 rounds up in both"},
		{-101, half, 0, -50, -50, "-50.5 rounds up in both"},
		// 101*0.5/2 = 25.25. Double: 50.5 -> 51, then 25.5 -> 26.
		// Single: (101*2^30 + 2^31) >> 32 = floor(25.75) = 25.
		{101, half, -1, 26, 25, "double rounding rounds twice"},
		// -3*0.5/2 = -0.75. Double: -1.5 -> -1, then -0.5 -> -1 (away).
		// Single: (-3*2^30 + 2^31) >> 32 = floor(-0.25) = -1.
		{-3, half, -1, -1, -1, "negative tie in the second rounding"},
		// -0.25. Double: -0.5 -> 0, then 0. Single: floor(0.25) = 0.
		{-1, half, -1, 0, 0, "small negative"},
		{3, half, 2, 6, 6, "left shift: 3*4*0.5"},
		{1, half, 30, 1 << 29, 1 << 29, "largest single-rounding shift"},
		// (2^31-1)^2/2^31/2^31 = 0.99999: both give 1.
		{math.MaxInt32, math.MaxInt32, -31, 1, 1, "smallest shift"},
		// -2^31 * 0.5 / 2^31 = -0.5: double rounds away (-1), single up (0).
		{math.MinInt32, half, -31, -1, 0, "negative tie at the smallest shift"},
		{0, math.MaxInt32, -5, 0, 0, "zero"},
	}
	for _, tc := range tests {
		if got := MultiplyByQuantizedMultiplier(tc.x, tc.m, tc.shift); got != tc.double {
			t.Errorf("MultiplyByQuantizedMultiplier(%d, %d, %d) = %d, want %d (%s)", tc.x, tc.m, tc.shift, got, tc.double, tc.why)
		}
		if got := DoubleRounding.MultiplyByQuantizedMultiplier(tc.x, tc.m, tc.shift); got != tc.double {
			t.Errorf("DoubleRounding.MultiplyByQuantizedMultiplier(%d, %d, %d) = %d, want %d", tc.x, tc.m, tc.shift, got, tc.double)
		}
		if got := SingleRounding.MultiplyByQuantizedMultiplier(tc.x, tc.m, tc.shift); got != tc.single {
			t.Errorf("SingleRounding.MultiplyByQuantizedMultiplier(%d, %d, %d) = %d, want %d (%s)", tc.x, tc.m, tc.shift, got, tc.single, tc.why)
		}
	}
	// Saturation inside the doubling multiply.
	if got := MultiplyByQuantizedMultiplier(math.MinInt32, math.MinInt32, 0); got != math.MaxInt32 {
		t.Errorf("MultiplyByQuantizedMultiplier(min, min, 0) = %d, want MaxInt32", got)
	}
}

// Single rounding is exact rounding, ties up, of the real product: checked in
// exact rational arithmetic.
func TestSingleRoundingIsCorrectlyRounded(t *testing.T) {
	half := big.NewRat(1, 2)
	for _, x := range sampleInt32s() {
		for _, m := range []int32{1 << 30, 1518500250, math.MaxInt32} {
			for _, shift := range []int{-31, -20, -9, -1, 0} {
				if shift == 0 && (x > 1<<30 || x < -(1<<30)) {
					continue // the product leaves the int32 range
				}
				got := MultiplyByQuantizedMultiplierSingleRounding(x, m, shift)
				real := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(int64(x)), big.NewInt(int64(m))),
					new(big.Int).Lsh(big.NewInt(1), uint(31-shift)))
				diff := new(big.Rat).Sub(big.NewRat(int64(got), 1), real)
				if diff.Cmp(half) > 0 || diff.Cmp(new(big.Rat).Neg(half)) <= 0 {
					t.Fatalf("single(%d, %d, %d) = %d, real %v", x, m, shift, got, real.FloatString(3))
				}
			}
		}
	}
}

func TestMultiplyByQuantizedMultiplierInt64(t *testing.T) {
	tests := []struct {
		x     int64
		m     int32
		shift int
		want  int32
		why   string
	}{
		// reduced = 2^14; (2^40*2^14 + 2^24) >> 25 = 2^29.
		{1 << 40, 1 << 30, -10, 1 << 29, "2^40 * 0.5 / 2^10"},
		// reduced = 0x7FFF; (3*32767 + 2^14) >> 15 = floor(3.4999) = 3.
		{3, math.MaxInt32, 0, 3, "multiplier near 1 is capped to 0x7FFF"},
		// reduced = (0x40008000 + 0x8000) >> 16 = 0x4001: the Q15 rounding tie goes up.
		{1 << 20, 0x40008000, 0, 0x4001 << 5, "multiplier rounded to Q15"},
		// (-3*2^14 + 2^14) >> 15 = -1: -1.5 rounds up.
		{-3, 1 << 30, 0, -1, "negative tie rounds up"},
		// (-2^47*2^14 + 2^45) >> 46 = floor(-32767.5) = -32768.
		{-(1 << 47), 1 << 30, -31, -32768, "smallest input, smallest shift"},
		// (2^46*2^14 + 2^30) >> 31 = 2^29.
		{1 << 46, 1 << 30, -16, 1 << 29, "large accumulator"},
	}
	for _, tc := range tests {
		if got := MultiplyByQuantizedMultiplierInt64(tc.x, tc.m, tc.shift); got != tc.want {
			t.Errorf("MultiplyByQuantizedMultiplierInt64(%d, %d, %d) = %d, want %d (%s)", tc.x, tc.m, tc.shift, got, tc.want, tc.why)
		}
	}
}

func TestMultiplyByQuantizedMultiplierExpVariants(t *testing.T) {
	const half = 1 << 30
	// SmallerThanOne with leftShift -1 is the general multiply with shift -1.
	if got := MultiplyByQuantizedMultiplierSmallerThanOneExp(101, half, -1); got != 26 {
		t.Errorf("SmallerThanOneExp(101, 0.5, -1) = %d, want 26", got)
	}
	if got := SingleRounding.MultiplyByQuantizedMultiplierSmallerThanOneExp(101, half, -1); got != 25 {
		t.Errorf("single SmallerThanOneExp(101, 0.5, -1) = %d, want 25", got)
	}
	// GreaterThanOne: 3 << 2 = 12, times 0.5 = 6.
	if got := MultiplyByQuantizedMultiplierGreaterThanOne(3, half, 2); got != 6 {
		t.Errorf("GreaterThanOne(3, 0.5, 2) = %d, want 6", got)
	}
	// 5 * 0.75 * 2 = 7.5: double rounds the doubling product up to 8; single too.
	if got := DoubleRounding.MultiplyByQuantizedMultiplierGreaterThanOne(5, 0x60000000, 1); got != 8 {
		t.Errorf("GreaterThanOne(5, 0.75, 1) = %d, want 8", got)
	}
	if got := SingleRounding.MultiplyByQuantizedMultiplierGreaterThanOne(5, 0x60000000, 1); got != 8 {
		t.Errorf("single GreaterThanOne(5, 0.75, 1) = %d, want 8", got)
	}
}

func TestPreprocessSoftmaxScaling(t *testing.T) {
	// beta * scale * 2^(31-5) = 2^-4 * 2^26 = 2^22 = 0.5 * 2^23.
	m, s, err := PreprocessSoftmaxScaling(1, 1.0/16, 5)
	if err != nil || m != 1<<30 || s != 23 {
		t.Errorf("PreprocessSoftmaxScaling(1, 1/16, 5) = (%d, %d, %v), want (2^30, 23)", m, s, err)
	}
	// 64 * 2^26 = 2^32 is capped at 2^31-1 = (1-2^-31) * 2^31.
	if m, s, _ := PreprocessSoftmaxScaling(1, 64, 5); m != math.MaxInt32 || s != 31 {
		t.Errorf("capped double = (%d, %d), want (MaxInt32, 31)", m, s)
	}
	// Single rounding caps at 2^30-1 = (1-2^-30) * 2^30: significand 2^31-2.
	if m, s, _ := SingleRounding.PreprocessSoftmaxScaling(1, 64, 5); m != math.MaxInt32-1 || s != 30 {
		t.Errorf("capped single = (%d, %d), want (MaxInt32-1, 30)", m, s)
	}
	// 2^-27 * 2^26 = 0.5 is not above one.
	if _, _, err := PreprocessSoftmaxScaling(1, math.Ldexp(1, -27), 5); err == nil {
		t.Error("PreprocessSoftmaxScaling with a real multiplier of 0.5 gave no error")
	}
	// Reverse scaling: 2^(31-23) / 2^30 = 2^-22 = 0.5 * 2^-21.
	m, s, rd, rs, err := PreprocessLogSoftmaxScalingExp(1, 1.0/16, 5)
	if err != nil || m != 1<<30 || s != 23 || rd != 1<<30 || rs != -21 {
		t.Errorf("PreprocessLogSoftmaxScalingExp(1, 1/16, 5) = (%d, %d, %d, %d, %v), want (2^30, 23, 2^30, -21)", m, s, rd, rs, err)
	}
}

func TestCalculateInputRadius(t *testing.T) {
	tests := []struct{ intBits, leftShift, totalBits, want int }{
		{5, 23, 31, 248},  // 31 * 2^26 / 2^23
		{5, 27, 31, 15},   // 31 * 2^26 / 2^27 = 15.5, floored
		{4, 0, 15, 30720}, // 15 * 2^11
		{4, 11, 15, 15},   // 15 * 2^11 / 2^11
		{5, 31, 31, 0},    // 31 / 32
	}
	for _, tc := range tests {
		if got := CalculateInputRadius(tc.intBits, tc.leftShift, tc.totalBits); got != tc.want {
			t.Errorf("CalculateInputRadius(%d, %d, %d) = %d, want %d", tc.intBits, tc.leftShift, tc.totalBits, got, tc.want)
		}
	}
}

func TestCheckedLog2(t *testing.T) {
	tests := []struct {
		x    float32
		log2 int
		ok   bool
	}{
		{1, 0, true}, {0.25, -2, true}, {1.0 / 32768, -15, true}, {4096, 12, true},
		{0.3, -2, false},
		{1 + 1.0/1024, 0, false}, // log2 = 0.0014
		{1 + 1.0/2048, 0, true},  // log2 = 0.0007
		{0, 0, false}, {-1, 0, false},
	}
	for _, tc := range tests {
		l, ok := CheckedLog2(tc.x)
		if ok != tc.ok || l != tc.log2 {
			t.Errorf("CheckedLog2(%v) = (%d, %v), want (%d, %v)", tc.x, l, ok, tc.log2, tc.ok)
		}
	}
}

func TestRoundingString(t *testing.T) {
	if DoubleRounding.String() != "double" || SingleRounding.String() != "single" {
		t.Error("Rounding names changed")
	}
}

// Shifts outside TFLite's domain give meaningless numbers, as in TFLite, but
// must not stop the program.
func TestOutOfRangeShiftsDoNotPanic(t *testing.T) {
	_ = MultiplyByQuantizedMultiplierSingleRounding(5, 1<<30, 40)
	_ = MultiplyByQuantizedMultiplierInt64(5, 1<<30, 20)
	_ = MultiplyByQuantizedMultiplierSmallerThanOneExp(5, 1<<30, 3)
	_ = MultiplyByQuantizedMultiplier(5, 1<<30, 40)
	_ = MultiplyByQuantizedMultiplier(5, 1<<30, -40)
	_ = SaturatingRoundingMultiplyByPOT(5, 40)
	_ = RoundingDivideByPOT(5, -1)
	_ = RoundingDivideByPOT16(5, -1)
}
