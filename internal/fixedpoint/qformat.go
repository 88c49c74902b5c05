package fixedpoint

import "math"

// gemmlowp's FixedPoint<int32, N> is a raw int32 read as raw / 2^(31-N): N
// integer bits, 31-N fractional bits, range [-2^N, 2^N). Here such a value is
// its raw integer, and functions take N as integerBits. The product of a QA
// and a QB value is the Q(A+B) value SaturatingRoundingDoublingHighMul(a, b);
// sums and differences of two values with the same N are plain (wrapping)
// integer sums, as in gemmlowp. The int16 forms (FixedPoint<int16, N>, raw /
// 2^(15-N)) carry the suffix 16; TFLite's integer LSTM uses them.

// One returns 1.0 with integerBits integer bits; with none it is the largest
// value below one, as in gemmlowp.
func One(integerBits int) int32 { return one[int32](integerBits) }

// One16 is One for int16 values.
func One16(integerBits int) int16 { return one[int16](integerBits) }

// ConstantPOT returns 2^exponent with integerBits integer bits.
func ConstantPOT(integerBits, exponent int) int32 { return int32(1) << (31 - integerBits + exponent) }

// Rescale converts x from srcIntegerBits to dstIntegerBits integer bits,
// saturating when it gains precision and rounding when it loses it.
func Rescale(x int32, srcIntegerBits, dstIntegerBits int) int32 {
	return saturatingRoundingMultiplyByPOT(x, srcIntegerBits-dstIntegerBits)
}

// Rescale16 is Rescale for int16 values.
func Rescale16(x int16, srcIntegerBits, dstIntegerBits int) int16 {
	return saturatingRoundingMultiplyByPOT(x, srcIntegerBits-dstIntegerBits)
}

// FromFloat64 returns the value nearest x (ties away from zero) with
// integerBits integer bits, saturated to the representable range (gemmlowp's
// FromDouble).
func FromFloat64(x float64, integerBits int) int32 {
	v := math.Round(x * float64(int64(1)<<(31-integerBits)))
	return int32(min(max(v, math.MinInt32), math.MaxInt32))
}

// ToFloat64 returns the real value of x with integerBits integer bits.
func ToFloat64(x int32, integerBits int) float64 {
	return float64(x) / float64(int64(1)<<(31-integerBits))
}

// ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl returns exp(a) for a Q0 value
// a in [-1/4, 0), by gemmlowp's fourth-order Taylor expansion around -1/8.
func ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(a int32) int32 {
	return expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a)
}

// ExpOnNegativeValues returns exp(a) as a Q0 value for a <= 0 with integerBits
// integer bits (0 to 29): the interval approximation on a mod 1/4, then a
// barrel of multiplications by exp(-2^k) for the bits above; exp(0) is One(0)
// and inputs below -32 give 0.
func ExpOnNegativeValues(a int32, integerBits int) int32 { return expOnNegativeValues(a, integerBits) }

// ExpOnNegativeValues16 is ExpOnNegativeValues for int16 values (integerBits 0
// to 13).
func ExpOnNegativeValues16(a int16, integerBits int) int16 {
	return expOnNegativeValues(a, integerBits)
}

// OneMinusXOverOnePlusXForXIn01 returns (1-a)/(1+a) for a Q0 value a in
// [0, 1), by three Newton-Raphson steps.
func OneMinusXOverOnePlusXForXIn01(a int32) int32 { return oneMinusXOverOnePlusXForXIn01(a) }

// OneOverOnePlusXForXIn01 returns 1/(1+a) for a Q0 value a in [0, 1), by three
// Newton-Raphson steps.
func OneOverOnePlusXForXIn01(a int32) int32 { return oneOverOnePlusXForXIn01(a) }

// Tanh returns tanh(a) as a Q0 value for a value with integerBits integer bits
// (0 to 28).
func Tanh(a int32, integerBits int) int32 { return tanh(a, integerBits) }

// Tanh16 is Tanh for int16 values (integerBits 0 to 12).
func Tanh16(a int16, integerBits int) int16 { return tanh(a, integerBits) }

// Logistic returns 1/(1+exp(-a)) as a Q0 value for a value with integerBits
// integer bits (0 to 29).
func Logistic(a int32, integerBits int) int32 { return logistic(a, integerBits) }

// Logistic16 is Logistic for int16 values (integerBits 0 to 13).
func Logistic16(a int16, integerBits int) int16 { return logistic(a, integerBits) }

func one[T raw](integerBits int) T {
	if integerBits == 0 {
		return rawMax[T]()
	}
	return T(1) << (totalBits[T]() - 1 - integerBits)
}

