package train

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// Gradients of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED. The weight
// and input gradients of convolutions and fully-connected layers are matrix
// products on internal/gemm, whose per-element summation order does not
// depend on its thread count.

var unbounded = gemm.Epilogue{Min: float32(math.Inf(-1)), Max: float32(math.Inf(1))}

// window is the geometry of a 2-D sliding window over NHWC tensors.
type window struct {
	batch, inH, inW, inC int
	outH, outW, outC     int
	kh, kw               int
	strideH, strideW     int
	dilH, dilW           int
	padTop, padLeft      int
}

func orOne(v int) int {
	if v <= 0 {
		return 1
	}
	return v
}

// newWindow derives a window's geometry from the plan's shapes of input and
// output, with TFLite's padding.
func newWindow(p *plan, in, out, kh, kw, sh, sw, dh, dw int, pad ir.Padding) (window, error) {
	x, y := p.net.batchShape(in, p.batch), p.net.batchShape(out, p.batch)
	if len(x) != 4 || len(y) != 4 {
		return window{}, fmt.Errorf("input and output must be 4-D NHWC, got %v and %v", x, y)
	}
	w := window{batch: x[0], inH: x[1], inW: x[2], inC: x[3], outH: y[1], outW: y[2], outC: y[3],
		kh: kh, kw: kw, strideH: sh, strideW: sw, dilH: dh, dilW: dw}
	if sh <= 0 || sw <= 0 || kh <= 0 || kw <= 0 {
		return w, fmt.Errorf("window %dx%d with strides %d,%d", kh, kw, sh, sw)
	}
	if ir.ConvOutputSize(pad, w.inH, kh, sh, dh) != w.outH || ir.ConvOutputSize(pad, w.inW, kw, sw, dw) != w.outW {
		return w, fmt.Errorf("output %v does not match input %v", y, x)
	}
	w.padTop, _ = ir.ConvPadding(w.inH, kh, sh, dh, w.outH)
	w.padLeft, _ = ir.ConvPadding(w.inW, kw, sw, dw, w.outW)
	return w, nil
}

func inputOr(op *ir.Op, i int) int {
	if i < len(op.Inputs) {
		return op.Inputs[i]
	}
	return -1
}

func checkActivation(a ir.Activation) error {
	switch a {
	case ir.ActNone, ir.ActRelu, ir.ActRelu6, ir.ActReluN1To1:
		return nil
	}
	return fmt.Errorf("fused activation %v has no gradient", a)
}

// convStep is CONV_2D: forward through the kernel, backward as the
// products of linearGrads with the input's im2col matrix as X.
type convStep struct {
	*kernelForward
	in, filter, bias, out int
	act                   ir.Activation
	win                   window
	depth                 int // KH*KW*C
	pointwise             bool
	dz, col               []float32
	wt, ones, zeros       []float32 // the filter transposed; the affine step of the bias and activation
	lin                   linearGrads
	// the im2col path (convcol.go): its padded widths, whether this plan's
	// last forward pass filled col, and its buffers
	geo               colGeometry
	colReady          bool
	yp, dzp, wp, dcol []float32
}

func newConv(p *plan, op *ir.Op, oi int) (step, error) {
	o, ok := op.Options.(*ir.Conv2DOptions)
	if !ok || o == nil {
		return nil, fmt.Errorf("missing Conv2DOptions")
	}
	s := &convStep{in: op.Inputs[0], filter: op.Inputs[1], bias: inputOr(op, 2), out: op.Outputs[0], act: o.Activation}
	if err := checkActivation(s.act); err != nil {
		return nil, err
	}
	f := p.net.g.Tensors[s.filter].Shape
	if len(f) != 4 {
		return nil, fmt.Errorf("filter shape %v is not [O,KH,KW,C]", f)
	}
	var err error
	s.win, err = newWindow(p, s.in, s.out, f[1], f[2], o.StrideH, o.StrideW, orOne(o.DilationH), orOne(o.DilationW), o.Padding)
	if err != nil {
		return nil, err
	}
	if f[3] != s.win.inC || f[0] != s.win.outC {
		return nil, fmt.Errorf("grouped convolution (filter %v on %d channels) cannot be trained", f, s.win.inC)
	}
	s.depth = f[1] * f[2] * f[3]
	w := s.win
	s.pointwise = w.kh == 1 && w.kw == 1 && w.strideH == 1 && w.strideW == 1
	if s.kernelForward, err = newKernelForward(p, op, oi); err != nil {
		return nil, err
	}
	return s, nil
}

