package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// BATCH_MATMUL: lhs [..., M, K] (or [..., K, M] with adj_x), rhs [..., K, N]
// (or [..., N, K] with adj_y), output [..., M, N]; the leading (batch)
// dimensions broadcast as in NumPy. A constant rhs is packed once at Prepare,
// a computed one at each Eval into the same buffers.

func init() {
	Register(ir.BatchMatMul, func() Kernel { return &batchMatMul{} })
}

type batchMatMul struct {
	m, k, nCols    int
	adjX, adjY     bool
	outBatch       int
	lhsIdx, rhsIdx []int // per output batch: the lhs and rhs batch it reads
	rhsBatches     int
	eng            *gemm.Engine
	eval           func(n *Node) error

	repack bool // the rhs is computed at run time

	lhsF32  gemm.Matrix[float32]
	packF32 []*gemm.PackedF32 // one per rhs batch

	q bmmQuant // integer and hybrid state (batch_matmul_int.go)
}

// broadcastBatches maps each output batch index to the lhs and rhs batch
// indices it reads, broadcasting the leading dimensions of a and b.
func broadcastBatches(n *Node, a, b, out []int) (lhsIdx, rhsIdx []int, outShape []int, err error) {
	rank := max(len(a), len(b))
	outShape = make([]int, rank)
	pad := func(s []int, i int) int {
		if j := i - (rank - len(s)); j >= 0 {
			return s[j]
		}
		return 1
	}
	for i := range outShape {
		da, db := pad(a, i), pad(b, i)
		switch {
		case da == db || db == 1:
			outShape[i] = da
		case da == 1:
			outShape[i] = db
		default:
			return nil, nil, nil, fmt.Errorf("%s: batch dimensions %v and %v do not broadcast", n.Op.Name(), a, b)
		}
	}
	total := ir.NumElements(outShape)
	if total < 0 || ir.NumElements(out) != total {
		return nil, nil, nil, fmt.Errorf("%s: output batch dimensions %v, want %v", n.Op.Name(), out, outShape)
	}
	lhsIdx, rhsIdx = make([]int, total), make([]int, total)
	idx := make([]int, rank)
	for o := 0; o < total; o++ {
		la, lb := 0, 0
		for i := range idx {
			da, db := pad(a, i), pad(b, i)
			la = la*da + min(idx[i], da-1)
			lb = lb*db + min(idx[i], db-1)
		}
		lhsIdx[o], rhsIdx[o] = la, lb
		for i := rank - 1; i >= 0; i-- {
			if idx[i]++; idx[i] < outShape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return lhsIdx, rhsIdx, outShape, nil
}

func (k *batchMatMul) Prepare(n *Node) error {
	o, ok := n.Op.Options.(*ir.BatchMatMulOptions)
	if !ok || o == nil {
		return fmt.Errorf("%s: missing BatchMatMulOptions", n.Op.Name())
	}
	if len(n.In) != 2 || len(n.Out) != 1 || n.In[0] == nil || n.In[1] == nil || n.Out[0] == nil {
		return fmt.Errorf("%s: want 2 inputs and 1 output", n.Op.Name())
	}
	lhs, rhs, out := n.In[0], n.In[1], n.Out[0]
	if len(lhs.Shape) < 2 || len(rhs.Shape) < 2 || len(out.Shape) < 2 {
		return fmt.Errorf("%s: operands must have rank 2 or more, got %v and %v", n.Op.Name(), lhs.Shape, rhs.Shape)
	}
	k.adjX, k.adjY = o.AdjX, o.AdjY
	lr, rr := len(lhs.Shape), len(rhs.Shape)
	k.m, k.k = lhs.Shape[lr-2], lhs.Shape[lr-1]
	if k.adjX {
		k.m, k.k = k.k, k.m
	}
	rk, rn := rhs.Shape[rr-2], rhs.Shape[rr-1]
	if k.adjY {
		rk, rn = rn, rk
	}
	k.nCols = rn
	if rk != k.k {
		return fmt.Errorf("%s: lhs %v (adj_x %v) and rhs %v (adj_y %v) disagree on the contracted size", n.Op.Name(), lhs.Shape, k.adjX, rhs.Shape, k.adjY)
	}
	or := len(out.Shape)
	if out.Shape[or-2] != k.m || out.Shape[or-1] != k.nCols {
		return fmt.Errorf("%s: output %v, want [..., %d, %d]", n.Op.Name(), out.Shape, k.m, k.nCols)
	}
	var err error
	k.lhsIdx, k.rhsIdx, _, err = broadcastBatches(n, lhs.Shape[:lr-2], rhs.Shape[:rr-2], out.Shape[:or-2])
	if err != nil {
		return err
	}
	k.outBatch = len(k.lhsIdx)
	k.rhsBatches = ir.NumElements(rhs.Shape[:rr-2])
	k.eng = engineFor(k.eng, n.Ctx)
	switch {
	case lhs.Type == ir.Float32 && rhs.Type == ir.Float32:
		return k.prepareF32(n)
	case lhs.Type == ir.Float32 && rhs.Type == ir.Int8:
		return k.prepareHybrid(n, o)
	case lhs.Type == ir.Int8 || lhs.Type == ir.Int16:
		return k.prepareInt(n, o)
	}
	return unsupported(n, fmt.Sprintf("lhs %v with rhs %v", lhs.Type, rhs.Type))
}

func (k *batchMatMul) Eval(n *Node) error { return k.eval(n) }

// rhsMatrix is rhs batch b as the right operand (K by N).
func rhsMatrix[T gemm.Elem](k *batchMatMul, data []T, b int) gemm.Matrix[T] {
	m := gemm.Matrix[T]{Data: data, Off: b * k.k * k.nCols, Rows: k.k, Cols: k.nCols, RowStride: k.nCols, ColStride: 1}
	if k.adjY {
		m.RowStride, m.ColStride = 1, k.k
	}
	return m
}

// lhsMatrix sets lhs batch b as the left operand (M by K).
func lhsMatrix[T gemm.Elem](k *batchMatMul, dst *gemm.Matrix[T], data []T, b int) {
	*dst = gemm.Matrix[T]{Data: data, Off: b * k.m * k.k, Rows: k.m, Cols: k.k, RowStride: k.k, ColStride: 1}
	if k.adjX {
		dst.RowStride, dst.ColStride = 1, k.m
	}
}

func (k *batchMatMul) prepareF32(n *Node) error {
	if err := requireType(n, "output", n.Out[0], ir.Float32); err != nil {
		return err
	}
	rhs := n.In[1]
	var data []float32
	k.repack = !rhs.IsConst()
	if !k.repack {
		if err := checkData(n, "rhs", rhs); err != nil {
			return err
		}
		data = rhs.Float32s()
	} else {
		data = make([]float32, k.rhsBatches*k.k*k.nCols) // reserves the packed buffers
	}
	k.packF32 = make([]*gemm.PackedF32, k.rhsBatches)
	for b := range k.packF32 {
		var err error
		if k.packF32[b], err = gemm.PackF32(nil, rhsMatrix(k, data, b)); err != nil {
			return fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
	}
	k.eng.Reserve(k.m, k.k)
	k.eval = k.evalF32
	return nil
}

func (k *batchMatMul) evalF32(n *Node) error {
	if rhs := n.In[1]; k.repack {
		data := rhs.Float32s()
		for b, p := range k.packF32 {
			if _, err := gemm.PackF32(p, rhsMatrix(k, data, b)); err != nil {
				return fmt.Errorf("%s: %w", n.Op.Name(), err)
			}
		}
	}
	lhs, out := n.In[0].Float32s(), n.Out[0].Float32s()
	for o := 0; o < k.outBatch; o++ {
		lhsMatrix(k, &k.lhsF32, lhs, k.lhsIdx[o])
		if err := k.eng.MulF32(&k.lhsF32, k.packF32[k.rhsIdx[o]], out[o*k.m*k.nCols:], k.nCols, unbounded); err != nil {
			return fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
	}
	k.lhsF32.Data = nil
	return nil
}
