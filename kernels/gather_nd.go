package kernels

import (
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// GATHER_ND: the last dimension of indices (int16, int32 or int64) holds
// index tuples into the leading dimensions of params; each tuple picks a
// slice of the remaining dimensions, so output shape = indices.shape[:-1] +
// params.shape[len(tuple):]. Any fixed-size type is moved as bytes. Every
// index is checked against its own dimension and an index out of range is an
// error naming it (TFLite checks only that the slice lies inside params, so
// it reads a wrong slice where liteforge refuses).

func init() {
	Register(ir.GatherND, func() Kernel { return &gatherNDKernel{} })
}

type gatherNDKernel struct {
	depth   int   // indices per tuple
	slices  int   // tuples
	block   int   // bytes per gathered slice
	dims    []int // the params dims a tuple indexes
	strides []int // their strides in params, in bytes
}

func (k *gatherNDKernel) Prepare(n *Node) error {
	if err := checkArity(n, 2, 2, 1); err != nil {
		return err
	}
	params, idx, out := n.In[0], n.In[1], n.Out[0]
	es, err := sameTypes(n, params, out)
	if err != nil {
		return err
	}
	if err := checkIndexType(n, idx); err != nil {
		return err
	}
	if len(idx.Shape) < 1 || len(params.Shape) < 1 {
		return nodeErr(n, "params %q %v and indices %q %v need rank 1 or more", params.Name, params.Shape, idx.Name, idx.Shape)
	}
	depth := idx.Shape[len(idx.Shape)-1]
	if depth > len(params.Shape) {
		return nodeErr(n, "indices %q hold tuples of %d indices, more than the rank %d of params %q", idx.Name, depth, len(params.Shape), params.Name)
	}
	want := slices.Concat(idx.Shape[:len(idx.Shape)-1], params.Shape[depth:])
	if err := checkShape(n, out, want); err != nil {
		return err
	}
	warnQuantMismatch(n, params, out)
	k.depth = depth
	k.slices = product(idx.Shape[:len(idx.Shape)-1])
	k.block = product(params.Shape[depth:]) * es
	k.dims = slices.Clone(params.Shape[:depth])
	k.strides = rowMajorStrides(params.Shape)[:depth]
	for i := range k.strides {
		k.strides[i] *= es
	}
	return nil
}

func (k *gatherNDKernel) Eval(n *Node) error {
	src, idx, dst := n.In[0].Data, n.In[1].Data, n.Out[0].Data
	t := n.In[1].Type
	for s := range k.slices {
		from := 0
		for j, d := range k.dims {
			v := decodeIndex(t, idx, s*k.depth+j)
			if v < 0 || v >= d {
				return nodeErr(n, "index %d of tuple %d in %q is %d, outside [0, %d) for dimension %d of params %q",
					j, s, n.In[1].Name, v, d, j, n.In[0].Name)
			}
			from += v * k.strides[j]
		}
		copy(dst[s*k.block:(s+1)*k.block], src[from:from+k.block])
	}
	return nil
}
