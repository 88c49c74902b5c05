package kernels

import (
	"math"

	"github.com/liteforge/liteforge/ir"
)

// 8-bit LEAKY_RELU, ELU and LOGISTIC under XNNPACKKernels compute as the
// XNNPACK operators TFLite's delegate runs for them.
//
// LEAKY_RELU (qs8/qu8 vlrelu): with s = inScale/outScale and s*alpha (both
// float32), each rounded half to even to a multiplier with 8 fractional
// bits, the output is ((x-zIn)*m + 128) >> 8 plus the output zero point, m
// picked by the sign of x-zIn. XNNPACK takes only s in [2^-8, 2^7] and
// |s*alpha| in [2^-8, 2^7).
//
// ELU and LOGISTIC (lookup tables): each of the 256 inputs dequantized as
// float32(x-zIn)*inScale, transformed in float32 (ELU: expm1 below zero;
// sigmoid: 1/(1+exp(-x)) below zero, 1-1/(1+exp(x)) from zero up), times the
// float32 reciprocal of the output scale, rounded half to even, plus the
// output zero point. XNNPACK's sigmoid takes only TFLite's fixed output
// quantization (scale 1/256, zero point -128 for int8, 0 for uint8).

// xnnLeakyRelu returns XNNPACK's stored-value leaky ReLU, before the clamp to
// the type, or nil when XNNPACK would refuse the scales.
func xnnLeakyRelu(inS float32, inZ int32, outS float32, outZ int32, alpha float32) func(int32) int32 {
	pos := inS / outS
	neg := pos * alpha
	if !(pos >= 0x1p-8 && pos <= 0x1p7) || !(abs32(neg) >= 0x1p-8 && neg < 0x1p7 && neg > -0x1.FFFCp6) {
		return nil
	}
	mPos := int32(math.RoundToEven(float64(256 * pos)))
	mNeg := int32(math.RoundToEven(float64(256 * neg)))
	return func(x int32) int32 {
		v := x - inZ
		m := mPos
		if v < 0 {
			m = mNeg
		}
		return (v*m+128)>>8 + outZ
	}
}

// xnnTable returns XNNPACK's 8-bit lookup-table entry of f for stored input
// x (create_lut_elementwise_nc), clamped to the type by the caller.
func xnnTable(inS float32, inZ int32, outS float32, outZ int32, f func(float32) float32) func(int32) int32 {
	inv := 1 / outS
	return func(x int32) int32 {
		y := f(float32(x-inZ) * inS)
		return int32(math.RoundToEven(float64(y*inv))) + outZ
	}
}

// xnnEluF32 is XNNPACK's ELU with alpha 1 (TFLite's).
func xnnEluF32(x float32) float32 {
	if math.Signbit(float64(x)) {
		return float32(math.Expm1(float64(x)))
	}
	return x
}

// xnnSigmoidF32 is XNNPACK's sigmoid for its lookup table.
func xnnSigmoidF32(x float32) float32 {
	if math.Signbit(float64(x)) {
		return 1 / (1 + float32(math.Exp(float64(-x))))
	}
	return 1 - 1/(1+float32(math.Exp(float64(x))))
}

// prepareQuantXNN sets up an 8-bit LEAKY_RELU, ELU or LOGISTIC in XNNPACK's
// arithmetic when the context asks for it and XNNPACK takes the op, and
// reports whether it did.
func (k *unaryKernel) prepareQuantXNN(n *Node, in, out *ir.Tensor, alpha float32) bool {
	if kernelsOf(n) != XNNPACKKernels || (in.Type != ir.Int8 && in.Type != ir.Uint8) {
		return false
	}
	inS, inZ, outS, outZ, err := inOutQuant(n, in, out)
	if err != nil {
		return false // the builtin path reports it
	}
	var g func(int32) int32
	switch n.Op.Type {
	case ir.LeakyRelu:
		g = xnnLeakyRelu(inS, inZ, outS, outZ, alpha)
	case ir.Elu:
		if in.Type == ir.Int8 {
			g = xnnTable(inS, inZ, outS, outZ, xnnEluF32)
		}
	case ir.Logistic:
		fixedZP := int32(-128)
		if in.Type == ir.Uint8 {
			fixedZP = 0
		}
		if outS == 0x1p-8 && outZ == fixedZP {
			g = xnnTable(inS, inZ, outS, outZ, xnnSigmoidF32)
		}
	}
	if g == nil {
		return false
	}
	k.setElementwise(in.Type, clampTo(in.Type, g))
	return true
}
