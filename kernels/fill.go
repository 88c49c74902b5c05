package kernels

import "github.com/liteforge/liteforge/ir"

// FILL makes a tensor of the shape given by its dims input, every element the
// scalar value input; ZEROS_LIKE makes zeros shaped like its input.

func init() {
	Register(ir.Fill, func() Kernel { return &fillKernel{} })
	Register(ir.ZerosLike, func() Kernel { return &fillKernel{zeros: true} })
}

type fillKernel struct {
	zeros bool
	esize int
	dims  paramCache
}

func (k *fillKernel) Prepare(n *Node) error {
	if k.zeros {
		if err := checkArity(n, 1, 1, 1); err != nil {
			return err
		}
		in, out := n.In[0], n.Out[0]
		es, err := sameTypes(n, in, out)
		if err != nil {
			return err
		}
		k.esize = es
		return checkShape(n, out, in.Shape)
	}
	if err := checkArity(n, 2, 2, 1); err != nil {
		return err
	}
	dims, value, out := n.In[0], n.In[1], n.Out[0]
	es, err := sameTypes(n, value, out)
	if err != nil {
		return err
	}
	if dims.Type != ir.Int32 && dims.Type != ir.Int64 {
		return nodeErr(n, "dims %q are %v, want int32 or int64", dims.Name, dims.Type)
	}
	if len(dims.Shape) != 1 || dims.Shape[0] != len(out.Shape) {
		return nodeErr(n, "dims %q have shape %v, want [%d] for output %q", dims.Name, dims.Shape, len(out.Shape), out.Name)
	}
	if len(value.Shape) != 0 {
		return nodeErr(n, "value %q has shape %v, want a scalar", value.Name, value.Shape)
	}
	// TFLite requires the value to carry the output's quantization.
	vs, vz := perTensorParams(value.Quant)
	os, oz := perTensorParams(out.Quant)
	if vs != os || vz != oz {
		return nodeErr(n, "value %q (%s) and output %q (%s) must have the same quantization", value.Name, quantString(value), out.Name, quantString(out))
	}
	if value.Type == ir.Int16 && vz != 0 {
		return nodeErr(n, "int16 value %q has zero point %d, want 0", value.Name, vz)
	}
	k.esize = es
	k.dims.reset(len(out.Shape))
	if dims.Data != nil {
		return k.check(n)
	}
	return nil
}

// check verifies the dims input (possibly computed at run time) against the
// output shape.
func (k *fillKernel) check(n *Node) error {
	d, changed, err := k.dims.changed(n, n.In[0])
	if err != nil || !changed {
		return err
	}
	for i, v := range d {
		if v != n.Out[0].Shape[i] {
			return nodeErr(n, "dims %v do not match output %q shape %v", d, n.Out[0].Name, n.Out[0].Shape)
		}
	}
	k.dims.keep(d)
	return nil
}

func (k *fillKernel) Eval(n *Node) error {
	out := n.Out[0]
	if k.zeros {
		clear(out.Data[:out.NumElements()*k.esize])
		return nil
	}
	if err := k.check(n); err != nil {
		return err
	}
	fillPattern(out.Data[:out.NumElements()*k.esize], n.In[1].Data[:k.esize])
	return nil
}
