package fixedpoint

import (
	"fmt"
	"math"
)

// A quantized multiplier represents a real number as m * 2^shift / 2^31: m is
// the Q31 significand (in [2^30, 2^31) for positive numbers) and shift its
// binary exponent, positive for a left shift.

// QuantizeMultiplier splits real into a Q31 significand and a shift exactly as
// TFLite's QuantizeMultiplier does with double rounding (frexp, then rounding
// the significand half away from zero): 0 gives (0, 0), a significand that
// rounds up to 2^31 is halved with the shift raised by one, and magnitudes
// below about 2^-32 (shift < -31) flush to (0, 0). NaN and infinities are an
// error.
func QuantizeMultiplier(real float64) (multiplier int32, shift int, err error) {
	return DoubleRounding.QuantizeMultiplier(real)
}

// QuantizeMultiplierSmallerThanOneExp quantizes a real in (0, 1); leftShift is
// at most 0 (a right shift).
func QuantizeMultiplierSmallerThanOneExp(real float64) (multiplier int32, leftShift int, err error) {
	return DoubleRounding.QuantizeMultiplierSmallerThanOneExp(real)
}

// QuantizeMultiplierGreaterThanOne quantizes a real above 1; leftShift is at
// least 0.
func QuantizeMultiplierGreaterThanOne(real float64) (multiplier int32, leftShift int, err error) {
	return DoubleRounding.QuantizeMultiplierGreaterThanOne(real)
}

// QuantizeMultiplier is the package function of the same name for rounding r.
// Under SingleRounding a shift above 30 saturates to the largest multiplier
// with shift 30, as TFLite built with TFLITE_SINGLE_ROUNDING does, because the
// single-rounding multiply cannot shift further.
func (r Rounding) QuantizeMultiplier(real float64) (multiplier int32, shift int, err error) {
	if real == 0 {
		return 0, 0, nil
	}
	if math.IsNaN(real) || math.IsInf(real, 0) {
		return 0, 0, fmt.Errorf("cannot quantize multiplier %v", real)
	}
	q, shift := math.Frexp(real)
	qFixed := int64(math.Round(q * (1 << 31)))
	if qFixed == 1<<31 {
		qFixed /= 2
		shift++
	}
	if shift < -31 {
		shift, qFixed = 0, 0
	}
	if r == SingleRounding && shift > 30 {
		shift, qFixed = 30, math.MaxInt32
	}
	return int32(qFixed), shift, nil
}

// QuantizeMultiplierSmallerThanOneExp quantizes a real in (0, 1) for rounding r.
func (r Rounding) QuantizeMultiplierSmallerThanOneExp(real float64) (multiplier int32, leftShift int, err error) {
	if !(real > 0 && real < 1) {
		return 0, 0, fmt.Errorf("multiplier %v is not in (0, 1)", real)
	}
	multiplier, leftShift, err = r.QuantizeMultiplier(real)
	if err == nil && leftShift > 0 {
		// Within 2^-32 of one the significand rounds up to 1.0.
		return 0, 0, fmt.Errorf("multiplier %v rounds to 1", real)
	}
	return multiplier, leftShift, err
}

// QuantizeMultiplierGreaterThanOne quantizes a real above 1 for rounding r.
func (r Rounding) QuantizeMultiplierGreaterThanOne(real float64) (multiplier int32, leftShift int, err error) {
	if !(real > 1) {
		return 0, 0, fmt.Errorf("multiplier %v is not greater than 1", real)
	}
	return r.QuantizeMultiplier(real)
}

// MultiplyByQuantizedMultiplier returns x * multiplier * 2^shift / 2^31 with
// TFLite's default double rounding: x * 2^max(shift,0) (wrapping on overflow,
// as TFLite's does), then SaturatingRoundingDoublingHighMul, then
// RoundingDivideByPOT by -min(shift,0). shift must be in [-31, 31].
func MultiplyByQuantizedMultiplier(x, multiplier int32, shift int) int32 {
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x<<uint(max(shift, 0)), multiplier), max(-shift, 0))
}

// MultiplyByQuantizedMultiplierSingleRounding is the TFLITE_SINGLE_ROUNDING
// formula: one 64-bit product rounded once, half up, by 31-shift bits. shift
// must be in [-31, 30] and multiplier non-negative.
func MultiplyByQuantizedMultiplierSingleRounding(x, multiplier int32, shift int) int32 {
	total := uint(31 - shift) // unsigned: a shift out of range cannot panic
	round := int64(1) << (total - 1)
	return int32((int64(x)*int64(multiplier) + round) >> total)
}

// MultiplyByQuantizedMultiplierInt64 is the variant for 64-bit accumulators
// (int16x8 kernels with int64 bias). It rounds the multiplier to Q15 first and
// rounds the product once, and is the same under both roundings in TFLite.
// x must be in [-2^47, 2^47), shift in [-31, 7], multiplier non-negative.
func MultiplyByQuantizedMultiplierInt64(x int64, multiplier int32, shift int) int32 {
	reduced := int32(0x7FFF)
	if multiplier < 0x7FFF0000 {
		reduced = (multiplier + (1 << 15)) >> 16
	}
	total := uint(15 - shift) // unsigned: a shift out of range cannot panic
	return int32((x*int64(reduced) + int64(1)<<(total-1)) >> total)
}

// MultiplyByQuantizedMultiplierSmallerThanOneExp is the double-rounding multiply
// for a multiplier below one (leftShift <= 0).
func MultiplyByQuantizedMultiplierSmallerThanOneExp(x, multiplier int32, leftShift int) int32 {
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, multiplier), -leftShift)
}

