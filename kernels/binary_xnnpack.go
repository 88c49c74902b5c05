package kernels

import (
	"math"

	"github.com/liteforge/liteforge/ir"
)

// 8-bit ADD, SUB and MUL under XNNPACKKernels compute as XNNPACK's qs8/qu8
// micro-kernels, which TFLite's XNNPACK delegate runs for them.
//
// ADD and SUB (vadd; SUB is ADD with the second input's scale negated): each
// input's scale over the output's, s_a and s_b, becomes a multiplier with
// 20 significant bits for the larger of the two, m = round_half_even(s*2^k)
// with k = 20 - exponent(max(|s_a|, |s_b|)); the output is
// (2^(k-1) + m_a*(a-z_a) + m_b*(b-z_b)) >> k (arithmetic, so ties round up)
// plus the output zero point. MUL (vmul "fp32"): the product of the inputs
// less their zero points, as float32, times s_a*s_b/s_out in float32, rounded
// half to even. XNNPACK takes only scale ratios within [2^-10, 2^8) for ADD
// and SUB and [2^-16, 2^8) for MUL; TFLite runs the others itself, and so
// does liteforge.

// xnnAddSub returns XNNPACK's ADD (or SUB) of stored values, before the
// clamp, or nil when XNNPACK would refuse the scales.
func xnnAddSub(sub bool, scales []float32, zps []int32) func(a, b int32) int32 {
	sa := scales[0] / scales[2]
	sb := scales[1] / scales[2]
	for _, s := range []float32{sa, sb} {
		if !(s >= 0x1p-10 && s < 0x1p8) {
			return nil
		}
	}
	if sub {
		sb = -sb
	}
	maxAbs := max(abs32(sa), abs32(sb))
	shift := 20 - (int(math.Float32bits(maxAbs)>>23) - 127)
	mult := func(s float32) int32 {
		m := int32(math.RoundToEven(float64(abs32(s)) * math.Ldexp(1, shift)))
		if math.Signbit(float64(s)) {
			return -m
		}
		return m
	}
	ma, mb := mult(sa), mult(sb)
	bias := int32(1)<<(shift-1) - ma*zps[0] - mb*zps[1]
	zo := zps[2]
	return func(a, b int32) int32 {
		return (bias+a*ma+b*mb)>>shift + zo
	}
}

// xnnMul returns XNNPACK's MUL of stored values, before the clamp, or nil
// when XNNPACK would refuse the scales.
func xnnMul(scales []float32, zps []int32) func(a, b int32) int32 {
	s := scales[0] * scales[1] / scales[2]
	if !(s >= 0x1p-16 && s < 0x1p8) {
		return nil
	}
	za, zb, zo := zps[0], zps[1], zps[2]
	return func(a, b int32) int32 {
		return int32(math.RoundToEven(float64(float32((a-za)*(b-zb))*s))) + zo
	}
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// prepareQuantXNN sets up 8-bit ADD, SUB or MUL in XNNPACK's arithmetic and
// reports whether it did (false: the scales are outside what XNNPACK takes).
func (k *binaryKernel) prepareQuantXNN(n *Node, a *ir.Tensor, scales []float32, zps []int32) bool {
	var f func(a, b int32) int32
	switch n.Op.Type {
	case ir.Add, ir.Sub:
		f = xnnAddSub(n.Op.Type == ir.Sub, scales, zps)
	case ir.Mul:
		f = xnnMul(scales, zps)
	}
	if f == nil {
		return false
	}
	k.q.f = f
	if a.Type == ir.Int8 {
		k.eval = walkQuantBinary(&k.walk, ir.AsInt8, &k.q)
	} else {
		k.eval = walkQuantBinary(&k.walk, asUint8, &k.q)
	}
	return true
}
