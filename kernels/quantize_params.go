package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// The helpers in this file compute, at prepare, the quantization parameters
// every integer kernel needs, each exactly as TFLite's prepare computes it
// (kernel_util.cc, add.cc, mul.cc, quantize.cc): the precision of each
// intermediate (float32 or float64) matters for bit exactness and is part of
// each function's contract.

// QuantRange returns the range of the stored integers of an integer tensor
// type: [-128, 127] for int8, [0, 255] for uint8, [-32768, 32767] for int16.
func QuantRange(dt ir.DataType) (lo, hi int32, err error) {
	switch dt {
	case ir.Int8:
		return math.MinInt8, math.MaxInt8, nil
	case ir.Uint8:
		return 0, math.MaxUint8, nil
	case ir.Int16:
		return math.MinInt16, math.MaxInt16, nil
	}
	return 0, 0, fmt.Errorf("%v is not a quantized activation type", dt)
}

// PerTensorQuant returns the scale and zero point of a tensor quantized per
// tensor, checked: it must have exactly one scale, positive and finite, and
// its zero point must fit its type. The error names the tensor.
func PerTensorQuant(t *ir.Tensor) (scale float32, zeroPoint int32, err error) {
	q := t.Quant
	switch {
	case !q.Quantized():
		return 0, 0, fmt.Errorf("tensor %q (%v) has no quantization parameters", t.Name, t.Type)
	case len(q.Scale) != 1:
		return 0, 0, fmt.Errorf("tensor %q has %d scales; this op needs one per tensor", t.Name, len(q.Scale))
	}
	if err := q.ValidateQuantParams(t.Type); err != nil {
		return 0, 0, fmt.Errorf("tensor %q: %v", t.Name, err)
	}
	if len(q.ZeroPoint) > 0 {
		zeroPoint = int32(q.ZeroPoint[0])
	}
	return q.Scale[0], zeroPoint, nil
}

// ChannelScales returns one scale per index of dimension channelDim of a
// weight tensor (the output channels of a filter): its per-axis scales, which
// must lie along channelDim and number Shape[channelDim], or its one
// per-tensor scale repeated, as TFLite broadcasts it. Every scale must be
// positive and finite and every zero point fit the type. The error names the
// tensor.
func ChannelScales(t *ir.Tensor, channelDim int) ([]float32, error) {
	q := t.Quant
	if !q.Quantized() {
		return nil, fmt.Errorf("tensor %q (%v) has no quantization parameters", t.Name, t.Type)
	}
	if channelDim < 0 || channelDim >= len(t.Shape) {
		return nil, fmt.Errorf("tensor %q: channel dimension %d is outside shape %v", t.Name, channelDim, t.Shape)
	}
	channels := t.Shape[channelDim]
	if q.PerAxis() && (q.Axis != channelDim || len(q.Scale) != channels) {
		return nil, fmt.Errorf("tensor %q: %d scales along dimension %d, want %d along dimension %d (shape %v)",
			t.Name, len(q.Scale), q.Axis, channels, channelDim, t.Shape)
	}
	if err := q.ValidateQuantParams(t.Type); err != nil {
		return nil, fmt.Errorf("tensor %q: %v", t.Name, err)
	}
	if q.PerAxis() {
		return q.Scale, nil
	}
	scales := make([]float32, channels)
	for i := range scales {
		scales[i] = q.Scale[0]
	}
	return scales, nil
}

