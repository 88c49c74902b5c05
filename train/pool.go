package train

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// Gradients of MAX_POOL_2D, AVERAGE_POOL_2D, MEAN, CONCATENATION and PAD.
// Each image is one chunk and writes only its own input gradient.

type poolStep struct {
	*kernelForward
	max     bool
	in, out int
	act     ir.Activation
	win     window
	dz      []float32
	// A max pool in a training plan runs its own forward pass, which keeps
	// per output element the input index of its window's first maximum
	// (arg), for the backward pass to send the gradient there.
	ownForward, argReady bool
	arg                  []int32
}

func newPool(p *plan, op *ir.Op, oi int) (step, error) {
	o, ok := op.Options.(*ir.Pool2DOptions)
	if !ok || o == nil {
		return nil, fmt.Errorf("missing Pool2DOptions")
	}
	s := &poolStep{max: op.Type == ir.MaxPool2D, in: op.Inputs[0], out: op.Outputs[0], act: o.Activation}
	if err := checkActivation(s.act); err != nil {
		return nil, err
	}
	var err error
	if s.win, err = newWindow(p, s.in, s.out, o.FilterHeight, o.FilterWidth, o.StrideH, o.StrideW, 1, 1, o.Padding); err != nil {
		return nil, err
	}
	if s.kernelForward, err = newKernelForward(p, op, oi); err != nil {
		return nil, err
	}
	s.ownForward = s.max && p.grads[s.in] != nil && len(p.vals[s.in]) <= math.MaxInt32 && s.win.noEmptyWindow()
	return s, nil
}

// noEmptyWindow reports whether every output pixel's window holds an input
// pixel (the kernel reports an error otherwise).
func (w window) noEmptyWindow() bool {
	for oy := range w.outH {
		if iy := oy*w.strideH - w.padTop; max(iy, 0) >= min(iy+w.kh, w.inH) {
			return false
		}
	}
	for ox := range w.outW {
		if ix := ox*w.strideW - w.padLeft; max(ix, 0) >= min(ix+w.kw, w.inW) {
			return false
		}
	}
	return true
}

// windowOffsets returns, in scan order, the offsets in the input of the
// in-bounds pixels of output pixel (b, oy, ox)'s window, in offs's storage.
func (w window) windowOffsets(b, oy, ox int, offs []int) []int {
	iy, ix := oy*w.strideH-w.padTop, ox*w.strideW-w.padLeft
	offs = offs[:0]
	for y := max(iy, 0); y < min(iy+w.kh, w.inH); y++ {
		for xx := max(ix, 0); xx < min(ix+w.kw, w.inW); xx++ {
			offs = append(offs, ((b*w.inH+y)*w.inW+xx)*w.inC)
		}
	}
	return offs
}

// forward runs a max pool of a training plan here, each image a chunk: the
// value as the kernel computes it (the largest of -MaxFloat32 and the
// window's elements, clamped by the activation), and its first maximum's
// index. Other pools go through the kernel.
func (s *poolStep) forward(p *plan) error {
	s.argReady = s.ownForward
	if !s.ownForward {
		return s.kernelForward.forward(p)
	}
	w, x, y := s.win, p.vals[s.in], p.vals[s.out]
	if cap(s.arg) < len(y) {
		s.arg = make([]int32, len(y))
	}
	arg := s.arg[:len(y)]
	lo, hi := actRange(s.act)
	p.net.w.run(w.batch, func(b int) {
		offs := make([]int, 0, w.kh*w.kw)
		for oy := range w.outH {
			for ox := range w.outW {
				offs = w.windowOffsets(b, oy, ox, offs)
				o := ((b*w.outH+oy)*w.outW + ox) * w.inC
				for c := range w.inC {
					m, at := windowMax(x, offs, c)
					y[o+c] = min(max(m, lo), hi)
					arg[o+c] = int32(at)
				}
			}
		}
	})
	return nil
}

