package fixedpoint

import (
	"math"
	"math/bits"
)

// Overflow in these functions wraps exactly as the C++ reference does on
// every compiler TFLite is built with; Go defines int32 arithmetic as
// wrapping, so writing the same expression reproduces it bit for bit.

// SaturatingRoundingDoublingHighMul returns a*b / 2^31 rounded to nearest with
// ties rounded up (toward +inf: 0.5 gives 1, -0.5 gives 0), and saturates the
// one overflowing case MinInt32*MinInt32 to MaxInt32. It is gemmlowp's
// function of the same name and ARM's VQRDMULH.
func SaturatingRoundingDoublingHighMul(a, b int32) int32 {
	ab := int64(a) * int64(b)
	// The nudge is 2^30, or 1-2^30 for a negative product, chosen without a
	// branch: the product's sign is data, and mispredicting it is costly.
	nudge := 1<<30 - (ab>>63)&(1<<31-1)
	// Go's division truncates toward zero, as C++'s does. Only
	// MinInt32*MinInt32 reaches 2^31; it saturates.
	return int32(min((ab+nudge)/(1<<31), math.MaxInt32))
}

// SaturatingRoundingDoublingHighMul16 is the int16 form: a*b / 2^15 rounded
// the same way, with MinInt16*MinInt16 saturated to MaxInt16.
func SaturatingRoundingDoublingHighMul16(a, b int16) int16 {
	if a == b && a == math.MinInt16 {
		return math.MaxInt16
	}
	ab := int32(a) * int32(b)
	nudge := int32(1 << 14)
	if ab < 0 {
		nudge = 1 - (1 << 14)
	}
	return int16((ab + nudge) / (1 << 15))
}

// SaturatingDoublingHighMul16 is SaturatingRoundingDoublingHighMul16 without
// the rounding: the product is truncated toward zero (ARM's SQDMULH). TFLite's
// HARD_SWISH uses it to cancel the bias of the rounding variant.
func SaturatingDoublingHighMul16(a, b int16) int16 {
	if a == b && a == math.MinInt16 {
		return math.MaxInt16
	}
	return int16(int32(a) * int32(b) / (1 << 15))
}

// RoundingDivideByPOT returns x / 2^exponent rounded to nearest, ties away from
// zero (gemmlowp's rounding arithmetic right shift): RoundingDivideByPOT(5, 1)
// is 3 and RoundingDivideByPOT(-5, 1) is -3. exponent must be in [0, 31].
func RoundingDivideByPOT(x int32, exponent int) int32 {
	// Written out for int32, branch-free, to inline into kernels' inner
	// loops. The threshold is mask/2, plus one for negative x so that ties go
	// away from zero; threshold - remainder is negative exactly when the
	// quotient rounds up. Unsigned shift counts make an exponent out of range
	// give a meaningless result (as in TFLite) instead of a run-time panic.
	mask := int32(1)<<uint(exponent) - 1
	return x>>uint(exponent) - (mask>>1+int32(uint32(x)>>31)-x&mask)>>31
}

// RoundingDivideByPOT16 is the int16 form; exponent must be in [0, 15].
func RoundingDivideByPOT16(x int16, exponent int) int16 {
	return roundingDivideByPOT(x, exponent)
}

// SaturatingRoundingMultiplyByPOT returns x * 2^exponent: for exponent > 0 a
// left shift that saturates to [MinInt32, MaxInt32], for exponent < 0
// RoundingDivideByPOT(x, -exponent). It covers both gemmlowp's compile-time
// SaturatingRoundingMultiplyByPOT<E> and TFLite's
// SaturatingRoundingMultiplyByPOTParam. exponent must be in [-31, 31].
func SaturatingRoundingMultiplyByPOT(x int32, exponent int) int32 {
	return saturatingRoundingMultiplyByPOT(x, exponent)
}

// SaturatingRoundingMultiplyByPOT16 is the int16 form; exponent must be in
// [-15, 15].
func SaturatingRoundingMultiplyByPOT16(x int16, exponent int) int16 {
	return saturatingRoundingMultiplyByPOT(x, exponent)
}

// SaturatingLeftShift16 returns x * 2^amount clamped to the int16 range, as
// TFLite's HARD_SWISH does. amount must be in [0, 30].
func SaturatingLeftShift16(x int16, amount int) int16 {
	return int16(clamp64(int64(x)*(int64(1)<<amount), math.MinInt16, math.MaxInt16))
}

// SaturatingAdd returns a+b clamped to the int32 range (TFLite's
// SaturatingAddNonGemmlowp).
func SaturatingAdd(a, b int32) int32 {
	return int32(clamp64(int64(a)+int64(b), math.MinInt32, math.MaxInt32))
}

