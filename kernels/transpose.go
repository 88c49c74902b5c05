package kernels

import "github.com/liteforge/liteforge/ir"

// TRANSPOSE permutes the axes: output axis k is input axis perm[k].

func init() {
	Register(ir.Transpose, func() Kernel { return &transposeKernel{} })
}

type transposeKernel struct {
	plan     remap
	perm     paramCache
	inStride []int
	seen     []bool
}

func (k *transposeKernel) Prepare(n *Node) error {
	if err := checkArity(n, 2, 2, 1); err != nil {
		return err
	}
	in, out := n.In[0], n.Out[0]
	es, err := sameTypes(n, in, out)
	if err != nil {
		return err
	}
	if len(n.In[1].Shape) != 1 || n.In[1].Shape[0] != len(in.Shape) {
		return nodeErr(n, "perm %q has shape %v, want [%d]", n.In[1].Name, n.In[1].Shape, len(in.Shape))
	}
	if len(out.Shape) != len(in.Shape) {
		return nodeErr(n, "output %q has rank %d, input %q rank %d", out.Name, len(out.Shape), in.Name, len(in.Shape))
	}
	warnQuantMismatch(n, in, out)
	k.inStride = rowMajorStrides(in.Shape)
	k.seen = make([]bool, len(in.Shape))
	k.plan.init(es, out.Shape)
	k.perm.reset(len(in.Shape))
	if n.In[1].Data != nil {
		return k.update(n)
	}
	return nil
}

// update rebuilds the copy plan when the permutation changed.
func (k *transposeKernel) update(n *Node) error {
	perm, changed, err := k.perm.changed(n, n.In[1])
	if err != nil || !changed {
		return err
	}
	in, out := n.In[0], n.Out[0]
	clear(k.seen)
	for i, p := range perm {
		if p < 0 || p >= len(perm) || k.seen[p] {
			return nodeErr(n, "perm %v is not a permutation of the %d input axes", perm, len(perm))
		}
		k.seen[p] = true
		if out.Shape[i] != in.Shape[p] {
			return nodeErr(n, "output %q has shape %v, want input shape %v permuted by %v", out.Name, out.Shape, in.Shape, perm)
		}
		t := k.plan.off[i]
		for o := range t {
			t[o] = o * k.inStride[p]
		}
	}
	k.plan.finish()
	k.perm.keep(perm)
	return nil
}

func (k *transposeKernel) Eval(n *Node) error {
	if err := k.update(n); err != nil {
		return err
	}
	k.plan.run(n.Out[0].Data, n.In[0].Data)
	return nil
}
