package fixedpoint

import (
	"math"
	"math/bits"
)

// GetReciprocal returns 1/x for a positive x with xIntegerDigits integer bits,
// as TFLite's softmax computes it: a Q0 significand in (1/2, 1] and the number
// of bits by which the result must still be shifted right
// (numBitsOverUnit), so that 1/x = recip * 2^-numBitsOverUnit.
func GetReciprocal(x int32, xIntegerDigits int) (recip int32, numBitsOverUnit int) {
	headroomPlusOne := bits.LeadingZeros32(uint32(x))
	numBitsOverUnit = xIntegerDigits - headroomPlusOne
	// x shifted to [1, 2) as Q1, minus one: a Q0 value in [0, 1).
	shiftedSumMinusOne := int32((uint32(x) << headroomPlusOne) - (1 << 31))
	return oneOverOnePlusXForXIn01(shiftedSumMinusOne), numBitsOverUnit
}

// LogXForXGreaterThanOrEqualTo1 returns log(x) with outputIntegerBits integer
// bits for x >= 1 with inputIntegerBits integer bits (TFLite's
// log_x_for_x_greater_than_or_equal_to_1, used by LOG_SOFTMAX). It also
// handles x down to 1/max(x), where the result is negative.
// outputIntegerBits must be at most 30.
func LogXForXGreaterThanOrEqualTo1(x int32, inputIntegerBits, outputIntegerBits int) int32 {
	const (
		log2         = 1488522236 // log(2) in Q0
		sqrtSqrtHalf = 1805811301 // 0.5^(1/4)
		sqrtHalf     = 1518500250 // sqrt(0.5)
		oneQuarter   = 536870912
		alphaN       = 117049297  // 11/240 * 2^(1/4)
		alphaD       = 127690142  // 1/20 * 2^(1/4)
		alphaI       = 1057819769 // 2/2^(1/4) - 2^(1/4)
		alphaF       = 638450708  // 1/4 * 2^(1/4)
	)
	// The extra integer bit keeps the sum below from saturating when
	// zPow2Adj*log2 does.
	accumBits := outputIntegerBits + 1
	shiftedQuarter := Rescale(oneQuarter, 0, accumBits)

	// Normalize x to r in [sqrt(1/2), sqrt(2)) * 2^k twice, once directly (a)
	// and once premultiplied by sqrt(1/2) (b), and keep the closer of the two.
	zA := x
	zAHeadroomPlusOne := bits.LeadingZeros32(uint32(zA))
	rATmp := SaturatingRoundingMultiplyByPOT(zA, zAHeadroomPlusOne-1)
	rARaw := SaturatingRoundingMultiplyByPOT(SaturatingRoundingDoublingHighMul(rATmp, sqrtHalf), 1)
	zAPow2Adj := SaturatingAdd(
		SaturatingRoundingMultiplyByPOT(int32(inputIntegerBits-zAHeadroomPlusOne), 31-accumBits),
		shiftedQuarter)

	zB := SaturatingRoundingDoublingHighMul(zA, sqrtHalf)
	zBHeadroom := bits.LeadingZeros32(uint32(zB)) - 1
	rBRaw := SaturatingRoundingMultiplyByPOT(zA, zBHeadroom)
	zBPow2Adj := SaturatingSub(
		SaturatingRoundingMultiplyByPOT(int32(inputIntegerBits-zBHeadroom), 31-accumBits),
		shiftedQuarter)

	r := min(rARaw, rBRaw)
	zPow2Adj := max(zAPow2Adj, zBPow2Adj)

	// log(r) by a rational approximation around 2^(-1/4).
	p := RoundingHalfSum(r, sqrtSqrtHalf)
	q := r - sqrtSqrtHalf
	q += q
	commonSq := SaturatingRoundingDoublingHighMul(q, q)
	num := SaturatingRoundingDoublingHighMul(q, r) +
		SaturatingRoundingDoublingHighMul(SaturatingRoundingDoublingHighMul(q, commonSq), alphaN)
	denomMinusOne := SaturatingRoundingDoublingHighMul(p,
		alphaI+q+SaturatingRoundingDoublingHighMul(alphaD, commonSq)) +
		SaturatingRoundingDoublingHighMul(alphaF, q)
	recipDenom := oneOverOnePlusXForXIn01(denomMinusOne)

	numScaled := Rescale(num, 0, accumBits)
	sum := SaturatingRoundingDoublingHighMul(zPow2Adj, log2) + SaturatingRoundingDoublingHighMul(numScaled, recipDenom)
	return Rescale(sum, accumBits, outputIntegerBits)
}

// GetInvSqrtQuantizedMultiplierExp returns 1/sqrt(input) as a quantized
// multiplier (TFLite's L2_NORMALIZATION): a Q31 significand and a shift whose
// sign follows reverseShift (-1 gives a left shift as TFLite's kReverseShift
// does, +1 a right shift). Inputs 0 and 1 give (MaxInt32, 0).
func GetInvSqrtQuantizedMultiplierExp(input int32, reverseShift int) (invSqrt int32, shift int) {
	if input <= 1 {
		return math.MaxInt32, 0
	}
	shift = 11
	for input >= 1<<29 {
		input /= 4
		shift++
	}
	maxLeftShiftBitPairs := (bits.LeadingZeros32(uint32(input)) - 1) / 2
	leftShiftBitPairs := maxLeftShiftBitPairs - 1
	shift -= leftShiftBitPairs
	input <<= 2 * leftShiftBitPairs
	// Newton-Raphson on x = 1/sqrt(input) in Q3, starting from x = 1.
	const intBits = 3
	fixedInput := input >> 1
	halfInput := RoundingDivideByPOT(fixedInput, 1)
	const halfThree = 1<<28 + 1<<27 // 1.5 in Q3
	x := One(intBits)
	for range 5 {
		x3 := Rescale(SaturatingRoundingDoublingHighMul(SaturatingRoundingDoublingHighMul(x, x), x), 3*intBits, intBits)
		x = Rescale(SaturatingRoundingDoublingHighMul(halfThree, x)-SaturatingRoundingDoublingHighMul(halfInput, x3), 2*intBits, intBits)
	}
	const halfSqrt2 = 1518500250 // sqrt(2)/2 in Q0
	invSqrt = SaturatingRoundingDoublingHighMul(x, halfSqrt2)
	if shift < 0 {
		invSqrt <<= -shift
		shift = 0
	}
	return invSqrt, shift * reverseShift
}
