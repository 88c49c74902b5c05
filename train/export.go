package train

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// Export returns the trained model for inference, as a new ir.Model: every
// parameter written back into its tensor, and every batch normalization
// folded into the CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED before it
// (scaled weights, shifted bias, the batch norm's activation fused), or,
// when nothing foldable precedes it, turned into a MUL and an ADD by
// per-channel constants.
func (n *Net) Export() (*ir.Model, error) {
	m := n.model.Clone()
	g := m.Graphs[0]
	for t, v := range n.consts {
		if v != nil {
			g.Tensors[t].Data = ir.Float32Bytes(v)
		}
	}
	consumers := g.Consumers()
	prod := g.Producers()
	var drop []int
	for oi, op := range g.Ops {
		if !isBatchNorm(op) {
			continue
		}
		o := op.Options.(*BatchNormOptions)
		gamma, beta := n.consts[op.Inputs[1]], n.consts[op.Inputs[2]]
		mean, variance := n.consts[op.Inputs[3]], n.consts[op.Inputs[4]]
		c := len(gamma)
		scale, shift := make([]float32, c), make([]float32, c)
		for j := range c {
			s := float64(gamma[j]) / math.Sqrt(float64(variance[j])+float64(o.Epsilon))
			scale[j] = float32(s)
			shift[j] = float32(float64(beta[j]) - float64(mean[j])*s)
		}
		x := op.Inputs[0]
		if p := prod[x]; p >= 0 && len(consumers[x]) == 1 && !g.IsOutput(x) && foldInto(g, g.Ops[p], scale, shift, o.Activation) {
			g.Ops[p].Outputs[0] = op.Outputs[0]
			drop = append(drop, oi)
			continue
		}
		// MUL then ADD, in place of the batch norm.
		name := g.Tensors[op.Outputs[0]].Name
		st := g.AddTensor(&ir.Tensor{Name: name + "/scale", Type: ir.Float32, Shape: []int{c}, HasRank: true, Data: ir.Float32Bytes(scale)})
		sh := g.AddTensor(&ir.Tensor{Name: name + "/shift", Type: ir.Float32, Shape: []int{c}, HasRank: true, Data: ir.Float32Bytes(shift)})
		mid := g.AddTensor(&ir.Tensor{Name: name + "/scaled", Type: ir.Float32, Shape: append([]int(nil), g.Tensors[x].Shape...), HasRank: true})
		mul := &ir.Op{Type: ir.Mul, Version: 1, Options: &ir.MulOptions{}, Inputs: []int{x, st}, Outputs: []int{mid}}
		*op = ir.Op{Type: ir.Add, Version: 1, Options: &ir.AddOptions{Activation: o.Activation, PotScaleInt16: true}, Inputs: []int{mid, sh}, Outputs: op.Outputs}
		g.Ops = append(g.Ops, mul)
	}
	g.RemoveOps(drop...)
	if err := g.SortOps(); err != nil {
		return nil, fmt.Errorf("train: export: %w", err)
	}
	m.RemoveUnusedTensors(0)
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("train: export: %w", err)
	}
	return m, nil
}

// foldInto scales the output channels of a convolution or fully-connected
// op without activation by scale and adds shift to its bias, giving it the
// activation act. It writes new weight tensors (the old ones may be shared)
// and reports false, changing nothing, for any other op.
func foldInto(g *ir.Graph, op *ir.Op, scale, shift []float32, act ir.Activation) bool {
	c := len(scale)
	var w *ir.Tensor
	var perChannel func(i int) int // the output channel of weight element i
	switch op.Type {
	case ir.Conv2D:
		o, ok := op.Options.(*ir.Conv2DOptions)
		if !ok || o.Activation != ir.ActNone {
			return false
		}
		w = g.Tensors[op.Inputs[1]]
		if len(w.Shape) != 4 || w.Shape[0] != c {
			return false
		}
		per := ir.NumElements(w.Shape[1:])
		perChannel = func(i int) int { return i / per }
	case ir.DepthwiseConv2D:
		o, ok := op.Options.(*ir.DepthwiseConv2DOptions)
		if !ok || o.Activation != ir.ActNone {
			return false
		}
		w = g.Tensors[op.Inputs[1]]
		if len(w.Shape) != 4 || w.Shape[3] != c {
			return false
		}
		perChannel = func(i int) int { return i % c }
	case ir.FullyConnected:
		o, ok := op.Options.(*ir.FullyConnectedOptions)
		if !ok || o.Activation != ir.ActNone {
			return false
		}
		w = g.Tensors[op.Inputs[1]]
		if len(w.Shape) != 2 || w.Shape[0] != c {
			return false
		}
		per := w.Shape[1]
		perChannel = func(i int) int { return i / per }
	default:
		return false
	}
	if !w.IsConst() || w.Type != ir.Float32 {
		return false
	}
	bias := make([]float32, c)
	if b := inputOr(op, 2); b >= 0 {
		bt := g.Tensors[b]
		if !bt.IsConst() || bt.Type != ir.Float32 || ir.NumElements(bt.Shape) != c {
			return false
		}
		copy(bias, ir.AsFloat32(bt.Data))
	}
	wv := append([]float32(nil), ir.AsFloat32(w.Data)...)
	for i := range wv {
		wv[i] *= scale[perChannel(i)]
	}
	for j := range bias {
		bias[j] = bias[j]*scale[j] + shift[j]
	}
	wt := g.AddTensor(&ir.Tensor{Name: w.Name, Type: ir.Float32, Shape: append([]int(nil), w.Shape...), HasRank: true, Data: ir.Float32Bytes(wv)})
	bt := g.AddTensor(&ir.Tensor{Name: g.Tensors[op.Outputs[0]].Name + "/bias", Type: ir.Float32, Shape: []int{c}, HasRank: true, Data: ir.Float32Bytes(bias)})
	op.Inputs[1] = wt
	if len(op.Inputs) > 2 {
		op.Inputs[2] = bt
	} else {
		op.Inputs = append(op.Inputs, bt)
	}
	switch o := op.Options.(type) {
	case *ir.Conv2DOptions:
		c := *o
		c.Activation = act
		op.Options = &c
	case *ir.DepthwiseConv2DOptions:
		c := *o
		c.Activation = act
		op.Options = &c
	case *ir.FullyConnectedOptions:
		c := *o
		c.Activation = act
		op.Options = &c
	}
	return true
}
