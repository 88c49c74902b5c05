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
	aff                                 bnAffine // the forward affine step y = x·scale + shift, and backward's values
	sums                                []float64
	part                                []float32
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
	c := s.channels
	per := make([]float32, 5*c)
	s.aff = bnAffine{scale: per[:c], shift: per[c : 2*c], mean: s.batchMean, k: per[2*c : 3*c], mdz: per[3*c : 4*c], q: per[4*c:]}
	s.sums = make([]float64, 2*s.channels)
	return s, nil
}

// channelSums computes two sums per channel over the batch (dst holds
// 2×channels values: the first sum of channel j at j, the second at
// channels+j): f adds a chunk's rows [lo, hi) into float32 accumulators,
// and the chunks' partials are added in chunk order in float64. Chunks are
// fixed by the row count, so the result does not depend on the threads.
func (s *batchNormStep) channelSums(p *plan, dst []float64, f func(lo, hi int, a, b []float32)) {
	c := s.channels
	w := 2 * c
	chunks := numChunks(s.rows, bnRows)
	part := scratch(&s.part, chunks*w)
	p.net.w.run(chunks, func(q int) {
		lo, hi := chunkRange(s.rows, bnRows, q)
		acc := part[q*w : (q+1)*w]
		clear(acc)
		f(lo, hi, acc[:c], acc[c:])
	})
	clear(dst)
	for q := range chunks {
		for j, v := range part[q*w : (q+1)*w] {
			dst[j] += float64(v)
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
		sums := s.sums
		s.channelSums(p, sums, func(lo, hi int, sd, sq []float32) {
			vec.bnSums(x[lo*c:hi*c], c, x0, sd, sq)
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
	a := &s.aff
	a.lo, a.hi = actRange(s.opt.Activation)
	for j := range c {
		a.scale[j] = gamma[j] * s.invStd[j]
		a.shift[j] = beta[j] - float32(s.batchMean[j]*a.scale[j])
	}
	p.net.w.run(numChunks(s.rows, bnRows), func(k int) {
		r0, r1 := chunkRange(s.rows, bnRows, k)
		vec.affineClamp(x[r0*c:r1*c], y[r0*c:r1*c], c, a.scale, a.shift, a.lo, a.hi)
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
	a := &s.aff
	sums := s.sums // Σ dz, then Σ dz·(x−μ)
	s.channelSums(p, sums, func(r0, r1 int, sdz, sdzx []float32) {
		vec.bnGradSums(x[r0*c:r1*c], dy[r0*c:r1*c], c, a, sdz, sdzx)
	})
	sdz, sdzx := sums[:c], sums[c:]
	inv := s.invStd
	if g := p.gradAcc(s.gamma); g != nil {
		for j := range c {
			g[j] += float32(sdzx[j] * float64(inv[j]))
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
	for j := range c {
		a.k[j] = gamma[j] * inv[j]
		a.mdz[j] = float32(sdz[j] / float64(s.rows))
		a.q[j] = float32(sdzx[j] / float64(s.rows) * float64(inv[j]) * float64(inv[j]))
	}
	p.net.w.run(numChunks(s.rows, bnRows), func(q int) {
		r0, r1 := chunkRange(s.rows, bnRows, q)
		vec.bnGradApply(x[r0*c:r1*c], dy[r0*c:r1*c], dx[r0*c:r1*c], c, a, !assign)
	})
	return nil
}
