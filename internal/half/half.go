// Package half converts between float32 and the 16-bit float formats.
package half

import "math"

// IEEE half precision (float16) and bfloat16 conversions, bit-exact with the
// FP16 library and Eigen that TFLite uses: widening is exact, narrowing rounds
// to nearest even, NaN stays a quiet NaN with its sign. The kernels, the
// constant folder and the input/output files all convert with these.

// Float16ToFloat32 widens a float16 bit pattern exactly.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal: value is man × 2^-24, exact in float32.
	v := float32(man) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}

// Float32ToFloat16 narrows to float16, rounding to nearest even; overflow
// gives infinity and NaN gives a quiet NaN (0x7e00 with the sign).
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	man := b & 0x7fffff
	if exp == 0xff {
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	// Unbiased exponent; float16 normals have exponents -14..15.
	e := exp - 127
	if e > 15 {
		return sign | 0x7c00
	}
	if e >= -14 {
		// Normal: keep 10 of the 23 mantissa bits, round to nearest even; a
		// carry out of the mantissa correctly bumps the exponent (to inf at the top).
		v := uint32(e+15)<<10 | man>>13
		rest := man & 0x1fff
		if rest > 0x1000 || (rest == 0x1000 && v&1 == 1) {
			v++
		}
		return sign | uint16(v)
	}
	if e < -25 {
		return sign // rounds to zero
	}
	// Subnormal result: value = m × 2^-24 with m = full mantissa >> shift.
	full := man | 0x800000 // 24 bits, value full × 2^(e-23)
	shift := uint(-e - 1)  // from 2^(e-23) units to 2^-24 units: e-23+24 = e+1
	v := full >> shift
	rest := full & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rest > half || (rest == half && v&1 == 1) {
		v++
	}
	return sign | uint16(v)
}

// BFloat16ToFloat32 widens a bfloat16 bit pattern exactly.
func BFloat16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// Float32ToBFloat16 narrows to bfloat16, rounding to nearest even (Eigen's
// float_to_bfloat16_rtne); NaN gives 0x7fc0 with the sign.
func Float32ToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if f != f {
		return uint16(b>>16)&0x8000 | 0x7fc0
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}
