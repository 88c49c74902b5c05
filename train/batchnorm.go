package train

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// batchNormStep normalizes each channel (the last dimension) by the batch's
// mean and variance while training, updating the running statistics, and by
// the running statistics otherwise; then scales by gamma, shifts by beta and
// applies the fused activation.
type batchNormStep struct {
	x, gamma, beta, mean, variance, out int
	opt                                 BatchNormOptions
	channels                            int
	rows                                int // elements per channel in the batch
	batchMean, invStd                   []float32
	scale, shift                        []float32 // the forward pass's affine step, y = x·scale + shift
	part                                []float64
}

// bnRows is how many rows (pixels) of channels a statistics chunk holds.
const bnRows = 512

func newBatchNorm(p *plan, op *ir.Op) (step, error) {
	o := op.Options.(*BatchNormOptions)
	s := &batchNormStep{x: op.Inputs[0], gamma: op.Inputs[1], beta: op.Inputs[2], mean: op.Inputs[3], variance: op.Inputs[4],
		out: op.Outputs[0], opt: *o}
	if err := checkActivation(s.opt.Activation); err != nil {
		return nil, err
	}
	n := p.net
	shape := n.sample[s.x]
	if len(shape) == 0 || !sameShape(shape, n.sample[s.out]) {
		return nil, fmt.Errorf("input %v and output %v must have the same shape", shape, n.sample[s.out])
	}
	s.channels = shape[len(shape)-1]
	for _, t := range op.Inputs[1:] {
		if t < 0 || len(p.vals[t]) != s.channels {
			return nil, fmt.Errorf("gamma, beta, mean and variance must each hold %d values", s.channels)
		}
	}
	if n.paramOf[s.mean] >= 0 || n.paramOf[s.variance] >= 0 {
		return nil, fmt.Errorf("the running statistics are also used as trainable weights")
	}
	s.rows = len(p.vals[s.x]) / s.channels
	s.batchMean = make([]float32, s.channels)
	s.invStd = make([]float32, s.channels)
	s.scale = make([]float32, s.channels)
	s.shift = make([]float32, s.channels)
	return s, nil
}

// channelSums adds up k sums per channel (dst holds k×channels values, sum
// i of channel j at i·channels+j) over fixed chunks of rows, with float64
// partials added in chunk order.
func (s *batchNormStep) channelSums(p *plan, k int, dst []float64, f func(lo, hi int, acc []float64)) {
	w := k * s.channels
	chunks := numChunks(s.rows, bnRows)
	if cap(s.part) < chunks*w {
		s.part = make([]float64, chunks*w)
	}
	part := s.part[:chunks*w]
	p.net.w.run(chunks, func(q int) {
		lo, hi := chunkRange(s.rows, bnRows, q)
		acc := part[q*w : (q+1)*w]
		clear(acc)
		f(lo, hi, acc)
	})
	clear(dst)
	for q := range chunks {
		for j, v := range part[q*w : (q+1)*w] {
			dst[j] += v
		}
	}
}

func (s *batchNormStep) forward(p *plan) error {
	c := s.channels
	x, y := p.vals[s.x], p.vals[s.out]
	gamma, beta, rm, rv := p.vals[s.gamma], p.vals[s.beta], p.vals[s.mean], p.vals[s.variance]
	if p.train {
		// One pass: sums of d and d² with d = x − x₀ (the first row), which
		// keeps E[d²] − E[d]² accurate when the mean is large.
		x0 := x[:c]
		sums := make([]float64, 2*c)
		s.channelSums(p, 2, sums, func(lo, hi int, acc []float64) {
			sd, sq := acc[:c], acc[c:]
			for r := lo; r < hi; r++ {
				for j, v := range x[r*c : (r+1)*c] {
					d := float64(v) - float64(x0[j])
					sd[j] += d
					sq[j] += d * d
				}
			}
		})
		m := float64(s.opt.Momentum)
		rows := float64(s.rows)
		for j := range c {
			md := sums[j] / rows
			mean := float64(x0[j]) + md
			v := max(sums[c+j]/rows-md*md, 0)
			s.batchMean[j] = float32(mean)
			s.invStd[j] = float32(1 / math.Sqrt(v+float64(s.opt.Epsilon)))
			unbiased := v
			if s.rows > 1 {
				unbiased = v * rows / (rows - 1)
			}
			rm[j] = float32((1-m)*float64(rm[j]) + m*mean)
			rv[j] = float32((1-m)*float64(rv[j]) + m*unbiased)
		}
	} else {
		for j := range c {
			s.batchMean[j] = rm[j]
			s.invStd[j] = float32(1 / math.Sqrt(float64(rv[j])+float64(s.opt.Epsilon)))
		}
	}
	lo, hi := actRange(s.opt.Activation)
	scale, shift := s.scale, s.shift
	for j := range c {
		scale[j] = gamma[j] * s.invStd[j]
		shift[j] = beta[j] - s.batchMean[j]*scale[j]
	}
	p.net.w.run(numChunks(s.rows, bnRows), func(k int) {
		r0, r1 := chunkRange(s.rows, bnRows, k)
		for r := r0; r < r1; r++ {
			yr := y[r*c : (r+1)*c]
			for j, v := range x[r*c : (r+1)*c] {
				v = v*scale[j] + shift[j]
				if v < lo {
					v = lo
				} else if v > hi {
					v = hi
				}
				yr[j] = v
			}
		}
	})
	return nil
}

