package fixedpoint

import (
	"math"
	"testing"
)

func TestSaturatingRoundingDoublingHighMul(t *testing.T) {
	const half = 1 << 30 // 0.5 in Q0.31
	tests := []struct {
		a, b, want int32
		why        string
	}{
		{math.MinInt32, math.MinInt32, math.MaxInt32, "(-1)*(-1) = 1 saturates"},
		// (2^31-1)^2 / 2^31 = 2^31 - 2 + (1 + 2^30)/2^31, below 2^31-1.5.
		{math.MaxInt32, math.MaxInt32, math.MaxInt32 - 1, "largest product"},
		{math.MinInt32, math.MaxInt32, -math.MaxInt32, "-1 * (1-2^-31)"},
		{half, half, 1 << 29, "0.5*0.5 = 0.25 exactly"},
		{1, half, 1, "+0.5 rounds up"},
		{-1, half, 0, "-0.5 rounds up (toward +inf), as VQRDMULH"},
		{3, half, 2, "1.5 rounds up"},
		{-3, half, -1, "-1.5 rounds up"},
		{-5, half, -2, "-2.5 rounds up"},
		{7, 1 << 29, 2, "7/4 = 1.75"},
		{-7, 1 << 29, -2, "-7/4 = -1.75"},
		{0, math.MinInt32, 0, "zero"},
	}
	for _, tc := range tests {
		if got := SaturatingRoundingDoublingHighMul(tc.a, tc.b); got != tc.want {
			t.Errorf("SaturatingRoundingDoublingHighMul(%d, %d) = %d, want %d (%s)", tc.a, tc.b, got, tc.want, tc.why)
		}
	}
}

