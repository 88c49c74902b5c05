package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// Quantized activations, bit-exact with TFLite's kernels. An 8-bit input has
// only 256 values, so every 8-bit activation is a table computed at Prepare
// with TFLite's own per-element arithmetic (or, for LOGISTIC, TANH, GELU and
// ELU, with TFLite's own float table); int16 ones compute per element.

// quantUnary holds what a quantized activation precomputed.
type quantUnary struct {
	lut [256]byte           // 8-bit: output bits indexed by input bits
	f16 func(x int16) int16 // int16: the whole per-element function
}

// setElementwise makes k evaluate g (stored input to stored output, already
// clamped) on every element: through a table for 8-bit types.
func (k *unaryKernel) setElementwise(t ir.DataType, g func(x int32) int32) {
	q := &k.q
	switch t {
	case ir.Int8:
		for v := -128; v < 128; v++ {
			q.lut[uint8(int8(v))] = uint8(int8(g(int32(v))))
		}
		k.eval = q.evalLUT
	case ir.Uint8:
		for v := 0; v < 256; v++ {
			q.lut[v] = uint8(g(int32(v)))
		}
		k.eval = q.evalLUT
	case ir.Int16:
		q.f16 = func(x int16) int16 { return int16(g(int32(x))) }
		k.eval = q.evalInt16
	}
}

func (q *quantUnary) evalLUT(n *Node) error {
	in, out := n.In[0].Data, n.Out[0].Data
	in = in[:len(out)]
	for i, x := range in {
		out[i] = q.lut[x]
	}
	return nil
}

func (q *quantUnary) evalInt16(n *Node) error {
	in, out := n.In[0].Int16s(), n.Out[0].Int16s()
	in = in[:len(out)]
	f := q.f16
	for i, x := range in {
		out[i] = f(x)
	}
	return nil
}

// quantTypeOK checks that t is one of the integer types an op supports.
func quantTypeOK(n *Node, t ir.DataType, ok ...ir.DataType) error {
	for _, o := range ok {
		if t == o {
			return nil
		}
	}
	return unsupported(n, t.String())
}

// inOutQuant reads the per-tensor parameters of an activation's input and
// output, enforcing zero points of 0 for int16.
func inOutQuant(n *Node, in, out *ir.Tensor) (inScale float32, inZP int32, outScale float32, outZP int32, err error) {
	scales, zps, err := perTensorQuants(n, in, out)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	if in.Type == ir.Int16 {
		if err := requireZeroPoints(n, []*ir.Tensor{in, out}, zps); err != nil {
			return 0, 0, 0, 0, err
		}
	}
	return scales[0], zps[0], scales[1], zps[1], nil
}

// clampTo returns g clamped to the range of type t.
func clampTo(t ir.DataType, g func(int32) int32) func(int32) int32 {
	lo, hi, _ := QuantRange(t)
	return func(x int32) int32 { return min(max(g(x), lo), hi) }
}

func (k *unaryKernel) prepareQuantRelu(n *Node, in, out *ir.Tensor, lo, hi float32) error {
	ok := []ir.DataType{ir.Int8, ir.Uint8}
	if n.Op.Type == ir.Relu || n.Op.Type == ir.Relu6 {
		ok = append(ok, ir.Int16)
	}
	if err := quantTypeOK(n, in.Type, ok...); err != nil {
		return err
	}
	inS, inZ, outS, outZ, err := inOutQuant(n, in, out)
	if err != nil {
		return err
	}
	r := roundingOf(n.Ctx)
	m, s, err := Float32Multiplier(r, inS, 1, outS)
	if err != nil {
		return opErr(n, err)
	}
	// TFLite's QuantizedReluX: the bounds quantized with roundf in float32,
	// an infinite upper bound meaning the type's maximum.
	qmin, qmax, _ := QuantRange(in.Type)
	actMin := max(qmin, outZ+int32(math.Round(float64(lo/outS))))
	actMax := qmax
	if !math.IsInf(float64(hi), 1) {
		actMax = min(qmax, outZ+int32(math.Round(float64(hi/outS))))
	}
	k.setElementwise(in.Type, func(x int32) int32 {
		v := outZ + r.MultiplyByQuantizedMultiplier(x-inZ, m, s)
		return min(max(v, actMin), actMax)
	})
	return nil
}

func (k *unaryKernel) prepareQuantLeakyRelu(n *Node, in, out *ir.Tensor, alpha float32) error {
	if err := quantTypeOK(n, in.Type, ir.Int8, ir.Uint8, ir.Int16); err != nil {
		return err
	}
	inS, inZ, outS, outZ, err := inOutQuant(n, in, out)
	if err != nil {
		return err
	}
	r := roundingOf(n.Ctx)
	mAlpha, sAlpha, err := Float32Multiplier(r, inS, alpha, outS)
	if err != nil {
		return opErr(n, err)
	}
	mID, sID, err := Float32Multiplier(r, inS, 1, outS)
	if err != nil {
		return opErr(n, err)
	}
	k.setElementwise(in.Type, clampTo(in.Type, func(x int32) int32 {
		v := x - inZ
		if v >= 0 {
			return outZ + r.MultiplyByQuantizedMultiplier(v, mID, sID)
		}
		return outZ + r.MultiplyByQuantizedMultiplier(v, mAlpha, sAlpha)
	}))
	return nil
}

