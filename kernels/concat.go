package kernels

import (
	"math"

	"github.com/liteforge/liteforge/ir"
)

// CONCATENATION joins its inputs along an axis. Integer inputs whose
// quantization differs from the output's are requantized the way TFLite's
// reference ConcatenationWithScaling does (float scale and bias, round half
// away from zero, clamp); everything else is a byte copy.

func init() {
	Register(ir.Concatenation, func() Kernel { return &concatKernel{} })
}

type concatKernel struct {
	join joiner
	lo   float32 // fused activation bounds (float32 only)
	hi   float32
	act  bool
}

func (k *concatKernel) Prepare(n *Node) error {
	if err := checkArity(n, 1, math.MaxInt, 1); err != nil {
		return err
	}
	for i, t := range n.In {
		if t == nil {
			return nodeErr(n, "input %d is missing", i)
		}
	}
	o, err := options[ir.ConcatenationOptions](n)
	if err != nil {
		return err
	}
	out := n.Out[0]
	if _, err := sameTypes(n, append([]*ir.Tensor{out}, n.In...)...); err != nil {
		return err
	}
	in0 := n.In[0]
	rank := len(in0.Shape)
	var axis int
	if rank == 0 {
		// TFLite concatenates scalars into a vector.
		if o.Axis != 0 && o.Axis != -1 {
			return nodeErr(n, "axis %d is invalid for scalar inputs", o.Axis)
		}
		if err := checkShape(n, out, []int{len(n.In)}); err != nil {
			return err
		}
	} else {
		if axis, err = normAxis(n, o.Axis, rank); err != nil {
			return err
		}
		want := append([]int(nil), in0.Shape...)
		want[axis] = 0
		for _, t := range n.In {
			if len(t.Shape) != rank {
				return nodeErr(n, "input %q has rank %d, input %q rank %d", t.Name, len(t.Shape), in0.Name, rank)
			}
			for d := range t.Shape {
				if d != axis && t.Shape[d] != in0.Shape[d] {
					return nodeErr(n, "input %q has shape %v, incompatible with %q's %v on axis %d", t.Name, t.Shape, in0.Name, in0.Shape, d)
				}
			}
			want[axis] += t.Shape[axis]
		}
		if err := checkShape(n, out, want); err != nil {
			return err
		}
	}
	k.act = o.Activation != ir.ActNone
	if k.act {
		if out.Type != ir.Float32 {
			return nodeErr(n, "fused activation %v is supported for float32 only, not %v", o.Activation, out.Type)
		}
		if k.lo, k.hi, err = activationRange(o.Activation); err != nil {
			return nodeErr(n, "%v", err)
		}
	}
	if rank == 0 {
		// Scalars are stacked; that is a join on a new leading axis.
		return k.join.prepare(n, 0, []int{})
	}
	return k.join.prepare(n, axis, in0.Shape)
}

func (k *concatKernel) Eval(n *Node) error {
	k.join.run(n)
	if k.act {
		clampF32(n.Out[0].Float32s(), k.lo, k.hi)
	}
	return nil
}

// joiner copies (or requantizes) equally-shaped-but-for-one-axis inputs into
// consecutive chunks of the output: CONCATENATION and PACK. The output is
// outer × Σ chunk_i, where input i contributes chunk_i elements per outer index.
type joiner struct {
	esize  int
	outer  int
	chunks []int         // elements per outer index, per input
	rq     []requantizer // per input; zero value means copy
}

// prepare plans the join of n's inputs at axis: each outer index (over the
// leading axes of shape) takes the elements of input i from axis on. For PACK
// the axis is new and shape is the common input shape.
func (j *joiner) prepare(n *Node, axis int, shape []int) error {
	out := n.Out[0]
	j.esize = out.Type.Size()
	j.outer = product(shape[:axis])
	j.chunks = make([]int, len(n.In))
	j.rq = make([]requantizer, len(n.In))
	for i, t := range n.In {
		j.chunks[i] = product(t.Shape[axis:])
		rq, err := joinRequantizer(n, t, out)
		if err != nil {
			return err
		}
		j.rq[i] = rq
	}
	return nil
}

func (j *joiner) run(n *Node) {
	dst := n.Out[0].Data
	pos := 0
	for o := 0; o < j.outer; o++ {
		for i, t := range n.In {
			c := j.chunks[i]
			if j.rq[i].active {
				j.rq[i].run(dst[pos:pos+c*j.esize], t.Data[o*c*j.esize:(o+1)*c*j.esize], t.Type)
			} else {
				copy(dst[pos:pos+c*j.esize], t.Data[o*c*j.esize:(o+1)*c*j.esize])
			}
			pos += c * j.esize
		}
	}
}

// requantizer maps one input's quantized values to the output's
// quantization as ConcatenationWithScaling does.
type requantizer struct {
	active      bool
	scale, bias float32
	outZP       float64
	lo, hi      float64
}

// joinRequantizer decides how input in reaches out: a copy when their
// quantization matches (or TFLite copies anyway), a requantization for
// uint8/int8 inputs whose scale or zero point differ.
func joinRequantizer(n *Node, in, out *ir.Tensor) (requantizer, error) {
	if !in.Type.IsInteger() || sameQuantization(in, out) || (!in.Quant.Quantized() && !out.Quant.Quantized()) {
		return requantizer{}, nil
	}
	switch in.Type {
	case ir.Uint8, ir.Int8:
	case ir.Int16:
		// TFLite requires zero points of 0 and then copies the bytes.
		for _, t := range []*ir.Tensor{in, out} {
			if _, z := perTensorParams(t.Quant); z != 0 {
				return requantizer{}, nodeErr(n, "int16 tensor %q has zero point %d, want 0", t.Name, z)
			}
		}
		warnQuantMismatch(n, in, out)
		return requantizer{}, nil
	default:
		warnQuantMismatch(n, in, out)
		return requantizer{}, nil
	}
	for _, t := range []*ir.Tensor{in, out} {
		if t.Quant.PerAxis() {
			return requantizer{}, nodeErr(n, "tensor %q is quantized per axis; %v inputs need per-tensor quantization", t.Name, t.Type)
		}
		if err := t.Quant.ValidateQuantParams(t.Type); err != nil {
			return requantizer{}, nodeErr(n, "tensor %q: %v", t.Name, err)
		}
	}
	if in.Type == ir.Int8 || n.Op.Type == ir.Pack {
		n.Ctx.Warn("%s (op %d): input %q (%s) is requantized to output %q (%s); TFLite rejects %v %s inputs whose quantization differs from the output's",
			n.Op.Name(), n.Index, in.Name, quantString(in), out.Name, quantString(out), in.Type, n.Op.Name())
	}
	inScale, inZP := perTensorParams(in.Quant)
	outScale, outZP := perTensorParams(out.Quant)
	inv := 1 / outScale
	scale := inScale * inv
	rq := requantizer{active: true, scale: scale, bias: float32(-inZP) * scale, outZP: float64(outZP)}
	rq.lo, rq.hi = 0, 255
	if out.Type == ir.Int8 {
		rq.lo, rq.hi = -128, 127
	}
	return rq, nil
}

func (r *requantizer) run(dst, src []byte, inType ir.DataType) {
	for i, b := range src {
		x := float32(int32(b))
		if inType == ir.Int8 {
			x = float32(int8(b))
		}
		// float32(x*scale) keeps Go from fusing the multiply-add: TFLite's
		// reference rounds the product before adding the bias.
		v := math.Round(float64(float32(x*r.scale)+r.bias)) + r.outZP
		dst[i] = byte(int32(min(max(v, r.lo), r.hi)))
	}
}