// SaturatingSub returns a-b clamped to the int32 range.
func SaturatingSub(a, b int32) int32 {
	return int32(clamp64(int64(a)-int64(b), math.MinInt32, math.MaxInt32))
}

// SaturatingAdd16 returns a+b clamped to the int16 range.
func SaturatingAdd16(a, b int16) int16 {
	return int16(clamp64(int64(a)+int64(b), math.MinInt16, math.MaxInt16))
}

// SaturatingSub16 returns a-b clamped to the int16 range.
func SaturatingSub16(a, b int16) int16 {
	return int16(clamp64(int64(a)-int64(b), math.MinInt16, math.MaxInt16))
}

// RoundingHalfSum returns (a+b)/2 rounded to nearest, ties away from zero
// (ARM's VRHADD as gemmlowp defines it), without overflow.
func RoundingHalfSum(a, b int32) int32 { return roundingHalfSum(a, b) }

// RoundingHalfSum16 is the int16 form.
func RoundingHalfSum16(a, b int16) int16 { return roundingHalfSum(a, b) }

// CountLeadingZeros32 returns the number of leading zero bits of x (32 for 0).
func CountLeadingZeros32(x uint32) int { return bits.LeadingZeros32(x) }

// CountLeadingSignBits32 returns how many bits after the sign bit repeat it:
// 31 for 0 and -1, 0 for MinInt32 and MaxInt32.
func CountLeadingSignBits32(x int32) int {
	if x < 0 {
		x = ^x
	}
	return bits.LeadingZeros32(uint32(x)) - 1
}

// DownScaleInt32ToInt16Multiplier rounds a non-negative Q31 multiplier to Q15,
// saturating at MaxInt16 where rounding would overflow (TFLite's HARD_SWISH).
func DownScaleInt32ToInt16Multiplier(m int32) int16 {
	const roundingOffset = 1 << 15
	if m >= math.MaxInt32-roundingOffset {
		return math.MaxInt16
	}
	return int16((m + roundingOffset) >> 16)
}

func clamp64(v, lo, hi int64) int64 {
	return min(max(v, lo), hi)
}

// raw is the storage of a gemmlowp fixed-point value: the transcendental
// functions are written once over it and instantiated for int16 and int32.
type raw interface{ ~int16 | ~int32 }

// totalBits is 16 or 32.
func totalBits[T raw]() int {
	var probe T = 1 << 14
	if probe<<2 == 0 {
		return 16
	}
	return 32
}

func rawMax[T raw]() T {
	// Built at run time: no constant converts to both int16 and int32 maxima.
	return T(1)<<(totalBits[T]()-2) - 1 + T(1)<<(totalBits[T]()-2)
}

func rawMin[T raw]() T { return -rawMax[T]() - 1 }

func srdhm[T raw](a, b T) T {
	if totalBits[T]() == 16 {
		return T(SaturatingRoundingDoublingHighMul16(int16(a), int16(b)))
	}
	return T(SaturatingRoundingDoublingHighMul(int32(a), int32(b)))
}

func roundingDivideByPOT[T raw](x T, exponent int) T {
	e := uint(exponent) // out of range: no panic, see RoundingDivideByPOT
	mask := T((int64(1) << e) - 1)
	remainder := x & mask
	// threshold is mask/2, plus one for negative x so that ties go away from
	// zero; both it and remainder lie in [0, mask], so their difference is
	// negative exactly when the quotient must be rounded up (branch-free).
	threshold := mask>>1 + T(uint32(x)>>31)&1
	if totalBits[T]() == 16 {
		threshold = mask>>1 + T(uint16(x)>>15)
	}
	return x>>e - (threshold-remainder)>>(totalBits[T]()-1)
}

func saturatingRoundingMultiplyByPOT[T raw](x T, exponent int) T {
	switch {
	case exponent == 0:
		return x
	case exponent < 0:
		return roundingDivideByPOT(x, -exponent)
	}
	// Values beyond ±threshold would overflow the shift.
	threshold := T((int64(1) << uint(totalBits[T]()-1-exponent)) - 1)
	switch {
	case x > threshold:
		return rawMax[T]()
	case x < -threshold:
		return rawMin[T]()
	}
	return x * (T(1) << uint(exponent))
}

func roundingHalfSum[T raw](a, b T) T {
	sum := int64(a) + int64(b)
	sign := int64(1)
	if sum < 0 {
		sign = -1
	}
	return T((sum + sign) / 2)
}

// addSaturatingIf16Bit is gemmlowp's AddSaturatingIf16Bit: int16 sums
// saturate, int32 sums wrap.
func addSaturatingIf16Bit[T raw](a, b T) T {
	if totalBits[T]() == 16 {
		return T(SaturatingAdd16(int16(a), int16(b)))
	}
	return a + b
}