// MultiplyByQuantizedMultiplierGreaterThanOne is the double-rounding multiply
// for a multiplier above one (leftShift >= 0).
func MultiplyByQuantizedMultiplierGreaterThanOne(x, multiplier int32, leftShift int) int32 {
	return SaturatingRoundingDoublingHighMul(x<<uint(leftShift), multiplier)
}

// MultiplyByQuantizedMultiplier multiplies with rounding r. The package
// functions inline and this method does not: in an inner loop, choose the
// function once outside the loop.
func (r Rounding) MultiplyByQuantizedMultiplier(x, multiplier int32, shift int) int32 {
	if r == SingleRounding {
		return MultiplyByQuantizedMultiplierSingleRounding(x, multiplier, shift)
	}
	return MultiplyByQuantizedMultiplier(x, multiplier, shift)
}

// MultiplyByQuantizedMultiplierSmallerThanOneExp multiplies with rounding r;
// under SingleRounding it is the general single-rounding multiply, as in TFLite.
func (r Rounding) MultiplyByQuantizedMultiplierSmallerThanOneExp(x, multiplier int32, leftShift int) int32 {
	if r == SingleRounding {
		return MultiplyByQuantizedMultiplierSingleRounding(x, multiplier, leftShift)
	}
	return MultiplyByQuantizedMultiplierSmallerThanOneExp(x, multiplier, leftShift)
}

// MultiplyByQuantizedMultiplierGreaterThanOne multiplies with rounding r.
func (r Rounding) MultiplyByQuantizedMultiplierGreaterThanOne(x, multiplier int32, leftShift int) int32 {
	if r == SingleRounding {
		return MultiplyByQuantizedMultiplierSingleRounding(x, multiplier, leftShift)
	}
	return MultiplyByQuantizedMultiplierGreaterThanOne(x, multiplier, leftShift)
}

// PreprocessSoftmaxScaling returns the multiplier that maps an input
// difference (in units of inputScale) times beta onto a fixed-point value with
// inputIntegerBits integer bits, capped so that it stays quantizable (TFLite's
// PreprocessSoftmaxScaling; the cap is 2^31-1, or 2^30-1 under SingleRounding).
func (r Rounding) PreprocessSoftmaxScaling(beta, inputScale float64, inputIntegerBits int) (multiplier int32, leftShift int, err error) {
	maxReal := float64(1<<31) - 1
	if r == SingleRounding {
		maxReal = float64(1<<30) - 1
	}
	// TFLite evaluates 1 << (31 - bits) in a 32-bit int.
	real := min(beta*inputScale*float64(int32(1)<<(31-inputIntegerBits)), maxReal)
	multiplier, leftShift, err = r.QuantizeMultiplierGreaterThanOne(real)
	if err != nil {
		return 0, 0, fmt.Errorf("softmax beta %v with input scale %v: %v", beta, inputScale, err)
	}
	return multiplier, leftShift, nil
}

// PreprocessLogSoftmaxScalingExp is PreprocessSoftmaxScaling plus the
// quantized inverse of that scaling, which LOG_SOFTMAX applies to its result.
func (r Rounding) PreprocessLogSoftmaxScalingExp(beta, inputScale float64, inputIntegerBits int) (multiplier int32, leftShift int, reverseDivisor int32, reverseLeftShift int, err error) {
	multiplier, leftShift, err = r.PreprocessSoftmaxScaling(beta, inputScale, inputIntegerBits)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	realReverse := float64(int32(1)<<(31-leftShift)) / float64(multiplier)
	reverseDivisor, reverseLeftShift, err = r.QuantizeMultiplierSmallerThanOneExp(realReverse)
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("log-softmax reverse scaling: %v", err)
	}
	return multiplier, leftShift, reverseDivisor, reverseLeftShift, nil
}

// PreprocessSoftmaxScaling is the double-rounding form.
func PreprocessSoftmaxScaling(beta, inputScale float64, inputIntegerBits int) (multiplier int32, leftShift int, err error) {
	return DoubleRounding.PreprocessSoftmaxScaling(beta, inputScale, inputIntegerBits)
}

// PreprocessLogSoftmaxScalingExp is the double-rounding form.
func PreprocessLogSoftmaxScalingExp(beta, inputScale float64, inputIntegerBits int) (multiplier int32, leftShift int, reverseDivisor int32, reverseLeftShift int, err error) {
	return DoubleRounding.PreprocessLogSoftmaxScalingExp(beta, inputScale, inputIntegerBits)
}

// CalculateInputRadius returns the largest input difference that
// MultiplyByQuantizedMultiplierGreaterThanOne can scale by 2^inputLeftShift
// without overflowing a value with totalSignedBits bits (31 for int32, 15 for
// int16) and inputIntegerBits integer bits; softmax uses its negation as the
// smallest difference it computes.
func CalculateInputRadius(inputIntegerBits, inputLeftShift, totalSignedBits int) int {
	maxRescaled := float64(int64(1)<<inputIntegerBits-1) *
		float64(int64(1)<<(totalSignedBits-inputIntegerBits)) /
		float64(int64(1)<<inputLeftShift)
	return int(math.Floor(maxRescaled))
}

// CheckedLog2 returns round(log2(x)) and whether x is within 1e-3 (in log2
// terms) of that power of two, computed in float32 as TFLite's CheckedLog2.
func CheckedLog2(x float32) (log2 int, ok bool) {
	if !(x > 0) || math.IsInf(float64(x), 0) {
		return 0, false
	}
	invLn2 := 1 / float32(math.Log(2))
	xLog2 := float32(math.Log(float64(x))) * invLn2
	rounded := float32(math.Round(float64(xLog2)))
	frac := xLog2 - rounded
	return int(rounded), math.Abs(float64(frac)) < float64(float32(1e-3))
}
