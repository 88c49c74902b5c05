package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// Quantization helpers of the convolution, fully-connected, batch-matmul and
// pool kernels: TFLite's parameter derivation (PopulateConvolutionQuantization-
// Params, GetQuantizedConvolutionMultipler, CalculateActivationRangeQuantized)
// and the requantizing output stage of the integer multiply.

// typeRange is the representable range of an integer activation type.
func typeRange(t ir.DataType) (lo, hi int32) {
	switch t {
	case ir.Int8:
		return math.MinInt8, math.MaxInt8
	case ir.Uint8:
		return 0, math.MaxUint8
	case ir.Int16:
		return math.MinInt16, math.MaxInt16
	}
	return math.MinInt32, math.MaxInt32
}

// tensorQuant returns a per-tensor quantized tensor's scale and zero point,
// checking them.
func tensorQuant(n *Node, what string, t *ir.Tensor) (scale float32, zp int32, err error) {
	q := t.Quant
	if !q.Quantized() {
		return 0, 0, fmt.Errorf("%s: %s %q is not quantized", n.Op.Name(), what, t.Name)
	}
	scale = q.Scale[0]
	if !(scale > 0) || math.IsInf(float64(scale), 0) {
		return 0, 0, fmt.Errorf("%s: %s %q has scale %v, want a positive finite number", n.Op.Name(), what, t.Name, scale)
	}
	if len(q.ZeroPoint) > 0 {
		z := q.ZeroPoint[0]
		lo, hi := typeRange(t.Type)
		if z < int64(lo) || z > int64(hi) {
			return 0, 0, fmt.Errorf("%s: %s %q has zero point %d outside %v", n.Op.Name(), what, t.Name, z, t.Type)
		}
		zp = int32(z)
	}
	return scale, zp, nil
}

// channelScales returns a filter's per-output-channel scales (one scale
// repeated when it is quantized per tensor). axis is the dimension that
// indexes output channels.
func channelScales(n *Node, filter *ir.Tensor, channels, axis int) ([]float32, error) {
	q := filter.Quant
	if !q.Quantized() {
		return nil, fmt.Errorf("%s: filter %q is not quantized", n.Op.Name(), filter.Name)
	}
	if len(q.Scale) != 1 && len(q.Scale) != channels {
		return nil, fmt.Errorf("%s: filter %q has %d scales for %d output channels", n.Op.Name(), filter.Name, len(q.Scale), channels)
	}
	if len(q.Scale) > 1 && q.Axis != axis {
		return nil, fmt.Errorf("%s: filter %q is quantized along dimension %d, want %d", n.Op.Name(), filter.Name, q.Axis, axis)
	}
	out := make([]float32, channels)
	for c := range out {
		s := q.Scale[min(c, len(q.Scale)-1)]
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return nil, fmt.Errorf("%s: filter %q has scale %v, want a positive finite number", n.Op.Name(), filter.Name, s)
		}
		out[c] = s
	}
	return out, nil
}

// outputMultipliers derives each channel's quantized multiplier for
// input_scale*filter_scale/output_scale. TFLite computes the product in
// double for per-channel kernels and in float (then widened) for the legacy
// per-tensor ones (floatProduct).
func outputMultipliers(n *Node, inScale float32, fScales []float32, outScale float32, floatProduct bool) ([]int32, []int, error) {
	mult, shift := make([]int32, len(fScales)), make([]int, len(fScales))
	r := roundingOf(n.Ctx)
	for c, fs := range fScales {
		real := float64(inScale) * float64(fs) / float64(outScale)
		if floatProduct {
			real = float64(inScale*fs) / float64(outScale)
		}
		m, s, err := r.QuantizeMultiplier(real)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
		mult[c], shift[c] = m, s
	}
	return mult, shift, nil
}

func roundingOf(ctx *Context) fixedpoint.Rounding {
	if ctx == nil {
		return fixedpoint.DoubleRounding
	}
	return ctx.Rounding
}

// quantActivationRange is TFLite's CalculateActivationRangeQuantized: the
// fused activation's bounds in the output's quantized domain.
func quantActivationRange(n *Node, a ir.Activation, t ir.DataType, scale float32, zp int32) (lo, hi int32, err error) {
	lo, hi = typeRange(t)
	q := func(f float32) int32 { return zp + int32(math.Round(float64(f/scale))) }
	switch a {
	case ir.ActNone:
	case ir.ActRelu:
		lo = max(lo, q(0))
	case ir.ActRelu6:
		lo, hi = max(lo, q(0)), min(hi, q(6))
	case ir.ActReluN1To1:
		lo, hi = max(lo, q(-1)), min(hi, q(1))
	default:
		return 0, 0, fmt.Errorf("%s: fused activation %v is not supported", n.Op.Name(), a)
	}
	return lo, hi, nil
}

// intBias reads an integer bias of want elements as S (int32 for 8-bit
// activations; int32 or int64 for int16 ones); nil when absent.
func intBias[S int32 | int64](n *Node, bias *ir.Tensor, want int) ([]S, error) {
	if bias == nil {
		return nil, nil
	}
	if ir.NumElements(bias.Shape) != want {
		return nil, fmt.Errorf("%s: bias %q has shape %v, want %d elements", n.Op.Name(), bias.Name, bias.Shape, want)
	}
	if !bias.IsConst() {
		return nil, unsupported(n, "a bias that is not constant")
	}
	if err := checkData(n, "bias", bias); err != nil {
		return nil, err
	}
	out := make([]S, want)
	switch bias.Type {
	case ir.Int32:
		for i, v := range bias.Int32s()[:want] {
			out[i] = S(v)
		}
	case ir.Int64:
		var z S
		if _, narrow := any(z).(int32); narrow {
			return nil, fmt.Errorf("%s: bias %q is int64, want int32 for 8-bit activations", n.Op.Name(), bias.Name)
		}
		for i, v := range bias.Int64s()[:want] {
			out[i] = S(v)
		}
	default:
		return nil, fmt.Errorf("%s: bias %q is %v, want an integer bias", n.Op.Name(), bias.Name, bias.Type)
	}
	return out, nil
}

