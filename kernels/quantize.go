package kernels

import (
	"encoding/binary"
	"math"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/internal/half"
	"github.com/liteforge/liteforge/ir"
)

// QUANTIZE maps float32 to int8, uint8, int16 or int4 (per tensor or per
// channel) as TFLite's AffineQuantize does: q = round(x / scale) (round half
// away from zero) + zero point, clamped, and requantizes between integer
// types with MultiplyByQuantizedMultiplier.
// DEQUANTIZE maps int8, uint8, int16, uint16 or int4 (per tensor or per
// channel) to float32 as scale × (q − zero point), and widens float16 exactly.
// (A DEQUANTIZE of a constant, float16 weights say, is folded once by the
// runtime, which runs the kernel at prepare.)

func init() {
	Register(ir.Quantize, func() Kernel { return &quantizeKernel{} })
	Register(ir.Dequantize, func() Kernel { return &dequantizeKernel{} })
}

// axisParams are a tensor's quantization expanded for the elementwise loops:
// one (scale, zero point) per index of the quantized axis. Runs of inner
// consecutive elements share a channel, and the channels repeat in turn (a
// per-tensor quantization is one run of every element).
type axisParams struct {
	scales []float32
	zps    []int32
	inner  int
}

func (p *axisParams) perAxis() bool { return len(p.scales) > 1 }

// quantParams validates t's quantization for an integer type and expands it.
func quantParams(n *Node, t *ir.Tensor) (axisParams, error) {
	if err := t.Quant.ValidateQuantParams(t.Type); err != nil {
		return axisParams{}, nodeErr(n, "tensor %q: %v", t.Name, err)
	}
	q := t.Quant
	p := axisParams{scales: q.Scale, zps: make([]int32, len(q.Scale)), inner: max(t.NumElements(), 1)}
	for i := range p.zps {
		// TFLite repeats a lone zero point across the channels.
		switch {
		case i < len(q.ZeroPoint):
			p.zps[i] = int32(q.ZeroPoint[i])
		case len(q.ZeroPoint) > 0:
			p.zps[i] = int32(q.ZeroPoint[0])
		}
	}
	if q.PerAxis() {
		if q.Axis < 0 || q.Axis >= len(t.Shape) || t.Shape[q.Axis] != len(q.Scale) {
			return axisParams{}, nodeErr(n, "tensor %q has %d scales for axis %d of shape %v", t.Name, len(q.Scale), q.Axis, t.Shape)
		}
		p.inner = product(t.Shape[q.Axis+1:])
	}
	return p, nil
}

type quantizeKernel struct {
	count int
	p     axisParams
	lo    float64
	hi    float64
	run   func(k *quantizeKernel, dst, src []byte)
	rq    requantParams
	// divide64 selects the builtin kernel's float64 division.
	divide64 bool
	// xnnInvScale is 1/scale for XNNPACK's quantization, xnnLUT its 8-bit
	// requantization (quantize_xnnpack.go).
	xnnInvScale float32
	xnnLUT      [256]byte
}

func (k *quantizeKernel) Prepare(n *Node) error {
	count, err := elementwiseArity(n)
	if err != nil {
		return err
	}
	in, out := n.In[0], n.Out[0]
	k.count = count
	if in.Type != ir.Float32 {
		return k.prepareRequantize(n)
	}
	switch out.Type {
	case ir.Int8, ir.Uint8, ir.Int16, ir.Int4:
	default:
		return nodeErr(n, "cannot quantize float32 to %v", out.Type)
	}
	p, err := quantParams(n, out)
	if err != nil {
		return err
	}
	k.p = p
	lo, hi := intRange(out.Type)
	if out.Type == ir.Int4 {
		lo, hi = -8, 7
	}
	k.lo, k.hi = float64(lo), float64(hi)
	k.divide64 = !p.perAxis() && out.Type != ir.Int4 && (n.Ctx == nil || n.Ctx.Kernels == BuiltinKernels)
	k.run = (*quantizeKernel).fromFloat
	k.useXNNPACKQuantize(n, out)
	return nil
}

func (k *quantizeKernel) Eval(n *Node) error {
	k.run(k, n.Out[0].Data, n.In[0].Data)
	return nil
}

// quantizeValue is TFLite's float-to-integer quantization of one value.
// TFLite's builtin kernel divides in float64 (its scale is a double there),
// the reference kernel and per-channel quantization in float32; the two
// differ where the float32 quotient rounds onto a .5 tie.
func (k *quantizeKernel) quantizeValue(x, scale float32, zp int32) int32 {
	if k.divide64 {
		return quantizeQuotient(float64(x)/float64(scale), zp, float64(zp), k.lo, k.hi)
	}
	return quantizeQuotient(float64(x/scale), zp, float64(zp), k.lo, k.hi)
}