// prepareQuantHardSwish is TFLite's int8/uint8 HARD_SWISH: the input on a
// 2^7-finer scale, a "relu-ish" factor in [0, 1] from the input rescaled so
// that 3 is 2^15, and their product rescaled to the output, all in 16-bit
// fixed point.
func (k *unaryKernel) prepareQuantHardSwish(n *Node, in, out *ir.Tensor) error {
	if err := quantTypeOK(n, in.Type, ir.Int8, ir.Uint8); err != nil {
		return err
	}
	inS, inZ, outS, outZ, err := inOutQuant(n, in, out)
	if err != nil {
		return err
	}
	r := roundingOf(n.Ctx)
	hiresInputScale := float32(1.0/128) * inS
	const reluishScale = float32(3.0 / 32768)
	outM32, outExp, err := r.QuantizeMultiplier(float64(hiresInputScale / outS))
	if err != nil {
		return opErr(n, err)
	}
	if outExp > 0 {
		return fmt.Errorf("%s: output scale %v is too small for input scale %v (TFLite requires the output multiplier below one)", n.Op.Name(), outS, inS)
	}
	reluM32, reluExp, err := r.QuantizeMultiplier(float64(hiresInputScale / reluishScale))
	if err != nil {
		return opErr(n, err)
	}
	if reluExp > 31 || reluExp < -15 {
		return fmt.Errorf("%s: input scale %v is outside what TFLite's fixed-point hard-swish can rescale", n.Op.Name(), inS)
	}
	outM := fixedpoint.DownScaleInt32ToInt16Multiplier(outM32)
	reluM := fixedpoint.DownScaleInt32ToInt16Multiplier(reluM32)
	k.setElementwise(in.Type, clampTo(in.Type, func(x int32) int32 {
		hires := int16(x-inZ) * (1 << 7)
		preshiftOut := fixedpoint.SaturatingRoundingDoublingHighMul16(hires, outM)
		reluish := hires
		if reluExp > 0 {
			reluish = fixedpoint.SaturatingLeftShift16(reluish, reluExp-1)
		}
		reluish = fixedpoint.SaturatingRoundingDoublingHighMul16(reluish, reluM)
		if reluExp > 0 {
			reluish = fixedpoint.SaturatingLeftShift16(reluish, 1)
		}
		if reluExp < 0 {
			reluish = fixedpoint.RoundingDivideByPOT16(reluish, -reluExp)
		}
		reluish = int16((int32(reluish) + 1<<15) >> 1) // [-1, 1] to [0, 1]
		v := fixedpoint.SaturatingDoublingHighMul16(reluish, preshiftOut)
		v = fixedpoint.RoundingDivideByPOT16(v, -outExp)
		return int32(v + int16(outZ)) // int16 arithmetic, as in TFLite
	}))
	return nil
}

func (k *unaryKernel) prepareQuantLogistic(n *Node, in, out *ir.Tensor) error {
	if err := quantTypeOK(n, in.Type, ir.Int8, ir.Uint8, ir.Int16); err != nil {
		return err
	}
	inS, inZ, outS, outZ, err := inOutQuant(n, in, out)
	if err != nil {
		return err
	}
	if in.Type == ir.Int16 {
		if outS != 1.0/32768 {
			return fmt.Errorf("%s: int16 output %q must have scale 1/32768, has %v", n.Op.Name(), out.Name, outS)
		}
		return k.prepareInt16Sigmoid(n, inS, false)
	}
	if outS != 1.0/256 {
		return fmt.Errorf("%s: output %q must have scale 1/256, has %v", n.Op.Name(), out.Name, outS)
	}
	k.setTable(in.Type, inS, inZ, outS, outZ, func(x float32) float32 {
		e := float32(math.Exp(float64(-x)))
		return 1 / (1 + e)
	})
	return nil
}

func (k *unaryKernel) prepareQuantTanh(n *Node, in, out *ir.Tensor) error {
	if err := quantTypeOK(n, in.Type, ir.Int8, ir.Uint8, ir.Int16); err != nil {
		return err
	}
	inS, inZ, outS, outZ, err := inOutQuant(n, in, out)
	if err != nil {
		return err
	}
	if in.Type == ir.Int16 {
		return k.prepareInt16Sigmoid(n, inS, true)
	}
	k.setTable(in.Type, inS, inZ, outS, outZ, func(x float32) float32 {
		return float32(math.Tanh(float64(x)))
	})
	return nil
}