// requant is the output stage of the integer kernels: a sum plus its
// channel's bias, scaled by the channel's multiplier, offset by the output
// zero point and clamped, as TFLite's reference kernels do it. With wide set
// (int16 activations and an int64 bias) the sum stays 64-bit and uses the
// int64 multiply; otherwise it is an int32 sum.
type requant[S int32 | int64] struct {
	bias     []S
	mult     []int32
	shift    []int
	zp       int32
	lo, hi   int32
	wide     bool
	rounding fixedpoint.Rounding
}

// apply requantizes the sum of channel c.
func (q *requant[S]) apply(acc S, c int) int32 {
	if q.bias != nil {
		acc += q.bias[c]
	}
	var v int32
	if q.wide {
		v = fixedpoint.MultiplyByQuantizedMultiplierInt64(int64(acc), q.mult[c], q.shift[c])
	} else {
		v = q.rounding.MultiplyByQuantizedMultiplier(int32(acc), q.mult[c], q.shift[c])
	}
	return min(max(v+q.zp, q.lo), q.hi)
}

// quantOut stores requantized blocks of a multiply into an output of type T
// with row stride ld, starting at column colOff (the group's first channel).
type quantOut[S int32 | int64, T int8 | uint8 | int16] struct {
	q      *requant[S]
	out    []T
	ld     int
	colOff int
}

func (o *quantOut[S, T]) StoreInt(i0, j0, rows, cols int, acc []S, ld int) {
	for r := 0; r < rows; r++ {
		dst := o.out[(i0+r)*o.ld+o.colOff+j0:][:cols]
		for c, v := range acc[r*ld:][:cols] {
			dst[c] = T(o.q.apply(v, o.colOff+j0+c))
		}
	}
}

var _ gemm.IntOutput[int32] = (*quantOut[int32, int8])(nil)

// hybridOut stores the float results of a hybrid multiply:
// bias + float(sum) * scale, clamped, where scale is the row's batch scaling
// factor times the channel's filter scale (TFLite's
// MatrixBatchVectorMultiplyAccumulate and HybridConvPerChannel).
type hybridOut struct {
	out          []float32
	ld, colOff   int
	rowsPerBatch int
	rowBase      int       // the first row's index in the whole output
	batchScale   []float32 // per batch: the input's scaling factor
	chanScale    []float32 // per output channel: the filter's scale
	bias         []float32
	lo, hi       float32
}

func (o *hybridOut) StoreInt(i0, j0, rows, cols int, acc []int32, ld int) {
	for r := 0; r < rows; r++ {
		bs := o.batchScale[(o.rowBase+i0+r)/o.rowsPerBatch]
		dst := o.out[(i0+r)*o.ld+o.colOff+j0:][:cols]
		for c, v := range acc[r*ld:][:cols] {
			ch := o.colOff + j0 + c
			x := float32(v) * float32(bs*o.chanScale[ch])
			if o.bias != nil {
				x += o.bias[ch]
			}
			dst[c] = min(max(x, o.lo), o.hi)
		}
	}
}

// symmetricQuantize is TFLite's SymmetricQuantizeFloats: values scaled so
// that the largest magnitude maps to 127, rounded half away from zero. It
// returns the scaling factor (1 for an all-zero input).
func symmetricQuantize(values []float32, dst []int8) float32 {
	var lo, hi float32
	if len(values) > 0 {
		lo, hi = values[0], values[0]
	}
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	rng := max(float32(math.Abs(float64(lo))), float32(math.Abs(float64(hi))))
	if rng == 0 {
		clear(dst[:len(values)])
		return 1
	}
	inv := 127 / rng
	for i, v := range values {
		q := int32(math.Round(float64(v * inv)))
		dst[i] = int8(min(max(q, -127), 127))
	}
	return rng / 127
}

// asymmetricQuantize is TFLite's AsymmetricQuantizeFloats: values mapped
// onto [-128, 127] with a nudged zero point. It returns the scaling factor
// and the zero point (1 and 0 for an input of zeros).
func asymmetricQuantize(values []float32, dst []int8) (float32, int32) {
	var lo, hi float32
	if len(values) > 0 {
		lo, hi = values[0], values[0]
	}
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	rmin, rmax := math.Min(0, float64(lo)), math.Max(0, float64(hi))
	if rmin == rmax {
		clear(dst[:len(values)])
		return 1, 0
	}
	const qmin, qmax = -128.0, 127.0
	scale := (rmax - rmin) / (qmax - qmin)
	zpFromMin, zpFromMax := qmin-rmin/scale, qmax-rmax/scale
	zpd := zpFromMax
	if math.Abs(qmin)+math.Abs(rmin/scale) < math.Abs(qmax)+math.Abs(rmax/scale) {
		zpd = zpFromMin
	}
	var zp int32
	switch {
	case zpd <= qmin:
		zp = qmin
	case zpd >= qmax:
		zp = qmax
	default:
		zp = int32(math.Round(zpd))
	}
	sf := float32(scale)
	inv := float32(1.0 / float64(sf))
	for i, v := range values {
		q := int32(math.Round(float64(float32(zp) + float32(v*inv))))
		dst[i] = int8(min(max(q, qmin), qmax))
	}
	return sf, zp
}
