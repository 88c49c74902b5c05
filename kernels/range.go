package kernels

import (
	"github.com/liteforge/liteforge/ir"
)

// RANGE: start, start+delta, start+2·delta, ... for int32, int64 and float32.
// Shape inference (ir) computes the length from the values; the kernel adds
// delta repeatedly, as TFLite does, so float32 values carry TFLite's rounding
// rather than start + i·delta.

func init() {
	Register(ir.Range, func() Kernel { return &rangeKernel{} })
}

type rangeKernel struct {
	eval func(n *Node)
}

func (k *rangeKernel) Prepare(n *Node) error {
	if err := checkArity(n, 3, 3, 1); err != nil {
		return err
	}
	out := n.Out[0]
	for _, t := range n.In {
		if t.Type != out.Type || t.NumElements() != 1 {
			return nodeErr(n, "input %q is %v %v; start, limit and delta must be scalars of the output's type %v", t.Name, t.Type, t.Shape, out.Type)
		}
	}
	if len(out.Shape) != 1 {
		return nodeErr(n, "output %q has shape %v, want a vector", out.Name, out.Shape)
	}
	switch out.Type {
	case ir.Float32:
		k.eval = rangeOf(ir.AsFloat32)
	case ir.Int32:
		k.eval = rangeOf(ir.AsInt32)
	case ir.Int64:
		k.eval = rangeOf(ir.AsInt64)
	default:
		return unsupported(n, out.Type.String())
	}
	return nil
}

func (k *rangeKernel) Eval(n *Node) error {
	k.eval(n)
	return nil
}

func rangeOf[T float32 | int32 | int64](view func([]byte) []T) func(n *Node) {
	return func(n *Node) {
		v, delta := view(n.In[0].Data)[0], view(n.In[2].Data)[0]
		out := view(n.Out[0].Data)
		for i := range out {
			out[i] = v
			v += delta
		}
	}
}
