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

// tensorQuant is PerTensorQuant with the op named in the error.
func tensorQuant(n *Node, what string, t *ir.Tensor) (scale float32, zp int32, err error) {
	if scale, zp, err = PerTensorQuant(t); err != nil {
		return 0, 0, fmt.Errorf("%s: %s: %w", n.Op.Name(), what, err)
	}
	return scale, zp, nil
}

// channelScales is ChannelScales for a filter whose dimension axis indexes
// its output channels, with the op named in the error.
func channelScales(n *Node, filter *ir.Tensor, channels, axis int) ([]float32, error) {
	s, err := ChannelScales(filter, axis)
	if err != nil {
		return nil, fmt.Errorf("%s: filter: %w", n.Op.Name(), err)
	}
	if len(s) != channels {
		return nil, fmt.Errorf("%s: filter %q has %d channels, want %d", n.Op.Name(), filter.Name, len(s), channels)
	}
	return s, nil
}

// outputMultipliers derives each channel's quantized multiplier for
// input_scale*filter_scale/output_scale: per channel as TFLite's
// PopulateConvolutionQuantizationParams (double products), or, for the
// legacy per-tensor kernels (perTensor), as its
// GetQuantizedConvolutionMultipler (a float product), repeated.
func outputMultipliers(n *Node, inScale float32, fScales []float32, outScale float32, perTensor bool) ([]int32, []int, error) {
	r := roundingOf(n.Ctx)
	if !perTensor {
		m, s, err := PerChannelMultipliers(r, inScale, fScales, outScale)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
		return m, s, nil
	}
	m, s, err := ConvolutionMultiplier(r, inScale, fScales[0], outScale, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", n.Op.Name(), err)
	}
	mult, shift := make([]int32, len(fScales)), make([]int, len(fScales))
	for c := range mult {
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

// quantActivationRange is ActivationRangeQuantized, rejecting the
// activations that are not clamps, with the op named in the error.
func quantActivationRange(n *Node, a ir.Activation, t ir.DataType, scale float32, zp int32) (lo, hi int32, err error) {
	if a != ir.ActNone && a != ir.ActRelu && a != ir.ActRelu6 && a != ir.ActReluN1To1 {
		return 0, 0, fmt.Errorf("%s: fused activation %v is not supported", n.Op.Name(), a)
	}
	if lo, hi, err = ActivationRangeQuantized(a, t, scale, zp); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", n.Op.Name(), err)
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
	// scale, when set, is each channel's input*filter/output scale in
	// float32: XNNPACK's requantization (XNNPACKKernels), used instead of
	// the fixed-point multiplier.
	scale    []float32
	bias     []S
	mult     []int32
	shift    []int
	zp       int32
	lo, hi   int32
	wide     bool
	rounding fixedpoint.Rounding
	// vec, when set, computes the same as apply for 8-bit outputs, eight
	// channels at a time (the default double rounding with int32 sums).
	vec *gemm.Requantizer
}

// apply requantizes the sum of channel c.
func (q *requant[S]) apply(acc S, c int) int32 {
	if q.bias != nil {
		acc += q.bias[c]
	}
	if q.scale != nil {
		f := float64(float32(acc) * q.scale[c])
		return int32(min(max(math.RoundToEven(f)+float64(q.zp), float64(q.lo)), float64(q.hi)))
	}
	var v int32
	if q.wide {
		v = fixedpoint.MultiplyByQuantizedMultiplierInt64(int64(acc), q.mult[c], q.shift[c])
	} else {
		v = q.rounding.MultiplyByQuantizedMultiplier(int32(acc), q.mult[c], q.shift[c])
	}
	return min(max(v+q.zp, q.lo), q.hi)
}

// vectorize sets vec from the parameters as they now are (a kernel that
// changes them calls it again): only for int32 sums, double rounding and no
// XNNPACK scale. Parameters the vector kernel does not take leave it unset,
// and apply computes every channel.
func (q *requant[S]) vectorize() {
	q.vec = nil
	b, ok := any(q.bias).([]int32)
	if !ok || q.wide || q.scale != nil || q.rounding != fixedpoint.DoubleRounding {
		return
	}
	q.vec, _ = gemm.NewRequantizer(b, q.mult, q.shift, q.zp, q.lo, q.hi)
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
	if a32, ok := any(acc).([]int32); ok && o.q.scale == nil && !o.q.wide {
		o.store32(i0, j0, rows, cols, a32, ld)
		return
	}
	for r := 0; r < rows; r++ {
		dst := o.out[(i0+r)*o.ld+o.colOff+j0:][:cols]
		for c, v := range acc[r*ld:][:cols] {
			dst[c] = T(o.q.apply(v, o.colOff+j0+c))
		}
	}
}

// store32 is StoreInt's common case, int32 sums requantized with a
// fixed-point multiplier, written as one tight loop per row.
func (o *quantOut[S, T]) store32(i0, j0, rows, cols int, acc []int32, ld int) {
	q, c0 := o.q, o.colOff+j0
	mult, shift := q.mult[c0:c0+cols], q.shift[c0:c0+cols]
	var bias []int32
	if q.bias != nil {
		bias = any(q.bias).([]int32)[c0 : c0+cols]
	}
	if q.vec != nil && o.storeVec(i0, c0, rows, cols, acc, ld) {
		return
	}
	single := q.rounding == fixedpoint.SingleRounding
	for r := 0; r < rows; r++ {
		dst := o.out[(i0+r)*o.ld+c0:][:cols]
		src := acc[r*ld:][:cols]
		for c, v := range src {
			if bias != nil {
				v += bias[c]
			}
			if single {
				v = fixedpoint.MultiplyByQuantizedMultiplierSingleRounding(v, mult[c], shift[c])
			} else {
				v = fixedpoint.MultiplyByQuantizedMultiplier(v, mult[c], shift[c])
			}
			dst[c] = T(min(max(v+q.zp, q.lo), q.hi))
		}
	}
}

// storeVec is store32 on the vector requantizer, for 8-bit outputs; it
// reports false (having stored nothing it would not store again) when it
// does not apply.
func (o *quantOut[S, T]) storeVec(i0, c0, rows, cols int, acc []int32, ld int) bool {
	switch out := any(o.out).(type) {
	case []int8:
		return requantRows(o.q.vec, out[i0*o.ld+c0:], o.ld, rows, cols, acc, ld, c0)
	case []uint8:
		return requantRows(o.q.vec, out[i0*o.ld+c0:], o.ld, rows, cols, acc, ld, c0)
	}
	return false
}

// requantRows requantizes rows of cols sums (ld apart in acc, channels from
// c0) into out (outLd apart); false when the requantizer refuses them.
func requantRows[T int8 | uint8](vec *gemm.Requantizer, out []T, outLd, rows, cols int, acc []int32, ld, c0 int) bool {
	for r := 0; r < rows; r++ {
		if gemm.Requantize(vec, out[r*outLd:][:cols], acc[r*ld:][:cols], c0) != nil {
			return false
		}
	}
	return true
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

// quantIO is what each integer kernel of this family reads at prepare: the
// input's and output's parameters and the fused activation's clamp.
type quantIO struct {
	inScale, outScale float32
	inZP, outZP       int32
	lo, hi            int32
}

func readQuantIO(n *Node, in, out *ir.Tensor, act ir.Activation) (io quantIO, err error) {
	if out.Type != in.Type {
		return io, fmt.Errorf("%s: output %q is %v, input is %v", n.Op.Name(), out.Name, out.Type, in.Type)
	}
	if io.inScale, io.inZP, err = tensorQuant(n, "input", in); err != nil {
		return io, err
	}
	if io.outScale, io.outZP, err = tensorQuant(n, "output", out); err != nil {
		return io, err
	}
	io.lo, io.hi, err = quantActivationRange(n, act, out.Type, io.outScale, io.outZP)
	return io, err
}

// requant8 is the output stage for 8-bit activations: per-channel
// multipliers (or the legacy per-tensor one) and an int32 bias.
func requant8(n *Node, io quantIO, fScales []float32, legacy bool, bias *ir.Tensor) (requant[int32], error) {
	mult, shift, err := outputMultipliers(n, io.inScale, fScales, io.outScale, legacy)
	if err != nil {
		return requant[int32]{}, err
	}
	b, err := intBias[int32](n, bias, len(fScales))
	if err != nil {
		return requant[int32]{}, err
	}
	rq := requant[int32]{bias: b, mult: mult, shift: shift, zp: io.outZP, lo: io.lo, hi: io.hi, rounding: roundingOf(n.Ctx)}
	if n.Ctx != nil && n.Ctx.Kernels == XNNPACKKernels {
		// XNNPACK's scale: float32 arithmetic, left to right.
		rq.scale = make([]float32, len(fScales))
		for c, fs := range fScales {
			rq.scale[c] = io.inScale * fs / io.outScale
		}
	}
	rq.vectorize()
	return rq, nil
}

// requant16 is the output stage for int16 activations, whose zero points
// must be 0: int64 sums and bias, or, with an int32 bias, TFLite's int32
// variant.
func requant16(n *Node, io quantIO, fScales []float32, legacy bool, bias *ir.Tensor) (requant[int64], error) {
	if io.inZP != 0 || io.outZP != 0 {
		return requant[int64]{}, fmt.Errorf("%s: int16 input and output must have zero point 0, got %d and %d", n.Op.Name(), io.inZP, io.outZP)
	}
	mult, shift, err := outputMultipliers(n, io.inScale, fScales, io.outScale, legacy)
	if err != nil {
		return requant[int64]{}, err
	}
	b, err := intBias[int64](n, bias, len(fScales))
	if err != nil {
		return requant[int64]{}, err
	}
	wide := bias == nil || bias.Type != ir.Int32
	return requant[int64]{bias: b, mult: mult, shift: shift, lo: io.lo, hi: io.hi, wide: wide, rounding: roundingOf(n.Ctx)}, nil
}