// ActivationRangeQuantized returns the clamp bounds of fused activation act on
// an output of type dt with the given scale and zero point, as TFLite's
// CalculateActivationRangeQuantized: each bound is zeroPoint +
// round(bound/scale), the division in float32 and the rounding half away from
// zero, then intersected with the type's range. ActNone gives the type's
// range; so do ActTanh and ActSignBit, which TFLite's quantized kernels also
// ignore here. A bound beyond the int32 range is an error.
func ActivationRangeQuantized(act ir.Activation, dt ir.DataType, scale float32, zeroPoint int32) (lo, hi int32, err error) {
	qmin, qmax, err := QuantRange(dt)
	if err != nil {
		return 0, 0, err
	}
	quantize := func(f float32) (int32, error) {
		r := math.Round(float64(f / scale))
		if !(r >= math.MinInt32 && r <= math.MaxInt32) {
			return 0, fmt.Errorf("activation bound %v is outside the int32 range at output scale %v", f, scale)
		}
		return zeroPoint + int32(r), nil
	}
	var lowBound, highBound float32
	switch act {
	case ir.ActRelu:
		lowBound, highBound = 0, float32(math.Inf(1))
	case ir.ActRelu6:
		lowBound, highBound = 0, 6
	case ir.ActReluN1To1:
		lowBound, highBound = -1, 1
	default:
		return qmin, qmax, nil
	}
	lo, hi = qmin, qmax
	q, err := quantize(lowBound)
	if err != nil {
		return 0, 0, err
	}
	lo = max(qmin, q)
	if !math.IsInf(float64(highBound), 1) {
		if q, err = quantize(highBound); err != nil {
			return 0, 0, err
		}
		hi = min(qmax, q)
	}
	return lo, hi, nil
}

// PerChannelMultipliers returns the quantized multiplier and shift of each
// output channel of a convolution or fully connected layer, as TFLite's
// PopulateConvolutionQuantizationParams: the effective scale
// inputScale*filterScale/outputScale is computed in float64 from the float32
// scales, left to right, then quantized with QuantizeMultiplier for rounding r.
func PerChannelMultipliers(r fixedpoint.Rounding, inputScale float32, filterScales []float32, outputScale float32) (multipliers []int32, shifts []int, err error) {
	multipliers = make([]int32, len(filterScales))
	shifts = make([]int, len(filterScales))
	for i, fs := range filterScales {
		effective := float64(inputScale) * float64(fs) / float64(outputScale)
		if multipliers[i], shifts[i], err = r.QuantizeMultiplier(effective); err != nil {
			return nil, nil, fmt.Errorf("channel %d: %v", i, err)
		}
	}
	return multipliers, shifts, nil
}

// Float32Multiplier quantizes a*b/c computed in float32 arithmetic and then
// widened, which is how TFLite's prepare computes the multipliers of MUL
// (in1*in2/out), RELU and RELU6 (in*1/out), LEAKY_RELU (in*alpha/out),
// and PRELU (in*alpha/out and in*1/out).
func Float32Multiplier(r fixedpoint.Rounding, a, b, c float32) (multiplier int32, shift int, err error) {
	real := float32(a*b) / c
	return r.QuantizeMultiplier(float64(real))
}

// ConvolutionMultiplier is TFLite's GetQuantizedConvolutionMultipler, the
// per-tensor multiplier of FULLY_CONNECTED with a per-tensor filter (int8,
// uint8 and int16 alike) and of uint8 CONV_2D and DEPTHWISE_CONV_2D: the
// product inputScale*filterScale in float32, widened, divided in float64 by
// outputScale. A bias scale (0 for no bias) further than 2% of the output
// scale from that product is an error, as in TFLite.
func ConvolutionMultiplier(r fixedpoint.Rounding, inputScale, filterScale, outputScale, biasScale float32) (multiplier int32, shift int, err error) {
	product := float64(inputScale * filterScale)
	if biasScale != 0 {
		if diff := math.Abs(product - float64(biasScale)); diff/float64(outputScale) > 0.02 {
			return 0, 0, fmt.Errorf("bias scale %v is not input scale times filter scale (%v * %v = %v)", biasScale, inputScale, filterScale, product)
		}
	}
	return r.QuantizeMultiplier(product / float64(outputScale))
}

// RequantizeMultiplier quantizes inputScale/outputScale computed in float64,
// as TFLite's QUANTIZE computes it for an int-to-int requantization.
func RequantizeMultiplier(r fixedpoint.Rounding, inputScale, outputScale float32) (multiplier int32, shift int, err error) {
	return r.QuantizeMultiplier(float64(inputScale) / float64(outputScale))
}

