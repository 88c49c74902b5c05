package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// Helpers shared by the convolution, fully-connected, batch-matmul and pool
// kernels.

// window2D is the geometry of a 2-D sliding window over NHWC tensors.
type window2D struct {
	batch, inH, inW, inC int
	outH, outW           int
	kh, kw               int
	strideH, strideW     int
	dilH, dilW           int
	padTop, padLeft      int
}

// newWindow2D checks a window's parameters against an [N,H,W,C] input and an
// output whose spatial size the runtime computed, and derives the padding the
// way TFLite does.
func newWindow2D(n *Node, in, out *ir.Tensor, kh, kw, strideH, strideW, dilH, dilW int, p ir.Padding) (window2D, error) {
	var w window2D
	if len(in.Shape) != 4 || len(out.Shape) != 4 {
		return w, fmt.Errorf("%s: input and output must be 4-D (NHWC), got %v and %v", n.Op.Name(), in.Shape, out.Shape)
	}
	if strideH <= 0 || strideW <= 0 || dilH <= 0 || dilW <= 0 || kh <= 0 || kw <= 0 {
		return w, fmt.Errorf("%s: strides (%d,%d), dilations (%d,%d) and window (%d,%d) must be positive",
			n.Op.Name(), strideH, strideW, dilH, dilW, kh, kw)
	}
	if p != ir.PaddingSame && p != ir.PaddingValid {
		return w, fmt.Errorf("%s: unknown padding %v", n.Op.Name(), p)
	}
	w = window2D{batch: in.Shape[0], inH: in.Shape[1], inW: in.Shape[2], inC: in.Shape[3],
		outH: out.Shape[1], outW: out.Shape[2], kh: kh, kw: kw,
		strideH: strideH, strideW: strideW, dilH: dilH, dilW: dilW}
	wantH := ir.ConvOutputSize(p, w.inH, kh, strideH, dilH)
	wantW := ir.ConvOutputSize(p, w.inW, kw, strideW, dilW)
	if out.Shape[0] != w.batch || w.outH != wantH || w.outW != wantW || wantH <= 0 || wantW <= 0 {
		return w, fmt.Errorf("%s: output shape %v does not match input %v with a %dx%d window, strides (%d,%d), dilations (%d,%d), %v padding (want %dx%d)",
			n.Op.Name(), out.Shape, in.Shape, kh, kw, strideH, strideW, dilH, dilW, p, wantH, wantW)
	}
	w.padTop, _ = ir.ConvPadding(w.inH, kh, strideH, dilH, w.outH)
	w.padLeft, _ = ir.ConvPadding(w.inW, kw, strideW, dilW, w.outW)
	return w, nil
}

// requireType returns an error unless t has type want.
func requireType(n *Node, what string, t *ir.Tensor, want ir.DataType) error {
	if t == nil {
		return fmt.Errorf("%s: %s is missing", n.Op.Name(), what)
	}
	if t.Type != want {
		return fmt.Errorf("%s: %s %q is %v, want %v", n.Op.Name(), what, t.Name, t.Type, want)
	}
	return nil
}

// checkData returns an error unless t holds at least the bytes its shape
// needs (the runtime sets activation data before Eval; a constant's comes
// from the file).
func checkData(n *Node, what string, t *ir.Tensor) error {
	size, err := t.ByteSize()
	if err != nil {
		return fmt.Errorf("%s: %s: %w", n.Op.Name(), what, err)
	}
	if len(t.Data) < size {
		return fmt.Errorf("%s: %s %q holds %d bytes, its shape %v needs %d", n.Op.Name(), what, t.Name, len(t.Data), t.Shape, size)
	}
	return nil
}

// optionalInput returns input i when the op has it and it is present.
func optionalInput(n *Node, i int) *ir.Tensor { return n.Input(i) }

// floatBias returns a constant float32 bias of length want, copied once so
// that Eval reads aligned memory, or nil when the op has none. A bias that is
// not constant is read at Eval (see biasF32).
func floatBias(n *Node, bias *ir.Tensor, want int) ([]float32, error) {
	if bias == nil {
		return nil, nil
	}
	if err := requireType(n, "bias", bias, ir.Float32); err != nil {
		return nil, err
	}
	if ir.NumElements(bias.Shape) != want {
		return nil, fmt.Errorf("%s: bias %q has shape %v, want %d elements", n.Op.Name(), bias.Name, bias.Shape, want)
	}
	if !bias.IsConst() {
		return nil, nil
	}
	if err := checkData(n, "bias", bias); err != nil {
		return nil, err
	}
	return append([]float32(nil), bias.Float32s()[:want]...), nil
}

// floatRange is the fused activation's clamp of a float op.
func floatRange(n *Node, a ir.Activation) (lo, hi float32, err error) {
	lo, hi, err = activationRange(a)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", n.Op.Name(), err)
	}
	return lo, hi, nil
}

var unbounded = gemm.Epilogue{Min: float32(math.Inf(-1)), Max: float32(math.Inf(1))}

// engineFor returns e when it already suits the context, or a new engine.
func engineFor(e *gemm.Engine, ctx *Context) *gemm.Engine {
	threads := 1
	if ctx != nil && ctx.Threads > 1 {
		threads = ctx.Threads
	}
	if e != nil && e.Threads() == threads {
		return e
	}
	return gemm.NewEngine(threads)
}

// threadsOf is the number of goroutines the context allows.
func threadsOf(ctx *Context) int {
	if ctx != nil && ctx.Threads > 1 {
		return ctx.Threads
	}
	return 1
}