func TestSaturatingRoundingDoublingHighMul16(t *testing.T) {
	tests := []struct{ a, b, want int16 }{
		{math.MinInt16, math.MinInt16, math.MaxInt16},
		{math.MaxInt16, math.MaxInt16, math.MaxInt16 - 1}, // (2^15-1)^2/2^15 = 32766.00003
		{1, 1 << 14, 1},
		{-1, 1 << 14, 0},
		{-3, 1 << 14, -1},
		{1 << 14, 1 << 14, 1 << 13},
	}
	for _, tc := range tests {
		if got := SaturatingRoundingDoublingHighMul16(tc.a, tc.b); got != tc.want {
			t.Errorf("SaturatingRoundingDoublingHighMul16(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestSaturatingDoublingHighMul16(t *testing.T) {
	tests := []struct{ a, b, want int16 }{
		{math.MinInt16, math.MinInt16, math.MaxInt16},
		{1, 1 << 14, 0},   // 0.5 truncates to 0
		{3, 1 << 14, 1},   // 1.5 truncates to 1
		{-3, 1 << 14, -1}, // -1.5 truncates toward zero
		{1 << 14, 1 << 14, 1 << 13},
	}
	for _, tc := range tests {
		if got := SaturatingDoublingHighMul16(tc.a, tc.b); got != tc.want {
			t.Errorf("SaturatingDoublingHighMul16(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestRoundingDivideByPOT(t *testing.T) {
	tests := []struct {
		x        int32
		exponent int
		want     int32
	}{
		{5, 1, 3}, {-5, 1, -3}, // ±2.5: ties away from zero
		{3, 1, 2}, {-3, 1, -2}, // ±1.5
		{-4, 1, -2}, {4, 1, 2},
		{6, 2, 2}, {-6, 2, -2}, // ±1.5
		{7, 2, 2}, {-7, 2, -2}, // ±1.75
		{5, 2, 1}, {-5, 2, -1}, // ±1.25
		{-1, 1, -1}, {1, 1, 1}, // ±0.5
		{12345, 0, 12345}, {-12345, 0, -12345},
		{math.MaxInt32, 31, 1},  // 0.99999...
		{math.MinInt32, 31, -1}, // exactly -1
		{1 << 30, 31, 1},        // +0.5
		{-(1 << 30), 31, -1},    // -0.5
		{1<<30 - 1, 31, 0},      // just below 0.5
		{-(1 << 30) + 1, 31, 0}, // just above -0.5
		{math.MinInt32, 1, -(1 << 30)},
		{math.MaxInt32, 1, 1 << 30}, // 2^30 - 0.5 rounds up
	}
	for _, tc := range tests {
		if got := RoundingDivideByPOT(tc.x, tc.exponent); got != tc.want {
			t.Errorf("RoundingDivideByPOT(%d, %d) = %d, want %d", tc.x, tc.exponent, got, tc.want)
		}
	}
	tests16 := []struct {
		x        int16
		exponent int
		want     int16
	}{
		{-5, 1, -3}, {5, 1, 3}, {-3, 1, -2},
		{math.MaxInt16, 15, 1}, {math.MinInt16, 15, -1}, {-(1 << 14), 15, -1}, {1<<14 - 1, 15, 0},
	}
	for _, tc := range tests16 {
		if got := RoundingDivideByPOT16(tc.x, tc.exponent); got != tc.want {
			t.Errorf("RoundingDivideByPOT16(%d, %d) = %d, want %d", tc.x, tc.exponent, got, tc.want)
		}
	}
}

// A property independent of the bit tricks: the result is the real quotient
// rounded to nearest with ties away from zero.
func TestRoundingDivideByPOTMatchesRealRounding(t *testing.T) {
	for _, x := range sampleInt32s() {
		for e := 0; e <= 31; e += 3 {
			want := int32(math.Round(float64(x) / math.Ldexp(1, e)))
			if got := RoundingDivideByPOT(x, e); got != want {
				t.Fatalf("RoundingDivideByPOT(%d, %d) = %d, want %d", x, e, got, want)
			}
		}
	}
}

func TestSaturatingRoundingMultiplyByPOT(t *testing.T) {
	tests := []struct {
		x        int32
		exponent int
		want     int32
	}{
		{1 << 29, 1, 1 << 30},
		{1 << 30, 1, math.MaxInt32},         // 2^31 overflows: saturate
		{1<<30 - 1, 1, 1<<31 - 2},           // largest that fits
		{-(1 << 30) + 1, 1, -(1 << 31) + 2}, // smallest that is not clamped
		{-(1 << 30), 1, math.MinInt32},      // clamped (the value happens to fit)
		{math.MinInt32, 1, math.MinInt32},
		{1, 31, math.MaxInt32}, // threshold is 0
		{-1, 31, math.MinInt32},
		{0, 31, 0},
		{3, 30, math.MaxInt32},
		{1, 30, 1 << 30},
		{-1, 30, -(1 << 30)},
		{5, -1, 3}, {-5, -1, -3}, // negative exponents round
		{-7, -2, -2},
		{12345, 0, 12345},
	}
	for _, tc := range tests {
		if got := SaturatingRoundingMultiplyByPOT(tc.x, tc.exponent); got != tc.want {
			t.Errorf("SaturatingRoundingMultiplyByPOT(%d, %d) = %d, want %d", tc.x, tc.exponent, got, tc.want)
		}
	}
	tests16 := []struct {
		x        int16
		exponent int
		want     int16
	}{
		{1 << 13, 1, 1 << 14}, {1 << 14, 1, math.MaxInt16}, {-(1 << 14), 1, math.MinInt16},
		{1, 15, math.MaxInt16}, {-1, 15, math.MinInt16}, {-5, -1, -3},
	}
	for _, tc := range tests16 {
		if got := SaturatingRoundingMultiplyByPOT16(tc.x, tc.exponent); got != tc.want {
			t.Errorf("SaturatingRoundingMultiplyByPOT16(%d, %d) = %d, want %d", tc.x, tc.exponent, got, tc.want)
		}
	}
}

func TestSaturatingLeftShift16(t *testing.T) {
	tests := []struct {
		x      int16
		amount int
		want   int16
	}{
		{1000, 5, 32000}, {1000, 6, math.MaxInt16}, {-1000, 6, math.MinInt16},
		{-1024, 5, math.MinInt16}, {1, 0, 1}, {-1, 15, math.MinInt16}, {1, 15, math.MaxInt16},
	}
	for _, tc := range tests {
		if got := SaturatingLeftShift16(tc.x, tc.amount); got != tc.want {
			t.Errorf("SaturatingLeftShift16(%d, %d) = %d, want %d", tc.x, tc.amount, got, tc.want)
		}
	}
}

func TestSaturatingAddSub(t *testing.T) {
	if got := SaturatingAdd(math.MaxInt32, 1); got != math.MaxInt32 {
		t.Errorf("SaturatingAdd(max, 1) = %d", got)
	}
	if got := SaturatingAdd(math.MinInt32, -1); got != math.MinInt32 {
		t.Errorf("SaturatingAdd(min, -1) = %d", got)
	}
	if got := SaturatingAdd(5, -7); got != -2 {
		t.Errorf("SaturatingAdd(5, -7) = %d", got)
	}
	if got := SaturatingSub(math.MinInt32, 1); got != math.MinInt32 {
		t.Errorf("SaturatingSub(min, 1) = %d", got)
	}
	if got := SaturatingSub(math.MaxInt32, -1); got != math.MaxInt32 {
		t.Errorf("SaturatingSub(max, -1) = %d", got)
	}
	if got := SaturatingSub(0, math.MinInt32); got != math.MaxInt32 {
		t.Errorf("SaturatingSub(0, min) = %d", got)
	}
	if got := SaturatingAdd16(32000, 1000); got != math.MaxInt16 {
		t.Errorf("SaturatingAdd16(32000, 1000) = %d", got)
	}
	if got := SaturatingSub16(-32000, 1000); got != math.MinInt16 {
		t.Errorf("SaturatingSub16(-32000, 1000) = %d", got)
	}
	if got := SaturatingSub16(-3, 4); got != -7 {
		t.Errorf("SaturatingSub16(-3, 4) = %d", got)
	}
}

func TestRoundingHalfSum(t *testing.T) {
	tests := []struct{ a, b, want int32 }{
		{1, 2, 2},    // 1.5 away from zero
		{-1, -2, -2}, // -1.5 away from zero
		{1, -2, -1},  // -0.5
		{-1, 2, 1},   // 0.5
		{4, 6, 5},
		{math.MaxInt32, math.MaxInt32, math.MaxInt32},
		{math.MinInt32, math.MinInt32, math.MinInt32},
		{math.MaxInt32, math.MinInt32, -1}, // -0.5
	}
	for _, tc := range tests {
		if got := RoundingHalfSum(tc.a, tc.b); got != tc.want {
			t.Errorf("RoundingHalfSum(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := RoundingHalfSum16(math.MaxInt16, math.MaxInt16); got != math.MaxInt16 {
		t.Errorf("RoundingHalfSum16(max, max) = %d", got)
	}
	if got := RoundingHalfSum16(-1, -2); got != -2 {
		t.Errorf("RoundingHalfSum16(-1, -2) = %d", got)
	}
}

func TestCountLeadingBits(t *testing.T) {
	signBits := map[int32]int{0: 31, -1: 31, 1: 30, -2: 30, math.MaxInt32: 0, math.MinInt32: 0, 1 << 29: 1, -(1 << 29): 2, -(1 << 29) - 1: 1}
	for x, want := range signBits {
		if got := CountLeadingSignBits32(x); got != want {
			t.Errorf("CountLeadingSignBits32(%d) = %d, want %d", x, got, want)
		}
	}
	if CountLeadingZeros32(0) != 32 || CountLeadingZeros32(1) != 31 || CountLeadingZeros32(1<<31) != 0 {
		t.Error("CountLeadingZeros32 wrong at 0, 1 or 2^31")
	}
}

func TestDownScaleInt32ToInt16Multiplier(t *testing.T) {
	tests := []struct {
		m    int32
		want int16
	}{
		{1 << 30, 1 << 14},
		{3 << 15, 2},                   // 1.5 rounds up
		{1<<15 - 1, 0},                 // just below 0.5
		{math.MaxInt32, math.MaxInt16}, // would round to 2^15
		{math.MaxInt32 - 1<<15, math.MaxInt16},
		{math.MaxInt32 - 1<<15 - 1, math.MaxInt16}, // rounds to 32767.99 -> 32767
		{0, 0},
	}
	for _, tc := range tests {
		if got := DownScaleInt32ToInt16Multiplier(tc.m); got != tc.want {
			t.Errorf("DownScaleInt32ToInt16Multiplier(%d) = %d, want %d", tc.m, got, tc.want)
		}
	}
}

// sampleInt32s is gemmlowp's test set: powers of two and their neighbours,
// the extremes, and 1000 values of the Numerical Recipes LCG.
func sampleInt32s() []int32 {
	var vals []int32
	for i := range 31 {
		p := int32(1) << i
		for d := int32(-2); d <= 2; d++ {
			vals = append(vals, p+d, -p+d)
		}
	}
	vals = append(vals, math.MinInt32, math.MinInt32+1, math.MinInt32+2, math.MaxInt32-2, math.MaxInt32-1, math.MaxInt32)
	r := uint32(1)
	for range 1000 {
		r = r*1664525 + 1013904223
		vals = append(vals, int32(r))
	}
	return vals
}