// forward runs a 1×1 convolution as the product of the input's rows with
// the transposed filter on the vector loops, reading the input in place;
// other convolutions, and CPUs without the vector loops, go through the
// kernel.
func (s *convStep) forward(p *plan) error {
	w := s.win
	s.colReady = s.useCol(p)
	if s.colReady {
		s.colForward(p)
		return nil
	}
	if !s.pointwise || vec.mm4 == nil || w.outC%8 != 0 {
		return s.kernelForward.forward(p)
	}
	k, out, rows := w.inC, w.outC, w.batch*w.outH*w.outW
	f := p.vals[s.filter]
	wt := scratch(&s.wt, k*out)
	for o := range out {
		for i, v := range f[o*k : (o+1)*k] {
			wt[i*out+o] = v
		}
	}
	y := p.vals[s.out]
	x := mmArgs{n: k, a: p.vals[s.in], aT: 1, aM: k, b: wt, ldb: out, c: y, ldc: out, rows: rows, cols: out}
	affine := s.bias >= 0 || s.act != ir.ActNone
	var shift []float32
	if affine {
		s.ones = scratch(&s.ones, out)
		for i := range s.ones {
			s.ones[i] = 1
		}
		shift = scratch(&s.zeros, out)
		if s.bias >= 0 {
			shift = p.vals[s.bias]
		} else {
			clear(shift)
		}
	}
	lo, hi := actRange(s.act)
	p.net.w.run(numChunks(rows, mmRows), func(q int) {
		r0, r1 := chunkRange(rows, mmRows, q)
		vec.matMul(&x, r0, r1)
		if affine {
			blk := y[r0*out : r1*out]
			vec.affineClamp(blk, blk, out, s.ones, shift, lo, hi)
		}
	})
	return nil
}

// mmRows is how many rows a chunk of a product over activations holds.
const mmRows = 64

func (s *convStep) backward(p *plan) error {
	w := s.win
	rows := w.batch * w.outH * w.outW
	if s.colReady && p.grads[s.filter] != nil && w.outC%4 != 0 {
		dzp, err := s.paddedGrad(p)
		if err != nil {
			return err
		}
		s.colBackward(p, dzp, s.geo.outP)
		return nil
	}
	dz := scratch(&s.dz, rows*w.outC)
	dz, err := p.fusedGrad(s.act, p.vals[s.out], p.grads[s.out], dz)
	if err != nil {
		return err
	}
	if s.bias >= 0 && p.grads[s.bias] != nil {
		p.sumRows(dz, rows, w.outC, p.gradAcc(s.bias))
	}
	if s.colReady && p.grads[s.filter] != nil {
		s.colBackward(p, dz, w.outC)
		return nil
	}
	if p.grads[s.filter] != nil {
		col := p.vals[s.in]
		if !s.pointwise {
			col = scratch(&s.col, rows*s.depth)
			s.im2col(p, p.vals[s.in], col)
		}
		if err := s.lin.weightGrad(p, dz, col, rows, w.outC, s.depth, s.filter); err != nil {
			return err
		}
	}
	if p.grads[s.in] == nil {
		return nil
	}
	if s.pointwise {
		return s.lin.inputGrad(p, dz, p.vals[s.filter], rows, w.outC, s.depth, s.in)
	}
	dcol, err := s.lin.product(p, dz, p.vals[s.filter], rows, w.outC, s.depth, nil, false)
	if err != nil {
		return err
	}
	s.col2im(p, dcol, p.gradAcc(s.in))
	return nil
}

// linearGrads computes the gradients of a product Z = X·Wᵀ (X rows×k, W
// out×k) on the gemm engine, keeping its buffers between steps.
type linearGrads struct {
	dw, dx       []float32
	packX, packW gemm.PackedF32
}

