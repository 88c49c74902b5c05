package kernels

import (
	"sync"

	"github.com/liteforge/liteforge/internal/gemm"
)

// The depthwise convolution with depth multiplier 1 on internal/gemm's
// depthwise kernels (channels in vector lanes): each output row is cut into
// runs of pixels whose windows have the same in-bounds taps (the interior of
// the row is one run), and each run is one kernel call.

// depthwiseErr keeps the first error a worker met, for Eval to return.
type depthwiseErr struct {
	mu  sync.Mutex
	err error
}

func (e *depthwiseErr) set(err error) {
	e.mu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.mu.Unlock()
}

// take returns the error and clears it.
func (e *depthwiseErr) take() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.err
	e.err = nil
	return err
}

// tapRange returns the taps [t0, t1) of a window of k taps, dil apart from
// input coordinate base, that fall inside [0, size).
func tapRange(base, dil, k, size int) (t0, t1 int) {
	if base < 0 {
		t0 = (-base + dil - 1) / dil
	}
	t1 = 0
	if size > base {
		t1 = (size - base + dil - 1) / dil
	}
	t1 = min(t1, k)
	return min(t0, t1), t1
}

// depthwiseRuns calls f for each run of output pixels of row (b, oy) whose
// windows share their in-bounds taps, with the kernel window of the run
// (base holds the strides; Rows, Cols, Pixels and the offsets are set).
func (k *depthwiseConv2D) depthwiseRuns(b, oy int, base *gemm.DepthwiseWindow, f func(dw gemm.DepthwiseWindow)) {
	w, C := k.win, k.outC
	iy := oy*w.strideH - w.padTop
	ky0, ky1 := tapRange(iy, w.dilH, w.kh, w.inH)
	for ox := 0; ox < w.outW; {
		ix := ox*w.strideW - w.padLeft
		kx0, kx1 := tapRange(ix, w.dilW, w.kw, w.inW)
		run := 1
		for ox+run < w.outW {
			a, z := tapRange(ix+run*w.strideW, w.dilW, w.kw, w.inW)
			if a != kx0 || z != kx1 {
				break
			}
			run++
		}
		dw := *base
		dw.Pixels, dw.OutOffset = run, ((b*w.outH+oy)*w.outW+ox)*C
		if ky0 < ky1 && kx0 < kx1 {
			dw.Rows, dw.Cols = ky1-ky0, kx1-kx0
			dw.InOffset = ((b*w.inH+iy+ky0*w.dilH)*w.inW + ix + kx0*w.dilW) * w.inC
			dw.FilterOffset = (ky0*w.kw + kx0) * C
		} else {
			// No tap in bounds: the output is the bias alone.
			dw.Rows, dw.Cols, dw.InPixelStride = 0, 0, 0
		}
		f(dw)
		ox += run
	}
}

// rowsF32Lanes computes output rows [r0, r1) of a float convolution with
// multiplier 1.
func (k *depthwiseConv2D) rowsF32Lanes(r0, r1 int) {
	w, C := k.win, k.outC
	base := gemm.DepthwiseWindow{Channels: C, InRowStride: w.dilH * w.inW * C, InColStride: w.dilW * C,
		FilterRowStride: w.kw * C, InPixelStride: w.strideW * C, Min: k.lo, Max: k.hi}
	for r := r0; r < r1; r++ {
		k.depthwiseRuns(r/w.outH, r%w.outH, &base, func(dw gemm.DepthwiseWindow) {
			if err := gemm.DepthwiseF32(&dw, k.inF32, k.filterF32, k.biasF32, k.outF32); err != nil {
				k.errs.set(err)
			}
		})
	}
}

// prepareIntLanes sets up the lane kernels for an 8-bit convolution with
// multiplier 1: the filter widened to int32 less its zero point fZP, and one
// buffer of sums per thread for a row's pixels.
func prepareIntLanes[F int8 | uint8](k *depthwiseConv2D, filter []F, fZP int32, signed bool) {
	q := &k.q
	q.filter32, q.runAcc = nil, nil
	if k.mult != 1 {
		return
	}
	q.filter32 = make([]int32, len(filter))
	for i, f := range filter {
		q.filter32[i] = int32(f) - fZP
	}
	q.signedLanes = signed
	q.runAcc = make([][]int32, threadsOf(k.ctx))
	for i := range q.runAcc {
		q.runAcc[i] = make([]int32, k.win.outW*k.outC)
	}
}

// rowsIntLanes computes output rows [r0, r1) of an 8-bit convolution with
// multiplier 1: the lane kernel sums a run of pixels, the requantizer
// stores it.
func (k *depthwiseConv2D) rowsIntLanes(part, r0, r1 int) {
	w, C, q := k.win, k.outC, &k.q
	acc := q.runAcc[part]
	base := gemm.DepthwiseWindow{Channels: C, InRowStride: w.dilH * w.inW * C, InColStride: w.dilW * C,
		FilterRowStride: w.kw * C, InPixelStride: w.strideW * C}
	for r := r0; r < r1; r++ {
		k.depthwiseRuns(r/w.outH, r%w.outH, &base, func(dw gemm.DepthwiseWindow) {
			out := dw.OutOffset
			dw.OutOffset = 0
			var err error
			if q.signedLanes {
				err = gemm.DepthwiseInt(&dw, q.in8, q.filter32, q.inZP, acc)
			} else {
				err = gemm.DepthwiseInt(&dw, q.inU8, q.filter32, q.inZP, acc)
			}
			if err != nil {
				k.errs.set(err)
				return
			}
			for p := 0; p < dw.Pixels; p++ {
				k.storeLanes(out+p*C, acc[p*C:(p+1)*C])
			}
		})
	}
}

// storeLanes requantizes one pixel's sums into the 8-bit output at o.
func (k *depthwiseConv2D) storeLanes(o int, sums []int32) {
	q := &k.q
	if q.signedLanes {
		requantPixel(&q.rq32, q.out8[o:o+len(sums)], sums)
	} else {
		requantPixel(&q.rq32, q.outU8[o:o+len(sums)], sums)
	}
}

// requantPixel requantizes the sums of channels [0, len(sums)) into dst, on
// the vector requantizer when rq has one that takes them.
func requantPixel[T int8 | uint8](rq *requant[int32], dst []T, sums []int32) {
	if rq.vec != nil && gemm.Requantize(rq.vec, dst, sums, 0) == nil {
		return
	}
	for c, v := range sums {
		dst[c] = T(rq.apply(v, c))
	}
}
