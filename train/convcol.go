package train

import "github.com/liteforge/liteforge/ir"

// The im2col path of CONV_2D in training plans on CPUs with the vector
// loops: the forward pass writes the input's im2col matrix a chunk of rows
// at a time, multiplies it with the filter while those rows are in cache,
// and keeps it for the backward pass, whose weight gradient reads it again
// and whose input gradient is a product scattered back by col2im. The
// matrix's depth, and the output channels where they are not a multiple of
// eight, are padded with zeros to the vector loops' widths, so that small
// convolutions (LeNet's 1→6 and 6→16 channels) run on them whole instead of
// going through gemm's packing.

// colGeometry is the padded layout of the im2col path.
type colGeometry struct {
	kp   int // im2col row width: the depth rounded up to a multiple of 8
	outP int // output channels rounded up to a multiple of 8
}

func roundUp8(v int) int { return (v + 7) &^ 7 }

// useCol reports whether this plan's convolution takes the im2col path:
// a non-pointwise convolution whose filter is trained, on the vector loops.
// Plans without gradients (evaluation) keep the kernel, which needs no
// im2col buffer.
func (s *convStep) useCol(p *plan) bool {
	return !s.pointwise && vec.mm4 != nil && p.grads[s.filter] != nil
}

// colForward computes the convolution's output from the im2col matrix,
// which it leaves in s.col for the backward pass.
func (s *convStep) colForward(p *plan) {
	w := s.win
	s.geo = colGeometry{kp: roundUp8(s.depth), outP: roundUp8(w.outC)}
	kp, out, outP := s.geo.kp, w.outC, s.geo.outP
	rows := w.batch * w.outH * w.outW
	// allocated zero once; im2colRows keeps its zeros (outside the image,
	// padding columns) by never writing there
	if len(s.col) != rows*kp {
		s.col = make([]float32, rows*kp)
	}
	col := s.col
	// the filter transposed, depth × outP, zero in the padding columns
	f := p.vals[s.filter]
	wt := scratch(&s.wt, s.depth*outP)
	clear(wt)
	for o := range out {
		for i, v := range f[o*s.depth : (o+1)*s.depth] {
			wt[i*outP+o] = v
		}
	}
	y := p.vals[s.out]
	c, ldc := y, out
	if outP != out {
		c, ldc = scratch(&s.yp, rows*outP), outP
	}
	lo, hi := actRange(s.act)
	x := mmArgs{n: s.depth, a: col, aT: 1, aM: kp, b: wt, ldb: outP, c: c, ldc: ldc, rows: rows, cols: outP}
	// the bias and activation run on the vector loops, over rows of outP
	// (the padding columns get zero bias and are dropped)
	shift := scratch(&s.zeros, outP)
	clear(shift)
	if s.bias >= 0 {
		copy(shift, p.vals[s.bias])
	}
	ones := scratch(&s.ones, outP)
	for i := range ones {
		ones[i] = 1
	}
	p.net.w.run(numChunks(rows, mmRows), func(q int) {
		r0, r1 := chunkRange(rows, mmRows, q)
		s.im2colRows(p.vals[s.in], col, r0, r1)
		vec.matMul(&x, r0, r1)
		blk := c[r0*ldc : r1*ldc]
		vec.affineClamp(blk, blk, ldc, ones, shift, lo, hi)
		if outP != out {
			// by hand: a memmove call per row of 6 costs more than the copy
			for r := r0; r < r1; r++ {
				d := y[r*out : (r+1)*out]
				for j, v := range c[r*ldc : r*ldc+out] {
					d[j] = v
				}
			}
		}
	})
}

// im2colRows writes rows [r0, r1) of the im2col matrix (row width kp): row
// (b, oy, ox) holds the window's taps (ky, kx) in order, each with its C
// channels, zero outside the image and in the padding columns. Those zeros
// are where they were at the last call, since the geometry is the plan's:
// it writes only the taps inside the image. Without dilation a window row's
// taps are one contiguous run of the input, copied by hand when short
// (LeNet's first layer copies runs of 5), where a call to memmove would cost
// more than the copy.
func (s *convStep) im2colRows(x, col []float32, r0, r1 int) {
	w := s.win
	kp, run, lineLen := s.geo.kp, w.kw*w.inC, w.inW*w.inC
	ox, oy, b := r0%w.outW, (r0/w.outW)%w.outH, r0/(w.outW*w.outH)
	for r := r0; r < r1; r++ {
		row := col[r*kp : r*kp+s.depth]
		ix0 := ox*w.strideW - w.padLeft
		lo, hi := max(0, -ix0)*w.inC, min(w.kw, w.inW-ix0)*w.inC
		for ky := range w.kh {
			iy := oy*w.strideH - w.padTop + ky*w.dilH
			if iy < 0 || iy >= w.inH || (w.dilW == 1 && hi <= lo) {
				continue
			}
			line := x[(b*w.inH+iy)*lineLen:][:lineLen]
			dst := row[ky*run : (ky+1)*run]
			if w.dilW != 1 {
				for kx := range w.kw {
					if ix := ix0 + kx*w.dilW; ix >= 0 && ix < w.inW {
						copy(dst[kx*w.inC:(kx+1)*w.inC], line[ix*w.inC:])
					}
				}
				continue
			}
			src, d := line[ix0*w.inC+lo:ix0*w.inC+hi], dst[lo:hi]
			if len(d) <= 16 {
				for i, v := range src {
					d[i] = v
				}
			} else {
				copy(d, src)
			}
		}
		if ox++; ox == w.outW {
			ox = 0
			if oy++; oy == w.outH {
				oy = 0
				b++
			}
		}
	}
}

