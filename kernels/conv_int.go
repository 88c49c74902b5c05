package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// CONV_2D on integers (int8 with per-channel or per-tensor int8 filters and
// int32 bias; legacy uint8; int16 activations with int8 filters and int64
// bias) and hybrid (float activations quantized on the fly, int8 filters).
// All run on gemm's integer multiply; the zero point of the input is the
// im2col padding, so padded taps contribute nothing, as in TFLite's
// reference kernels, which skip them.

// convQuant is the integer and hybrid state of a CONV_2D kernel.
type convQuant struct {
	rq32 requant[int32]
	rq64 requant[int64]

	i8  intConv[int8, int8, int32, int8]
	u8  intConv[uint8, uint8, int32, uint8]
	i16 intConv[int16, int8, int64, int16]

	// hybrid
	hyb        intConv[int8, int8, int32, int8]
	hybOut     hybridOut
	quantIn    []int8
	inScale    []float32 // per batch
	asymmetric bool
}

// intConv is one integer type combination's multiply state: A activations,
// B filter, S sums, T outputs.
type intConv[A gemm.AElem, B gemm.BElem, S int32 | int64, T int8 | uint8 | int16] struct {
	mul   *gemm.IntMul[A, B, S]
	pack  []*gemm.PackedInt[B]
	conv  []gemm.Conv[A]
	dense gemm.Matrix[A]
	zp    gemm.ZeroPoints
	out   quantOut[S, T]
}

