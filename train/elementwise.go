package train

import (
	"fmt"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// Gradients of ADD, SUB, MUL (with TFLite broadcasting), the activation ops
// and SOFTMAX.

// binaryStep is ADD, SUB or MUL. When both inputs have the output's shape the
// gradient is elementwise and runs in parallel chunks; a broadcast input's
// gradient sums over the broadcast dimensions in one fixed order, with
// float64 accumulators.
type binaryStep struct {
	*kernelForward
	typ              ir.OpType
	a, b, out        int
	act              ir.Activation
	shape            []int // the output's shape
	strideA, strideB []int // per output dimension, 0 where the input is broadcast
	dz               []float32
	accA, accB       []float64
}

func newBinary(p *plan, op *ir.Op, oi int) (step, error) {
	s := &binaryStep{typ: op.Type, a: op.Inputs[0], b: op.Inputs[1], out: op.Outputs[0], act: ir.OutputActivationOf(op.Options)}
	if err := checkActivation(s.act); err != nil {
		return nil, err
	}
	n := p.net
	s.shape = n.batchShape(s.out, p.batch)
	s.strideA = broadcastStrides(n.batchShape(s.a, p.batch), s.shape)
	s.strideB = broadcastStrides(n.batchShape(s.b, p.batch), s.shape)
	if s.strideA == nil || s.strideB == nil {
		return nil, fmt.Errorf("inputs %v and %v do not broadcast to %v", n.batchShape(s.a, p.batch), n.batchShape(s.b, p.batch), s.shape)
	}
	var err error
	if s.kernelForward, err = newKernelForward(p, op, oi); err != nil {
		return nil, err
	}
	return s, nil
}

// broadcastStrides returns, for each dimension of out, the stride of in
// along it (in's shape aligned to the right, 0 where in has size 1), or nil
// when in does not broadcast to out.
func broadcastStrides(in, out []int) []int {
	if len(in) > len(out) {
		return nil
	}
	st := make([]int, len(out))
	stride := 1
	for d := len(out) - 1; d >= 0; d-- {
		i := d - (len(out) - len(in))
		if i < 0 {
			continue
		}
		switch in[i] {
		case out[d]:
			if in[i] != 1 {
				st[d] = stride
			}
		case 1:
		default:
			return nil
		}
		stride *= in[i]
	}
	return st
}

// dense reports whether strides walk a tensor of the full shape in order.
func dense(strides, shape []int) bool {
	stride := 1
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] != 1 && strides[d] != stride {
			return false
		}
		stride *= shape[d]
	}
	return true
}

// walk calls f(i, a, b) for every element i of shape in row-major order,
// with the offsets a and b of the elements that the two stride sets map it to.
func walk(shape, sa, sb []int, f func(i, a, b int)) {
	total := ir.NumElements(shape)
	idx := make([]int, len(shape))
	a, b := 0, 0
	for i := 0; i < total; i++ {
		f(i, a, b)
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			a += sa[d]
			b += sb[d]
			if idx[d] < shape[d] {
				break
			}
			a -= sa[d] * shape[d]
			b -= sb[d] * shape[d]
			idx[d] = 0
		}
	}
}

func (s *binaryStep) backward(p *plan) error {
	y := p.vals[s.out]
	dz := scratch(&s.dz, len(y))
	dz, err := p.fusedGrad(s.act, y, p.grads[s.out], dz)
	if err != nil {
		return err
	}
	va, vb := p.vals[s.a], p.vals[s.b]
	mul, sign := s.typ == ir.Mul, float32(1)
	if s.typ == ir.Sub {
		sign = -1
	}
	if dense(s.strideA, s.shape) && dense(s.strideB, s.shape) {
		// The second input's flag is read after the first's is set, so an
		// op reading one tensor twice (x·x) assigns once and then adds.
		ga, setA := p.gradSet(s.a)
		gb, setB := p.gradSet(s.b)
		p.eachChunk(len(dz), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				g, da, db := dz[i], dz[i], sign*dz[i]
				if mul {
					da, db = g*vb[i], g*va[i]
				}
				if ga != nil {
					if setA {
						ga[i] = da
					} else {
						ga[i] += da
					}
				}
				if gb != nil {
					if setB {
						gb[i] = db
					} else {
						gb[i] += db
					}
				}
			}
		})
		return nil
	}
	ga, gb := p.gradAcc(s.a), p.gradAcc(s.b)
	accA, accB := s.acc(&s.accA, ga), s.acc(&s.accB, gb)
	walk(s.shape, s.strideA, s.strideB, func(i, a, b int) {
		g := float64(dz[i])
		if accA != nil {
			if mul {
				accA[a] += g * float64(vb[b])
			} else {
				accA[a] += g
			}
		}
		if accB != nil {
			if mul {
				accB[b] += g * float64(va[a])
			} else {
				accB[b] += float64(sign) * g
			}
		}
	})
	for i, v := range accA {
		ga[i] += float32(v)
	}
	for i, v := range accB {
		gb[i] += float32(v)
	}
	return nil
}

