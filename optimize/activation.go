package optimize

import (
	"math"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// FuseActivations first rewrites clamps by MINIMUM and MAXIMUM against
// constants into the RELU ops they equal (MAXIMUM(x,0) is RELU, clamping to
// [0,6] is RELU6, to [-1,1] RELU_N1_TO_1), then folds each RELU, RELU6 or
// RELU_N1_TO_1 into the op before it when that op has a fused-activation
// field left at NONE and nothing else reads its output. TANH is not fused:
// TFLite's convolution, fully-connected and arithmetic kernels ignore a fused
// TANH (only clamps are honoured), so fusing it would change the result.
func FuseActivations(m *ir.Model) (int, error) {
	total := 0
	for _, g := range m.Graphs {
		total += canonicalizeClamps(g)
		total += fuseInto(g)
	}
	return total, nil
}

var actOf = map[ir.OpType]ir.Activation{ir.Relu: ir.ActRelu, ir.Relu6: ir.ActRelu6, ir.ReluN1To1: ir.ActReluN1To1}

func fuseInto(g *ir.Graph) int {
	prod := g.Producers()
	cons := g.Consumers()
	var drop []int
	for ai, a := range g.Ops {
		act, ok := actOf[a.Type]
		if !ok || len(a.Inputs) != 1 || len(a.Outputs) != 1 || a.Inputs[0] < 0 {
			continue
		}
		x := a.Inputs[0]
		pi := prod[x]
		if pi < 0 || soleConsumer(g, cons, x) != ai {
			continue
		}
		p := g.Ops[pi]
		if f := ir.OutputActivation(p.Options); len(p.Outputs) != 1 || f == nil || *f != ir.ActNone {
			continue
		}
		xt, yt := g.Tensors[x], g.Tensors[a.Outputs[0]]
		if xt.Type != yt.Type || (xt.Type != ir.Float32 && !yt.Quant.Quantized()) {
			continue
		}
		setActivation(p, act)
		p.Outputs[0] = a.Outputs[0]
		drop = append(drop, ai)
	}
	g.RemoveOps(drop...)
	return len(drop)
}

// setActivation sets the fused activation of an op that has the field; an
// ADD, SUB, MUL or DIV without options gets them.
func setActivation(op *ir.Op, a ir.Activation) {
	if f := ir.OutputActivation(op.Options); f != nil {
		*f = a
		return
	}
	if op.Options != nil || a == ir.ActNone {
		return
	}
	switch op.Type {
	case ir.Add:
		op.Options = &ir.AddOptions{Activation: a, PotScaleInt16: true}
	case ir.Sub:
		op.Options = &ir.SubOptions{Activation: a, PotScaleInt16: true}
	case ir.Mul:
		op.Options = &ir.MulOptions{Activation: a}
	case ir.Div:
		op.Options = &ir.DivOptions{Activation: a}
	}
}

// scalarFloat returns the value of a float32 constant whose elements are all
// equal.
func scalarFloat(g *ir.Graph, t int) (float32, bool) {
	c := constTensor(g, t)
	if c == nil || c.Type != ir.Float32 || c.Quant.Quantized() || c.NumElements() < 1 {
		return 0, false
	}
	v := c.Float32s()[:c.NumElements()]
	for _, x := range v[1:] {
		if x != v[0] {
			return 0, false
		}
	}
	return v[0], true
}

// clampOf reads MAXIMUM(x, lo) or MINIMUM(x, hi) with a constant bound that
// does not broadcast x to a larger shape.
func clampOf(g *ir.Graph, op *ir.Op) (x int, bound float32, ok bool) {
	if (op.Type != ir.Maximum && op.Type != ir.Minimum) || len(op.Inputs) != 2 || len(op.Outputs) != 1 {
		return 0, 0, false
	}
	a, b := op.Inputs[0], op.Inputs[1]
	if _, isConst := scalarFloat(g, a); isConst {
		a, b = b, a
	}
	v, isConst := scalarFloat(g, b)
	if !isConst || a < 0 || constTensor(g, a) != nil {
		return 0, 0, false
	}
	xt, out := g.Tensors[a], g.Tensors[op.Outputs[0]]
	if xt.Type != ir.Float32 || len(xt.Shape) != len(out.Shape) || xt.NumElements() != out.NumElements() {
		return 0, 0, false
	}
	return a, v, true
}

// canonicalizeClamps turns MAXIMUM(x,0) into RELU and MINIMUM/MAXIMUM pairs
// bounding to [0,6] or [-1,1] into RELU6 or RELU_N1_TO_1.
func canonicalizeClamps(g *ir.Graph) int {
	prod := g.Producers()
	cons := g.Consumers()
	changed := 0
	var drop []int
	// Outer clamps first, so that a pair is seen before its inner MAXIMUM
	// alone becomes a RELU.
	for oi := len(g.Ops) - 1; oi >= 0; oi-- {
		op := g.Ops[oi]
		if slices.Contains(drop, oi) {
			continue
		}
		x, v, ok := clampOf(g, op)
		if !ok {
			continue
		}
		// A pair: op(inner(x, v1), v2) with inner read only by op.
		if pi := prod[x]; pi >= 0 && soleConsumer(g, cons, x) == oi {
			inner := g.Ops[pi]
			if ix, iv, ok := clampOf(g, inner); ok && inner.Type != op.Type {
				lo, hi := v, iv
				if op.Type == ir.Minimum {
					lo, hi = iv, v
				}
				var t ir.OpType = -1
				switch {
				case lo == 0 && hi == 6:
					t = ir.Relu6
				case lo == -1 && hi == 1:
					t = ir.ReluN1To1
				case lo == 0 && hi == 1:
					t = ir.Relu0To1
				}
				if t >= 0 {
					op.Type, op.Options, op.Inputs = t, nil, []int{ix}
					drop = append(drop, pi)
					changed++
					continue
				}
			}
		}
		if op.Type == ir.Maximum && v == 0 && !math.Signbit(float64(v)) {
			op.Type, op.Options, op.Inputs = ir.Relu, nil, []int{x}
			changed++
		}
	}
	g.RemoveOps(drop...)
	return changed
}
