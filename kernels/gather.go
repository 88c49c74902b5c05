package kernels

import (
	"encoding/binary"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// GATHER picks slices of its input along an axis by index, with TFLite's
// batch_dims: for each batch b (the leading batch_dims axes, shared by input
// and indices) and each outer index, output[b, outer, i..., inner] =
// input[b, outer, indices[b, i...], inner]. Indices are checked at Eval: a
// negative or too large index is an error naming it.

func init() {
	Register(ir.Gather, func() Kernel { return &gatherKernel{} })
}

type gatherKernel struct {
	esize     int
	batches   int // product of the batch dims
	outer     int // product of input dims between the batch dims and axis
	axisSize  int
	inner     int // elements per gathered slice
	perBatch  int // indices per batch
	idxSize   int // bytes per index
	idxType   ir.DataType
	numIdx    int
	axis      int
	batchDims int
}

func (k *gatherKernel) Prepare(n *Node) error {
	if err := checkArity(n, 2, 2, 1); err != nil {
		return err
	}
	o, err := options[ir.GatherOptions](n)
	if err != nil {
		return err
	}
	in, idx, out := n.In[0], n.In[1], n.Out[0]
	es, err := sameTypes(n, in, out)
	if err != nil {
		return err
	}
	if err := checkIndexType(n, idx); err != nil {
		return err
	}
	warnQuantMismatch(n, in, out)
	rank, irank := len(in.Shape), len(idx.Shape)
	axis, err := normAxis(n, o.Axis, rank)
	if err != nil {
		return err
	}
	bd := o.BatchDims
	if bd < 0 {
		bd += irank
	}
	if bd < 0 || bd > axis || bd >= rank || bd > irank {
		return nodeErr(n, "batch_dims %d is invalid for axis %d, input rank %d and indices rank %d", o.BatchDims, axis, rank, irank)
	}
	if !slices.Equal(in.Shape[:bd], idx.Shape[:bd]) {
		return nodeErr(n, "input %q shape %v and indices %q shape %v differ in the %d batch dims", in.Name, in.Shape, idx.Name, idx.Shape, bd)
	}
	want := slices.Concat(in.Shape[:axis], idx.Shape[bd:], in.Shape[axis+1:])
	if err := checkShape(n, out, want); err != nil {
		return err
	}
	k.esize, k.axis, k.batchDims = es, axis, bd
	k.batches = product(in.Shape[:bd])
	k.outer = product(in.Shape[bd:axis])
	k.axisSize = in.Shape[axis]
	k.inner = product(in.Shape[axis+1:])
	k.perBatch = product(idx.Shape[bd:])
	k.idxType, k.idxSize = idx.Type, idx.Type.Size()
	k.numIdx = idx.NumElements()
	return nil
}

// index decodes index i of the indices tensor.
func (k *gatherKernel) index(b []byte, i int) int { return decodeIndex(k.idxType, b, i) }

// checkIndexType checks that idx holds int16, int32 or int64 indices, the
// types decodeIndex reads.
func checkIndexType(n *Node, idx *ir.Tensor) error {
	switch idx.Type {
	case ir.Int16, ir.Int32, ir.Int64:
		return nil
	}
	return nodeErr(n, "indices %q are %v, want int16, int32 or int64", idx.Name, idx.Type)
}

// decodeIndex decodes element i of an int16, int32 or int64 indices tensor's
// data; an int64 that does not fit an int gives -1 (out of range).
func decodeIndex(t ir.DataType, b []byte, i int) int {
	switch t {
	case ir.Int16:
		return int(int16(binary.LittleEndian.Uint16(b[2*i:])))
	case ir.Int32:
		return int(int32(binary.LittleEndian.Uint32(b[4*i:])))
	}
	v := int64(binary.LittleEndian.Uint64(b[8*i:]))
	if v != int64(int(v)) {
		return -1
	}
	return int(v)
}

func (k *gatherKernel) Eval(n *Node) error {
	src, idx, dst := n.In[0].Data, n.In[1].Data, n.Out[0].Data
	for i := 0; i < k.numIdx; i++ {
		if v := k.index(idx, i); v < 0 || v >= k.axisSize {
			return nodeErr(n, "index %d of %q is %d, outside [0, %d) for axis %d of input %q", i, n.In[1].Name, k.index(idx, i), k.axisSize, k.axis, n.In[0].Name)
		}
	}
	block := k.inner * k.esize
	pos := 0
	for b := 0; b < k.batches; b++ {
		for o := 0; o < k.outer; o++ {
			base := ((b*k.outer + o) * k.axisSize) * block
			for i := b * k.perBatch; i < (b+1)*k.perBatch; i++ {
				s := base + k.index(idx, i)*block
				copy(dst[pos:pos+block], src[s:s+block])
				pos += block
			}
		}
	}
	return nil
}
