package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// naiveDepthwise is the definition: output channel c*M+m is the window of
// input channel c weighted by filter channel c*M+m.
func naiveDepthwise(in []float32, ish []int, f []float32, kh, kw, mult int, bias []float32, sh, sw, dh, dw, padT, padL, oh, ow int, act ir.Activation) []float64 {
	n, h, w, c := ish[0], ish[1], ish[2], ish[3]
	oc := c * mult
	out := make([]float64, n*oh*ow*oc)
	for b := 0; b < n; b++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				for o := 0; o < oc; o++ {
					s := 0.0
					if bias != nil {
						s = float64(bias[o])
					}
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							iy, ix := y*sh-padT+ky*dh, x*sw-padL+kx*dw
							if iy >= 0 && iy < h && ix >= 0 && ix < w {
								s += float64(in[((b*h+iy)*w+ix)*c+o/mult]) * float64(f[(ky*kw+kx)*oc+o])
							}
						}
					}
					out[((b*oh+y)*ow+x)*oc+o] = clamp64(s, act)
				}
			}
		}
	}
	return out
}

func TestDepthwiseConv2DHandWorked(t *testing.T) {
	// Two channels, multiplier 1, 3x3 VALID filter over a 3x3 image: channel
	// 0 sums 1..9 (45) with weights 1, channel 1 weights only the centre (5*2).
	in := tensorF32([]int{1, 3, 3, 2}, []float32{1, 0, 2, 0, 3, 0, 4, 0, 5, 5, 6, 0, 7, 0, 8, 0, 9, 0})
	filter := tensorF32([]int{1, 3, 3, 2}, []float32{1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 1, 0, 1, 0, 1, 0, 1, 0})
	out := activation(ir.Float32, []int{1, 1, 1, 2})
	op := &ir.Op{Type: ir.DepthwiseConv2D, Options: &ir.DepthwiseConv2DOptions{Padding: ir.PaddingValid, StrideH: 1, StrideW: 1, DepthMultiplier: 1, DilationH: 1, DilationW: 1}}
	runKernel(t, op, []*ir.Tensor{in, filter}, []*ir.Tensor{out}, 1)
	checkClose(t, "depthwise", out.Float32s(), []float64{45, 10}, 0)
}

func TestDepthwiseConv2DMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	type tc struct {
		n, h, w, c, mult, kh, kw, sh, sw, dh, dw int
		pad                                      ir.Padding
		act                                      ir.Activation
		bias                                     bool
	}
	cases := []tc{
		{1, 7, 7, 8, 1, 3, 3, 1, 1, 1, 1, ir.PaddingSame, ir.ActRelu6, true},
		{2, 9, 8, 3, 2, 3, 3, 2, 2, 1, 1, ir.PaddingSame, ir.ActNone, false},
		{1, 10, 9, 4, 3, 3, 2, 1, 2, 2, 1, ir.PaddingValid, ir.ActRelu, true},
		{1, 32, 32, 16, 1, 5, 5, 2, 2, 1, 1, ir.PaddingSame, ir.ActNone, true},
		// Multiplier 1 runs on the lane kernels: channels that fill no whole
		// vector, dilation, unequal strides, windows wider than the image.
		{2, 11, 10, 37, 1, 3, 3, 2, 1, 2, 2, ir.PaddingSame, ir.ActReluN1To1, true},
		{1, 6, 13, 12, 1, 3, 5, 1, 3, 1, 2, ir.PaddingValid, ir.ActNone, false},
		{1, 2, 3, 40, 1, 5, 5, 1, 1, 1, 1, ir.PaddingSame, ir.ActRelu, true},
	}
	for i, c := range cases {
		for threads := 1; threads <= 2; threads++ {
			t.Run(fmt.Sprintf("%d/threads%d", i, threads), func(t *testing.T) {
				oh, pt := outputGeometry(c.pad, c.h, c.kh, c.sh, c.dh)
				ow, pl := outputGeometry(c.pad, c.w, c.kw, c.sw, c.dw)
				oc := c.c * c.mult
				in, f := randVec(r, c.n*c.h*c.w*c.c), randVec(r, c.kh*c.kw*oc)
				ins := []*ir.Tensor{tensorF32([]int{c.n, c.h, c.w, c.c}, in), tensorF32([]int{1, c.kh, c.kw, oc}, f)}
				var bias []float32
				if c.bias {
					bias = randVec(r, oc)
					ins = append(ins, tensorF32([]int{oc}, bias))
				}
				out := activation(ir.Float32, []int{c.n, oh, ow, oc})
				op := &ir.Op{Type: ir.DepthwiseConv2D, Options: &ir.DepthwiseConv2DOptions{Padding: c.pad, StrideH: c.sh, StrideW: c.sw,
					DepthMultiplier: c.mult, DilationH: c.dh, DilationW: c.dw, Activation: c.act}}
				runKernel(t, op, ins, []*ir.Tensor{out}, threads)
				want := naiveDepthwise(in, []int{c.n, c.h, c.w, c.c}, f, c.kh, c.kw, c.mult, bias, c.sh, c.sw, c.dh, c.dw, pt, pl, oh, ow, c.act)
				checkClose(t, "depthwise", out.Float32s(), want, 1e-5)
			})
		}
	}
}
