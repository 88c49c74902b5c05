package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// BATCH_MATMUL on int8 and int16 (both operands quantized per tensor, no
// fused activation) and hybrid (float lhs quantized row by row on the fly,
// constant int8 rhs), on gemm's integer multiply.

// bmmQuant is the integer and hybrid state of a BATCH_MATMUL kernel.
type bmmQuant struct {
	i8  intBMM[int8, int32, int8]
	i16 intBMM[int16, int64, int16]

	// hybrid
	hyb      intBMM[int8, int32, int8]
	hybOut   hybridOut
	quantIn  []int8
	rowScale []float32
	rowZP    []int32
	asym     bool
}

// intBMM is one operand type's multiply state.
type intBMM[A int8 | int16, S int32 | int64, T int8 | int16] struct {
	rq   requant[S]
	mul  *gemm.IntMul[A, A, S]
	pack []*gemm.PackedInt[A]
	lhs  gemm.Matrix[A]
	zp   gemm.ZeroPoints
	out  quantOut[S, T]
}

// prepare packs a constant rhs (or reserves the buffers for one computed at
// run time).
func (c *intBMM[A, S, T]) prepare(n *Node, k *batchMatMul, rhs []A) error {
	if c.mul == nil || c.mul.Threads() != threadsOf(n.Ctx) {
		c.mul = gemm.NewIntMul[A, A, S](threadsOf(n.Ctx))
	}
	if rhs == nil {
		rhs = make([]A, k.rhsBatches*k.k*k.nCols)
	}
	c.pack = make([]*gemm.PackedInt[A], k.rhsBatches)
	for b := range c.pack {
		var err error
		if c.pack[b], err = gemm.PackInt(nil, rhsMatrix(k, rhs, b)); err != nil {
			return fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
	}
	c.out.q, c.out.ld = &c.rq, k.nCols
	c.mul.Reserve(k.m, k.k)
	return nil
}

// run multiplies every output batch; rhs is repacked first when it is
// computed at run time.
func (c *intBMM[A, S, T]) run(n *Node, k *batchMatMul, lhs, rhs []A, out []T, o gemm.IntOutput[S], setOut func(int)) error {
	if k.repack {
		for b, p := range c.pack {
			if _, err := gemm.PackInt(p, rhsMatrix(k, rhs, b)); err != nil {
				return fmt.Errorf("%s: %w", n.Op.Name(), err)
			}
		}
	}
	for ob := 0; ob < k.outBatch; ob++ {
		lhsMatrix(k, &c.lhs, lhs, k.lhsIdx[ob])
		setOut(ob * k.m * k.nCols)
		if err := c.mul.Mul(&c.lhs, c.pack[k.rhsIdx[ob]], c.zp, o); err != nil {
			return fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
	}
	c.lhs.Data = nil
	return nil
}

func (k *batchMatMul) prepareInt(n *Node, o *ir.BatchMatMulOptions) error {
	lhs, rhs, out := n.In[0], n.In[1], n.Out[0]
	if rhs.Type != lhs.Type {
		return unsupported(n, fmt.Sprintf("%v lhs with %v rhs", lhs.Type, rhs.Type))
	}
	io, err := readQuantIO(n, lhs, out, ir.ActNone)
	if err != nil {
		return err
	}
	rScale, rZP, err := tensorQuant(n, "rhs", rhs)
	if err != nil {
		return err
	}
	k.repack = !rhs.IsConst()
	if !k.repack {
		if err := checkData(n, "rhs", rhs); err != nil {
			return err
		}
	}
	// TFLite derives the multiplier from a float product of the scales.
	scales := []float32{rScale}
	q := &k.q
	switch lhs.Type {
	case ir.Int8:
		if q.i8.rq, err = requant8(n, io, scales, true, nil); err != nil {
			return err
		}
		q.i8.rq.mult, q.i8.rq.shift = repeat(q.i8.rq.mult, k.nCols), repeatInt(q.i8.rq.shift, k.nCols)
		q.i8.rq.scale = nil // XNNPACK does not take BATCH_MATMUL
		q.i8.rq.vectorize()
		var data []int8
		if !k.repack {
			data = rhs.Int8s()
		}
		if err := q.i8.prepare(n, k, data); err != nil {
			return err
		}
		q.i8.zp = gemm.ZeroPoints{AZero: io.inZP, BZero: rZP}
		k.eval = func(n *Node) error {
			out := n.Out[0].Int8s()
			return q.i8.run(n, k, n.In[0].Int8s(), n.In[1].Int8s(), out, &q.i8.out, func(off int) { q.i8.out.out = out[off:] })
		}
	case ir.Int16:
		if rZP != 0 {
			return fmt.Errorf("%s: int16 rhs must have zero point 0, got %d", n.Op.Name(), rZP)
		}
		if q.i16.rq, err = requant16(n, io, scales, true, nil); err != nil {
			return err
		}
		q.i16.rq.mult, q.i16.rq.shift = repeat(q.i16.rq.mult, k.nCols), repeatInt(q.i16.rq.shift, k.nCols)
		var data []int16
		if !k.repack {
			data = rhs.Int16s()
		}
		if err := q.i16.prepare(n, k, data); err != nil {
			return err
		}
		k.eval = func(n *Node) error {
			out := n.Out[0].Int16s()
			return q.i16.run(n, k, n.In[0].Int16s(), n.In[1].Int16s(), out, &q.i16.out, func(off int) { q.i16.out.out = out[off:] })
		}
	default:
		return unsupported(n, lhs.Type.String()+" operands")
	}
	return nil
}

func repeat(v []int32, n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = v[0]
	}
	return out
}

func repeatInt(v []int, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v[0]
	}
	return out
}

