package kernels

import (
	"fmt"
	"sync"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// DEPTHWISE_CONV_2D: input [N,H,W,C], filter [1,KH,KW,C*M], optional bias
// [C*M], output [N,OH,OW,C*M]; output channel c*M+m reads input channel c
// only. Each output channel is a short dot product over the window, so the
// kernel runs directly over the image (no matrix multiply), splitting output
// rows among threads.

func init() {
	Register(ir.DepthwiseConv2D, func() Kernel { return &depthwiseConv2D{} })
}

type depthwiseConv2D struct {
	win  window2D
	mult int // depth multiplier
	outC int
	rows func(k *depthwiseConv2D, part, r0, r1 int)
	ctx  *Context
	done sync.WaitGroup
	eval func(n *Node) error

	// float32
	filterF32 []float32 // [KH*KW][outC]
	biasF32   []float32 // outC, zero when the op has no bias
	lo, hi    float32
	inF32     []float32
	outF32    []float32
	xnnOdd    [][]float32  // per part: the odd taps' sums, in XNNPACK's order (conv_xnnpack.go)
	errs      depthwiseErr // what the lane kernels' workers met (depthwise_fast.go)

	q dwQuant // integer and hybrid state (depthwise_conv_int.go)
}

func (k *depthwiseConv2D) Prepare(n *Node) error {
	o, ok := n.Op.Options.(*ir.DepthwiseConv2DOptions)
	if !ok || o == nil {
		return fmt.Errorf("%s: missing DepthwiseConv2DOptions", n.Op.Name())
	}
	if len(n.In) < 2 || len(n.Out) != 1 || n.In[0] == nil || n.In[1] == nil || n.Out[0] == nil {
		return fmt.Errorf("%s: want input, filter, optional bias and 1 output", n.Op.Name())
	}
	k.ctx = n.Ctx
	in, filter, out := n.In[0], n.In[1], n.Out[0]
	if len(filter.Shape) != 4 || filter.Shape[0] != 1 {
		return fmt.Errorf("%s: filter %q must be [1,KH,KW,C*M], got %v", n.Op.Name(), filter.Name, filter.Shape)
	}
	var err error
	k.win, err = newWindow2D(n, in, out, filter.Shape[1], filter.Shape[2], o.StrideH, o.StrideW,
		orOne(o.DilationH), orOne(o.DilationW), o.Padding)
	if err != nil {
		return err
	}
	k.outC = filter.Shape[3]
	// Like TFLite, the multiplier comes from the shapes, not the option.
	if k.win.inC <= 0 || k.outC%k.win.inC != 0 || out.Shape[3] != k.outC {
		return fmt.Errorf("%s: filter channels %d are not a multiple of input channels %d (output %v)",
			n.Op.Name(), k.outC, k.win.inC, out.Shape)
	}
	k.mult = k.outC / k.win.inC
	if !filter.IsConst() {
		return unsupported(n, "a filter that is not constant")
	}
	if err := checkData(n, "filter", filter); err != nil {
		return err
	}
	switch {
	case in.Type == ir.Float32 && filter.Type == ir.Float32:
		return k.prepareF32(n, o)
	case in.Type == ir.Float32 && filter.Type == ir.Int8:
		return k.prepareHybrid(n, o)
	case in.Type == ir.Int8 || in.Type == ir.Uint8 || in.Type == ir.Int16:
		return k.prepareInt(n, o)
	}
	return unsupported(n, fmt.Sprintf("input %v with filter %v", in.Type, filter.Type))
}

func (k *depthwiseConv2D) Eval(n *Node) error { return k.eval(n) }

// RunPart computes one thread's share of the output rows.
func (k *depthwiseConv2D) RunPart(part, parts int) {
	r0, r1 := gemm.Split(k.win.batch*k.win.outH, 1, part, parts)
	k.rows(k, part, r0, r1)
}

// run splits the output rows over the context's threads when the work pays
// for it.
func (k *depthwiseConv2D) run(n *Node) {
	w := k.win
	parts := threadsOf(n.Ctx)
	if w.batch*w.outH*w.outW*k.outC*w.kh*w.kw < 1<<15 {
		parts = 1
	}
	parts = min(parts, w.batch*w.outH)
	gemm.Parallel(k, parts, &k.done)
}

func (k *depthwiseConv2D) prepareF32(n *Node, o *ir.DepthwiseConv2DOptions) error {
	if err := requireType(n, "output", n.Out[0], ir.Float32); err != nil {
		return err
	}
	var err error
	if k.lo, k.hi, err = floatRange(n, o.Activation); err != nil {
		return err
	}
	bias, err := floatBias(n, optionalInput(n, 2), k.outC)
	if err != nil {
		return err
	}
	if b := optionalInput(n, 2); b != nil && !b.IsConst() {
		return unsupported(n, "a bias that is not constant")
	}
	if bias == nil {
		bias = make([]float32, k.outC)
	}
	k.biasF32 = bias
	k.filterF32 = append([]float32(nil), n.In[1].Float32s()[:k.win.kh*k.win.kw*k.outC]...)
	k.rows = (*depthwiseConv2D).rowsF32
	if n.Ctx != nil && n.Ctx.Kernels == XNNPACKKernels {
		k.useXNNPACKOrder(n)
	}
	k.eval = func(n *Node) error {
		k.inF32, k.outF32 = n.In[0].Float32s(), n.Out[0].Float32s()
		k.run(n)
		k.inF32, k.outF32 = nil, nil
		return k.errs.take()
	}
	return nil
}

// rowsF32 computes output rows [r0, r1) (row = batch*outH + oy).
func (k *depthwiseConv2D) rowsF32(_, r0, r1 int) {
	w, outC, mult := k.win, k.outC, k.mult
	if mult == 1 {
		k.rowsF32Lanes(r0, r1)
		return
	}
	for r := r0; r < r1; r++ {
		b, oy := r/w.outH, r%w.outH
		for ox := 0; ox < w.outW; ox++ {
			acc := k.outF32[((b*w.outH+oy)*w.outW+ox)*outC:][:outC]
			copy(acc, k.biasF32)
			for ky := 0; ky < w.kh; ky++ {
				iy := oy*w.strideH - w.padTop + ky*w.dilH
				if iy < 0 || iy >= w.inH {
					continue
				}
				for kx := 0; kx < w.kw; kx++ {
					ix := ox*w.strideW - w.padLeft + kx*w.dilW
					if ix < 0 || ix >= w.inW {
						continue
					}
					in := k.inF32[((b*w.inH+iy)*w.inW+ix)*w.inC:][:w.inC]
					f := k.filterF32[(ky*w.kw+kx)*outC:][:outC]
					if mult == 1 {
						for c, v := range in {
							acc[c] += float32(v * f[c])
						}
						continue
					}
					for c, v := range in {
						fc := f[c*mult : c*mult+mult]
						ac := acc[c*mult : c*mult+mult]
						for m, fv := range fc {
							ac[m] += float32(v * fv)
						}
					}
				}
			}
			for c, v := range acc {
				acc[c] = min(max(v, k.lo), k.hi)
			}
		}
	}
}