// backward sends a max pool's gradient to the first element of each window
// holding the maximum, and spreads an average pool's evenly over the
// in-bounds elements (TFLite divides by their count, not the window's size).
func (s *poolStep) backward(p *plan) error {
	dx := p.gradAcc(s.in)
	if dx == nil {
		return nil
	}
	w := s.win
	dz := scratch(&s.dz, len(p.vals[s.out]))
	dz, err := p.fusedGrad(s.act, p.vals[s.out], p.grads[s.out], dz)
	if err != nil {
		return err
	}
	if s.max {
		if !s.argReady {
			return fmt.Errorf("max pool backward without its forward pass")
		}
		per := w.outH * w.outW * w.inC
		p.net.w.run(w.batch, func(b int) {
			for i := b * per; i < (b+1)*per; i++ {
				dx[s.arg[i]] += dz[i]
			}
		})
		return nil
	}
	p.net.w.run(w.batch, func(b int) {
		for oy := range w.outH {
			for ox := range w.outW {
				iy, ix := oy*w.strideH-w.padTop, ox*w.strideW-w.padLeft
				y0, y1, x0, x1 := max(iy, 0), min(iy+w.kh, w.inH), max(ix, 0), min(ix+w.kw, w.inW)
				g := dz[((b*w.outH+oy)*w.outW+ox)*w.inC:][:w.inC]
				inv := 1 / float32((y1-y0)*(x1-x0))
				for y := y0; y < y1; y++ {
					for xx := x0; xx < x1; xx++ {
						d := dx[((b*w.inH+y)*w.inW+xx)*w.inC:][:w.inC]
						for c, v := range g {
							d[c] += v * inv
						}
					}
				}
			}
		}
	})
	return nil
}

// windowMax returns the largest of -MaxFloat32 and the x[o+c] over the
// offsets o (NaN if any is: the kernel's value), and the index of the first
// of the largest x[o+c]. The index moves by a multiply rather than a
// branch, which the compiler turns into a conditional move: comparisons on
// random activations mispredict about half the time.
func windowMax(x []float32, offs []int, c int) (m float32, at int) {
	at = offs[0] + c
	best := x[at]
	m = max(-math.MaxFloat32, best)
	for _, o := range offs[1:] {
		i := o + c
		v := x[i]
		m = max(m, v)
		more := 0
		if v > best {
			more = 1
		}
		at += (i - at) * more
		best = x[at]
	}
	return m, at
}

// meanStep is MEAN over axes that leave the batch dimension alone.
type meanStep struct {
	*kernelForward
	in, out int
	shape   []int // the input's per-sample shape
	stride  []int // per input dimension: its stride in the output, 0 when reduced
	inv     float32
}

func newMean(p *plan, op *ir.Op, oi int) (step, error) {
	n := p.net
	s := &meanStep{in: op.Inputs[0], out: op.Outputs[0], shape: n.sample[op.Inputs[0]]}
	axes := n.g.Tensors[op.Inputs[1]]
	vals, ok := ir.IntValues(axes.Type, axes.Data)
	if !axes.IsConst() || !ok {
		return nil, fmt.Errorf("axes %q must be constant integers", axes.Name)
	}
	rank := len(s.shape) + 1
	reduced := make([]bool, rank)
	count := 1
	for _, a := range vals {
		if a < 0 {
			a += rank
		}
		if a < 0 || a >= rank {
			return nil, fmt.Errorf("axis %d out of range for rank %d", a, rank)
		}
		if a == 0 {
			return nil, fmt.Errorf("MEAN over the batch dimension cannot be trained")
		}
		if !reduced[a] {
			reduced[a] = true
			count *= s.shape[a-1]
		}
	}
	s.stride = make([]int, len(s.shape))
	stride := 1
	for d := len(s.shape) - 1; d >= 0; d-- {
		if !reduced[d+1] {
			s.stride[d] = stride
			stride *= s.shape[d]
		}
	}
	if stride != n.sampleSize(s.out) {
		return nil, fmt.Errorf("output shape %v does not match the reduction of %v", n.sample[s.out], s.shape)
	}
	s.inv = 1 / float32(count)
	var err error
	if s.kernelForward, err = newKernelForward(p, op, oi); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *meanStep) backward(p *plan) error {
	dx := p.gradAcc(s.in)
	if dx == nil {
		return nil
	}
	dy := p.grads[s.out]
	inSize, outSize := p.net.sampleSize(s.in), p.net.sampleSize(s.out)
	self := make([]int, len(s.shape)) // the input's own (unused) second offsets
	p.net.w.run(p.batch, func(b int) {
		d, g := dx[b*inSize:(b+1)*inSize], dy[b*outSize:(b+1)*outSize]
		walk(s.shape, s.stride, self, func(i, o, _ int) {
			d[i] += g[o] * s.inv
		})
	})
	return nil
}

