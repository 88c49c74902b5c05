package train

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/kernels"
)

type planKey struct {
	batch int
	grads bool
}

// plan runs the net on batches of one size: a buffer per activation (and
// per gradient, for training), and one step per op.
type plan struct {
	net   *Net
	batch int
	train bool // batch norms use (and update) batch statistics
	vals  [][]float32
	grads [][]float32
	steps []step
	// written marks, during a backward pass, the gradient buffers that hold
	// this pass's values; the others are stale until their first writer
	// overwrites (or clears) them, which saves clearing every buffer first.
	written []bool
	// head is the step of a final SOFTMAX whose input the loss reads as
	// logits; backward starts below it. -1 when the output is the logits.
	head int
}

// step is one op of a plan.
type step interface {
	forward(p *plan) error
	// backward adds the op's input gradients, from its output gradients, to
	// the plan's gradient buffers of the inputs that need them.
	backward(p *plan) error
}

// plan returns the cached plan for batches of the given size, building it on
// first use; grads says whether it can run backward passes.
func (n *Net) plan(batch int, grads bool) (*plan, error) {
	key := planKey{batch, grads}
	if p := n.plans[key]; p != nil {
		return p, nil
	}
	p := &plan{net: n, batch: batch, head: -1}
	nt := len(n.g.Tensors)
	p.written = make([]bool, nt)
	p.vals = make([][]float32, nt)
	p.grads = make([][]float32, nt)
	for t := range nt {
		switch {
		case n.paramOf[t] >= 0:
			p.vals[t] = n.params[n.paramOf[t]].Value
			if grads {
				p.grads[t] = n.params[n.paramOf[t]].Grad
			}
		case n.consts[t] != nil:
			p.vals[t] = n.consts[t]
		case n.sample[t] != nil:
			size := batch * n.sampleSize(t)
			p.vals[t] = make([]float32, size)
			if grads && n.needGrad[t] {
				p.grads[t] = make([]float32, size)
			}
		}
	}
	if grads && p.grads[n.logits] == nil {
		p.grads[n.logits] = make([]float32, batch*n.sampleSize(n.logits))
	}
	for _, oi := range n.order {
		op := n.g.Ops[oi]
		s, err := newStep(p, op, oi)
		if err != nil {
			return nil, fmt.Errorf("train: op %d (%s): %w", oi, op.Name(), err)
		}
		if op.Type == ir.Softmax && op.Outputs[0] == n.output && n.logits != n.output {
			p.head = len(p.steps)
		}
		p.steps = append(p.steps, s)
	}
	n.plans[key] = p
	return p, nil
}

func (p *plan) forward(train bool) error {
	p.train = train
	for _, s := range p.steps {
		if err := s.forward(p); err != nil {
			return err
		}
	}
	return nil
}

// backward propagates the gradient the loss left in grads[logits] to every
// parameter (adding to Param.Grad) and to the input when asked.
func (p *plan) backward() error {
	n := p.net
	for t := range p.written {
		p.written[t] = n.paramOf[t] >= 0 || t == n.logits
	}
	for i := len(p.steps) - 1; i >= 0; i-- {
		if i == p.head {
			continue
		}
		op := n.g.Ops[n.order[i]]
		if !n.needGrad[op.Outputs[0]] {
			continue
		}
		for _, t := range op.Outputs {
			p.gradAcc(t) // an output nothing reads has a zero gradient
		}
		if err := p.steps[i].backward(p); err != nil {
			return fmt.Errorf("train: op %d (%s): backward: %w", n.order[i], op.Name(), err)
		}
	}
	return nil
}

// gradAcc returns tensor t's gradient buffer, cleared if this pass has not
// written it yet, for a backward step that adds into it (nil when t needs
// no gradient).
func (p *plan) gradAcc(t int) []float32 {
	g := p.grads[t]
	if g != nil && !p.written[t] {
		p.eachChunk(len(g), func(lo, hi int) { clear(g[lo:hi]) })
		p.written[t] = true
	}
	return g
}

