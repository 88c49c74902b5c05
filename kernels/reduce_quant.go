package kernels

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// Quantized reductions, bit-exact with TFLite. REDUCE_MAX/MIN compare the
// stored integers. MEAN and SUM sum the stored integers in int32 and then
// requantize, in one of TFLite's three ways (see quantFinish).

// quantFinish names how a quantized MEAN/SUM turns its int32 sums into
// outputs.
type quantFinish int

const (
	// finishMeanHW is TFLite's optimized 4-D mean over height and width
	// (keep_dims, axes exactly [1, 2]): one multiplier folding in the
	// element count and a bias for the zero points, both from float32.
	finishMeanHW quantFinish = iota
	// finishInteger is TFLite's current reference QuantizedMeanOrSum: the
	// input zero point removed from the sum, then input/output scale
	// (divided by the count for MEAN, folded into the multiplier) applied in
	// fixed point. ReferenceKernels use it.
	finishInteger
	// finishFloat is TFLite's float QuantizedMeanOrSum: the sum (or the
	// mean, in float32) scaled and rounded in float32. TFLite's builtin SUM
	// runs it, and so does its builtin MEAN outside the 4-D case in the
	// TFLite the project's oracle embeds (checked byte for byte there). SUM
	// does not saturate: the int32 result wraps into the type, as in TFLite.
	finishFloat
	// finishXNNPACK is XNNPACK's 8-bit mean (global average pooling), which
	// TFLite hands 4-D means over height and width to: the sum less the
	// input zero point times the count, times (input/output scale)/count in
	// float32, rounded half to even, plus the output zero point.
	finishXNNPACK
)

// quantReduce holds what quantized MEAN and SUM precompute.
type quantReduce struct {
	finish     quantFinish
	round      fixedpoint.Rounding
	inZ, outZ  int32
	inS, outS  float32
	mult       int32 // input/output scale (finishInteger), or the HW multiplier
	shift      int
	bias       int32   // finishMeanHW
	acc        []int32 // per-output sums
	lo, hi     int32   // the type's range
	copyInput  bool    // no axes: TFLite copies the stored integers
	countKnown int     // the count the multiplier below was adjusted for
	meanMult   int32   // finishInteger MEAN: mult/count
	meanShift  int
}

// sameQuant reports whether two tensors carry the same per-tensor scale and
// zero point (or neither carries any).
func sameQuant(a, b *ir.Tensor) bool {
	qa, qb := a.Quant.Quantized(), b.Quant.Quantized()
	if !qa || !qb {
		return qa == qb
	}
	za, zb := int64(0), int64(0)
	if len(a.Quant.ZeroPoint) > 0 {
		za = a.Quant.ZeroPoint[0]
	}
	if len(b.Quant.ZeroPoint) > 0 {
		zb = b.Quant.ZeroPoint[0]
	}
	return a.Quant.Scale[0] == b.Quant.Scale[0] && za == zb
}

func (k *reduceKernel) prepareQuant(n *Node, in, out *ir.Tensor) error {
	if err := sameType(n, in, out); err != nil {
		return err
	}
	raw := n.Op.Type == ir.ReduceMax || n.Op.Type == ir.ReduceMin || n.Op.Type == ir.Sum && in.Type == ir.Int16
	if raw {
		// TFLite works on the stored integers here, which needs equal parameters.
		if !sameQuant(in, out) {
			return fmt.Errorf("%s: input %q and output %q must have the same quantization", n.Op.Name(), in.Name, out.Name)
		}
		switch {
		case n.Op.Type == ir.Sum: // int16, summed with int16 wraparound
			k.eval = func(n *Node) error {
				x, y := n.In[0].Int16s(), n.Out[0].Int16s()
				fill(y, 0)
				foldRows(&k.walk, x, y, addFold[int16])
				return nil
			}
			return nil
		case in.Type == ir.Int8:
			return prepareMinMax(k, n, ir.AsInt8, math.MinInt8, math.MaxInt8)
		case in.Type == ir.Uint8:
			return prepareMinMax(k, n, asUint8, 0, math.MaxUint8)
		default:
			return prepareMinMax(k, n, ir.AsInt16, math.MinInt16, math.MaxInt16)
		}
	}
	if n.Op.Type != ir.Mean && n.Op.Type != ir.Sum {
		return unsupported(n, in.Type.String())
	}
	inS, inZ, outS, outZ, err := inOutQuant(n, in, out)
	if err != nil {
		return err
	}
	q := &k.q
	*q = quantReduce{inZ: inZ, outZ: outZ, inS: inS, outS: outS, acc: q.acc[:0]}
	q.lo, q.hi, _ = QuantRange(in.Type)
	r := roundingOf(n.Ctx)
	q.round = r
	if q.mult, q.shift, err = r.QuantizeMultiplier(float64(inS) / float64(outS)); err != nil {
		return opErr(n, err)
	}
	switch {
	case kernelsOf(n) == XNNPACKKernels && in.Type != ir.Int16 && n.Op.Type == ir.Mean && k.isMeanHWAnyKeep(n):
		q.finish = finishXNNPACK
	case kernelsOf(n) != ReferenceKernels && in.Type != ir.Int16 && n.Op.Type == ir.Mean && k.isMeanHW(n):
		q.finish = finishMeanHW
		// TFLite's float32 arithmetic: the zero points' bias rounded half away
		// from zero, the scale over height·width quantized from float32.
		hw := float32(in.Shape[1] * in.Shape[2])
		t := float32(inZ) * inS / outS
		if t > 0 {
			t += 0.5
		} else {
			t -= 0.5
		}
		q.bias = outZ - int32(t)
		if q.mult, q.shift, err = r.QuantizeMultiplier(float64(inS / (hw * outS))); err != nil {
			return opErr(n, err)
		}
	case kernelsOf(n) != ReferenceKernels:
		q.finish = finishFloat // also int16, which has no 4-D special case
	default:
		q.finish = finishInteger
	}
	if size := out.NumElements(); size > 0 {
		q.acc = make([]int32, size)
	}
	switch in.Type {
	case ir.Int8:
		k.eval = quantMeanSum(k, ir.AsInt8)
	case ir.Uint8:
		k.eval = quantMeanSum(k, asUint8)
	default:
		k.eval = quantMeanSum(k, ir.AsInt16)
	}
	return nil
}

