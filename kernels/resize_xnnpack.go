package kernels

import (
	"math"

	"github.com/liteforge/liteforge/ir"
)

// RESIZE_BILINEAR under XNNPACKKernels computes as XNNPACK's ibilinear
// kernels, which TFLite's delegate runs for float32, int8 and uint8 tensors
// of a constant size. Source coordinates come from float32 arithmetic: the
// scale (in-1)/(out-1) with align_corners, else in/out; with half-pixel
// centers the coordinate i*scale + (scale/2 - 1/2) is clamped to the input
// (TFLite instead clamps the two source indices but not the fraction). Float
// outputs interpolate as t = tl + (tr-tl)*ax, b = bl + (br-bl)*ax,
// t + (b-t)*ay; 8-bit ones with the fractions rounded to 11 bits:
// ((tl<<11 + (tr-tl)*ax)<<11 + (b-t)*ay + 2^21) >> 22.

// xnnInterps is XNNPACK's source coordinates along one axis (pos10 holds
// the 11-bit fraction).
func xnnInterps(inSize, outSize int, align, halfPixel bool) []interp {
	adj := 0
	if align && outSize != 1 {
		adj = 1
	}
	scale := float32(inSize-adj) / float32(outSize-adj)
	offset := float32(0.5)*scale - 0.5
	maxIndex := inSize - 1
	t := make([]interp, outSize)
	for i := range t {
		x := float32(i) * scale
		if halfPixel && !align {
			x = min(max(x+offset, 0), float32(maxIndex))
		}
		lo := int(x)
		pos := x - float32(lo)
		t[i] = interp{lo: lo, hi: min(lo+1, maxIndex), pos: pos, pos10: int32(math.RoundToEven(float64(pos * 2048)))}
	}
	return t
}

// prepareBilinearXNN switches a bilinear resize to XNNPACK's arithmetic
// when the context asks for it and XNNPACK takes the op.
func (k *resizeKernel) prepareBilinearXNN(n *Node) {
	if k.kernels != XNNPACKKernels || !n.In[1].IsConst() {
		return
	}
	switch k.dtype {
	case ir.Float32, ir.Int8, ir.Uint8:
	default:
		return
	}
	k.xnn = true
	k.ys = xnnInterps(k.inH, k.outH, k.align, k.halfPixel)
	k.xs = xnnInterps(k.inW, k.outW, k.align, k.halfPixel)
}

func (k *resizeKernel) evalBilinearXNN(in, out *ir.Tensor) {
	switch k.dtype {
	case ir.Float32:
		k.forEachCorner(func(o, p00, p01, p10, p11 int, y, x interp) {
			src, dst := in.Float32s(), out.Float32s()
			for c := range k.c {
				tl, tr, bl, br := src[p00+c], src[p01+c], src[p10+c], src[p11+c]
				top := tl + float32((tr-tl)*x.pos)
				bottom := bl + float32((br-bl)*x.pos)
				dst[o+c] = top + float32((bottom-top)*y.pos)
			}
		})
	case ir.Int8:
		bilinearQ11(k, in.Int8s(), out.Int8s())
	case ir.Uint8:
		bilinearQ11(k, in.Data, out.Data)
	}
}

func bilinearQ11[T int8 | uint8](k *resizeKernel, src, dst []T) {
	k.forEachCorner(func(o, p00, p01, p10, p11 int, y, x interp) {
		for c := range k.c {
			tl, tr, bl, br := int32(src[p00+c]), int32(src[p01+c]), int32(src[p10+c]), int32(src[p11+c])
			top := tl<<11 + (tr-tl)*x.pos10
			bottom := bl<<11 + (br-bl)*x.pos10
			dst[o+c] = T((top<<11 + (bottom-top)*y.pos10 + 1<<21) >> 22)
		}
	})
}

// forEachCorner calls f for every output pixel with its offset, the offsets
// of its four source pixels and its source coordinates.
func (k *resizeKernel) forEachCorner(f func(o, p00, p01, p10, p11 int, y, x interp)) {
	o := 0
	for b := range k.b {
		for _, y := range k.ys {
			for _, x := range k.xs {
				p00, p01, p10, p11 := k.corners(b, y, x)
				f(o, p00, p01, p10, p11, y, x)
				o += k.c
			}
		}
	}
}
