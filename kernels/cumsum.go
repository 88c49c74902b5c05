package kernels

import (
	"github.com/liteforge/liteforge/ir"
)

// CUMSUM: running sums along the axis given by the second input (a scalar
// int32, negative counting from the end), for float32, int32 and int64.
// exclusive leaves each element out of its own sum; reverse sums from the
// end. Each sum starts from zero and adds in order along the axis, as
// TFLite's Eigen scan does (so an inclusive sum of -0 is +0); integers wrap.

func init() {
	Register(ir.Cumsum, func() Kernel { return &cumsumKernel{} })
}

type cumsumKernel struct {
	exclusive, reverse bool
	eval               func(n *Node, outer, steps, inner int)
}

func (k *cumsumKernel) Prepare(n *Node) error {
	if err := checkArity(n, 2, 2, 1); err != nil {
		return err
	}
	o, err := options[ir.CumsumOptions](n)
	if err != nil {
		return err
	}
	in, axis, out := n.In[0], n.In[1], n.Out[0]
	if in.Type != out.Type {
		return nodeErr(n, "input %q is %v but output %q %v", in.Name, in.Type, out.Name, out.Type)
	}
	if axis.Type != ir.Int32 || axis.NumElements() != 1 {
		return nodeErr(n, "axis %q is %v %v, want one int32", axis.Name, axis.Type, axis.Shape)
	}
	if len(in.Shape) < 1 {
		return nodeErr(n, "input %q is a scalar; CUMSUM needs rank 1 or more", in.Name)
	}
	if err := checkShape(n, out, in.Shape); err != nil {
		return err
	}
	k.exclusive, k.reverse = o.Exclusive, o.Reverse
	switch in.Type {
	case ir.Float32:
		k.eval = cumsumOf(k, ir.AsFloat32)
	case ir.Int32:
		k.eval = cumsumOf(k, ir.AsInt32)
	case ir.Int64:
		k.eval = cumsumOf(k, ir.AsInt64)
	default:
		return unsupported(n, in.Type.String())
	}
	if axis.Data != nil {
		_, _, _, err := k.layout(n)
		return err
	}
	return nil
}

// layout resolves the axis (possibly computed at run time) into the extents
// before it, along it and after it.
func (k *cumsumKernel) layout(n *Node) (outer, steps, inner int, err error) {
	shape := n.In[0].Shape
	a, err := normAxis(n, int(n.In[1].Int32s()[0]), len(shape))
	if err != nil {
		return 0, 0, 0, err
	}
	return product(shape[:a]), shape[a], product(shape[a+1:]), nil
}

func (k *cumsumKernel) Eval(n *Node) error {
	outer, steps, inner, err := k.layout(n)
	if err != nil {
		return err
	}
	k.eval(n, outer, steps, inner)
	return nil
}

func cumsumOf[T float32 | int32 | int64](k *cumsumKernel, view func([]byte) []T) func(n *Node, outer, steps, inner int) {
	return func(n *Node, outer, steps, inner int) {
		in, out := view(n.In[0].Data), view(n.Out[0].Data)
		block := steps * inner
		for o := range outer {
			x, y := in[o*block:(o+1)*block], out[o*block:(o+1)*block]
			prev := -1 // the previous position along the axis, in summing order
			for t := range steps {
				i := t
				if k.reverse {
					i = steps - 1 - t
				}
				dst := y[i*inner : (i+1)*inner]
				switch {
				case k.exclusive && prev < 0:
					clear(dst)
				case k.exclusive:
					addInto(dst, y[prev*inner:], x[prev*inner:])
				case prev < 0:
					clear(dst)
					addInto(dst, dst, x[i*inner:])
				default:
					addInto(dst, y[prev*inner:], x[i*inner:])
				}
				prev = i
			}
		}
	}
}

// addInto sets dst[j] = a[j] + b[j].
func addInto[T float32 | int32 | int64](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	for j := range dst {
		dst[j] = a[j] + b[j]
	}
}