// paddedGrad returns the gradient before the activation with its rows
// padded by zero channels to outP, for output channels that are not a
// multiple of 4, and adds the bias's gradient: one pass over the chunks of
// sumRows, whose sums it reproduces.
func (s *convStep) paddedGrad(p *plan) ([]float32, error) {
	if err := activationGrad(s.act, nil, nil, nil); err != nil {
		return nil, err
	}
	w := s.win
	out, outP := w.outC, s.geo.outP
	rows := w.batch * w.outH * w.outW
	// allocated zero once; the padding channels are never written
	if len(s.dzp) != rows*outP {
		s.dzp = make([]float32, rows*outP)
	}
	dzp, y, dy := s.dzp, p.vals[s.out], p.grads[s.out]
	g := scratch(&s.dz, rows*out)
	var db []float32
	if s.bias >= 0 {
		db = p.gradAcc(s.bias)
	}
	chunks := numChunks(rows, sumChunk)
	var part []float64
	if db != nil {
		part = make([]float64, chunks*out)
	}
	p.net.w.run(chunks, func(c int) {
		lo, hi := chunkRange(rows, sumChunk, c)
		gc := dy[lo*out : hi*out]
		if s.act != ir.ActNone {
			gc = g[lo*out : hi*out]
			_ = activationGrad(s.act, y[lo*out:hi*out], dy[lo*out:hi*out], gc)
		}
		if part != nil {
			addRows(gc, out, part[c*out:(c+1)*out])
		}
		for r := lo; r < hi; r++ {
			d := dzp[r*outP : r*outP+out]
			for j, v := range gc[(r-lo)*out : (r-lo+1)*out] {
				d[j] = v
			}
		}
	})
	if db != nil {
		addParts(part, out, db)
	}
	return dzp, nil
}

// colBackward computes the filter's and the input's gradients from the
// gradient before the activation, dz (rows ldz apart, ldz out or, padded
// with zero channels, a multiple of 4), and the im2col matrix of the
// forward pass.
func (s *convStep) colBackward(p *plan, dz []float32, ldz int) {
	w := s.win
	kp, out := s.geo.kp, w.outC
	rows := w.batch * w.outH * w.outW
	// dW = dZᵀ·col on 4-row tiles of output channels
	tiles := roundUp4(out)
	dw := scratch(&s.lin.dw, tiles*kp)
	p.dzTx(dz, ldz, s.col, kp, rows, tiles, kp, dw)
	// rows of kp to rows of depth, in place (each row moves left)
	for o := range out {
		copy(dw[o*s.depth:(o+1)*s.depth], dw[o*kp:o*kp+s.depth])
	}
	p.store(s.filter, dw[:out*s.depth])
	if p.grads[s.in] == nil {
		return
	}
	// dcol = dZ·W, with W padded to kp columns; each image's rows go back
	// onto its own input gradient, so images are the chunks.
	f := p.vals[s.filter]
	wp := scratch(&s.wp, out*kp)
	for o := range out {
		copy(wp[o*kp:], f[o*s.depth:(o+1)*s.depth])
		clear(wp[o*kp+s.depth : (o+1)*kp])
	}
	dcol := scratch(&s.dcol, rows*kp)
	dx := p.gradAcc(s.in)
	x := mmArgs{n: out, a: dz, aT: 1, aM: ldz, b: wp, ldb: kp, c: dcol, ldc: kp, rows: rows, cols: kp}
	pixels := w.outH * w.outW
	p.net.w.run(w.batch, func(b int) {
		vec.matMul(&x, b*pixels, (b+1)*pixels)
		s.col2imImage(b, dcol, kp, dx)
	})
}

func roundUp4(v int) int { return (v + 3) &^ 3 }

// col2imImage adds image b's rows of the im2col-shaped gradient dcol (row
// width ld) onto the input positions they were gathered from, taps in
// order.
func (s *convStep) col2imImage(b int, dcol []float32, ld int, dx []float32) {
	w := s.win
	run := w.kw * w.inC
	for oy := range w.outH {
		for ox := range w.outW {
			row := dcol[((b*w.outH+oy)*w.outW+ox)*ld:][:s.depth]
			ix0 := ox*w.strideW - w.padLeft
			for ky := range w.kh {
				iy := oy*w.strideH - w.padTop + ky*w.dilH
				if iy < 0 || iy >= w.inH {
					continue
				}
				line := dx[(b*w.inH+iy)*w.inW*w.inC:][:w.inW*w.inC]
				src := row[ky*run : (ky+1)*run]
				if w.dilW == 1 {
					k0, k1 := max(0, -ix0), min(w.kw, w.inW-ix0)
					if k1 > k0 {
						d := line[(ix0+k0)*w.inC : (ix0+k1)*w.inC]
						for i, v := range src[k0*w.inC : k1*w.inC] {
							d[i] += v
						}
					}
					continue
				}
				for kx := range w.kw {
					if ix := ix0 + kx*w.dilW; ix >= 0 && ix < w.inW {
						d := line[ix*w.inC : (ix+1)*w.inC]
						for c, v := range src[kx*w.inC : (kx+1)*w.inC] {
							d[c] += v
						}
					}
				}
			}
		}
	}
}