// weightGrad adds dZᵀ·X (out×k) into tensor t's gradient, on the vector
// loops (dzTx) where they take the shape whole.
func (l *linearGrads) weightGrad(p *plan, dz, x []float32, rows, out, k, t int) error {
	if vec.canMatMul(out, k) {
		dw := scratch(&l.dw, out*k)
		p.dzTx(dz, out, x, k, rows, out, k, dw)
		p.store(t, dw)
		return nil
	}
	if _, err := gemm.PackF32(&l.packX, gemm.Matrix[float32]{Data: x, Rows: rows, Cols: k, RowStride: k, ColStride: 1}); err != nil {
		return err
	}
	dzT := gemm.Matrix[float32]{Data: dz, Rows: out, Cols: rows, RowStride: 1, ColStride: out}
	dw := scratch(&l.dw, out*k)
	if err := p.net.eng.MulF32(&dzT, &l.packX, dw, k, unbounded); err != nil {
		return err
	}
	p.store(t, dw)
	return nil
}

// dzTx writes dZᵀ·X (out×k) into dw, on the vector loops: out a multiple
// of 4 and k of 8, dZ's rows ldz apart and X's ldx. The operands are read in
// place, the rows in fixed chunks that stay in cache while every tile of dW
// takes its share; the threads split the tiles, so each element's sum runs
// over the rows in one order whatever their number.
func (p *plan) dzTx(dz []float32, ldz int, x []float32, ldx, rows, out, k int, dw []float32) {
	chunk := max(16, (1<<16)/(out+k))
	p.net.w.runRanges(out/4, func(g0, g1 int) {
		for r0 := 0; r0 < rows; r0 += chunk {
			n := min(chunk, rows-r0)
			x := mmArgs{n: n, a: dz[r0*ldz:], aT: ldz, aM: 1, b: x[r0*ldx:], ldb: ldx, c: dw, ldc: k,
				rows: out, cols: k, add: r0 > 0}
			vec.matMul(&x, 4*g0, 4*g1)
		}
	})
}

// product returns dZ·W (rows×k), written into dst (added to it with add),
// or when dst is nil into a buffer reused by the next call.
func (l *linearGrads) product(p *plan, dz, w []float32, rows, out, k int, dst []float32, add bool) ([]float32, error) {
	if dst == nil {
		dst, add = scratch(&l.dx, rows*k), false
	}
	if vec.mm4 != nil && k%8 == 0 {
		x := mmArgs{n: out, a: dz, aT: 1, aM: out, b: w, ldb: k, c: dst, ldc: k, rows: rows, cols: k, add: add}
		p.net.w.run(numChunks(rows, mmRows), func(q int) {
			r0, r1 := chunkRange(rows, mmRows, q)
			vec.matMul(&x, r0, r1)
		})
		return dst, nil
	}
	if add {
		sum, err := l.product(p, dz, w, rows, out, k, nil, false)
		if err != nil {
			return nil, err
		}
		p.eachChunk(len(sum), func(lo, hi int) {
			for i, v := range sum[lo:hi] {
				dst[lo+i] += v
			}
		})
		return dst, nil
	}
	if _, err := gemm.PackF32(&l.packW, gemm.Matrix[float32]{Data: w, Rows: out, Cols: k, RowStride: k, ColStride: 1}); err != nil {
		return nil, err
	}
	lhs := gemm.Matrix[float32]{Data: dz, Rows: rows, Cols: out, RowStride: out, ColStride: 1}
	if err := p.net.eng.MulF32(&lhs, &l.packW, dst, k, unbounded); err != nil {
		return nil, err
	}
	return dst, nil
}

// inputGrad gives tensor t the gradient dZ·W: the product lands in t's
// gradient buffer directly when it is the pass's first write there.
func (l *linearGrads) inputGrad(p *plan, dz, w []float32, rows, out, k, t int) error {
	g, assign := p.gradSet(t)
	_, err := l.product(p, dz, w, rows, out, k, g, !assign)
	return err
}

