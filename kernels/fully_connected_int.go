package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// FULLY_CONNECTED on integers (int8 with per-tensor or per-channel weights,
// legacy uint8, int16 activations with int8 weights) and hybrid (float
// activations quantized per row on the fly, int8 weights), on gemm's integer
// multiply.

// fcQuant is the integer and hybrid state of a FULLY_CONNECTED kernel.
type fcQuant struct {
	rq32 requant[int32]
	rq64 requant[int64]
	i8   intFC[int8, int8, int32, int8]
	u8   intFC[uint8, uint8, int32, uint8]
	i16  intFC[int16, int8, int64, int16]

	hyb        intFC[int8, int8, int32, int8]
	hybOut     hybridOut
	quantIn    []int8
	rowScale   []float32
	rowZP      []int32
	asymmetric bool
}

// intFC is one type combination's multiply state.
type intFC[A gemm.AElem, B gemm.BElem, S int32 | int64, T int8 | uint8 | int16] struct {
	mul  *gemm.IntMul[A, B, S]
	pack *gemm.PackedInt[B]
	lhs  gemm.Matrix[A]
	zp   gemm.ZeroPoints
	out  quantOut[S, T]
}

func (c *intFC[A, B, S, T]) prepare(n *Node, k *fullyConnected, w []B, zp gemm.ZeroPoints) error {
	if c.mul == nil || c.mul.Threads() != threadsOf(n.Ctx) {
		c.mul = gemm.NewIntMul[A, B, S](threadsOf(n.Ctx))
	}
	var err error
	if c.pack, err = gemm.PackInt(nil, weightsMatrix(w, k.units, k.inSize)); err != nil {
		return fmt.Errorf("%s: %w", n.Op.Name(), err)
	}
	c.lhs = gemm.Matrix[A]{Rows: k.batch, Cols: k.inSize, RowStride: k.inSize, ColStride: 1}
	c.mul.Reserve(k.batch, k.inSize)
	c.zp = zp
	c.out.ld = k.units
	return nil
}

func (c *intFC[A, B, S, T]) run(n *Node, in []A, out []T) error {
	c.lhs.Data, c.out.out = in, out
	err := c.mul.Mul(&c.lhs, c.pack, c.zp, &c.out)
	c.lhs.Data, c.out.out = nil, nil
	if err != nil {
		return fmt.Errorf("%s: %w", n.Op.Name(), err)
	}
	return nil
}

// fcWeights checks constant quantized weights and returns their scales per
// output unit and whether they are quantized per channel.
func (k *fullyConnected) fcWeights(n *Node) ([]float32, bool, error) {
	w := n.In[1]
	if !w.IsConst() {
		return nil, false, unsupported(n, "quantized weights that are not constant")
	}
	if err := checkData(n, "weights", w); err != nil {
		return nil, false, err
	}
	scales, err := channelScales(n, w, k.units, 0)
	if err != nil {
		return nil, false, err
	}
	return scales, len(w.Quant.Scale) > 1, nil
}

