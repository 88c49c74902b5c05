package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// LOGICAL_AND and LOGICAL_OR with TFLite broadcasting, and LOGICAL_NOT, on
// bool tensors. Any nonzero byte reads as true; outputs are 0 or 1.

func init() {
	Register(ir.LogicalAnd, func() Kernel { return &logicalKernel{} })
	Register(ir.LogicalOr, func() Kernel { return &logicalKernel{or: true} })
	Register(ir.LogicalNot, func() Kernel { return &unaryKernel{prepare: prepareLogicalNot} })
}

type logicalKernel struct {
	walk stridedWalk
	or   bool
}

func (k *logicalKernel) Prepare(n *Node) error {
	a, b, out, err := checkBinaryIO(n)
	if err != nil {
		return err
	}
	if a.Type != ir.Bool || b.Type != ir.Bool || out.Type != ir.Bool {
		return unsupported(n, fmt.Sprintf("types %v, %v -> %v (all must be bool)", a.Type, b.Type, out.Type))
	}
	if err := k.walk.init(out.Shape, a.Shape, b.Shape); err != nil {
		return fmt.Errorf("%s: %v", n.Op.Name(), err)
	}
	return nil
}

func (k *logicalKernel) Eval(n *Node) error {
	a, b, o := n.In[0].Data, n.In[1].Data, n.Out[0].Data
	w := &k.walk
	w.rows(func(oi, ai, bi int) {
		r, x, y, sa, sb := o[oi:oi+w.inner], a[ai:], b[bi:], w.innerA, w.innerB
		if k.or {
			for i := range r {
				r[i] = b2u(x[i*sa] != 0 || y[i*sb] != 0)
			}
			return
		}
		for i := range r {
			r[i] = b2u(x[i*sa] != 0 && y[i*sb] != 0)
		}
	})
	return nil
}

func prepareLogicalNot(k *unaryKernel, n *Node, in, out *ir.Tensor) error {
	if in.Type != ir.Bool || out.Type != ir.Bool {
		return unsupported(n, fmt.Sprintf("types %v -> %v (both must be bool)", in.Type, out.Type))
	}
	k.eval = func(n *Node) error {
		in, out := n.In[0].Data, n.Out[0].Data
		in = in[:len(out)]
		for i, x := range in {
			out[i] = b2u(x == 0)
		}
		return nil
	}
	return nil
}