// prepareHybrid: float lhs and output with a constant int8 rhs quantized per
// tensor. TFLite quantizes each lhs row (symmetric, or asymmetric with the
// option) and scales each integer sum by the row's factor times the rhs
// scale.
func (k *batchMatMul) prepareHybrid(n *Node, o *ir.BatchMatMulOptions) error {
	lhs, rhs := n.In[0], n.In[1]
	if err := requireType(n, "output", n.Out[0], ir.Float32); err != nil {
		return err
	}
	if k.adjX {
		return unsupported(n, "a hybrid multiply with adj_x")
	}
	if !rhs.IsConst() {
		return unsupported(n, "a quantized rhs that is not constant")
	}
	if err := checkData(n, "rhs", rhs); err != nil {
		return err
	}
	rScale, _, err := tensorQuant(n, "rhs", rhs)
	if err != nil {
		return err
	}
	q := &k.q
	if err := q.hyb.prepare(n, k, rhs.Int8s()); err != nil {
		return err
	}
	rows := lhs.NumElements() / k.k
	q.asym = o.AsymmetricQuantizeInputs
	q.quantIn = make([]int8, rows*k.k)
	q.rowScale = make([]float32, rows)
	q.rowZP = make([]int32, rows)
	chanScale := make([]float32, k.nCols)
	for i := range chanScale {
		chanScale[i] = rScale
	}
	lo, hi := float32(unbounded.Min), float32(unbounded.Max)
	q.hybOut = hybridOut{ld: k.nCols, rowsPerBatch: 1, batchScale: q.rowScale, chanScale: chanScale, lo: lo, hi: hi}
	k.eval = k.evalHybrid
	return nil
}

func (k *batchMatMul) evalHybrid(n *Node) error {
	q := &k.q
	in := n.In[0].Float32s()
	for r := range q.rowScale {
		src, dst := in[r*k.k:(r+1)*k.k], q.quantIn[r*k.k:(r+1)*k.k]
		if q.asym {
			q.rowScale[r], q.rowZP[r] = AsymmetricQuantizeFloats(src, dst)
		} else {
			q.rowScale[r] = SymmetricQuantizeFloats(src, dst)
		}
	}
	out := n.Out[0].Float32s()
	for ob := 0; ob < k.outBatch; ob++ {
		lb := k.lhsIdx[ob]
		lhsMatrix(k, &q.hyb.lhs, q.quantIn, lb)
		q.hybOut.out = out[ob*k.m*k.nCols:]
		// The rows of this lhs batch and their quantization.
		q.hybOut.rowBase = lb * k.m
		q.hyb.zp = gemm.ZeroPoints{}
		if q.asym {
			q.hyb.zp.ARow = q.rowZP[lb*k.m : (lb+1)*k.m]
		}
		if err := q.hyb.mul.Mul(&q.hyb.lhs, q.hyb.pack[k.rhsIdx[ob]], q.hyb.zp, &q.hybOut); err != nil {
			return fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
	}
	q.hyb.lhs.Data, q.hybOut.out = nil, nil
	return nil
}