func (k *fullyConnected) prepareInt(n *Node, o *ir.FullyConnectedOptions) error {
	in, w, out := n.In[0], n.In[1], n.Out[0]
	io, err := readQuantIO(n, in, out, o.Activation)
	if err != nil {
		return err
	}
	wScales, perChannel, err := k.fcWeights(n)
	if err != nil {
		return err
	}
	// Per-channel weights are symmetric (TFLite ignores their zero points);
	// per-tensor ones keep theirs. TFLite derives a per-tensor multiplier
	// from a float product of the scales, per-channel ones from double
	// products.
	var wZP int32
	if !perChannel {
		if _, wZP, err = tensorQuant(n, "weights", w); err != nil {
			return err
		}
	}
	legacy, q := !perChannel, &k.q
	switch {
	case in.Type == ir.Int8 && w.Type == ir.Int8:
		if q.rq32, err = requant8(n, io, wScales, legacy, optionalInput(n, 2)); err != nil {
			return err
		}
		q.i8.out.q = &q.rq32
		if err := q.i8.prepare(n, k, w.Int8s(), gemm.ZeroPoints{AZero: io.inZP, BZero: wZP}); err != nil {
			return err
		}
		k.eval = func(n *Node) error { return q.i8.run(n, n.In[0].Int8s(), n.Out[0].Int8s()) }
	case in.Type == ir.Uint8 && w.Type == ir.Uint8:
		if q.rq32, err = requant8(n, io, wScales, legacy, optionalInput(n, 2)); err != nil {
			return err
		}
		q.u8.out.q = &q.rq32
		if err := q.u8.prepare(n, k, w.Data, gemm.ZeroPoints{AZero: io.inZP, BZero: wZP}); err != nil {
			return err
		}
		k.eval = func(n *Node) error { return q.u8.run(n, n.In[0].Data, n.Out[0].Data) }
	case in.Type == ir.Int16 && w.Type == ir.Int8:
		if q.rq64, err = requant16(n, io, wScales, legacy, optionalInput(n, 2)); err != nil {
			return err
		}
		q.i16.out.q = &q.rq64
		if err := q.i16.prepare(n, k, w.Int8s(), gemm.ZeroPoints{BZero: wZP}); err != nil {
			return err
		}
		k.eval = func(n *Node) error { return q.i16.run(n, n.In[0].Int16s(), n.Out[0].Int16s()) }
	default:
		return unsupported(n, fmt.Sprintf("%v input with %v weights", in.Type, w.Type))
	}
	return nil
}

// prepareHybrid: float input and output, int8 weights. Each input row is
// quantized on the fly (symmetric, or asymmetric with the option), and the
// integer sums scaled back by the row's factor times the weights' scale.
func (k *fullyConnected) prepareHybrid(n *Node, o *ir.FullyConnectedOptions) error {
	w := n.In[1]
	if w.Type != ir.Int8 {
		return unsupported(n, fmt.Sprintf("hybrid fully-connected with %v weights", w.Type))
	}
	if err := requireType(n, "output", n.Out[0], ir.Float32); err != nil {
		return err
	}
	wScales, _, err := k.fcWeights(n)
	if err != nil {
		return err
	}
	bias, err := floatBias(n, optionalInput(n, 2), k.units)
	if err != nil {
		return err
	}
	lo, hi, err := floatRange(n, o.Activation)
	if err != nil {
		return err
	}
	q := &k.q
	q.asymmetric = o.AsymmetricQuantizeInputs
	q.quantIn = make([]int8, k.batch*k.inSize)
	q.rowScale = make([]float32, k.batch)
	q.rowZP = make([]int32, k.batch)
	zp := gemm.ZeroPoints{}
	if q.asymmetric {
		zp.ARow = q.rowZP
	}
	if err := q.hyb.prepare(n, k, w.Int8s(), zp); err != nil {
		return err
	}
	q.hybOut = hybridOut{ld: k.units, rowsPerBatch: 1, batchScale: q.rowScale, chanScale: wScales, bias: bias, lo: lo, hi: hi}
	k.eval = k.evalHybrid
	return nil
}

func (k *fullyConnected) evalHybrid(n *Node) error {
	q := &k.q
	in := n.In[0].Float32s()
	for b := 0; b < k.batch; b++ {
		src, dst := in[b*k.inSize:(b+1)*k.inSize], q.quantIn[b*k.inSize:(b+1)*k.inSize]
		if q.asymmetric {
			q.rowScale[b], q.rowZP[b] = AsymmetricQuantizeFloats(src, dst)
		} else {
			q.rowScale[b] = SymmetricQuantizeFloats(src, dst)
		}
	}
	q.hyb.lhs.Data, q.hybOut.out = q.quantIn, n.Out[0].Float32s()
	err := q.hyb.mul.Mul(&q.hyb.lhs, q.hyb.pack, q.hyb.zp, &q.hybOut)
	q.hyb.lhs.Data, q.hybOut.out = nil, nil
	if err != nil {
		return fmt.Errorf("%s: %w", n.Op.Name(), err)
	}
	return nil
}
