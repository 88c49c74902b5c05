package kernels

import (
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// ADD_N sums two or more inputs of one shape and type (float32, int32,
// int64), element by element in input order: (in0 + in1) + in2 + ...
// Integers wrap like C.

func init() {
	Register(ir.AddN, func() Kernel { return &addNKernel{} })
}

type addNKernel struct {
	eval func(n *Node)
}

func (k *addNKernel) Prepare(n *Node) error {
	if err := checkArity(n, 2, max(2, len(n.In)), 1); err != nil {
		return err
	}
	first, out := n.In[0], n.Out[0]
	for _, t := range n.In {
		if t == nil {
			return nodeErr(n, "has an absent input")
		}
		if t.Type != out.Type || !slices.Equal(t.Shape, first.Shape) {
			return nodeErr(n, "input %q is %v %v but input %q %v %v and output %q %v; all must match", t.Name, t.Type, t.Shape, first.Name, first.Type, first.Shape, out.Name, out.Type)
		}
	}
	if err := checkShape(n, out, first.Shape); err != nil {
		return err
	}
	switch out.Type {
	case ir.Float32:
		k.eval = addNOf(ir.AsFloat32)
	case ir.Int32:
		k.eval = addNOf(ir.AsInt32)
	case ir.Int64:
		k.eval = addNOf(ir.AsInt64)
	default:
		return unsupported(n, out.Type.String())
	}
	return nil
}

func (k *addNKernel) Eval(n *Node) error {
	k.eval(n)
	return nil
}

func addNOf[T float32 | int32 | int64](view func([]byte) []T) func(n *Node) {
	return func(n *Node) {
		out := view(n.Out[0].Data)
		addInto(out, view(n.In[0].Data), view(n.In[1].Data))
		for _, t := range n.In[2:] {
			addInto(out, out, view(t.Data))
		}
	}
}
