package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func int32Tensor(shape []int, v []int32) *ir.Tensor {
	return &ir.Tensor{Name: "shape", Type: ir.Int32, Shape: shape, HasRank: true, Data: ir.Int32Bytes(v)}
}

func TestTransposeConvHandWorked(t *testing.T) {
	// 2x2 input [1 2; 3 4], a 3x3 filter of ones, stride 2, VALID: a 5x5
	// output where each input pixel adds itself over the 3x3 block at
	// (2y, 2x); blocks overlap on row and column 2.
	in := tensorF32([]int{1, 2, 2, 1}, []float32{1, 2, 3, 4})
	w := tensorF32([]int{1, 3, 3, 1}, []float32{1, 1, 1, 1, 1, 1, 1, 1, 1})
	out := activation(ir.Float32, []int{1, 5, 5, 1})
	op := &ir.Op{Type: ir.TransposeConv, Options: &ir.TransposeConvOptions{Padding: ir.PaddingValid, StrideH: 2, StrideW: 2}}
	runKernel(t, op, []*ir.Tensor{int32Tensor([]int{4}, []int32{1, 5, 5, 1}), w, in}, []*ir.Tensor{out}, 1)
	want := []float64{
		1, 1, 3, 2, 2,
		1, 1, 3, 2, 2,
		4, 4, 10, 6, 6,
		3, 3, 7, 4, 4,
		3, 3, 7, 4, 4,
	}
	checkClose(t, "transpose conv", out.Float32s(), want, 0)
}

// naiveTransposeConv scatters each input element through the filter.
func naiveTransposeConv(in []float32, n, h, w, ic int, f []float32, oc, kh, kw int, bias []float32, sh, sw, pt, pl, oh, ow int, act ir.Activation) []float64 {
	out := make([]float64, n*oh*ow*oc)
	for b := 0; b < n; b++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for ky := 0; ky < kh; ky++ {
					for kx := 0; kx < kw; kx++ {
						oy, ox := y*sh-pt+ky, x*sw-pl+kx
						if oy < 0 || oy >= oh || ox < 0 || ox >= ow {
							continue
						}
						for o := 0; o < oc; o++ {
							for c := 0; c < ic; c++ {
								out[((b*oh+oy)*ow+ox)*oc+o] += float64(in[((b*h+y)*w+x)*ic+c]) * float64(f[((o*kh+ky)*kw+kx)*ic+c])
							}
						}
					}
				}
			}
		}
	}
	for i := range out {
		if bias != nil {
			out[i] += float64(bias[i%oc])
		}
		out[i] = clamp64(out[i], act)
	}
	return out
}

func TestTransposeConvMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	cases := []struct {
		n, h, w, ic, oc, kh, kw, sh, sw, oh, ow int
		pad                                     ir.Padding
		bias                                    bool
		act                                     ir.Activation
	}{
		// SAME: output = input*stride; VALID: (input-1)*stride + filter.
		{1, 4, 4, 3, 5, 3, 3, 2, 2, 8, 8, ir.PaddingSame, true, ir.ActNone},
		{2, 3, 5, 4, 2, 4, 4, 2, 2, 6, 10, ir.PaddingSame, false, ir.ActRelu},
		{1, 3, 3, 2, 3, 3, 2, 1, 2, 5, 6, ir.PaddingValid, true, ir.ActNone},
		{1, 5, 4, 6, 4, 2, 3, 3, 1, 15, 4, ir.PaddingSame, true, ir.ActRelu6},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			// The padding TFLite uses: that of a convolution from the output size.
			pt, pl := 0, 0
			if c.pad == ir.PaddingSame {
				_, pt = samePad(c.oh, c.kh, c.sh, 1)
				_, pl = samePad(c.ow, c.kw, c.sw, 1)
			}
			in, f := randVec(r, c.n*c.h*c.w*c.ic), randVec(r, c.oc*c.kh*c.kw*c.ic)
			ins := []*ir.Tensor{int32Tensor([]int{4}, []int32{int32(c.n), int32(c.oh), int32(c.ow), int32(c.oc)}),
				tensorF32([]int{c.oc, c.kh, c.kw, c.ic}, f), tensorF32([]int{c.n, c.h, c.w, c.ic}, in)}
			var bias []float32
			if c.bias {
				bias = randVec(r, c.oc)
				ins = append(ins, tensorF32([]int{c.oc}, bias))
			}
			out := activation(ir.Float32, []int{c.n, c.oh, c.ow, c.oc})
			op := &ir.Op{Type: ir.TransposeConv, Options: &ir.TransposeConvOptions{Padding: c.pad, StrideH: c.sh, StrideW: c.sw, Activation: c.act}}
			runKernel(t, op, ins, []*ir.Tensor{out}, 2)
			want := naiveTransposeConv(in, c.n, c.h, c.w, c.ic, f, c.oc, c.kh, c.kw, bias, c.sh, c.sw, pt, pl, c.oh, c.ow, c.act)
			checkClose(t, "transpose conv", out.Float32s(), want, 1e-5)
		})
	}
}