// backward uses the batch statistics of the last training forward pass:
// with dz the gradient before the activation and x̂ = (x−μ)/σ, dγ = Σ dz·x̂,
// dβ = Σ dz and dx = γ/σ · (dz − mean(dz) − x̂·mean(dz·x̂)). dz is computed
// on the fly from the output's gradient and the activation's mask, never
// stored; the mask comes from x (the output before clamping is recomputed
// exactly), which saves reading the output.
func (s *batchNormStep) backward(p *plan) error {
	if !p.train {
		return fmt.Errorf("batch normalization backward needs a training forward pass")
	}
	c := s.channels
	x, dy := p.vals[s.x], p.grads[s.out]
	lo, hi := actRange(s.opt.Activation)
	masked := s.opt.Activation != ir.ActNone
	scale, shift := s.scale, s.shift
	mean, inv := s.batchMean, s.invStd
	sums := make([]float64, 2*c) // Σ dz, then Σ dz·x̂
	s.channelSums(p, 2, sums, func(r0, r1 int, acc []float64) {
		sdz, sdzx := acc[:c], acc[c:]
		for r := r0; r < r1; r++ {
			xr := x[r*c : (r+1)*c]
			for j, g := range dy[r*c : (r+1)*c] {
				// the output before clamping, recomputed as forward did
				if v := xr[j]*scale[j] + shift[j]; masked && (v <= lo || v >= hi) {
					continue
				}
				sdz[j] += float64(g)
				sdzx[j] += float64(g) * float64((xr[j]-mean[j])*inv[j])
			}
		}
	})
	sdz, sdzx := sums[:c], sums[c:]
	if g := p.gradAcc(s.gamma); g != nil {
		for j := range c {
			g[j] += float32(sdzx[j])
		}
	}
	if g := p.gradAcc(s.beta); g != nil {
		for j := range c {
			g[j] += float32(sdz[j])
		}
	}
	dx, assign := p.gradSet(s.x)
	if dx == nil {
		return nil
	}
	gamma := p.vals[s.gamma]
	k, mdz, mdzx := make([]float32, c), make([]float32, c), make([]float32, c)
	for j := range c {
		k[j] = gamma[j] * inv[j]
		mdz[j] = float32(sdz[j] / float64(s.rows))
		mdzx[j] = float32(sdzx[j] / float64(s.rows))
	}
	p.net.w.run(numChunks(s.rows, bnRows), func(q int) {
		r0, r1 := chunkRange(s.rows, bnRows, q)
		for r := r0; r < r1; r++ {
			xr, gr := x[r*c:(r+1)*c], dx[r*c:(r+1)*c]
			for j, g := range dy[r*c : (r+1)*c] {
				if v := xr[j]*scale[j] + shift[j]; masked && (v <= lo || v >= hi) {
					g = 0
				}
				d := k[j] * (g - mdz[j] - (xr[j]-mean[j])*inv[j]*mdzx[j])
				if assign {
					gr[j] = d
				} else {
					gr[j] += d
				}
			}
		}
	})
	return nil
}