// concatStep is CONCATENATION: each input's gradient is its slice of the
// output's along the axis.
type concatStep struct {
	*kernelForward
	ins   []int
	out   int
	act   ir.Activation
	outer int   // product of the dimensions before the axis (batch included)
	inner []int // per input: its axis size times the dimensions after the axis
	dz    []float32
}

func newConcat(p *plan, op *ir.Op, oi int) (step, error) {
	o, ok := op.Options.(*ir.ConcatenationOptions)
	if !ok || o == nil {
		return nil, fmt.Errorf("missing ConcatenationOptions")
	}
	s := &concatStep{ins: op.Inputs, out: op.Outputs[0], act: o.Activation}
	if err := checkActivation(s.act); err != nil {
		return nil, err
	}
	shape := p.net.batchShape(s.out, p.batch)
	axis := o.Axis
	if axis < 0 {
		axis += len(shape)
	}
	if axis <= 0 || axis >= len(shape) {
		return nil, fmt.Errorf("axis %d: concatenating along the batch (or out of range) cannot be trained", o.Axis)
	}
	s.outer = ir.NumElements(shape[:axis])
	for _, t := range s.ins {
		if t < 0 {
			return nil, fmt.Errorf("an input is missing")
		}
		s.inner = append(s.inner, len(p.vals[t])/s.outer)
	}
	var err error
	if s.kernelForward, err = newKernelForward(p, op, oi); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *concatStep) backward(p *plan) error {
	dz := scratch(&s.dz, len(p.vals[s.out]))
	dz, err := p.fusedGrad(s.act, p.vals[s.out], p.grads[s.out], dz)
	if err != nil {
		return err
	}
	width := len(dz) / s.outer
	grads := make([][]float32, len(s.ins))
	for i, t := range s.ins {
		grads[i] = p.gradAcc(t)
	}
	p.net.w.run(s.outer, func(r int) {
		off := r * width
		for i := range s.ins {
			if g := grads[i]; g != nil {
				d := g[r*s.inner[i] : (r+1)*s.inner[i]]
				for j, v := range dz[off : off+s.inner[i]] {
					d[j] += v
				}
			}
			off += s.inner[i]
		}
	})
	return nil
}

// padStep is PAD with zeros: the input's gradient is the interior of the
// output's.
type padStep struct {
	*kernelForward
	in, out  int
	shape    []int // the input's per-sample shape
	outStart int   // per-sample offset of the input's first element in the output
	stride   []int // per input dimension: its stride in the output
}

func newPad(p *plan, op *ir.Op, oi int) (step, error) {
	n := p.net
	s := &padStep{in: op.Inputs[0], out: op.Outputs[0], shape: n.sample[op.Inputs[0]]}
	pt := n.g.Tensors[op.Inputs[1]]
	pads, ok := ir.IntValues(pt.Type, pt.Data)
	rank := len(s.shape) + 1
	if !pt.IsConst() || !ok || len(pads) != 2*rank {
		return nil, fmt.Errorf("paddings %q must be constant [%d, 2] integers", pt.Name, rank)
	}
	if pads[0] != 0 || pads[1] != 0 {
		return nil, fmt.Errorf("padding the batch dimension cannot be trained")
	}
	outShape := n.sample[s.out]
	s.stride = make([]int, len(s.shape))
	stride := 1
	for d := len(s.shape) - 1; d >= 0; d-- {
		if outShape[d] != s.shape[d]+pads[2*(d+1)]+pads[2*(d+1)+1] {
			return nil, fmt.Errorf("output shape %v does not match input %v padded by %v", outShape, s.shape, pads)
		}
		s.stride[d] = stride
		s.outStart += pads[2*(d+1)] * stride
		stride *= outShape[d]
	}
	var err error
	if s.kernelForward, err = newKernelForward(p, op, oi); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *padStep) backward(p *plan) error {
	dx := p.gradAcc(s.in)
	if dx == nil {
		return nil
	}
	dy := p.grads[s.out]
	inSize, outSize := p.net.sampleSize(s.in), p.net.sampleSize(s.out)
	self := make([]int, len(s.shape))
	p.net.w.run(p.batch, func(b int) {
		d, g := dx[b*inSize:(b+1)*inSize], dy[b*outSize+s.outStart:(b+1)*outSize]
		walk(s.shape, s.stride, self, func(i, o, _ int) {
			d[i] += g[o]
		})
	})
	return nil
}
