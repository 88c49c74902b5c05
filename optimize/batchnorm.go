package optimize

import (
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// FoldBatchNorm folds a per-channel MUL, DIV, ADD or SUB by a constant into
// the CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED before it (float32, with
// constant weights, and read by nothing else): the weights and bias absorb
// the scale, the bias absorbs the shift. An inference batch normalization is
// exactly such a MUL and ADD, since TFLite has no batch-norm op. The folded
// op takes over the arithmetic op's fused activation.
func FoldBatchNorm(m *ir.Model) (int, error) {
	total := 0
	for _, g := range m.Graphs {
		for {
			n := foldOneAffine(g)
			if n == 0 {
				break
			}
			total += n
		}
	}
	return total, nil
}

// foldOneAffine folds every foldable pair it finds in one sweep.
func foldOneAffine(g *ir.Graph) int {
	prod := g.Producers()
	cons := g.Consumers()
	var drop []int
	for qi, q := range g.Ops {
		if len(q.Inputs) != 2 || len(q.Outputs) != 1 {
			continue
		}
		kind, act, ok := affineKind(q)
		if !ok {
			continue
		}
		x, k := q.Inputs[0], q.Inputs[1]
		if constTensor(g, x) != nil && kind != ir.Sub && kind != ir.Div {
			x, k = k, x // a constant on the left of a MUL or ADD
		}
		pi := prod[x]
		if pi < 0 || soleConsumer(g, cons, x) != qi || slices.Contains(drop, pi) {
			continue
		}
		p := g.Ops[pi]
		units, ok := affineTarget(g, p, kind == ir.Add || kind == ir.Sub)
		if !ok {
			continue
		}
		vals, ok := channelConst(g, k, units, g.Tensors[x].Shape, g.Tensors[q.Outputs[0]].Shape)
		if !ok {
			continue
		}
		applyAffine(g, p, kind, vals, units)
		setActivation(p, act)
		p.Outputs[0] = q.Outputs[0]
		drop = append(drop, qi)
	}
	g.RemoveOps(drop...)
	return len(drop)
}

// affineKind returns the arithmetic of a MUL, DIV, ADD or SUB and its fused
// activation.
func affineKind(op *ir.Op) (ir.OpType, ir.Activation, bool) {
	switch o := op.Options.(type) {
	case *ir.MulOptions:
		return ir.Mul, o.Activation, op.Type == ir.Mul
	case *ir.DivOptions:
		return ir.Div, o.Activation, op.Type == ir.Div
	case *ir.AddOptions:
		return ir.Add, o.Activation, op.Type == ir.Add
	case *ir.SubOptions:
		return ir.Sub, o.Activation, op.Type == ir.Sub
	case nil:
		switch op.Type {
		case ir.Mul, ir.Div, ir.Add, ir.Sub:
			return op.Type, ir.ActNone, true
		}
	}
	return 0, 0, false
}

// affineTarget checks that p can absorb per-channel arithmetic and returns
// its channel count. A shift (biasOnly) needs only a float output and bias,
// so it also folds into a hybrid op's (int8 weights, float activations).
func affineTarget(g *ir.Graph, p *ir.Op, biasOnly bool) (int, bool) {
	if len(p.Outputs) != 1 || len(p.Inputs) < 2 || ir.OutputActivationOf(p.Options) != ir.ActNone {
		return 0, false
	}
	w := constTensor(g, p.Inputs[1])
	out := g.Tensors[p.Outputs[0]]
	if w == nil || out.Type != ir.Float32 || out.Quant.Quantized() {
		return 0, false
	}
	if !biasOnly && (w.Type != ir.Float32 || w.Quant.Quantized()) {
		return 0, false
	}
	if len(p.Inputs) > 2 && p.Inputs[2] >= 0 {
		b := constTensor(g, p.Inputs[2])
		if b == nil || b.Type != ir.Float32 {
			return 0, false
		}
	}
	switch p.Type {
	case ir.Conv2D, ir.FullyConnected:
		return w.Shape[0], len(w.Shape) >= 2
	case ir.DepthwiseConv2D:
		return w.Shape[len(w.Shape)-1], len(w.Shape) == 4
	}
	return 0, false
}

// channelConst reads constant k when it varies along the last axis only
// (one value per channel, or one for all) and broadcasting it leaves the
// output shape as x's.
func channelConst(g *ir.Graph, k, units int, xShape, outShape []int) ([]float32, bool) {
	c := constTensor(g, k)
	if c == nil || c.Type != ir.Float32 || c.Quant.Quantized() || !slices.Equal(xShape, outShape) || len(c.Shape) > len(xShape) {
		return nil, false
	}
	for i, d := range c.Shape {
		if d != 1 && i != len(c.Shape)-1 {
			return nil, false
		}
	}
	n := c.NumElements()
	if n != 1 && (n != units || len(xShape) == 0 || xShape[len(xShape)-1] != units) {
		return nil, false
	}
	v := c.Float32s()[:n]
	out := make([]float32, units)
	for i := range out {
		out[i] = v[i%n]
	}
	return out, true
}

// applyAffine rewrites p's weights and bias for y*k (MUL), y/k (DIV), y+k
// (ADD) or y-k (SUB), with new tensors (the old ones may be shared).
func applyAffine(g *ir.Graph, p *ir.Op, kind ir.OpType, k []float32, units int) {
	bias := make([]float32, units)
	if len(p.Inputs) > 2 && p.Inputs[2] >= 0 {
		copy(bias, g.Tensors[p.Inputs[2]].Float32s())
	}
	switch kind {
	case ir.Mul, ir.Div:
		w := g.Tensors[p.Inputs[1]]
		data := slices.Clone(w.Float32s()[:w.NumElements()])
		perChannel := func(i int) int { return i / (len(data) / units) } // output-major weights
		if p.Type == ir.DepthwiseConv2D {
			perChannel = func(i int) int { return i % units }
		}
		for i := range data {
			if kind == ir.Mul {
				data[i] *= k[perChannel(i)]
			} else {
				data[i] /= k[perChannel(i)]
			}
		}
		for i := range bias {
			if kind == ir.Mul {
				bias[i] *= k[i]
			} else {
				bias[i] /= k[i]
			}
		}
		nw := w.Clone()
		nw.Data = ir.Float32Bytes(data)
		p.Inputs[1] = g.AddTensor(nw)
	case ir.Add:
		for i := range bias {
			bias[i] += k[i]
		}
	case ir.Sub:
		for i := range bias {
			bias[i] -= k[i]
		}
	}
	name := g.Tensors[p.Outputs[0]].Name + "/bias"
	bt := g.AddTensor(&ir.Tensor{Name: name, Type: ir.Float32, Shape: []int{units}, HasRank: true, Data: ir.Float32Bytes(bias)})
	for len(p.Inputs) < 3 {
		p.Inputs = append(p.Inputs, -1)
	}
	p.Inputs[2] = bt
}
