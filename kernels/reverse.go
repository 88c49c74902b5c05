package kernels

import (
	"github.com/liteforge/liteforge/ir"
)

// REVERSE_V2 reverses the input along the axes listed by the second input
// (int32 or int64; negative axes count from the end; an axis listed twice is
// an error, as in TensorFlow). Any fixed-size type is moved as bytes; the
// whole op is one remap. The axes may be computed at run time: the plan's
// tables are refilled in place when they change.

func init() {
	Register(ir.ReverseV2, func() Kernel { return &reverseKernel{} })
}

type reverseKernel struct {
	plan    remap
	axes    paramCache
	strides []int
}

func (k *reverseKernel) Prepare(n *Node) error {
	if err := checkArity(n, 2, 2, 1); err != nil {
		return err
	}
	in, axis, out := n.In[0], n.In[1], n.Out[0]
	es, err := sameTypes(n, in, out)
	if err != nil {
		return err
	}
	if err := checkShape(n, out, in.Shape); err != nil {
		return err
	}
	if len(axis.Shape) != 1 || (axis.Type != ir.Int32 && axis.Type != ir.Int64) {
		return nodeErr(n, "axis %q is %v %v, want an int32 or int64 vector", axis.Name, axis.Type, axis.Shape)
	}
	if len(in.Shape) > maxWalkRank {
		return nodeErr(n, "input %q has rank %d, more than the supported %d", in.Name, len(in.Shape), maxWalkRank)
	}
	if axis.Shape[0] > len(in.Shape) {
		return nodeErr(n, "axis %q lists %d axes for input %q of rank %d", axis.Name, axis.Shape[0], in.Name, len(in.Shape))
	}
	warnQuantMismatch(n, in, out)
	k.plan.init(es, in.Shape)
	k.strides = rowMajorStrides(in.Shape)
	k.axes.reset(axis.Shape[0])
	if axis.Data != nil {
		return k.update(n)
	}
	return nil
}

// update rebuilds the plan's tables when the axes differ from the last ones.
// It allocates nothing.
func (k *reverseKernel) update(n *Node) error {
	axes, changed, err := k.axes.changed(n, n.In[1])
	if err != nil || !changed {
		return err
	}
	var reversed [maxWalkRank]bool
	rank := len(n.In[0].Shape)
	for _, a := range axes {
		d, err := normAxis(n, a, rank)
		if err != nil {
			return err
		}
		if reversed[d] {
			return nodeErr(n, "axis %d is listed twice in %v", d, axes)
		}
		reversed[d] = true
	}
	for d, t := range k.plan.off {
		last := len(t) - 1
		for o := range t {
			i := o
			if reversed[d] {
				i = last - o
			}
			t[o] = i * k.strides[d]
		}
	}
	k.plan.finish()
	k.axes.keep(axes)
	return nil
}

func (k *reverseKernel) Eval(n *Node) error {
	if err := k.update(n); err != nil {
		return err
	}
	k.plan.run(n.Out[0].Data, n.In[0].Data)
	return nil
}