// isMeanHWAnyKeep reports whether a MEAN reduces exactly height and width of
// a 4-D input (the case XNNPACK takes), with or without keep_dims.
func (k *reduceKernel) isMeanHWAnyKeep(n *Node) bool {
	keep := k.keepDims
	k.keepDims = true
	defer func() { k.keepDims = keep }()
	return k.isMeanHW(n)
}

// isMeanHW reports whether TFLite's optimized 4-D mean applies: keep_dims, a
// 4-D input and the axes tensor holding exactly 1 and 2 (as written: TFLite
// does not resolve negative axes for this test).
func (k *reduceKernel) isMeanHW(n *Node) bool {
	in, axis := n.In[0], n.In[1]
	if !k.keepDims || len(in.Shape) != 4 || axis.Data == nil || len(axis.Data)/axis.Type.Size() != 2 {
		return false
	}
	a, b := axisAt(axis, 0), axisAt(axis, 1)
	return a == 1 && b == 2 || a == 2 && b == 1
}

// quantMeanSum returns the Eval of quantized MEAN/SUM for one type.
func quantMeanSum[T int8 | uint8 | int16](k *reduceKernel, view func([]byte) []T) func(n *Node) error {
	return func(n *Node) error {
		in, out := view(n.In[0].Data), view(n.Out[0].Data)
		q := &k.q
		if k.noAxes {
			copy(out, in) // TFLite copies the stored integers
			return nil
		}
		if len(q.acc) < len(out) { // only when the axes were computed at run time
			q.acc = make([]int32, len(out))
		}
		acc := q.acc[:len(out)]
		fill(acc, 0)
		if k.count > 0 {
			foldRows(&k.walk, in, acc, func(s int32, x T) int32 { return s + int32(x) })
		}
		q.finishAll(n, acc, k.count, func(i int, v int32) { out[i] = T(v) })
		return nil
	}
}

// finishAll turns the sums into outputs, calling set with each output's
// integer (already clamped, or wrapped where TFLite wraps).
func (q *quantReduce) finishAll(n *Node, acc []int32, count int, set func(i int, v int32)) {
	if count == 0 { // an empty input: TFLite leaves zeros
		for i := range acc {
			set(i, 0)
		}
		return
	}
	r := q.round
	mean := n.Op.Type == ir.Mean
	switch q.finish {
	case finishMeanHW:
		for i, s := range acc {
			set(i, min(max(r.MultiplyByQuantizedMultiplier(s, q.mult, q.shift)+q.bias, q.lo), q.hi))
		}
	case finishInteger:
		m, sh := q.mult, q.shift
		if mean {
			m, sh = q.meanMultiplier(count)
		}
		zeroSum := q.inZ * int32(count)
		for i, s := range acc {
			set(i, min(max(r.MultiplyByQuantizedMultiplier(s-zeroSum, m, sh)+q.outZ, q.lo), q.hi))
		}
	case finishXNNPACK:
		scale := q.inS / q.outS / float32(count)
		zeroSum := q.inZ * int32(count)
		for i, s := range acc {
			v := int32(math.RoundToEven(float64(float32(s-zeroSum)*scale))) + q.outZ
			set(i, min(max(v, q.lo), q.hi))
		}
	case finishFloat:
		scale := q.inS / q.outS
		if mean {
			bias := float32(-q.inZ) * scale
			for i, s := range acc {
				m := float32(s) / float32(count)
				v := float32(math.Round(float64(float32(m*scale)+bias))) + float32(q.outZ)
				set(i, int32(min(max(v, float32(q.lo)), float32(q.hi))))
			}
			return
		}
		bias := float32(float32(-q.inZ)*scale) * float32(count)
		for i, s := range acc {
			v := int32(math.Round(float64(float32(float32(s)*scale)+bias))) + q.outZ
			set(i, v)
		}
	}
}

// meanMultiplier folds 1/count into the scale multiplier as TFLite's
// reference QuantizedMeanOrSum does: shifted left by floor(log2(count)) (at
// most 32, and no further than the shift allows) and divided by count.
func (q *quantReduce) meanMultiplier(count int) (int32, int) {
	if count == q.countKnown && q.countKnown != 0 {
		return q.meanMult, q.meanShift
	}
	shift := 63 - bits.LeadingZeros64(uint64(count))
	shift = min(shift, 32, 31+q.shift)
	q.meanMult = int32((int64(q.mult) << shift) / int64(count))
	q.meanShift = q.shift - shift
	q.countKnown = count
	return q.meanMult, q.meanShift
}