// im2col writes the input's im2col matrix: row (b, oy, ox) holds the window's
// taps (ky, kx) in order, each with its C channels, zero outside the image.
func (s *convStep) im2col(p *plan, x, col []float32) {
	w := s.win
	p.net.w.run(w.batch, func(b int) {
		for oy := range w.outH {
			for ox := range w.outW {
				row := col[((b*w.outH+oy)*w.outW+ox)*s.depth:][:s.depth]
				k := 0
				for ky := range w.kh {
					iy := oy*w.strideH - w.padTop + ky*w.dilH
					for kx := range w.kw {
						ix := ox*w.strideW - w.padLeft + kx*w.dilW
						dst := row[k : k+w.inC]
						if iy < 0 || iy >= w.inH || ix < 0 || ix >= w.inW {
							clear(dst)
						} else {
							copy(dst, x[((b*w.inH+iy)*w.inW+ix)*w.inC:])
						}
						k += w.inC
					}
				}
			}
		}
	})
}

// col2im adds the im2col-shaped gradient dcol back onto the input positions
// it was gathered from. Each image is one chunk and writes only its own part.
func (s *convStep) col2im(p *plan, dcol, dx []float32) {
	w := s.win
	p.net.w.run(w.batch, func(b int) {
		for oy := range w.outH {
			for ox := range w.outW {
				row := dcol[((b*w.outH+oy)*w.outW+ox)*s.depth:][:s.depth]
				k := 0
				for ky := range w.kh {
					iy := oy*w.strideH - w.padTop + ky*w.dilH
					for kx := range w.kw {
						ix := ox*w.strideW - w.padLeft + kx*w.dilW
						if iy >= 0 && iy < w.inH && ix >= 0 && ix < w.inW {
							dst := dx[((b*w.inH+iy)*w.inW+ix)*w.inC:][:w.inC]
							for c, v := range row[k : k+w.inC] {
								dst[c] += v
							}
						}
						k += w.inC
					}
				}
			}
		}
	})
}

// depthwiseStep is DEPTHWISE_CONV_2D, forward and backward here: the
// kernel copies its filter once at prepare, and training changes it at
// every step.
type depthwiseStep struct {
	in, filter, bias, out int
	act                   ir.Activation
	win                   window
	mult                  int
	lo, hi                float32
	dz, part              []float32
}

func newDepthwise(p *plan, op *ir.Op) (step, error) {
	o, ok := op.Options.(*ir.DepthwiseConv2DOptions)
	if !ok || o == nil {
		return nil, fmt.Errorf("missing DepthwiseConv2DOptions")
	}
	s := &depthwiseStep{in: op.Inputs[0], filter: op.Inputs[1], bias: inputOr(op, 2), out: op.Outputs[0], act: o.Activation}
	if err := checkActivation(s.act); err != nil {
		return nil, err
	}
	f := p.net.g.Tensors[s.filter].Shape
	if len(f) != 4 || f[0] != 1 {
		return nil, fmt.Errorf("filter shape %v is not [1,KH,KW,C*M]", f)
	}
	var err error
	s.win, err = newWindow(p, s.in, s.out, f[1], f[2], o.StrideH, o.StrideW, orOne(o.DilationH), orOne(o.DilationW), o.Padding)
	if err != nil {
		return nil, err
	}
	if s.win.inC <= 0 || f[3] != s.win.outC || s.win.outC%s.win.inC != 0 {
		return nil, fmt.Errorf("filter %v does not fit %d input and %d output channels", f, s.win.inC, s.win.outC)
	}
	if s.bias >= 0 && ir.NumElements(p.net.g.Tensors[s.bias].Shape) != s.win.outC {
		return nil, fmt.Errorf("bias shape %v for %d channels", p.net.g.Tensors[s.bias].Shape, s.win.outC)
	}
	s.mult = s.win.outC / s.win.inC
	s.lo, s.hi = actRange(s.act)
	return s, nil
}

// clamp applies a clamp activation's bounds in place.
func clamp(v []float32, lo, hi float32) {
	for i, x := range v {
		if x < lo {
			v[i] = lo
		} else if x > hi {
			v[i] = hi
		}
	}
}

// actRange is a clamp activation's bounds.
func actRange(a ir.Activation) (lo, hi float32) {
	switch a {
	case ir.ActRelu:
		return 0, float32(math.Inf(1))
	case ir.ActRelu6:
		return 0, 6
	case ir.ActReluN1To1:
		return -1, 1
	}
	return float32(math.Inf(-1)), float32(math.Inf(1))
}