// AddSubParams is what ADD and SUB precompute for int8, uint8 and int16
// (general scales): both inputs are shifted left by LeftShift (20 for 8-bit,
// 15 for int16), scaled to a common scale of twice the larger input scale,
// summed (or subtracted), and scaled to the output.
type AddSubParams struct {
	Rounding                                             fixedpoint.Rounding
	LeftShift                                            int
	Input1Offset, Input2Offset, OutputOffset             int32 // -zp1, -zp2, +zpOut
	Input1Multiplier, Input2Multiplier, OutputMultiplier int32
	Input1Shift, Input2Shift, OutputShift                int // <= 0 but for a narrow output range
}

// NewAddSubParams computes ADD's and SUB's parameters as TFLite's add.cc and
// sub.cc prepare do, for outputs of type dt. An output multiplier above one
// (an output range much narrower than the inputs') is quantized as TFLite's
// SUB does it; TFLite's ADD rejects it, and its double-rounding arithmetic is
// undefined there, so Add and Sub then shift left as MultiplyByQuantizedMultiplier does.
func NewAddSubParams(r fixedpoint.Rounding, dt ir.DataType, in1Scale float32, in1ZeroPoint int32, in2Scale float32, in2ZeroPoint int32, outScale float32, outZeroPoint int32) (AddSubParams, error) {
	p := AddSubParams{
		Rounding:     r,
		LeftShift:    20,
		Input1Offset: -in1ZeroPoint,
		Input2Offset: -in2ZeroPoint,
		OutputOffset: outZeroPoint,
	}
	switch dt {
	case ir.Int16:
		p.LeftShift = 15
	case ir.Int8, ir.Uint8:
	default:
		return AddSubParams{}, fmt.Errorf("%v is not a quantized ADD/SUB type", dt)
	}
	// TFLite computes 2*max in float32 (exact) and the rest in float64;
	// 2^LeftShift * outScale is a float32 product, also exact.
	twiceMax := float64(2 * max(in1Scale, in2Scale))
	realOut := twiceMax / float64(float32(int32(1)<<p.LeftShift)*outScale)
	var err error
	if p.Input1Multiplier, p.Input1Shift, err = r.QuantizeMultiplierSmallerThanOneExp(float64(in1Scale) / twiceMax); err != nil {
		return AddSubParams{}, fmt.Errorf("input 1 multiplier: %v", err)
	}
	if p.Input2Multiplier, p.Input2Shift, err = r.QuantizeMultiplierSmallerThanOneExp(float64(in2Scale) / twiceMax); err != nil {
		return AddSubParams{}, fmt.Errorf("input 2 multiplier: %v", err)
	}
	if realOut > 1 {
		p.OutputMultiplier, p.OutputShift, err = r.QuantizeMultiplierGreaterThanOne(realOut)
	} else {
		p.OutputMultiplier, p.OutputShift, err = r.QuantizeMultiplierSmallerThanOneExp(realOut)
	}
	if err != nil {
		return AddSubParams{}, fmt.Errorf("output multiplier (output scale %v against input scales %v, %v): %v", outScale, in1Scale, in2Scale, err)
	}
	return p, nil
}

// scaledInputs returns both stored inputs on the common scale.
func (p *AddSubParams) scaledInputs(a, b int32) (int32, int32) {
	r := p.Rounding
	sa := r.MultiplyByQuantizedMultiplierSmallerThanOneExp((a+p.Input1Offset)<<p.LeftShift, p.Input1Multiplier, p.Input1Shift)
	sb := r.MultiplyByQuantizedMultiplierSmallerThanOneExp((b+p.Input2Offset)<<p.LeftShift, p.Input2Multiplier, p.Input2Shift)
	return sa, sb
}

// Add returns the output integer for stored inputs a and b, before clamping
// to the activation range.
func (p *AddSubParams) Add(a, b int32) int32 {
	sa, sb := p.scaledInputs(a, b)
	return p.Rounding.MultiplyByQuantizedMultiplier(sa+sb, p.OutputMultiplier, p.OutputShift) + p.OutputOffset
}

// Sub returns the output integer for a - b, before clamping: both inputs
// scaled, then subtracted, as TFLite's reference Sub and TFLite Micro do
// (older TFLite negated input 2's multiplier and added instead, which rounds
// ties of input 2's scaling the other way).
func (p *AddSubParams) Sub(a, b int32) int32 {
	sa, sb := p.scaledInputs(a, b)
	return p.Rounding.MultiplyByQuantizedMultiplier(sa-sb, p.OutputMultiplier, p.OutputShift) + p.OutputOffset
}

