package train

import (
	"fmt"

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
	return s, nil
}

// backward sends a max pool's gradient to the first element of each window
// holding the maximum, and spreads an average pool's evenly over the
// in-bounds elements (TFLite divides by their count, not the window's size).
func (s *poolStep) backward(p *plan) error {
	dx := p.gradAcc(s.in)
	if dx == nil {
		return nil
	}
	w, x := s.win, p.vals[s.in]
	dz := scratch(&s.dz, len(p.vals[s.out]))
	dz, err := p.fusedGrad(s.act, p.vals[s.out], p.grads[s.out], dz)
	if err != nil {
		return err
	}
	p.net.w.run(w.batch, func(b int) {
		offs := make([]int, 0, w.kh*w.kw)
		for oy := range w.outH {
			for ox := range w.outW {
				iy, ix := oy*w.strideH-w.padTop, ox*w.strideW-w.padLeft
				y0, y1, x0, x1 := max(iy, 0), min(iy+w.kh, w.inH), max(ix, 0), min(ix+w.kw, w.inW)
				g := dz[((b*w.outH+oy)*w.outW+ox)*w.inC:][:w.inC]
				if !s.max {
					inv := 1 / float32((y1-y0)*(x1-x0))
					for y := y0; y < y1; y++ {
						for xx := x0; xx < x1; xx++ {
							d := dx[((b*w.inH+y)*w.inW+xx)*w.inC:][:w.inC]
							for c, v := range g {
								d[c] += v * inv
							}
						}
					}
					continue
				}
				// the window's in-bounds pixels in scan order, by offset
				offs := offs[:0]
				for y := y0; y < y1; y++ {
					for xx := x0; xx < x1; xx++ {
						offs = append(offs, ((b*w.inH+y)*w.inW+xx)*w.inC)
					}
				}
				if len(offs) == 0 {
					continue
				}
				for c, v := range g {
					dx[firstMax(x, offs, c)] += v
				}
			}
		}
	})
	return nil
}

// firstMax returns the index of the first of the largest x[o+c] over the
// offsets o. The index moves by a multiply rather than a branch, which the
// compiler turns into a conditional move: comparisons on random activations
// mispredict about half the time.
func firstMax(x []float32, offs []int, c int) int {
	at := offs[0] + c
	best := x[at]
	for _, o := range offs[1:] {
		i := o + c
		more := 0
		if x[i] > best {
			more = 1
		}
		at += (i - at) * more
		best = x[at]
	}
	return at
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