// forward computes each image as one chunk, with the arithmetic of
// liteforge's depthwise kernel (products rounded to float32, taps in order),
// so the exported model computes the same values.
func (s *depthwiseStep) forward(p *plan) error {
	w, x, f, y := s.win, p.vals[s.in], p.vals[s.filter], p.vals[s.out]
	var bias []float32
	if s.bias >= 0 {
		bias = p.vals[s.bias]
	}
	p.net.w.run(w.batch, func(b int) {
		for oy := range w.outH {
			for ox := range w.outW {
				acc := y[((b*w.outH+oy)*w.outW+ox)*w.outC:][:w.outC]
				if bias != nil {
					copy(acc, bias)
				} else {
					clear(acc)
				}
				for ky := range w.kh {
					iy := oy*w.strideH - w.padTop + ky*w.dilH
					if iy < 0 || iy >= w.inH {
						continue
					}
					for kx := range w.kw {
						ix := ox*w.strideW - w.padLeft + kx*w.dilW
						if ix < 0 || ix >= w.inW {
							continue
						}
						in := x[((b*w.inH+iy)*w.inW+ix)*w.inC:][:w.inC]
						fk := f[(ky*w.kw+kx)*w.outC:][:w.outC]
						if s.mult == 1 {
							vec.mulAdd(acc, in, fk)
							continue
						}
						for c, v := range in {
							for m := range s.mult {
								acc[c*s.mult+m] += float32(v * fk[c*s.mult+m])
							}
						}
					}
				}
				if s.act != ir.ActNone {
					clamp(acc, s.lo, s.hi)
				}
			}
		}
	})
	return nil
}

func (s *depthwiseStep) backward(p *plan) error {
	w := s.win
	x, f := p.vals[s.in], p.vals[s.filter]
	dz := scratch(&s.dz, len(p.vals[s.out]))
	dz, err := p.fusedGrad(s.act, p.vals[s.out], p.grads[s.out], dz)
	if err != nil {
		return err
	}
	// With one filter per channel the input's gradient is gathered: each
	// input pixel sums the taps that read it, written once, so the buffer
	// needs no clearing first. Several filters per channel scatter into it.
	var dx []float32
	assign := false
	gather := s.mult == 1
	if gather {
		dx, assign = p.gradSet(s.in)
	} else {
		dx = p.gradAcc(s.in)
	}
	df := p.gradAcc(s.filter)
	var db []float32
	if s.bias >= 0 {
		db = p.gradAcc(s.bias)
	}
	taps := w.kh * w.kw * w.outC
	per := taps + w.outC // one image's partial filter and bias gradients
	part := scratch(&s.part, w.batch*per)
	p.net.w.run(w.batch, func(b int) {
		pf, pb := part[b*per:b*per+taps], part[b*per+taps:(b+1)*per]
		clear(pf)
		clear(pb)
		for oy := range w.outH {
			for ox := range w.outW {
				g := dz[((b*w.outH+oy)*w.outW+ox)*w.outC:][:w.outC]
				for c, v := range g {
					pb[c] += v
				}
				for ky := range w.kh {
					iy := oy*w.strideH - w.padTop + ky*w.dilH
					if iy < 0 || iy >= w.inH {
						continue
					}
					for kx := range w.kw {
						ix := ox*w.strideW - w.padLeft + kx*w.dilW
						if ix < 0 || ix >= w.inW {
							continue
						}
						at := ((b*w.inH+iy)*w.inW + ix) * w.inC
						in := x[at : at+w.inC]
						tap := (ky*w.kw + kx) * w.outC
						fk, gk := f[tap:tap+w.outC], pf[tap:tap+w.outC]
						if s.mult == 1 {
							vec.mulAdd(gk, g, in)
							continue
						}
						for c, v := range in {
							for m := range s.mult {
								oc := c*s.mult + m
								gk[oc] += float32(g[oc] * v)
							}
						}
						if dx != nil {
							d := dx[at : at+w.inC]
							for c := range d {
								var acc float32
								for m := range s.mult {
									oc := c*s.mult + m
									acc += float32(g[oc] * fk[oc])
								}
								d[c] += acc
							}
						}
					}
				}
			}
		}
		if gather && dx != nil {
			s.gatherInputGrad(b, dz, f, dx, assign)
		}
	})
	if df != nil {
		sumParts(part, w.batch, per, 0, taps, df)
	}
	if db != nil {
		sumParts(part, w.batch, per, taps, per, db)
	}
	return nil
}