// gradSet returns tensor t's gradient buffer for a backward step that
// writes every element once; assign says to overwrite (this pass has not
// written it yet) rather than add.
func (p *plan) gradSet(t int) (g []float32, assign bool) {
	g = p.grads[t]
	if g == nil {
		return nil, false
	}
	assign = !p.written[t]
	p.written[t] = true
	return g, assign
}

// store writes src into tensor t's gradient: a copy on the first write of
// the pass, a sum after.
func (p *plan) store(t int, src []float32) {
	dst, assign := p.gradSet(t)
	if dst == nil {
		return
	}
	p.eachChunk(len(src), func(lo, hi int) {
		d := dst[lo:hi]
		if assign {
			copy(d, src[lo:hi])
			return
		}
		for i, v := range src[lo:hi] {
			d[i] += v
		}
	})
}

// newStep makes the step of one op.
func newStep(p *plan, op *ir.Op, oi int) (step, error) {
	if isBatchNorm(op) {
		return newBatchNorm(p, op)
	}
	switch op.Type {
	case ir.Conv2D:
		return newConv(p, op, oi)
	case ir.DepthwiseConv2D:
		return newDepthwise(p, op)
	case ir.FullyConnected:
		return newFC(p, op, oi)
	case ir.Add, ir.Sub, ir.Mul:
		return newBinary(p, op, oi)
	case ir.Relu, ir.Relu6, ir.HardSwish, ir.Logistic, ir.Tanh:
		return newUnary(p, op, oi)
	case ir.MaxPool2D, ir.AveragePool2D:
		return newPool(p, op, oi)
	case ir.Mean:
		return newMean(p, op, oi)
	case ir.Reshape:
		if p.net.sampleSize(op.Inputs[0]) != p.net.sampleSize(op.Outputs[0]) {
			return nil, fmt.Errorf("reshape of %v into %v changes the per-sample size", p.net.sample[op.Inputs[0]], p.net.sample[op.Outputs[0]])
		}
		return &reshapeStep{in: op.Inputs[0], out: op.Outputs[0]}, nil
	case ir.Concatenation:
		return newConcat(p, op, oi)
	case ir.Pad:
		return newPad(p, op, oi)
	case ir.Softmax:
		return newSoftmax(p, op, oi)
	}
	return nil, fmt.Errorf("no gradient for %s", op.Name())
}

// kernelForward runs an op's forward pass through liteforge's float kernel
// on the plan's buffers.
type kernelForward struct {
	node   kernels.Node
	kernel kernels.Kernel
}

// newKernelForward prepares the kernel of op for the plan's batch size. The
// kernel sees parameters and activations without data at Prepare, as values
// not fixed yet, so it reads them at every Eval.
func newKernelForward(p *plan, op *ir.Op, oi int) (*kernelForward, error) {
	n := p.net
	f, ok := kernels.LookupOp(op)
	if !ok {
		return nil, fmt.Errorf("no kernel")
	}
	k := &kernelForward{kernel: f()}
	k.node = kernels.Node{Op: op, Index: oi, Ctx: &kernels.Context{Threads: n.w.threads}}
	wrap := func(t int) *ir.Tensor {
		tt := n.g.Tensors[t]
		w := &ir.Tensor{Name: tt.Name, Type: tt.Type, Shape: n.batchShape(t, p.batch), HasRank: true, Quant: tt.Quant}
		if tt.IsConst() && n.paramOf[t] < 0 {
			if tt.Type == ir.Float32 {
				w.Data = f32bytes(n.consts[t])
			} else {
				w.Data = tt.Data
			}
		}
		return w
	}
	k.node.In = make([]*ir.Tensor, len(op.Inputs))
	for i, t := range op.Inputs {
		if t >= 0 {
			k.node.In[i] = wrap(t)
		}
	}
	k.node.Out = make([]*ir.Tensor, len(op.Outputs))
	for i, t := range op.Outputs {
		k.node.Out[i] = wrap(t)
	}
	if err := k.kernel.Prepare(&k.node); err != nil {
		return nil, err
	}
	for i, t := range op.Inputs {
		if t >= 0 && k.node.In[i].Data == nil {
			k.node.In[i].Data = f32bytes(p.vals[t])
		}
	}
	for i, t := range op.Outputs {
		k.node.Out[i].Data = f32bytes(p.vals[t])
	}
	return k, nil
}