// SymmetricQuantizeFloats quantizes values into dst (same length) on the fly
// for a hybrid kernel, as TFLite's SymmetricQuantizeFloats: scale =
// max|v| / 127, q = round(v * 127/max|v|) clamped to [-127, 127], in float32.
// All-zero (or empty) input gives zeros and scale 1. It allocates nothing.
func SymmetricQuantizeFloats(values []float32, dst []int8) (scale float32) {
	var lo, hi float32
	for i, v := range values {
		if i == 0 || v < lo {
			lo = v
		}
		if i == 0 || v > hi {
			hi = v
		}
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

// AsymmetricQuantizeFloats quantizes values into dst (same length) with a
// zero point, for hybrid kernels with asymmetric_quantize_inputs, as TFLite's
// AsymmetricQuantizeFloats: the range [min(0, min v), max(0, max v)] maps onto
// [-128, 127] (scale and zero point in float64, the zero point taken from the
// end with the smaller error and rounded half away from zero), then
// q = round(offset + v/scale) in float32. All-zero (or empty) input gives
// zeros, scale 1 and offset 0. It allocates nothing.
func AsymmetricQuantizeFloats(values []float32, dst []int8) (scale float32, offset int32) {
	const qmin, qmax = -128.0, 127.0
	var lo, hi float32
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	rmin, rmax := float64(lo), float64(hi)
	if rmin == rmax {
		clear(dst[:len(values)])
		return 1, 0
	}
	s := (rmax - rmin) / (qmax - qmin)
	zeroFromMin, zeroFromMax := qmin-rmin/s, qmax-rmax/s
	zero := zeroFromMax
	if math.Abs(qmin)+math.Abs(rmin/s) < math.Abs(qmax)+math.Abs(rmax/s) {
		zero = zeroFromMin
	}
	switch {
	case zero <= qmin:
		offset = qmin
	case zero >= qmax:
		offset = qmax
	default:
		offset = int32(math.Round(zero))
	}
	scale = float32(s)
	inv := float32(1 / float64(scale))
	for i, v := range values {
		q := int32(math.Round(float64(float32(offset) + float32(v*inv))))
		dst[i] = int8(min(max(q, qmin), qmax))
	}
	return scale, offset
}

// Int16ActivationScaling is the prepare step of int16 LOGISTIC (tanh false)
// and TANH (tanh true) in TFLite: zero points must be 0 and the output scale
// 2^-15. An input scale of 2^-12 (or, for TANH, 2^-11) is the power-of-two
// case: multiplier 0 and leftShift 0 (or 1), which
// fixedpoint.LogisticInt16 and TanhInt16 turn into 3 << leftShift. Any other
// scale gets multiplier = inputScale*3*4096 doubled (leftShift times) until it
// exceeds 32767/2, truncated, in float64.
func Int16ActivationScaling(inputScale float32, inputZeroPoint int32, outputScale float32, outputZeroPoint int32, tanh bool) (multiplier int32, leftShift int, err error) {
	if inputZeroPoint != 0 || outputZeroPoint != 0 {
		return 0, 0, fmt.Errorf("int16 logistic/tanh needs zero points 0, not %d (input) and %d (output)", inputZeroPoint, outputZeroPoint)
	}
	if l, ok := fixedpoint.CheckedLog2(outputScale); !ok || l != -15 {
		return 0, 0, fmt.Errorf("int16 logistic/tanh needs output scale 2^-15, not %v", outputScale)
	}
	const inputIntegerBits = 3
	l, pot := fixedpoint.CheckedLog2(inputScale)
	leftShift = 15 - inputIntegerBits + l
	if pot && (leftShift == 0 || (tanh && leftShift == 1)) {
		return 0, leftShift, nil
	}
	// The table covers [-10.7, 10.7]: one real unit is 3*4096 steps.
	m := float64(inputScale) * 4096 * 3
	leftShift = 0
	for m <= 32767.0/2 && leftShift <= 30 {
		leftShift++
		m *= 2
	}
	return int32(m), leftShift, nil
}