// gatherInputGrad writes (or adds) image b's input gradient for one filter
// per channel: pixel (iy, ix) sums dz·f over the taps (ky, kx) in order
// whose output pixel reads it.
func (s *depthwiseStep) gatherInputGrad(b int, dz, f, dx []float32, assign bool) {
	w := s.win
	c := w.inC
	for iy := range w.inH {
		for ix := range w.inW {
			d := dx[((b*w.inH+iy)*w.inW+ix)*c:][:c]
			first := assign
			for ky := range w.kh {
				ny := iy + w.padTop - ky*w.dilH
				oy := ny / w.strideH
				if ny < 0 || ny%w.strideH != 0 || oy >= w.outH {
					continue
				}
				for kx := range w.kw {
					nx := ix + w.padLeft - kx*w.dilW
					ox := nx / w.strideW
					if nx < 0 || nx%w.strideW != 0 || ox >= w.outW {
						continue
					}
					g := dz[((b*w.outH+oy)*w.outW+ox)*c:][:c]
					fk := f[(ky*w.kw+kx)*c:][:c]
					if first {
						vec.mul(d, g, fk)
						first = false
					} else {
						vec.mulAdd(d, g, fk)
					}
				}
			}
			if first { // no tap reads this pixel
				clear(d)
			}
		}
	}
}

// sumParts adds to dst, for columns [lo, hi) of n partial rows of width
// per, the column sums in row order (float64 accumulators).
func sumParts(part []float32, n, per, lo, hi int, dst []float32) {
	for j := lo; j < hi; j++ {
		var s float64
		for r := range n {
			s += float64(part[r*per+j])
		}
		dst[j-lo] += float32(s)
	}
}

// fcStep is FULLY_CONNECTED: forward through the kernel; the gradients are
// dW = dZᵀ·X and dX = dZ·W (linearGrads).
type fcStep struct {
	*kernelForward
	in, weights, bias, out int
	act                    ir.Activation
	rows, inSize, units    int
	dz                     []float32
	lin                    linearGrads
}

func newFC(p *plan, op *ir.Op, oi int) (step, error) {
	o, ok := op.Options.(*ir.FullyConnectedOptions)
	if !ok || o == nil {
		return nil, fmt.Errorf("missing FullyConnectedOptions")
	}
	s := &fcStep{in: op.Inputs[0], weights: op.Inputs[1], bias: inputOr(op, 2), out: op.Outputs[0], act: o.Activation}
	if err := checkActivation(s.act); err != nil {
		return nil, err
	}
	ws := p.net.g.Tensors[s.weights].Shape
	if len(ws) != 2 {
		return nil, fmt.Errorf("weights shape %v is not [units, in]", ws)
	}
	s.units, s.inSize = ws[0], ws[1]
	total := len(p.vals[s.in])
	if s.inSize <= 0 || total%s.inSize != 0 {
		return nil, fmt.Errorf("input of %d elements does not split into rows of %d", total, s.inSize)
	}
	s.rows = total / s.inSize
	var err error
	if s.kernelForward, err = newKernelForward(p, op, oi); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *fcStep) backward(p *plan) error {
	dz := scratch(&s.dz, s.rows*s.units)
	dz, err := p.fusedGrad(s.act, p.vals[s.out], p.grads[s.out], dz)
	if err != nil {
		return err
	}
	if s.bias >= 0 && p.grads[s.bias] != nil {
		p.sumRows(dz, s.rows, s.units, p.gradAcc(s.bias))
	}
	if p.grads[s.weights] != nil {
		if err := s.lin.weightGrad(p, dz, p.vals[s.in], s.rows, s.units, s.inSize, s.weights); err != nil {
			return err
		}
	}
	if p.grads[s.in] != nil {
		return s.lin.inputGrad(p, dz, p.vals[s.weights], s.rows, s.units, s.inSize, s.in)
	}
	return nil
}
