package kernels

import "github.com/liteforge/liteforge/ir"

// TILE repeats the input multiples[d] times along each axis d. Axis d of the
// output is viewed as (repeat, index) so that the whole op is one remap.

func init() {
	Register(ir.Tile, func() Kernel { return &tileKernel{} })
}

type tileKernel struct {
	plan      remap
	multiples paramCache
	inStride  []int
}

func (k *tileKernel) Prepare(n *Node) error {
	if err := checkArity(n, 2, 2, 1); err != nil {
		return err
	}
	in, mult, out := n.In[0], n.In[1], n.Out[0]
	es, err := sameTypes(n, in, out)
	if err != nil {
		return err
	}
	rank := len(in.Shape)
	if len(mult.Shape) != 1 || mult.Shape[0] != rank {
		return nodeErr(n, "multiples %q have shape %v, want [%d]", mult.Name, mult.Shape, rank)
	}
	if len(out.Shape) != rank {
		return nodeErr(n, "output %q has rank %d, input %q rank %d", out.Name, len(out.Shape), in.Name, rank)
	}
	view := make([]int, 2*rank)
	if mult.Type != ir.Int32 && mult.Type != ir.Int64 {
		return nodeErr(n, "multiples %q are %v, want int32 or int64", mult.Name, mult.Type)
	}
	for d := range rank {
		if in.Shape[d] == 0 {
			continue // an empty output: nothing to copy
		}
		if out.Shape[d]%in.Shape[d] != 0 {
			return nodeErr(n, "output %q shape %v is not a tiling of input %q shape %v", out.Name, out.Shape, in.Name, in.Shape)
		}
		view[2*d], view[2*d+1] = out.Shape[d]/in.Shape[d], in.Shape[d]
	}
	warnQuantMismatch(n, in, out)
	k.inStride = rowMajorStrides(in.Shape)
	k.plan.init(es, view)
	for d := range rank {
		clear(k.plan.off[2*d]) // every repeat reads the same input
		t := k.plan.off[2*d+1]
		for o := range t {
			t[o] = o * k.inStride[d]
		}
	}
	k.plan.finish()
	k.multiples.reset(rank)
	if mult.Data != nil {
		return k.check(n)
	}
	return nil
}

// check verifies that the multiples (possibly computed at run time) give the
// output shape the plan was made for.
func (k *tileKernel) check(n *Node) error {
	m, changed, err := k.multiples.changed(n, n.In[1])
	if err != nil || !changed {
		return err
	}
	for d, r := range m {
		if r < 0 || n.In[0].Shape[d]*r != n.Out[0].Shape[d] {
			return nodeErr(n, "multiples %v do not give output shape %v from input shape %v", m, n.Out[0].Shape, n.In[0].Shape)
		}
	}
	k.multiples.keep(m)
	return nil
}

func (k *tileKernel) Eval(n *Node) error {
	if err := k.check(n); err != nil {
		return err
	}
	k.plan.run(n.Out[0].Data, n.In[0].Data)
	return nil
}
