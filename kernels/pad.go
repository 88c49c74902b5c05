package kernels

import (
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// PAD and PADV2 surround the input with a constant: PADV2's constant_values
// input, else zero, which for a quantized tensor is its zero point (TFLite
// pads uint8 always, and int8/int16 when quantized, with the output's zero
// point). MIRROR_PAD reflects the input into the border instead.

func init() {
	Register(ir.Pad, func() Kernel { return &padKernel{} })
	Register(ir.PadV2, func() Kernel { return &padKernel{} })
	Register(ir.MirrorPad, func() Kernel { return &padKernel{mirror: true} })
}

type padKernel struct {
	mirror   bool
	reflect  bool // MIRROR_PAD mode REFLECT (border excluded)
	plan     remap
	paddings paramCache
	inStride []int
}

func (k *padKernel) Prepare(n *Node) error {
	maxIn := 3
	if k.mirror {
		maxIn = 2
	}
	if err := checkArity(n, 2, maxIn, 1); err != nil {
		return err
	}
	in, pads, out := n.In[0], n.In[1], n.Out[0]
	es, err := sameTypes(n, in, out)
	if err != nil {
		return err
	}
	rank := len(in.Shape)
	if !slices.Equal(pads.Shape, []int{rank, 2}) {
		return nodeErr(n, "paddings %q have shape %v, want [%d 2]", pads.Name, pads.Shape, rank)
	}
	if len(out.Shape) != rank {
		return nodeErr(n, "output %q has rank %d, input %q rank %d", out.Name, len(out.Shape), in.Name, rank)
	}
	k.inStride = rowMajorStrides(in.Shape)
	k.plan.init(es, out.Shape)
	if k.mirror {
		if pads.Type != ir.Int32 && pads.Type != ir.Int64 {
			return nodeErr(n, "paddings %q are %v, want int32 or int64", pads.Name, pads.Type)
		}
		o, err := options[ir.MirrorPadOptions](n)
		if err != nil {
			return err
		}
		k.reflect = o.Mode == ir.MirrorReflect
		if err := requireSameQuant(n, in, out); err != nil {
			return err
		}
		if in.Type == ir.Int16 {
			if _, z := perTensorParams(in.Quant); z != 0 {
				return nodeErr(n, "int16 input %q has zero point %d, want 0", in.Name, z)
			}
		}
	} else if err := k.padValue(n); err != nil {
		return err
	} else {
		warnQuantMismatch(n, in, out)
	}
	k.paddings.reset(2 * rank)
	if pads.Data != nil {
		return k.update(n)
	}
	return nil
}

// padValue sets the fill element of PAD/PADV2.
func (k *padKernel) padValue(n *Node) error {
	in, out := n.In[0], n.Out[0]
	quantized := in.Type == ir.Uint8 || ((in.Type == ir.Int8 || in.Type == ir.Int16) && in.Quant.Quantized())
	if c := n.Input(2); c != nil {
		if c.Type != in.Type || c.NumElements() != 1 {
			return nodeErr(n, "constant_values %q is %v %v, want one %v", c.Name, c.Type, c.Shape, in.Type)
		}
		if quantized {
			cs, cz := perTensorParams(c.Quant)
			os, oz := perTensorParams(out.Quant)
			if cs != os || cz != oz {
				return nodeErr(n, "constant_values %q (%s) must have output %q's quantization (%s)", c.Name, quantString(c), out.Name, quantString(out))
			}
		}
		if c.Data == nil {
			return nodeErr(n, "constant_values %q must be a constant", c.Name)
		}
		copy(k.plan.fill, c.Data)
		return nil
	}
	clear(k.plan.fill)
	if quantized {
		_, z := perTensorParams(out.Quant)
		switch {
		case in.Type == ir.Uint8 && z >= 0 && z <= 255:
			k.plan.fill[0] = byte(z)
		case in.Type == ir.Int8 && z >= -128 && z <= 127:
			k.plan.fill[0] = byte(int8(z))
		case in.Type == ir.Int16 && z >= -32768 && z <= 32767:
			k.plan.fill[0], k.plan.fill[1] = byte(uint16(z)), byte(uint16(z)>>8)
		default:
			return nodeErr(n, "output %q zero point %d is outside the %v range", out.Name, z, in.Type)
		}
	}
	return nil
}

func (k *padKernel) update(n *Node) error {
	pads, changed, err := k.paddings.changed(n, n.In[1])
	if err != nil || !changed {
		return err
	}
	in, out := n.In[0], n.Out[0]
	for d, size := range in.Shape {
		l, r := pads[2*d], pads[2*d+1]
		limit := size
		if k.mirror && k.reflect {
			limit = size - 1
		}
		if l < 0 || r < 0 || (k.mirror && (l > limit || r > limit)) {
			if k.mirror {
				return nodeErr(n, "paddings %v on axis %d of size %d: mirror padding must be in [0, %d]", pads[2*d:2*d+2], d, size, limit)
			}
			return nodeErr(n, "paddings %v on axis %d are negative", pads[2*d:2*d+2], d)
		}
		if out.Shape[d] != l+size+r {
			return nodeErr(n, "output %q has shape %v, but paddings %v give %d on axis %d", out.Name, out.Shape, pads, l+size+r, d)
		}
		t := k.plan.off[d]
		for o := range t {
			i := o - l
			switch {
			case i >= 0 && i < size:
			case !k.mirror:
				t[o] = -1
				continue
			case i < 0 && k.reflect:
				i = -i
			case i < 0:
				i = -i - 1
			case k.reflect:
				i = 2*size - 2 - i
			default:
				i = 2*size - 1 - i
			}
			t[o] = i * k.inStride[d]
		}
	}
	k.plan.finish()
	k.paddings.keep(pads)
	return nil
}

func (k *padKernel) Eval(n *Node) error {
	if err := k.update(n); err != nil {
		return err
	}
	k.plan.run(n.Out[0].Data, n.In[0].Data)
	return nil
}
