package kernels

import (
	"math"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// PACK stacks equally-shaped inputs along a new axis; UNPACK is its inverse.

func init() {
	Register(ir.Pack, func() Kernel { return &packKernel{} })
	Register(ir.Unpack, func() Kernel { return &unpackKernel{} })
}

type packKernel struct{ join joiner }

func (k *packKernel) Prepare(n *Node) error {
	if err := checkArity(n, 1, math.MaxInt, 1); err != nil {
		return err
	}
	for i, t := range n.In {
		if t == nil {
			return nodeErr(n, "input %d is missing", i)
		}
	}
	o, err := options[ir.PackOptions](n)
	if err != nil {
		return err
	}
	if o.ValuesCount != 0 && o.ValuesCount != len(n.In) {
		return nodeErr(n, "values_count is %d but the op has %d inputs", o.ValuesCount, len(n.In))
	}
	out := n.Out[0]
	if _, err := sameTypes(n, append([]*ir.Tensor{out}, n.In...)...); err != nil {
		return err
	}
	in0 := n.In[0]
	for _, t := range n.In[1:] {
		if !slices.Equal(t.Shape, in0.Shape) {
			return nodeErr(n, "input %q has shape %v, input %q %v: PACK needs equal shapes", t.Name, t.Shape, in0.Name, in0.Shape)
		}
	}
	axis, err := normAxis(n, o.Axis, len(in0.Shape)+1)
	if err != nil {
		return err
	}
	if err := checkShape(n, out, slices.Insert(slices.Clone(in0.Shape), axis, len(n.In))); err != nil {
		return err
	}
	return k.join.prepare(n, axis, in0.Shape)
}

func (k *packKernel) Eval(n *Node) error {
	k.join.run(n)
	return nil
}

type unpackKernel struct{ parts splitter }

func (k *unpackKernel) Prepare(n *Node) error {
	if err := checkArity(n, 1, 1, -1); err != nil {
		return err
	}
	o, err := options[ir.UnpackOptions](n)
	if err != nil {
		return err
	}
	in := n.In[0]
	if len(in.Shape) == 0 {
		return nodeErr(n, "input %q is a scalar", in.Name)
	}
	axis, err := normAxis(n, o.Axis, len(in.Shape))
	if err != nil {
		return err
	}
	if len(n.Out) != in.Shape[axis] || (o.Num != 0 && o.Num != len(n.Out)) {
		return nodeErr(n, "has %d outputs (num %d) but input %q has %d entries on axis %d", len(n.Out), o.Num, in.Name, in.Shape[axis], axis)
	}
	if _, err := sameTypes(n, append([]*ir.Tensor{in}, n.Out...)...); err != nil {
		return err
	}
	for _, t := range n.Out {
		if err := requireSameQuant(n, in, t); err != nil {
			return err
		}
	}
	k.parts.reset(len(n.Out))
	return k.parts.plan(n, in, axis, true)
}

func (k *unpackKernel) Eval(n *Node) error {
	k.parts.run(n.In[0].Data, n.Out)
	return nil
}
