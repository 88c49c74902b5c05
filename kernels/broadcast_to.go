package kernels

import (
	"github.com/liteforge/liteforge/ir"
)

// BROADCAST_TO repeats the input to the shape given by the second input
// (computed into the output shape by ir's shape inference), NumPy style: the
// shapes align at the last dimension and a dimension of 1 repeats. It is one
// remap whose repeated axes read offset 0.

func init() {
	Register(ir.BroadcastTo, func() Kernel { return &broadcastToKernel{} })
}

type broadcastToKernel struct {
	plan remap
}

func (k *broadcastToKernel) Prepare(n *Node) error {
	if err := checkArity(n, 2, 2, 1); err != nil {
		return err
	}
	in, shape, out := n.In[0], n.In[1], n.Out[0]
	es, err := sameTypes(n, in, out)
	if err != nil {
		return err
	}
	if shape.Type != ir.Int32 && shape.Type != ir.Int64 {
		return nodeErr(n, "shape %q is %v, want int32 or int64", shape.Name, shape.Type)
	}
	if len(out.Shape) > maxWalkRank {
		return nodeErr(n, "output %q has rank %d, more than the supported %d", out.Name, len(out.Shape), maxWalkRank)
	}
	if !broadcastable(in.Shape, out.Shape) {
		return nodeErr(n, "input %q shape %v does not broadcast to output %q shape %v", in.Name, in.Shape, out.Name, out.Shape)
	}
	warnQuantMismatch(n, in, out)
	k.plan.init(es, out.Shape)
	inStride := rowMajorStrides(in.Shape)
	lead := len(out.Shape) - len(in.Shape)
	for d, t := range k.plan.off {
		j := d - lead
		repeat := j < 0 || in.Shape[j] == 1
		for o := range t {
			t[o] = 0
			if !repeat {
				t[o] = o * inStride[j]
			}
		}
	}
	k.plan.finish()
	return nil
}

func (k *broadcastToKernel) Eval(n *Node) error {
	k.plan.run(n.Out[0].Data, n.In[0].Data)
	return nil
}