// prepare packs the filter per group and sets the im2col views; aZero is
// the input's zero point (the padding value).
func (c *intConv[A, B, S, T]) prepare(n *Node, k *conv2D, filter []B, aZero A, zp gemm.ZeroPoints) error {
	if c.mul == nil || c.mul.Threads() != threadsOf(n.Ctx) {
		c.mul = gemm.NewIntMul[A, B, S](threadsOf(n.Ctx))
	}
	perGroup := k.outC / k.groups
	c.pack = make([]*gemm.PackedInt[B], k.groups)
	c.conv = make([]gemm.Conv[A], k.groups)
	for g := range c.pack {
		var err error
		if c.pack[g], err = gemm.PackInt(nil, filterMatrix(filter, g, perGroup, k.filterK)); err != nil {
			return fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
		geom := k.im2colGeometry(g)
		c.conv[g] = gemm.Conv[A]{Batch: geom.Batch, InH: geom.InH, InW: geom.InW, InC: geom.InC, ChanOff: geom.ChanOff,
			Chans: geom.Chans, KH: geom.KH, KW: geom.KW, StrideH: geom.StrideH, StrideW: geom.StrideW,
			DilationH: geom.DilationH, DilationW: geom.DilationW, PadTop: geom.PadTop, PadLeft: geom.PadLeft,
			OutH: geom.OutH, OutW: geom.OutW, Pad: aZero}
	}
	w := k.win
	c.mul.Reserve(w.batch*w.outH*w.outW, k.filterK)
	c.dense = gemm.Matrix[A]{Rows: w.batch * w.inH * w.inW, Cols: w.inC, RowStride: w.inC, ColStride: 1}
	c.zp = zp
	return nil
}

// run multiplies every group of in into out through the IntOutput o.
func (c *intConv[A, B, S, T]) run(n *Node, k *conv2D, in []A, o gemm.IntOutput[S], setCol func(int)) error {
	perGroup := k.outC / k.groups
	for g := 0; g < k.groups; g++ {
		setCol(g * perGroup)
		var lhs gemm.LHS[A]
		if k.dense {
			c.dense.Data = in
			lhs = &c.dense
		} else {
			c.conv[g].In = in
			lhs = &c.conv[g]
		}
		if err := c.mul.Mul(lhs, c.pack[g], c.zp, o); err != nil {
			return fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
	}
	c.dense.Data = nil
	for g := range c.conv {
		c.conv[g].In = nil
	}
	return nil
}

func (k *conv2D) prepareInt(n *Node, o *ir.Conv2DOptions) error {
	in, filter, out := n.In[0], n.In[1], n.Out[0]
	if !filter.IsConst() {
		return unsupported(n, "a quantized filter that is not constant")
	}
	if err := checkData(n, "filter", filter); err != nil {
		return err
	}
	io, err := readQuantIO(n, in, out, o.Activation)
	if err != nil {
		return err
	}
	fScales, err := channelScales(n, filter, k.outC, 0)
	if err != nil {
		return err
	}
	k.dense = k.isPointwise()
	q := &k.q
	switch in.Type {
	case ir.Int8:
		if filter.Type != ir.Int8 {
			return unsupported(n, fmt.Sprintf("int8 input with %v filter", filter.Type))
		}
		if q.rq32, err = requant8(n, io, fScales, false, optionalInput(n, 2)); err != nil {
			return err
		}
		if err := q.i8.prepare(n, k, filter.Int8s(), int8(io.inZP), gemm.ZeroPoints{AZero: io.inZP}); err != nil {
			return err
		}
		q.i8.out.q = &q.rq32
		k.eval = func(n *Node) error {
			q.i8.out.out, q.i8.out.ld = n.Out[0].Int8s(), k.outC
			return q.i8.run(n, k, n.In[0].Int8s(), &q.i8.out, func(c int) { q.i8.out.colOff = c })
		}
	case ir.Uint8:
		if filter.Type != ir.Uint8 {
			return unsupported(n, fmt.Sprintf("uint8 input with %v filter", filter.Type))
		}
		_, fZP, err := tensorQuant(n, "filter", filter)
		if err != nil {
			return err
		}
		if q.rq32, err = requant8(n, io, fScales, true, optionalInput(n, 2)); err != nil {
			return err
		}
		if err := q.u8.prepare(n, k, filter.Data, uint8(io.inZP), gemm.ZeroPoints{AZero: io.inZP, BZero: fZP}); err != nil {
			return err
		}
		q.u8.out.q = &q.rq32
		k.eval = func(n *Node) error {
			q.u8.out.out, q.u8.out.ld = n.Out[0].Data, k.outC
			return q.u8.run(n, k, n.In[0].Data, &q.u8.out, func(c int) { q.u8.out.colOff = c })
		}
	case ir.Int16:
		if filter.Type != ir.Int8 {
			return unsupported(n, fmt.Sprintf("int16 input with %v filter", filter.Type))
		}
		if q.rq64, err = requant16(n, io, fScales, false, optionalInput(n, 2)); err != nil {
			return err
		}
		if err := q.i16.prepare(n, k, filter.Int8s(), 0, gemm.ZeroPoints{}); err != nil {
			return err
		}
		q.i16.out.q = &q.rq64
		k.eval = func(n *Node) error {
			q.i16.out.out, q.i16.out.ld = n.Out[0].Int16s(), k.outC
			return q.i16.run(n, k, n.In[0].Int16s(), &q.i16.out, func(c int) { q.i16.out.colOff = c })
		}
	}
	return nil
}

// prepareHybrid sets up dynamic-range quantization: int8 filters with float
// input and output. TFLite quantizes each batch's input on the fly,
// symmetrically when the filter has one scale and asymmetrically when its
// channels' scales differ, multiplies in integers and scales back.
func (k *conv2D) prepareHybrid(n *Node, o *ir.Conv2DOptions) error {
	in, filter, out := n.In[0], n.In[1], n.Out[0]
	if filter.Type != ir.Int8 {
		return unsupported(n, fmt.Sprintf("hybrid convolution with %v filter", filter.Type))
	}
	if err := requireType(n, "output", out, ir.Float32); err != nil {
		return err
	}
	if !filter.IsConst() {
		return unsupported(n, "a quantized filter that is not constant")
	}
	if err := checkData(n, "filter", filter); err != nil {
		return err
	}
	fScales, err := channelScales(n, filter, k.outC, 0)
	if err != nil {
		return err
	}
	q := &k.q
	q.asymmetric = false
	for _, s := range fScales {
		if s != fScales[0] {
			q.asymmetric = true
		}
	}
	bias, err := floatBias(n, optionalInput(n, 2), k.outC)
	if err != nil {
		return err
	}
	lo, hi, err := floatRange(n, o.Activation)
	if err != nil {
		return err
	}
	w := k.win
	k.dense = k.isPointwise()
	// Each batch is multiplied on its own: asymmetric quantization gives it
	// its own zero point, which is also its padding value.
	if err := q.hyb.prepare(n, k, filter.Int8s(), 0, gemm.ZeroPoints{}); err != nil {
		return err
	}
	for g := range q.hyb.conv {
		q.hyb.conv[g].Batch = 1
	}
	q.hyb.dense.Rows = w.inH * w.inW
	q.quantIn = make([]int8, in.NumElements())
	q.inScale = make([]float32, w.batch)
	q.hybOut = hybridOut{ld: k.outC, rowsPerBatch: w.outH * w.outW, chanScale: fScales, bias: bias, lo: lo, hi: hi, batchScale: q.inScale}
	k.eval = k.evalHybrid
	return nil
}

func (k *conv2D) evalHybrid(n *Node) error {
	q, w := &k.q, k.win
	in, out := n.In[0].Float32s(), n.Out[0].Float32s()
	size := w.inH * w.inW * w.inC
	pixels := w.outH * w.outW
	for b := 0; b < w.batch; b++ {
		src, dst := in[b*size:(b+1)*size], q.quantIn[b*size:(b+1)*size]
		var zp int32
		if q.asymmetric {
			q.inScale[b], zp = AsymmetricQuantizeFloats(src, dst)
		} else {
			q.inScale[b] = SymmetricQuantizeFloats(src, dst)
		}
		q.hyb.zp = gemm.ZeroPoints{AZero: zp}
		for g := range q.hyb.conv {
			q.hyb.conv[g].Pad = int8(zp)
		}
		q.hybOut.out = out[b*pixels*k.outC:]
		q.hybOut.rowBase = b * pixels
		if err := q.hyb.run(n, k, dst, &q.hybOut, func(c int) { q.hybOut.colOff = c }); err != nil {
			return err
		}
	}
	q.hybOut.out = nil
	return nil
}
