package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// TRANSPOSE_CONV on int8 (per-channel), legacy uint8 and int16 (int8
// weights, int64 bias): the per-pixel contributions come from gemm's integer
// multiply, are scattered into an exact integer sum per output element, and
// each sum is requantized as TFLite's reference kernel does.

// tconvQuant is the integer state of a TRANSPOSE_CONV kernel.
type tconvQuant struct {
	i8  intTConv[int8, int8, int32, int8]
	u8  intTConv[uint8, uint8, int32, uint8]
	i16 intTConv[int16, int8, int64, int16]
}

// rawOut stores a multiply's sums as they are.
type rawOut[S int32 | int64] struct {
	c  []S
	ld int
}

func (o *rawOut[S]) StoreInt(i0, j0, rows, cols int, acc []S, ld int) {
	for r := 0; r < rows; r++ {
		copy(o.c[(i0+r)*o.ld+j0:][:cols], acc[r*ld:][:cols])
	}
}

type intTConv[A gemm.AElem, B gemm.BElem, S int32 | int64, T int8 | uint8 | int16] struct {
	rq   requant[S]
	mul  *gemm.IntMul[A, B, S]
	pack *gemm.PackedInt[B]
	lhs  gemm.Matrix[A]
	zp   gemm.ZeroPoints
	col  rawOut[S]
	sum  []S // one exact sum per output element
}

func (c *intTConv[A, B, S, T]) prepare(n *Node, k *transposeConv, w []B, zp gemm.ZeroPoints) error {
	if c.mul == nil || c.mul.Threads() != threadsOf(n.Ctx) {
		c.mul = gemm.NewIntMul[A, B, S](threadsOf(n.Ctx))
	}
	var err error
	if c.pack, err = gemm.PackInt(nil, rearrangeWeights(k, w)); err != nil {
		return fmt.Errorf("%s: %w", n.Op.Name(), err)
	}
	pixels := k.batch * k.inH * k.inW
	c.lhs = gemm.Matrix[A]{Rows: pixels, Cols: k.inC, RowStride: k.inC, ColStride: 1}
	c.mul.Reserve(pixels, k.inC)
	c.col = rawOut[S]{c: make([]S, pixels*k.taps()), ld: k.taps()}
	c.sum = make([]S, k.batch*k.outH*k.outW*k.outC)
	c.zp = zp
	return nil
}

func (c *intTConv[A, B, S, T]) run(n *Node, k *transposeConv, in []A, out []T) error {
	c.lhs.Data = in
	err := c.mul.Mul(&c.lhs, c.pack, c.zp, &c.col)
	c.lhs.Data = nil
	if err != nil {
		return fmt.Errorf("%s: %w", n.Op.Name(), err)
	}
	clear(c.sum)
	col, taps, oc := c.col.c, k.taps(), k.outC
	k.scatter(func(pixel, tap, o int) {
		dst := c.sum[o*oc : o*oc+oc]
		for ch, v := range col[pixel*taps+tap*oc:][:oc] {
			dst[ch] += v
		}
	})
	for i, v := range c.sum {
		out[i] = T(c.rq.apply(v, i%oc))
	}
	return nil
}

func (k *transposeConv) prepareInt(n *Node, o *ir.TransposeConvOptions) error {
	in, w, out := n.In[2], n.In[1], n.Out[0]
	io, err := readQuantIO(n, in, out, o.Activation)
	if err != nil {
		return err
	}
	wScales, err := channelScales(n, w, k.outC, 0)
	if err != nil {
		return err
	}
	bias := optionalInput(n, 3)
	q := &k.q
	switch {
	case in.Type == ir.Int8 && w.Type == ir.Int8:
		if q.i8.rq, err = requant8(n, io, wScales, false, bias); err != nil {
			return err
		}
		if err := q.i8.prepare(n, k, w.Int8s(), gemm.ZeroPoints{AZero: io.inZP}); err != nil {
			return err
		}
		k.eval = func(n *Node) error { return q.i8.run(n, k, n.In[2].Int8s(), n.Out[0].Int8s()) }
	case in.Type == ir.Uint8 && w.Type == ir.Uint8:
		_, wZP, err := tensorQuant(n, "weights", w)
		if err != nil {
			return err
		}
		if q.u8.rq, err = requant8(n, io, wScales, true, bias); err != nil {
			return err
		}
		if err := q.u8.prepare(n, k, w.Data, gemm.ZeroPoints{AZero: io.inZP, BZero: wZP}); err != nil {
			return err
		}
		k.eval = func(n *Node) error { return q.u8.run(n, k, n.In[2].Data, n.Out[0].Data) }
	case in.Type == ir.Int16 && w.Type == ir.Int8:
		if q.i16.rq, err = requant16(n, io, wScales, false, bias); err != nil {
			return err
		}
		if err := q.i16.prepare(n, k, w.Int8s(), gemm.ZeroPoints{}); err != nil {
			return err
		}
		k.eval = func(n *Node) error { return q.i16.run(n, k, n.In[2].Int16s(), n.Out[0].Int16s()) }
	default:
		return unsupported(n, fmt.Sprintf("%v input with %v weights", in.Type, w.Type))
	}
	return nil
}
