package kernels

import "github.com/liteforge/liteforge/internal/gemm"

// ScratchBytes of the kernels on internal/gemm: their packed weights, the
// engines' packing buffers and their own working buffers, for the runtime's
// memory report (ScratchReporter).

type sized interface{ Bytes() int }

type scratchy interface{ ScratchBytes() int }

// scratchSum adds up the memory of packed operands, engines and slices.
func scratchSum(parts ...any) int {
	n := 0
	for _, p := range parts {
		switch v := p.(type) {
		case sized:
			if v != nil {
				n += v.Bytes()
			}
		case scratchy:
			if v != nil {
				n += v.ScratchBytes()
			}
		case []float32:
			n += 4 * cap(v)
		case []int32:
			n += 4 * cap(v)
		case []int64:
			n += 8 * cap(v)
		case []int8:
			n += cap(v)
		case []uint8:
			n += cap(v)
		}
	}
	return n
}

func packedSum[P interface{ Bytes() int }](ps []P) int {
	n := 0
	for _, p := range ps {
		n += p.Bytes()
	}
	return n
}

func (k *conv2D) ScratchBytes() int {
	q := &k.q
	n := scratchSum(k.eng, q.quantIn, q.inScale, q.rq32.vec) + packedSum(k.packF32)
	n += intConvBytes(&q.i8) + intConvBytes(&q.u8) + intConvBytes(&q.i16) + intConvBytes(&q.hyb)
	return n
}

func intConvBytes[A gemm.AElem, B gemm.BElem, S int32 | int64, T int8 | uint8 | int16](c *intConv[A, B, S, T]) int {
	n := packedSum(c.pack)
	if c.mul != nil {
		n += c.mul.ScratchBytes()
	}
	return n
}

func (k *fullyConnected) ScratchBytes() int {
	q := &k.q
	n := scratchSum(k.eng, q.quantIn, q.rowScale, q.rowZP, q.rq32.vec)
	if k.packF32 != nil {
		n += k.packF32.Bytes()
	}
	return n + intFCBytes(&q.i8) + intFCBytes(&q.u8) + intFCBytes(&q.i16) + intFCBytes(&q.hyb)
}

func intFCBytes[A gemm.AElem, B gemm.BElem, S int32 | int64, T int8 | uint8 | int16](c *intFC[A, B, S, T]) int {
	n := 0
	if c.pack != nil {
		n += c.pack.Bytes()
	}
	if c.mul != nil {
		n += c.mul.ScratchBytes()
	}
	return n
}

func (k *batchMatMul) ScratchBytes() int {
	q := &k.q
	n := scratchSum(k.eng, q.quantIn, q.rowScale, q.rowZP) + packedSum(k.packF32)
	for _, c := range []interface{ bytes() int }{&q.i8, &q.i16, &q.hyb} {
		n += c.bytes()
	}
	return n
}

func (c *intBMM[A, S, T]) bytes() int {
	n := packedSum(c.pack) + c.rq.vec.Bytes()
	if c.mul != nil {
		n += c.mul.ScratchBytes()
	}
	return n
}

func (k *transposeConv) ScratchBytes() int {
	q := &k.q
	n := scratchSum(k.eng, k.colF32)
	if k.packF32 != nil {
		n += k.packF32.Bytes()
	}
	for _, c := range []interface{ bytes() int }{&q.i8, &q.u8, &q.i16} {
		n += c.bytes()
	}
	return n
}

func (c *intTConv[A, B, S, T]) bytes() int {
	n := scratchSum(c.col.c, c.sum, c.rq.vec)
	if c.pack != nil {
		n += c.pack.Bytes()
	}
	if c.mul != nil {
		n += c.mul.ScratchBytes()
	}
	return n
}

func (k *depthwiseConv2D) ScratchBytes() int {
	q := &k.q
	n := scratchSum(k.filterF32, k.biasF32, q.filterI8, q.filterU8, q.quantIn, q.inScale, q.inOffset, q.filter32, q.rq32.vec)
	for _, acc := range q.runAcc {
		n += 4 * cap(acc)
	}
	return n
}

var (
	_ ScratchReporter = (*conv2D)(nil)
	_ ScratchReporter = (*fullyConnected)(nil)
	_ ScratchReporter = (*batchMatMul)(nil)
	_ ScratchReporter = (*transposeConv)(nil)
	_ ScratchReporter = (*depthwiseConv2D)(nil)
)