// constant is gemmlowp's GEMMLOWP_CHECKED_FIXEDPOINT_CONSTANT: constants are
// written as int32 raw values and rounded to int16 by a 16-bit rounding shift.
func constant[T raw](raw32 int32) T {
	if totalBits[T]() == 16 {
		return T(RoundingDivideByPOT(raw32, 16))
	}
	return T(raw32)
}

func expOnIntervalBetweenNegativeOneQuarterAnd0Excl[T raw](a T) T {
	constantTerm := constant[T](1895147668) // exp(-1/8)
	oneThird := constant[T](715827883)
	x := a + T(1)<<(totalBits[T]()-4) // a + 1/8
	x2 := srdhm(x, x)
	x3 := srdhm(x2, x)
	x4 := srdhm(x2, x2)
	x4Over4 := roundingDivideByPOT(x4, 2)
	// x^4/24 + x^3/6 + x^2/2
	tail := roundingDivideByPOT(srdhm(x4Over4+x3, oneThird)+x2, 1)
	return addSaturatingIf16Bit(constantTerm, srdhm(constantTerm, x+tail))
}

// expBarrel holds exp(-2^k) as Q0.31 for k = -2..4.
var expBarrel = [...]struct {
	exponent   int
	multiplier int32
}{
	{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
	{2, 39332535}, {3, 720401}, {4, 242},
}

func expOnNegativeValues[T raw](a T, integerBits int) T {
	fractionalBits := totalBits[T]() - 1 - integerBits
	oneQuarter := T(1) << (fractionalBits - 2)
	aModQuarterMinusOneQuarter := (a & (oneQuarter - 1)) - oneQuarter
	result := expOnIntervalBetweenNegativeOneQuarterAnd0Excl(
		saturatingRoundingMultiplyByPOT(aModQuarterMinusOneQuarter, integerBits))
	remainder := aModQuarterMinusOneQuarter - a
	for _, b := range expBarrel {
		if integerBits > b.exponent && remainder&(T(1)<<(fractionalBits+b.exponent)) != 0 {
			result = srdhm(result, constant[T](b.multiplier))
		}
	}
	if integerBits > 5 {
		clamp := constant[T](-(int32(1) << (36 - integerBits))) // -32
		if a < clamp {
			result = 0
		}
	}
	if a == 0 {
		result = one[T](0)
	}
	return result
}

// newtonRaphsonHalfDenominatorInverse returns 1/(1+a) as a Q2 value, refining
// gemmlowp's 48/17 - 32/17*d initial guess for the half denominator d.
func newtonRaphsonHalfDenominatorInverse[T raw](a T) T {
	halfDenominator := roundingHalfSum(a, one[T](0))
	constant48Over17 := constant[T](1515870810)
	constantNeg32Over17 := constant[T](-1010580540)
	one2 := one[T](2)
	x := constant48Over17 + srdhm(halfDenominator, constantNeg32Over17)
	for range 3 {
		oneMinusHalfDenominatorTimesX := one2 - srdhm(halfDenominator, x)
		x += saturatingRoundingMultiplyByPOT(srdhm(x, oneMinusHalfDenominatorTimesX), 2)
	}
	return x
}

func oneMinusXOverOnePlusXForXIn01[T raw](a T) T {
	x := newtonRaphsonHalfDenominatorInverse(a)
	return saturatingRoundingMultiplyByPOT(x-one[T](2), 2)
}

func oneOverOnePlusXForXIn01[T raw](a T) T {
	// x is 2/(1+a) in Q2; read as Q1 it is 1/(1+a), rescaled to Q0.
	return saturatingRoundingMultiplyByPOT(newtonRaphsonHalfDenominatorInverse(a), 1)
}

func tanh[T raw](a T, integerBits int) T {
	if a == 0 {
		return 0
	}
	negative := a < 0
	n := a
	if !negative {
		n = -a
	}
	// tanh(|a|) = (1 - exp(-2|a|)) / (1 + exp(-2|a|)); doubling n is a change
	// of integer bits, not of the raw value.
	t := oneMinusXOverOnePlusXForXIn01(expOnNegativeValues(n, integerBits+1))
	if negative {
		return -t
	}
	return t
}

func logistic[T raw](a T, integerBits int) T {
	if a == 0 {
		return constant[T](1 << 30) // 1/2
	}
	positive := a > 0
	abs := a
	if !positive {
		abs = -a
	}
	resultIfPositive := oneOverOnePlusXForXIn01(expOnNegativeValues(-abs, integerBits))
	if positive {
		return resultIfPositive
	}
	return one[T](0) - resultIfPositive
}
