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

// 8-bit to 8-bit QUANTIZE (a requantization, XNNPACK's qs8/qu8 "vcvt") is
// ((x-zIn)*m + 128) >> 8 plus the output zero point, clamped, with m the
// input over the output scale (float32) times 256 rounded half to even.
// XNNPACK takes only scale ratios within [2^-8, 2^7].

// useXNNPACKRequantize switches a prepared int8-to-int8 or uint8-to-uint8
// QUANTIZE to XNNPACK's arithmetic, when the context asks for it and XNNPACK
// takes the scales.
func (k *quantizeKernel) useXNNPACKRequantize(n *Node, in, out *ir.Tensor, inScale float32, inZP int32, outScale float32, outZP int32) {
	if n.Ctx == nil || n.Ctx.Kernels != XNNPACKKernels || in.Type != out.Type || (in.Type != ir.Int8 && in.Type != ir.Uint8) {
		return
	}
	s := inScale / outScale
	if !(s >= 0x1p-8 && s <= 0x1p7) {
		return
	}
	m := int32(math.RoundToEven(float64(256 * s)))
	lo, hi := intRange(out.Type)
	var lut [256]byte
	for b := range lut {
		x := int32(b)
		if in.Type == ir.Int8 {
			x = int32(int8(b))
		}
		lut[b] = byte(min(max(int64(((x-inZP)*m+128)>>8+outZP), lo), hi))
	}
	k.xnnLUT = lut
	k.run = (*quantizeKernel).requantizeXNN
}

func (k *quantizeKernel) requantizeXNN(dst, src []byte) {
	src = src[:k.count]
	dst = dst[:len(src)]
	for i, b := range src {
		dst[i] = k.xnnLUT[b]
	}
}

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
