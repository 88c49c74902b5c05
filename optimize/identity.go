package optimize

import (
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// DropIdentities removes ops that compute their input unchanged (a reshape,
// squeeze or expand to the same shape, an identity transpose, a cast to the
// same type, padding by zeros, a slice of everything, a one-input
// concatenation) and shortens chains: a reshape of a reshape reads the first
// one's input, transposes of transposes compose, and a transpose that only
// moves size-1 axes becomes a reshape.
func DropIdentities(m *ir.Model) (int, error) {
	total := 0
	for _, g := range m.Graphs {
		prod := g.Producers()
		var drop []int
		for oi, op := range g.Ops {
			if len(op.Inputs) == 0 || len(op.Outputs) != 1 || op.Inputs[0] < 0 {
				continue
			}
			in, out := op.Inputs[0], op.Outputs[0]
			if isIdentityOp(g, op) {
				if bypass(g, out, in) {
					drop = append(drop, oi)
					total++
				}
				continue
			}
			if shortenChain(g, prod, op) {
				total++
			}
		}
		g.RemoveOps(drop...)
	}
	return total, nil
}

func isIdentityOp(g *ir.Graph, op *ir.Op) bool {
	x, y := g.Tensors[op.Inputs[0]], g.Tensors[op.Outputs[0]]
	if x.Type != y.Type || !sameQuant(x, y) || !slices.Equal(x.Shape, y.Shape) || x.IsVariable {
		return false
	}
	switch op.Type {
	case ir.Reshape, ir.Squeeze, ir.ExpandDims, ir.Cast:
		return true
	case ir.Concatenation:
		o, _ := op.Options.(*ir.ConcatenationOptions)
		return len(op.Inputs) == 1 && (o == nil || o.Activation == ir.ActNone)
	case ir.Transpose:
		p, ok := intConst(g, input(op, 1))
		return ok && isIdentityPerm(p)
	case ir.Pad, ir.PadV2, ir.MirrorPad:
		p, ok := intConst(g, input(op, 1))
		return ok && allZero(p)
	case ir.Slice:
		b, ok := intConst(g, input(op, 1))
		return ok && allZero(b)
	case ir.StridedSlice:
		o, _ := op.Options.(*ir.StridedSliceOptions)
		b, ok1 := intConst(g, input(op, 1))
		s, ok2 := intConst(g, input(op, 3))
		if !ok1 || !ok2 || o == nil || o.EllipsisMask != 0 || o.NewAxisMask != 0 || o.ShrinkAxisMask != 0 {
			return false
		}
		for i := range b {
			if (b[i] != 0 && o.BeginMask&(1<<i) == 0) || s[i] != 1 {
				return false
			}
		}
		return true
	}
	return false
}

func input(op *ir.Op, i int) int {
	if i < len(op.Inputs) {
		return op.Inputs[i]
	}
	return -1
}

func isIdentityPerm(p []int) bool {
	for i, v := range p {
		if v != i {
			return false
		}
	}
	return true
}

func allZero(v []int) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// shortenChain rewires op to read past a producer that it makes redundant.
// The producer stays for its other readers; RemoveDead drops it otherwise.
func shortenChain(g *ir.Graph, prod []int, op *ir.Op) bool {
	p := prod[op.Inputs[0]]
	if p < 0 {
		return false
	}
	pre := g.Ops[p]
	if len(pre.Inputs) == 0 || pre.Inputs[0] < 0 || len(pre.Outputs) != 1 {
		return false
	}
	src := g.Tensors[pre.Inputs[0]]
	if !sameQuant(src, g.Tensors[op.Inputs[0]]) {
		return false
	}
	reshapeLike := func(t ir.OpType) bool { return t == ir.Reshape || t == ir.Squeeze || t == ir.ExpandDims }
	switch {
	case reshapeLike(op.Type) && reshapeLike(pre.Type):
		return retarget(g, op, pre.Inputs[0])
	case reshapeLike(op.Type) && pre.Type == ir.Transpose:
		perm, ok := intConst(g, input(pre, 1))
		if !ok || !TransposeKeepsOrder(src.Shape, perm) {
			return false
		}
		return retarget(g, op, pre.Inputs[0])
	case op.Type == ir.Transpose && pre.Type == ir.Transpose:
		p1, ok1 := intConst(g, input(pre, 1))
		p2, ok2 := intConst(g, input(op, 1))
		if !ok1 || !ok2 || len(p1) != len(p2) {
			return false
		}
		composed := make([]int32, len(p2))
		for i, a := range p2 {
			composed[i] = int32(p1[a])
		}
		perm := g.AddTensor(&ir.Tensor{Name: g.Tensors[op.Outputs[0]].Name + "/perm", Type: ir.Int32,
			Shape: []int{len(composed)}, HasRank: true, Data: ir.Int32Bytes(composed)})
		op.Inputs = []int{pre.Inputs[0], perm}
		return true
	}
	return false
}

// retarget makes a reshape-like op read src directly, as a RESHAPE to its
// output shape (a squeeze's options would no longer fit src).
func retarget(g *ir.Graph, op *ir.Op, src int) bool {
	out := g.Tensors[op.Outputs[0]]
	if g.Tensors[src].IsVariable || !out.HasRank || slices.Contains(out.ShapeSignature, -1) {
		return false // a dynamic shape must keep being computed
	}
	s := slices.Clone(g.Tensors[op.Outputs[0]].Shape)
	d := make([]int32, len(s))
	for i, v := range s {
		d[i] = int32(v)
	}
	shape := g.AddTensor(&ir.Tensor{Name: g.Tensors[op.Outputs[0]].Name + "/shape", Type: ir.Int32,
		Shape: []int{len(d)}, HasRank: true, Data: ir.Int32Bytes(d)})
	op.Type = ir.Reshape
	op.Options = &ir.ReshapeOptions{NewShape: s}
	op.Inputs = []int{src, shape}
	return true
}

// TransposeKeepsOrder reports whether transposing a tensor of shape s by
// perm (output axis i is input axis perm[i]) leaves its elements in the same
// memory order, which is so when the axes longer than 1 keep their relative
// order: such a transpose is only a reshape.
func TransposeKeepsOrder(s, perm []int) bool {
	last := -1
	for _, a := range perm {
		if a < 0 || a >= len(s) {
			return false
		}
		if s[a] == 1 {
			continue
		}
		if a < last {
			return false
		}
		last = a
	}
	return true
}
