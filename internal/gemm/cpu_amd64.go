//go:build amd64 && !purego

package gemm

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The amd64 micro-kernels (AVX2 and FMA3), and the one place that chooses
// them by CPU feature: a 6x16 tile of float32 FMA accumulators, the int8
// multiply on VPMADDWD, the depthwise convolution with channels in lanes. The
// pure-Go kernels remain for CPUs without them and for the purego build tag.

//go:noescape
func avx2FullF32x6x16(kc int, a, b, c *float32, ldc int, add bool)

//go:noescape
func avx2RowF32x16(kc int, a, b, c *float32, add bool)

//go:noescape
func avx2DotI16x4x16(kp int, a, b *int16, c *int32, ldc int, add bool)

//go:noescape
func avx2DepthwiseF32(out, in, filter, bias *float32, cBytes, rows, cols, inRow, inCol, fRow, chanStride, pixels, inPix int, lo, hi float32)

// dwF32Lanes computes the channels that fill whole 8-lane vectors and
// returns how many (DepthwiseF32 has checked the window's bounds).
func dwF32Lanes(w *DepthwiseWindow, in, filter, bias, out []float32) int {
	n := w.Channels &^ 7
	if n == 0 {
		return 0
	}
	avx2DepthwiseF32(&out[w.OutOffset], &in[w.InOffset], &filter[w.FilterOffset], &bias[0], 4*n, w.Rows, w.Cols,
		4*w.InRowStride, 4*w.InColStride, 4*w.FilterRowStride, 4*w.Channels, w.Pixels, 4*w.InPixelStride, w.Min, w.Max)
	return n
}

// dotI16x4x16 is the int8 multiply's AVX2 micro-kernel (see int_wide.go);
// nil where the CPU lacks AVX2.
var dotI16x4x16 = func() func(kp int, a, b []int16, c []int32, ldc int, add bool) {
	if !hasAVX2FMA {
		return nil
	}
	return func(kp int, a, b []int16, c []int32, ldc int, add bool) {
		_, _, _ = a[kp*8-1], b[kp*32-1], c[3*ldc+15]
		avx2DotI16x4x16(kp, &a[0], &b[0], &c[0], ldc, add)
	}
}()

var avx2F32 = microF32{mr: 6, nr: 16,
	full: func(kc int, a, b, c []float32, ldc int, add bool) {
		// The slices' lengths bound what the kernel touches: kc*6 of a,
		// kc*16 of b, 5 rows of ldc plus 16 of c.
		_, _, _ = a[kc*6-1], b[kc*16-1], c[5*ldc+15]
		avx2FullF32x6x16(kc, &a[0], &b[0], &c[0], ldc, add)
	},
	row: func(kc int, a, b, c []float32, add bool) {
		_, _, _ = a[kc-1], b[kc*16-1], c[15]
		avx2RowF32x16(kc, &a[0], &b[0], &c[0], add)
	},
}

var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func avx2DepthwiseI8(acc *int32, in unsafe.Pointer, filter *int32, n, rows, cols, inRow, inCol, fRow, chanStride, pixels, inPix int, zp int32)

//go:noescape
func avx2DepthwiseU8(acc *int32, in unsafe.Pointer, filter *int32, n, rows, cols, inRow, inCol, fRow, chanStride, pixels, inPix int, zp int32)

// dwIntLanes computes the integer sums of the channels that fill whole
// 8-lane vectors and returns how many (DepthwiseInt has checked the window's
// bounds); in holds int8 (signed) or uint8 elements.
func dwIntLanes(w *DepthwiseWindow, in unsafe.Pointer, signed bool, filter []int32, zp int32, acc []int32) int {
	n := w.Channels &^ 7
	if n == 0 {
		return 0
	}
	kern := avx2DepthwiseU8
	if signed {
		kern = avx2DepthwiseI8
	}
	kern(&acc[w.OutOffset], unsafe.Add(in, w.InOffset), &filter[w.FilterOffset], n, w.Rows, w.Cols,
		w.InRowStride, w.InColStride, 4*w.FilterRowStride, 4*w.Channels, w.Pixels, w.InPixelStride, zp)
	return n
}

//go:noescape
func avx2Requant8(dst *byte, acc *int32, n int, table *int32, stride int, zp, lo, hi int32, unsigned bool)

// requantLanes requantizes the sums that fill whole 8-lane vectors into dst,
// 8-bit elements (uint8 when unsigned), and returns how many (the caller
// checked the run's bounds and range).
func requantLanes(q *Requantizer, dst unsafe.Pointer, unsigned bool, acc []int32, c0 int) int {
	n := len(acc) &^ 7
	if n == 0 {
		return 0
	}
	avx2Requant8((*byte)(dst), &acc[0], n, &q.table[c0], 4*q.stride, q.zp, q.lo, q.hi, unsigned)
	return n
}

func init() {
	if hasAVX2FMA {
		useRequantAsm = true
		kernelF32 = &avx2F32
		useDepthwiseAsm = true
	}
}

// availableF32 lists the float32 micro-kernels this machine can run, the
// pure-Go one last.
func availableF32() []namedF32 {
	if hasAVX2FMA {
		return []namedF32{{"avx2", &avx2F32}, {"go", &goF32}}
	}
	return []namedF32{{"go", &goF32}}
}

// availableDepthwise lists the depthwise and requantization kernels this
// machine can run (true: the assembly ones), the pure-Go ones last.
func availableDepthwise() []namedKernelSet {
	if hasAVX2FMA {
		return []namedKernelSet{{"avx2", true}, {"go", false}}
	}
	return []namedKernelSet{{"go", false}}
}
