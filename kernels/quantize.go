package kernels

import (
	"encoding/binary"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// QUANTIZE maps float32 to int8, uint8, int16 or int4 (per tensor or per
// channel) as TFLite's reference AffineQuantize does: q = round(x / scale)
// (float32 division, round half away from zero) + zero point, clamped.
// DEQUANTIZE maps int8, uint8, int16, uint16 or int4 (per tensor or per
// channel) to float32 as scale × (q − zero point), and widens float16 exactly.
// (A DEQUANTIZE of a constant, float16 weights say, is folded once by the
// runtime, which runs the kernel at prepare.)

func init() {
	Register(ir.Quantize, func() Kernel { return &quantizeKernel{} })
	Register(ir.Dequantize, func() Kernel { return &dequantizeKernel{} })
}

// axisParams are a tensor's quantization expanded for the elementwise loops:
// one (scale, zero point) per index of the quantized axis, which repeats
// every inner elements.
type axisParams struct {
	scales []float32
	zps    []int32
	inner  int
}

// channelOf is the quantized-axis index of flat element i.
func (p *axisParams) channelOf(i int) int {
	if len(p.scales) == 1 {
		return 0
	}
	return (i / p.inner) % len(p.scales)
}

// quantParams validates t's quantization for an integer type and expands it.
func quantParams(n *Node, t *ir.Tensor) (axisParams, error) {
	if err := t.Quant.ValidateQuantParams(t.Type); err != nil {
		return axisParams{}, nodeErr(n, "tensor %q: %v", t.Name, err)
	}
	q := t.Quant
	p := axisParams{scales: q.Scale, zps: make([]int32, len(q.Scale)), inner: 1}
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
	k.run = (*quantizeKernel).fromFloat
	return nil
}

func (k *quantizeKernel) Eval(n *Node) error {
	k.run(k, n.Out[0].Data, n.In[0].Data)
	return nil
}

// quantizeValue is TFLite's float-to-integer quantization of one value.
func (k *quantizeKernel) quantizeValue(x float32, ch int) int32 {
	r := float64(x / k.p.scales[ch])
	if r != r {
		return k.p.zps[ch] // NaN: TFLite's cast is undefined; the zero point is "no value"
	}
	v := math.Round(r) + float64(k.p.zps[ch])
	return int32(min(max(v, k.lo), k.hi))
}

func (k *quantizeKernel) fromFloat(dst, src []byte) {
	le := binary.LittleEndian
	if k.hi == 7 && k.lo == -8 { // int4: two per byte, low nibble first
		clear(dst[:(k.count+1)/2])
		for i := range k.count {
			q := byte(k.quantizeValue(math.Float32frombits(le.Uint32(src[4*i:])), k.p.channelOf(i))) & 0x0f
			if i%2 == 1 {
				q <<= 4
			}
			dst[i/2] |= q
		}
		return
	}
	size := 1
	if k.hi > 255 {
		size = 2
	}
	for i := range k.count {
		q := k.quantizeValue(math.Float32frombits(le.Uint32(src[4*i:])), k.p.channelOf(i))
		if size == 1 {
			dst[i] = byte(q)
		} else {
			le.PutUint16(dst[2*i:], uint16(q))
		}
	}
}

type dequantizeKernel struct {
	count int
	p     axisParams
	read  func(b []byte, i int) int32
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
	le := binary.LittleEndian
	k.half = in.Type == ir.Float16
	switch in.Type {
	case ir.Float16:
	case ir.Int8:
		k.read = func(b []byte, i int) int32 { return int32(int8(b[i])) }
	case ir.Uint8:
		k.read = func(b []byte, i int) int32 { return int32(b[i]) }
	case ir.Int16:
		k.read = func(b []byte, i int) int32 { return int32(int16(le.Uint16(b[2*i:]))) }
	case ir.Uint16:
		k.read = func(b []byte, i int) int32 { return int32(le.Uint16(b[2*i:])) }
	case ir.Int4:
		k.read = func(b []byte, i int) int32 {
			v := b[i/2]
			if i%2 == 1 {
				v >>= 4
			}
			return int32(int8(v<<4) >> 4)
		}
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
	le := binary.LittleEndian
	if k.half {
		for i := range k.count {
			le.PutUint32(dst[4*i:], math.Float32bits(float16ToFloat32(le.Uint16(src[2*i:]))))
		}
		return
	}
	for i := range k.count {
		ch := k.p.channelOf(i)
		// The product of a float32 scale and a small integer is exact in
		// float64, so this rounds once, as TFLite's does.
		v := float32(float64(k.p.scales[ch]) * float64(k.read(src, i)-k.p.zps[ch]))
		le.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

func (k *dequantizeKernel) Eval(n *Node) error {
	k.compute(n.Out[0].Data, n.In[0].Data)
	return nil
}

// prepareRequantize handles integer-to-integer QUANTIZE (Phase B).
func (k *quantizeKernel) prepareRequantize(n *Node) error {
	return nodeErr(n, "cannot quantize %v to %v", n.In[0].Type, n.Out[0].Type)
}
