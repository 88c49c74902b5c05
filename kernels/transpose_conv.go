package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// TRANSPOSE_CONV: inputs output_shape (int32 [4]), weights [O,KH,KW,I],
// input [N,H,W,I] and optional bias [O]; output [N,OH,OW,O]. Each input
// pixel scatters filter-weighted copies of itself into the output: the
// kernel computes every pixel's contributions at once as one matrix product
// (input [N*H*W, I] times the weights rearranged to [I, KH*KW*O]) and then
// adds each contribution at its place (col2im), padding as TFLite computes it
// from the output size.

func init() {
	Register(ir.TransposeConv, func() Kernel { return &transposeConv{} })
}

type transposeConv struct {
	batch, inH, inW, inC int
	outH, outW, outC     int
	kh, kw               int
	strideH, strideW     int
	padTop, padLeft      int
	eng                  *gemm.Engine
	eval                 func(n *Node) error

	lhsF32  gemm.Matrix[float32]
	packF32 *gemm.PackedF32
	colF32  []float32 // [N*H*W][KH*KW*O] per-pixel contributions
	biasF32 []float32
	lo, hi  float32

	q tconvQuant // integer state (transpose_conv_int.go)
}

func (k *transposeConv) Prepare(n *Node) error {
	o, ok := n.Op.Options.(*ir.TransposeConvOptions)
	if !ok || o == nil {
		return fmt.Errorf("%s: missing TransposeConvOptions", n.Op.Name())
	}
	if len(n.In) < 3 || len(n.Out) != 1 || n.In[1] == nil || n.In[2] == nil || n.Out[0] == nil {
		return fmt.Errorf("%s: want output_shape, weights, input, optional bias and 1 output", n.Op.Name())
	}
	w, in, out := n.In[1], n.In[2], n.Out[0]
	if len(w.Shape) != 4 || len(in.Shape) != 4 || len(out.Shape) != 4 {
		return fmt.Errorf("%s: weights %v, input %v and output %v must be 4-D", n.Op.Name(), w.Shape, in.Shape, out.Shape)
	}
	k.batch, k.inH, k.inW, k.inC = in.Shape[0], in.Shape[1], in.Shape[2], in.Shape[3]
	k.outH, k.outW, k.outC = out.Shape[1], out.Shape[2], out.Shape[3]
	k.kh, k.kw = w.Shape[1], w.Shape[2]
	k.strideH, k.strideW = o.StrideH, o.StrideW
	if w.Shape[3] != k.inC || w.Shape[0] != k.outC || out.Shape[0] != k.batch {
		return fmt.Errorf("%s: weights %v do not match input %v and output %v", n.Op.Name(), w.Shape, in.Shape, out.Shape)
	}
	if k.strideH <= 0 || k.strideW <= 0 || k.kh <= 0 || k.kw <= 0 || k.outH <= 0 || k.outW <= 0 {
		return fmt.Errorf("%s: strides (%d,%d), filter (%d,%d) and output %v must be positive", n.Op.Name(), k.strideH, k.strideW, k.kh, k.kw, out.Shape)
	}
	if o.Padding != ir.PaddingSame && o.Padding != ir.PaddingValid {
		return fmt.Errorf("%s: unknown padding %v", n.Op.Name(), o.Padding)
	}
	// TFLite derives the padding as for a convolution whose input is this
	// op's output.
	k.padTop, _ = ir.ConvPadding(k.outH, k.kh, k.strideH, 1, ir.ConvOutputSize(o.Padding, k.outH, k.kh, k.strideH, 1))
	k.padLeft, _ = ir.ConvPadding(k.outW, k.kw, k.strideW, 1, ir.ConvOutputSize(o.Padding, k.outW, k.kw, k.strideW, 1))
	if !w.IsConst() {
		return unsupported(n, "weights that are not constant")
	}
	if err := checkData(n, "weights", w); err != nil {
		return err
	}
	k.eng = engineFor(k.eng, n.Ctx)
	switch {
	case in.Type == ir.Float32 && w.Type == ir.Float32:
		return k.prepareF32(n, o)
	case in.Type == ir.Int8 || in.Type == ir.Uint8 || in.Type == ir.Int16:
		return k.prepareInt(n, o)
	}
	return unsupported(n, fmt.Sprintf("input %v with weights %v", in.Type, w.Type))
}