func (k *quantizeKernel) fromFloat(dst, src []byte) {
	x := ir.AsFloat32(src)[:k.count]
	switch {
	case k.hi == 7 && k.lo == -8: // int4: two per byte, low nibble first
		clear(dst[:(k.count+1)/2])
		forChannelRuns(&k.p, k.count, func(lo, hi int, scale float32, zp int32) {
			for i := lo; i < hi; i++ {
				q := byte(k.quantizeValue(x[i], scale, zp)) & 0x0f
				dst[i/2] |= q << (4 * (i % 2))
			}
		})
	case k.hi == 127:
		quantizeRuns(k, ir.AsInt8(dst), x)
	case k.hi == 255:
		quantizeRuns(k, dst, x)
	default:
		quantizeRuns(k, ir.AsInt16(dst), x)
	}
}

// quantizeQuotient rounds the quotient r (ties away from zero, as TFLite's
// std::round), adds the zero point and clamps; NaN gives the zero point
// (TFLite's cast is undefined there; the zero point is "no value").
// math.Round works on the bits without data-dependent branches: a
// truncate-and-compare rounding ran 2.4 times slower on real data, its tie
// test mispredicting.
func quantizeQuotient(r float64, zp int32, zpf, lo, hi float64) int32 {
	if r != r {
		return zp
	}
	return int32(min(max(math.Round(r)+zpf, lo), hi))
}

// quantizeRuns is quantizeValue over runs of one scale, written out so the
// loop keeps its constants in registers.
func quantizeRuns[T int8 | uint8 | int16](k *quantizeKernel, dst []T, x []float32) {
	dst = dst[:len(x)]
	lo, hi, divide64 := k.lo, k.hi, k.divide64
	forChannelRuns(&k.p, len(x), func(i0, i1 int, scale float32, zp int32) {
		xs, ds := x[i0:i1], dst[i0:i1]
		ds = ds[:len(xs)]
		zpf, scale64 := float64(zp), float64(scale)
		if divide64 {
			for i, v := range xs {
				ds[i] = T(quantizeQuotient(float64(v)/scale64, zp, zpf, lo, hi))
			}
			return
		}
		for i, v := range xs {
			ds[i] = T(quantizeQuotient(float64(v/scale), zp, zpf, lo, hi))
		}
	})
}

// forChannelRuns calls f for each run of consecutive elements that share a
// channel's scale and zero point.
func forChannelRuns(p *axisParams, count int, f func(lo, hi int, scale float32, zp int32)) {
	ch := 0
	for lo := 0; lo < count; lo += p.inner {
		f(lo, min(lo+p.inner, count), p.scales[ch], p.zps[ch])
		if ch++; ch == len(p.scales) {
			ch = 0
		}
	}
}

type dequantizeKernel struct {
	count int
	p     axisParams
	dtype ir.DataType
	half  bool
}

func (k *dequantizeKernel) Prepare(n *Node) error {
	count, err := elementwiseArity(n)
	if err != nil {
		return err
	}
	in, out := n.In[0], n.Out[0]
	if out.Type != ir.Float32 {
		return nodeErr(n, "output %q is %v, want float32", out.Name, out.Type)
	}
	k.count = count
	k.half, k.dtype = in.Type == ir.Float16, in.Type
	switch in.Type {
	case ir.Float16, ir.Int8, ir.Uint8, ir.Int16, ir.Uint16, ir.Int4:
	default:
		return nodeErr(n, "cannot dequantize %v", in.Type)
	}
	if !k.half {
		if in.Type == ir.Uint16 && in.Quant.Quantized() {
			// ValidateQuantParams has no uint16 range; check it here.
			for i, z := range in.Quant.ZeroPoint {
				if z < 0 || z > math.MaxUint16 {
					return nodeErr(n, "tensor %q: zero point %d is %d, outside uint16 range", in.Name, i, z)
				}
			}
		}
		p, err := quantParams(n, in)
		if err != nil {
			return err
		}
		k.p = p
	}
	return nil
}

func (k *dequantizeKernel) compute(dst, src []byte) {
	out := ir.AsFloat32(dst)[:k.count]
	if k.half {
		for i, h := range ir.AsUint16(src)[:k.count] {
			out[i] = half.Float16ToFloat32(h)
		}
		return
	}
	switch k.dtype {
	case ir.Int8:
		dequantizeRuns(&k.p, out, ir.AsInt8(src))
	case ir.Uint8:
		dequantizeRuns(&k.p, out, src)
	case ir.Int16:
		dequantizeRuns(&k.p, out, ir.AsInt16(src))
	case ir.Uint16:
		dequantizeRuns(&k.p, out, ir.AsUint16(src))
	default: // int4
		forChannelRuns(&k.p, k.count, func(lo, hi int, scale float32, zp int32) {
			for i := lo; i < hi; i++ {
				nib := src[i/2] >> (4 * (i % 2))
				out[i] = dequantizeValue(int32(int8(nib<<4)>>4), scale, zp)
			}
		})
	}
}

// dequantizeValue is scale × (q − zero point). The product of a float32 scale
// and a small integer is exact in float64, so this rounds once, as TFLite's
// float or double arithmetic does.
func dequantizeValue(q int32, scale float32, zp int32) float32 {
	return float32(float64(scale) * float64(q-zp))
}