func (k *kernelForward) forward(*plan) error { return k.kernel.Eval(&k.node) }

// elementChunk is how many elements an elementwise chunk holds.
const elementChunk = 1 << 14

// eachChunk runs f over [0, n) in fixed chunks of elementChunk elements.
func (p *plan) eachChunk(n int, f func(lo, hi int)) {
	p.net.w.run(numChunks(n, elementChunk), func(c int) {
		lo, hi := chunkRange(n, elementChunk, c)
		f(lo, hi)
	})
}

// activationGrad writes into dz the gradient before a fused activation,
// from the gradient dy after it and the activation's output y. For the clamp
// activations the derivative is 1 strictly inside the bounds and 0 outside
// (and on them: the clamp was active or the input sat on the kink).
func activationGrad(act ir.Activation, y, dy, dz []float32) error {
	switch act {
	case ir.ActNone:
		copy(dz, dy)
	case ir.ActRelu, ir.ActRelu6, ir.ActReluN1To1:
		// The gradient is masked by its bits rather than by a branch, which
		// after a ReLU mispredicts about half the time; the compiler turns
		// the mask's two ifs into flag moves.
		lo, hi := actRange(act)
		dy, dz = dy[:len(y)], dz[:len(y)]
		for i, v := range y {
			var off uint32
			if v <= lo {
				off = 1
			}
			if v >= hi {
				off = 1
			}
			dz[i] = math.Float32frombits(math.Float32bits(dy[i]) &^ -off)
		}
	case ir.ActTanh:
		for i, v := range y {
			dz[i] = dy[i] * (1 - v*v)
		}
	default:
		return fmt.Errorf("fused activation %v has no gradient", act)
	}
	return nil
}

// fusedGrad returns the gradient before a fused activation: dy itself when
// there is none, else activationGrad over the tensor, written into dz in
// parallel chunks.
func (p *plan) fusedGrad(act ir.Activation, y, dy, dz []float32) ([]float32, error) {
	if act == ir.ActNone {
		return dy, nil
	}
	if err := activationGrad(act, nil, nil, nil); err != nil {
		return nil, err
	}
	p.eachChunk(len(y), func(lo, hi int) {
		_ = activationGrad(act, y[lo:hi], dy[lo:hi], dz[lo:hi])
	})
	return dz, nil
}

// scratch returns buf resized to n elements, reallocating when too small.
func scratch(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// sumChunk is how many rows a chunk of a column sum holds.
const sumChunk = 256

// sumRows adds the column sums of the rows x rows-by-cols matrix m into dst,
// in fixed chunks of rows with float64 partial sums added in chunk order.
func (p *plan) sumRows(m []float32, rows, cols int, dst []float32) {
	chunks := numChunks(rows, sumChunk)
	part := make([]float64, chunks*cols)
	p.net.w.run(chunks, func(c int) {
		lo, hi := chunkRange(rows, sumChunk, c)
		addRows(m[lo*cols:hi*cols], cols, part[c*cols:(c+1)*cols])
	})
	addParts(part, cols, dst)
}

// addRows adds each column of the rows of m (cols wide) into acc.
func addRows(m []float32, cols int, acc []float64) {
	for r := 0; r+cols <= len(m); r += cols {
		for j, v := range m[r : r+cols] {
			acc[j] += float64(v)
		}
	}
}

// addParts adds to dst[j] the sum, in chunk order, of the chunks' partial
// sums part[c*cols+j].
func addParts(part []float64, cols int, dst []float32) {
	for j := range cols {
		var s float64
		for c := j; c < len(part); c += cols {
			s += part[c]
		}
		dst[j] += float32(s)
	}
}