// prepareInt16Sigmoid sets up int16 LOGISTIC (tanh false) or TANH, whose
// input TFLite rescales by a left shift when its scale is a power of two
// that leaves 3 integer bits (shift 0, or 0 or 1 for TANH), and by a
// multiplier onto a 3·2^12-steps-per-unit scale otherwise; the output is
// Q0.15. TFLite's builtin kernels compute the power-of-two case with
// gemmlowp's fixed-point functions, its reference kernels with the table.
func (k *unaryKernel) prepareInt16Sigmoid(n *Node, inS float32, tanh bool) error {
	const inputIntegerBits = 3
	multiplier, leftShift, err := Int16ActivationScaling(inS, 0, n.Out[0].Quant.Scale[0], 0, tanh)
	if err != nil {
		return opErr(n, err)
	}
	switch {
	case multiplier > 0 || kernelsOf(n) == ReferenceKernels:
		if tanh {
			k.q.f16 = func(x int16) int16 { return fixedpoint.TanhInt16(x, multiplier, leftShift) }
		} else {
			k.q.f16 = func(x int16) int16 { return fixedpoint.LogisticInt16(x, multiplier, leftShift) }
		}
	case tanh && leftShift == 1:
		k.q.f16 = func(x int16) int16 {
			return fixedpoint.Tanh16(fixedpoint.SaturatingRoundingMultiplyByPOT16(x, 1), inputIntegerBits)
		}
	case tanh:
		k.q.f16 = func(x int16) int16 { return fixedpoint.Tanh16(x, inputIntegerBits) }
	default:
		k.q.f16 = func(x int16) int16 { return fixedpoint.Logistic16(x, inputIntegerBits) }
	}
	k.eval = k.q.evalInt16
	return nil
}

// setTable builds TFLite's 8-bit lookup table of f (LUTPopulate): each input
// dequantized, transformed and requantized in float32 arithmetic.
func (k *unaryKernel) setTable(t ir.DataType, inS float32, inZ int32, outS float32, outZ int32, f func(float32) float32) {
	if t == ir.Uint8 {
		var lut [256]uint8
		fixedpoint.LUTPopulateUint8(inS, inZ, outS, outZ, f, &lut)
		k.q.lut = lut
	} else {
		var lut [256]int8
		fixedpoint.LUTPopulateInt8(inS, inZ, outS, outZ, f, &lut)
		for i, v := range lut {
			k.q.lut[i] = uint8(v)
		}
	}
	k.eval = k.q.evalLUT
}

// prepareQuantLUT sets up an 8-bit activation that TFLite runs through a
// table of its float32 function f (GELU, ELU).
func (k *unaryKernel) prepareQuantLUT(n *Node, in, out *ir.Tensor, f func(float32) float32) error {
	if err := quantTypeOK(n, in.Type, ir.Int8, ir.Uint8); err != nil {
		return err
	}
	inS, inZ, outS, outZ, err := inOutQuant(n, in, out)
	if err != nil {
		return err
	}
	k.setTable(in.Type, inS, inZ, outS, outZ, f)
	return nil
}

// geluExactF32 is TFLite's GeluTransform in float32: 0.5·x·erfc(-x/√2).
func geluExactF32(x float32) float32 {
	t := x * float32(-1/math.Sqrt2)
	return 0.5 * x * float32(math.Erfc(float64(t)))
}

// geluApproximateF32 is TFLite's GeluTransformApproximate in float32.
func geluApproximateF32(x float32) float32 {
	const sqrt2OverPi = float32(2 / math.SqrtPi * (1 / math.Sqrt2))
	inner := sqrt2OverPi * (x + float32(float32(float32(0.044715*x)*x)*x))
	return 0.5 * x * (1 + float32(math.Tanh(float64(inner))))
}

// eluF32 is TFLite's int8 ELU transform: expm1 below zero, identity above.
func eluF32(x float32) float32 {
	if x < 0 {
		return float32(math.Expm1(float64(x)))
	}
	return x
}

// prepareQuant sets up int8/uint8 PRELU: non-negative inputs rescaled to the
// output, negative ones multiplied by alpha and rescaled, each with its own
// multiplier.
func (k *preluKernel) prepareQuant(n *Node, in, alpha, out *ir.Tensor) error {
	if err := quantTypeOK(n, in.Type, ir.Int8, ir.Uint8); err != nil {
		return err
	}
	scales, zps, err := perTensorQuants(n, in, alpha, out)
	if err != nil {
		return err
	}
	r := roundingOf(n.Ctx)
	m1, s1, err := Float32Multiplier(r, scales[0], 1, scales[2])
	if err != nil {
		return opErr(n, err)
	}
	m2, s2, err := Float32Multiplier(r, scales[0], scales[1], scales[2])
	if err != nil {
		return opErr(n, err)
	}
	zi, za, zo := zps[0], zps[1], zps[2]
	q := &k.q
	q.lo, q.hi, _ = QuantRange(in.Type)
	q.f = func(x, a int32) int32 {
		v := x - zi
		if v >= 0 {
			return zo + r.MultiplyByQuantizedMultiplier(v, m1, s1)
		}
		return zo + r.MultiplyByQuantizedMultiplier(v*(a-za), m2, s2)
	}
	if in.Type == ir.Int8 {
		k.eval = walkQuantBinary(&k.walk, ir.AsInt8, q)
	} else {
		k.eval = walkQuantBinary(&k.walk, asUint8, q)
	}
	return nil
}