func dequantizeRuns[T int8 | uint8 | int16 | uint16](p *axisParams, out []float32, src []T) {
	src = src[:len(out)]
	forChannelRuns(p, len(out), func(lo, hi int, scale float32, zp int32) {
		for i := lo; i < hi; i++ {
			out[i] = dequantizeValue(int32(src[i]), scale, zp)
		}
	})
}

func (k *dequantizeKernel) Eval(n *Node) error {
	k.compute(n.Out[0].Data, n.In[0].Data)
	return nil
}

// prepareRequantize sets up an integer-to-integer QUANTIZE as TFLite's
// quantize.cc does: the multiplier of inputScale/outputScale (in float64),
// then per element MultiplyByQuantizedMultiplier(q - inZP) + outZP, clamped.
// TFLite takes int8/uint8 to int8/uint8, int16 to int8/int16/int32 and int32
// to int8/int16; int8 to int16 is also accepted here (TFLite rejects it).
func (k *quantizeKernel) prepareRequantize(n *Node) error {
	in, out := n.In[0], n.Out[0]
	ok := false
	switch in.Type {
	case ir.Int8, ir.Uint8:
		ok = out.Type == ir.Int8 || out.Type == ir.Uint8 || (in.Type == ir.Int8 && out.Type == ir.Int16)
	case ir.Int16:
		ok = out.Type == ir.Int8 || out.Type == ir.Int16 || out.Type == ir.Int32
	case ir.Int32:
		ok = out.Type == ir.Int8 || out.Type == ir.Int16
	}
	if !ok {
		return nodeErr(n, "cannot requantize %v to %v", in.Type, out.Type)
	}
	inScale, inZP, err := PerTensorQuant(in)
	if err != nil {
		return nodeErr(n, "%v", err)
	}
	outScale, outZP, err := PerTensorQuant(out)
	if err != nil {
		return nodeErr(n, "%v", err)
	}
	if in.Type == ir.Int16 && out.Type == ir.Int16 && (inZP != 0 || outZP != 0) {
		return nodeErr(n, "int16 to int16 needs zero points of 0, not %d and %d", inZP, outZP)
	}
	if in.Type == ir.Int8 && out.Type == ir.Int16 {
		n.Ctx.Warn("%s (op %d): requantizing int8 %q to int16 %q; TFLite rejects this QUANTIZE", n.Op.Name(), n.Index, in.Name, out.Name)
	}
	rounding := fixedpoint.DoubleRounding
	if n.Ctx != nil {
		rounding = n.Ctx.Rounding
	}
	m, shift, err := RequantizeMultiplier(rounding, inScale, outScale)
	if err != nil {
		return nodeErr(n, "input %q scale %v to output %q scale %v: %v", in.Name, inScale, out.Name, outScale, err)
	}
	lo, hi := intRange(out.Type)
	k.rq = requantParams{
		rounding: rounding, multiplier: m, shift: shift, inZP: inZP, outZP: int64(outZP), lo: lo, hi: hi,
		read: intReader(in.Type), write: intWriter(out.Type),
	}
	k.run = (*quantizeKernel).requantize
	k.useXNNPACKRequantize(n, in, out, inScale, inZP, outScale, outZP)
	return nil
}

// requantParams are what an integer-to-integer QUANTIZE precomputes.
type requantParams struct {
	rounding   fixedpoint.Rounding
	multiplier int32
	shift      int
	inZP       int32
	outZP      int64
	lo, hi     int64
	read       func(b []byte, i int) int32
	write      func(b []byte, i int, v int64)
}

func (k *quantizeKernel) requantize(dst, src []byte) {
	p := &k.rq
	for i := range k.count {
		// The subtraction wraps for extreme int32 inputs, as in TFLite.
		v := int64(p.rounding.MultiplyByQuantizedMultiplier(p.read(src, i)-p.inZP, p.multiplier, p.shift)) + p.outZP
		p.write(dst, i, min(max(v, p.lo), p.hi))
	}
}

// intReader reads element i of an integer tensor as an int32.
func intReader(t ir.DataType) func(b []byte, i int) int32 {
	le := binary.LittleEndian
	switch t {
	case ir.Int8:
		return func(b []byte, i int) int32 { return int32(int8(b[i])) }
	case ir.Uint8:
		return func(b []byte, i int) int32 { return int32(b[i]) }
	case ir.Int16:
		return func(b []byte, i int) int32 { return int32(int16(le.Uint16(b[2*i:]))) }
	}
	return func(b []byte, i int) int32 { return int32(le.Uint32(b[4*i:])) }
}

// intWriter stores an in-range value into element i of an integer tensor.
func intWriter(t ir.DataType) func(b []byte, i int, v int64) {
	le := binary.LittleEndian
	switch t.Size() {
	case 1:
		return func(b []byte, i int, v int64) { b[i] = byte(v) }
	case 2:
		return func(b []byte, i int, v int64) { le.PutUint16(b[2*i:], uint16(v)) }
	}
	return func(b []byte, i int, v int64) { le.PutUint32(b[4*i:], uint32(v)) }
}