func (k *transposeConv) Eval(n *Node) error { return k.eval(n) }

// taps is the number of filter positions times output channels: the width
// of the per-pixel contribution matrix.
func (k *transposeConv) taps() int { return k.kh * k.kw * k.outC }

// rearrangeWeights turns [O,KH,KW,I] weights into the right operand
// [I][KH*KW*O], as an [KH*KW*O][I] array (column j = (ky*KW+kx)*O+o).
func rearrangeWeights[T gemm.Elem](k *transposeConv, w []T) gemm.Matrix[T] {
	cols := k.taps()
	t := make([]T, cols*k.inC)
	for o := 0; o < k.outC; o++ {
		for tap := 0; tap < k.kh*k.kw; tap++ {
			copy(t[(tap*k.outC+o)*k.inC:][:k.inC], w[(o*k.kh*k.kw+tap)*k.inC:][:k.inC])
		}
	}
	return gemm.Matrix[T]{Data: t, Rows: k.inC, Cols: cols, RowStride: 1, ColStride: k.inC}
}

// scatter calls add(pixel, tap, out) for each input pixel's filter tap that
// lands inside the output: pixel indexes the contribution rows, tap the
// filter position, out the output pixel.
func (k *transposeConv) scatter(add func(pixel, tap, out int)) {
	for b := 0; b < k.batch; b++ {
		for iy := 0; iy < k.inH; iy++ {
			for ix := 0; ix < k.inW; ix++ {
				pixel := (b*k.inH+iy)*k.inW + ix
				for ky := 0; ky < k.kh; ky++ {
					oy := iy*k.strideH - k.padTop + ky
					if oy < 0 || oy >= k.outH {
						continue
					}
					for kx := 0; kx < k.kw; kx++ {
						ox := ix*k.strideW - k.padLeft + kx
						if ox < 0 || ox >= k.outW {
							continue
						}
						add(pixel, ky*k.kw+kx, (b*k.outH+oy)*k.outW+ox)
					}
				}
			}
		}
	}
}

func (k *transposeConv) prepareF32(n *Node, o *ir.TransposeConvOptions) error {
	if err := requireType(n, "output", n.Out[0], ir.Float32); err != nil {
		return err
	}
	var err error
	if k.biasF32, err = floatBias(n, optionalInput(n, 3), k.outC); err != nil {
		return err
	}
	if b := optionalInput(n, 3); b != nil && !b.IsConst() {
		return unsupported(n, "a bias that is not constant")
	}
	if k.lo, k.hi, err = floatRange(n, o.Activation); err != nil {
		return err
	}
	if k.packF32, err = gemm.PackF32(nil, rearrangeWeights(k, n.In[1].Float32s())); err != nil {
		return fmt.Errorf("%s: %w", n.Op.Name(), err)
	}
	pixels := k.batch * k.inH * k.inW
	k.colF32 = make([]float32, pixels*k.taps())
	k.lhsF32 = gemm.Matrix[float32]{Rows: pixels, Cols: k.inC, RowStride: k.inC, ColStride: 1}
	k.eng.Reserve(pixels, k.inC)
	k.eval = k.evalF32
	return nil
}

func (k *transposeConv) evalF32(n *Node) error {
	k.lhsF32.Data = n.In[2].Float32s()
	err := k.eng.MulF32(&k.lhsF32, k.packF32, k.colF32, k.taps(), unbounded)
	k.lhsF32.Data = nil
	if err != nil {
		return fmt.Errorf("%s: %w", n.Op.Name(), err)
	}
	out, col, taps, oc := n.Out[0].Float32s(), k.colF32, k.taps(), k.outC
	clear(out)
	k.scatter(func(pixel, tap, o int) {
		dst := out[o*oc : o*oc+oc]
		for c, v := range col[pixel*taps+tap*oc:][:oc] {
			dst[c] += v
		}
	})
	for p := 0; p < len(out); p += oc {
		dst := out[p : p+oc]
		if k.biasF32 != nil {
			for c, b := range k.biasF32 {
				dst[c] += b
			}
		}
		for c, v := range dst {
			dst[c] = min(max(v, k.lo), k.hi)
		}
	}
	return nil
}
