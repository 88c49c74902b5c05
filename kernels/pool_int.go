package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// AVERAGE_POOL_2D and MAX_POOL_2D on int8, uint8 and int16, as TFLite's
// reference kernels: the input and output share their quantization, the
// average of the in-bounds elements is rounded half away from zero (int8,
// int16) or half up (uint8, whose sums are never negative), and the fused
// activation clamps in the quantized domain. TFLite has no integer L2 pool.

// poolQuant is the integer state of a pool kernel.
type poolQuant struct {
	lo, hi int32
}

func (k *pool2D) prepareInt(n *Node, o *ir.Pool2DOptions) error {
	in, out := n.In[0], n.Out[0]
	if n.Op.Type == ir.L2Pool2D {
		return unsupported(n, in.Type.String()+" inputs (TFLite's L2 pool is float only)")
	}
	io, err := readQuantIO(n, in, out, o.Activation)
	if err != nil {
		return err
	}
	if io.inScale != io.outScale || io.inZP != io.outZP {
		return fmt.Errorf("%s: input (scale %v, zero point %d) and output (scale %v, zero point %d) must share their quantization",
			n.Op.Name(), io.inScale, io.inZP, io.outScale, io.outZP)
	}
	k.q.lo, k.q.hi = io.lo, io.hi
	avg := n.Op.Type == ir.AveragePool2D
	switch in.Type {
	case ir.Int8:
		k.eval = func(n *Node) error { return poolInt(k, n, n.In[0].Int8s(), n.Out[0].Int8s(), avg) }
	case ir.Uint8:
		k.eval = func(n *Node) error { return poolInt(k, n, n.In[0].Data, n.Out[0].Data, avg) }
	case ir.Int16:
		k.eval = func(n *Node) error { return poolInt(k, n, n.In[0].Int16s(), n.Out[0].Int16s(), avg) }
	default:
		return unsupported(n, in.Type.String()+" inputs")
	}
	return nil
}

// poolInt is the integer average (avg) or max pool.
func poolInt[T int8 | uint8 | int16](k *pool2D, n *Node, in, out []T, avg bool) error {
	w, lo, hi := k.win, k.q.lo, k.q.hi
	return k.forEachWindow(n, func(b, y0, y1, x0, x1, o int) {
		dst := out[o : o+w.inC]
		for c := range dst {
			var acc int32
			if !avg {
				acc = -1 << 31
			}
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					v := int32(in[((b*w.inH+y)*w.inW+x)*w.inC+c])
					if avg {
						acc += v
					} else {
						acc = max(acc, v)
					}
				}
			}
			if avg {
				count := int32((y1 - y0) * (x1 - x0))
				if acc > 0 {
					acc = (acc + count/2) / count
				} else {
					acc = (acc - count/2) / count
				}
			}
			dst[c] = T(min(max(acc, lo), hi))
		}
	})
}
