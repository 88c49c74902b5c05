package kernels

import (
	"math"

	"github.com/liteforge/liteforge/ir"
)

// Float32-to-8-bit QUANTIZE under XNNPACKKernels computes as XNNPACK's
// f32-qs8/qu8 "vcvt" micro-kernels: the value times the float32 reciprocal
// of the scale (not divided by the scale), clamped to the output range less
// the zero point, rounded half to even (the magic-bias trick), plus the zero
// point. TFLite's own kernel divides and rounds half away from zero, so the
// two differ on ties and wherever x*(1/s) and x/s round apart.

// useXNNPACKQuantize switches a prepared per-tensor float-to-int8/uint8
// QUANTIZE to XNNPACK's arithmetic, when the context asks for it.
func (k *quantizeKernel) useXNNPACKQuantize(n *Node, out *ir.Tensor) {
	if n.Ctx == nil || n.Ctx.Kernels != XNNPACKKernels || k.p.perAxis() || (out.Type != ir.Int8 && out.Type != ir.Uint8) {
		return
	}
	k.xnnInvScale = 1 / k.p.scales[0]
	k.run = (*quantizeKernel).fromFloatXNN
}

func (k *quantizeKernel) fromFloatXNN(dst, src []byte) {
	x := ir.AsFloat32(src)[:k.count]
	zp := k.p.zps[0]
	lo, hi := float32(k.lo)-float32(zp), float32(k.hi)-float32(zp)
	if k.hi == 127 {
		quantizeXNN(ir.AsInt8(dst), x, k.xnnInvScale, lo, hi, zp)
		return
	}
	quantizeXNN(dst, x, k.xnnInvScale, lo, hi, zp)
}

func quantizeXNN[T int8 | uint8](dst []T, x []float32, invScale, lo, hi float32, zp int32) {
	dst = dst[:len(x)]
	for i, v := range x {
		v = min(max(v*invScale, lo), hi)
		if v != v {
			dst[i] = T(zp) // NaN: the zero point, "no value"
			continue
		}
		dst[i] = T(int32(math.RoundToEven(float64(v))) + zp)
	}
}