// acc returns a zeroed float64 accumulator the size of grad, or nil when
// grad is nil.
func (s *binaryStep) acc(buf *[]float64, grad []float32) []float64 {
	if grad == nil {
		return nil
	}
	if cap(*buf) < len(grad) {
		*buf = make([]float64, len(grad))
	}
	*buf = (*buf)[:len(grad)]
	clear(*buf)
	return *buf
}

// unaryStep is RELU, RELU6, HARD_SWISH, LOGISTIC or TANH.
type unaryStep struct {
	*kernelForward
	typ     ir.OpType
	in, out int
}

func newUnary(p *plan, op *ir.Op, oi int) (step, error) {
	s := &unaryStep{typ: op.Type, in: op.Inputs[0], out: op.Outputs[0]}
	var err error
	if s.kernelForward, err = newKernelForward(p, op, oi); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *unaryStep) backward(p *plan) error {
	dx, assign := p.gradSet(s.in)
	if dx == nil {
		return nil
	}
	x, y, dy := p.vals[s.in], p.vals[s.out], p.grads[s.out]
	p.eachChunk(len(y), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var d float32
			switch s.typ {
			case ir.Relu:
				if y[i] > 0 {
					d = 1
				}
			case ir.Relu6:
				if y[i] > 0 && y[i] < 6 {
					d = 1
				}
			case ir.HardSwish:
				// d/dx x·relu6(x+3)/6: 0 below -3, 1 above 3, (2x+3)/6 between.
				switch v := x[i]; {
				case v >= 3:
					d = 1
				case v > -3:
					d = (2*v + 3) / 6
				}
			case ir.Logistic:
				d = y[i] * (1 - y[i])
			case ir.Tanh:
				d = 1 - y[i]*y[i]
			}
			if assign {
				dx[i] = d * dy[i]
			} else {
				dx[i] += d * dy[i]
			}
		}
	})
	return nil
}

// softmaxStep is SOFTMAX over the last dimension: dx = β·y·(dy − Σ dy·y).
type softmaxStep struct {
	*kernelForward
	in, out int
	beta    float32
	cols    int
}

func newSoftmax(p *plan, op *ir.Op, oi int) (step, error) {
	s := &softmaxStep{in: op.Inputs[0], out: op.Outputs[0], beta: 1}
	if o, ok := op.Options.(*ir.SoftmaxOptions); ok && o != nil && o.Beta != 0 {
		s.beta = o.Beta
	}
	shape := p.net.batchShape(s.out, p.batch)
	s.cols = shape[len(shape)-1]
	var err error
	if s.kernelForward, err = newKernelForward(p, op, oi); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *softmaxStep) backward(p *plan) error {
	dx := p.gradAcc(s.in)
	if dx == nil {
		return nil
	}
	y, dy := p.vals[s.out], p.grads[s.out]
	rows := len(y) / s.cols
	p.net.w.run(numChunks(rows, 64), func(c int) {
		lo, hi := chunkRange(rows, 64, c)
		for r := lo; r < hi; r++ {
			yr, dr, xr := y[r*s.cols:(r+1)*s.cols], dy[r*s.cols:(r+1)*s.cols], dx[r*s.cols:(r+1)*s.cols]
			var dot float64
			for j, v := range yr {
				dot += float64(v) * float64(dr[j])
			}
			for j, v := range yr {
				xr[j] += s.beta * v * (dr[j] - float32(dot))
			}
		}
	})
	return nil
}

// reshapeStep is RESHAPE: the data is the same, only the shape changes.
type reshapeStep struct{ in, out int }

func (s *reshapeStep) forward(p *plan) error {
	copy(p.vals[s.out], p.vals[s.in])
	return nil
}

func (s *reshapeStep) backward(p *plan) error {
	p.store(s.in, p.grads[s.out])
	return nil
}

// sameShape reports whether two shapes are equal.
func sameShape(a, b []int) bool { return slices.Equal(a, b) }
