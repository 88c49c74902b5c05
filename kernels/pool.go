package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D over NHWC tensors. As in
// TFLite, padding positions are skipped, not counted as zeros: the average
// and the L2 norm divide by the number of in-bounds elements of the window.

func init() {
	for _, t := range []ir.OpType{ir.AveragePool2D, ir.MaxPool2D, ir.L2Pool2D} {
		Register(t, func() Kernel { return &pool2D{} })
	}
}

type pool2D struct {
	win    window2D
	lo, hi float32
	eval   func(n *Node) error
	q      poolQuant  // integer state (pool_int.go)
	xnn    xnnAvgPool // float average pool in XNNPACK's order (pool_xnnpack.go)
}

func (k *pool2D) Prepare(n *Node) error {
	o, ok := n.Op.Options.(*ir.Pool2DOptions)
	if !ok || o == nil {
		return fmt.Errorf("%s: missing Pool2DOptions", n.Op.Name())
	}
	if len(n.In) < 1 || len(n.Out) != 1 || n.In[0] == nil || n.Out[0] == nil {
		return fmt.Errorf("%s: want 1 input and 1 output", n.Op.Name())
	}
	in, out := n.In[0], n.Out[0]
	var err error
	k.win, err = newWindow2D(n, in, out, o.FilterHeight, o.FilterWidth, o.StrideH, o.StrideW, 1, 1, o.Padding)
	if err != nil {
		return err
	}
	if out.Shape[3] != k.win.inC {
		return fmt.Errorf("%s: output channels %d differ from input channels %d", n.Op.Name(), out.Shape[3], k.win.inC)
	}
	if out.Type != in.Type {
		return fmt.Errorf("%s: output type %v differs from input type %v", n.Op.Name(), out.Type, in.Type)
	}
	if in.Type == ir.Float32 {
		if k.lo, k.hi, err = floatRange(n, o.Activation); err != nil {
			return err
		}
		switch n.Op.Type {
		case ir.AveragePool2D:
			k.eval = k.evalAvgF32
			if n.Ctx != nil && n.Ctx.Kernels == XNNPACKKernels {
				k.prepareAvgF32XNN()
			}
		case ir.MaxPool2D:
			k.eval = k.evalMaxF32
		default:
			k.eval = k.evalL2F32
		}
		return nil
	}
	return k.prepareInt(n, o)
}

func (k *pool2D) Eval(n *Node) error { return k.eval(n) }

// windowRange is the in-bounds part [y0,y1) x [x0,x1) of the window of
// output (oy, ox), in input coordinates.
func (w *window2D) windowRange(oy, ox int) (y0, y1, x0, x1 int) {
	iy, ix := oy*w.strideH-w.padTop, ox*w.strideW-w.padLeft
	return max(iy, 0), min(iy+w.kh, w.inH), max(ix, 0), min(ix+w.kw, w.inW)
}

// forEachWindow calls f with each output pixel's channel slice offsets: out
// is the offset of the output pixel, and the in-bounds window rows and
// columns. A window with no element in bounds is an error, as in TFLite.
func (k *pool2D) forEachWindow(n *Node, f func(b, y0, y1, x0, x1, out int)) error {
	w := k.win
	for b := 0; b < w.batch; b++ {
		for oy := 0; oy < w.outH; oy++ {
			for ox := 0; ox < w.outW; ox++ {
				y0, y1, x0, x1 := w.windowRange(oy, ox)
				if y0 >= y1 || x0 >= x1 {
					return fmt.Errorf("%s: output (%d,%d) has an empty window", n.Op.Name(), oy, ox)
				}
				f(b, y0, y1, x0, x1, ((b*w.outH+oy)*w.outW+ox)*w.inC)
			}
		}
	}
	return nil
}

func (k *pool2D) evalAvgF32(n *Node) error { return k.sumPoolF32(n, false) }

func (k *pool2D) evalL2F32(n *Node) error { return k.sumPoolF32(n, true) }

// sumPoolF32 is the average pool, or with square the L2 pool: the mean of
// the window's in-bounds elements (or of their squares, then its root).
func (k *pool2D) sumPoolF32(n *Node, square bool) error {
	in, out, w := n.In[0].Float32s(), n.Out[0].Float32s(), k.win
	return k.forEachWindow(n, func(b, y0, y1, x0, x1, o int) {
		acc := out[o : o+w.inC]
		clear(acc)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				src := in[((b*w.inH+y)*w.inW+x)*w.inC:][:w.inC]
				if square {
					for c, v := range src {
						acc[c] += float32(v * v)
					}
				} else {
					for c, v := range src {
						acc[c] += v
					}
				}
			}
		}
		count := float32((y1 - y0) * (x1 - x0))
		for c, v := range acc {
			v /= count
			if square {
				v = float32(math.Sqrt(float64(v)))
			}
			acc[c] = min(max(v, k.lo), k.hi)
		}
	})
}

func (k *pool2D) evalMaxF32(n *Node) error {
	in, out, w := n.In[0].Float32s(), n.Out[0].Float32s(), k.win
	return k.forEachWindow(n, func(b, y0, y1, x0, x1, o int) {
		acc := out[o : o+w.inC]
		for c := range acc {
			acc[c] = -math.MaxFloat32
		}
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				for c, v := range in[((b*w.inH+y)*w.inW+x)*w.inC:][:w.inC] {
					acc[c] = max(acc[c], v)
				}
			}
		}
		for c, v := range acc {
			acc[c] = min(max(v, k.lo), k.hi)
		}
	})
}
