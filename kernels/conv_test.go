package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestConv2DHandWorked(t *testing.T) {
	// 3x3 image 1..9, a 2x2 filter of ones, SAME, stride 1: TFLite pads the
	// one missing row and column at the bottom and right, so each output sums
	// the in-bounds part of the 2x2 block starting at its own pixel.
	in := tensorF32([]int{1, 3, 3, 1}, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9})
	filter := tensorF32([]int{1, 2, 2, 1}, []float32{1, 1, 1, 1})
	bias := tensorF32([]int{1}, []float32{-10})
	out := activation(ir.Float32, []int{1, 3, 3, 1})
	op := &ir.Op{Type: ir.Conv2D, Options: &ir.Conv2DOptions{Padding: ir.PaddingSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Activation: ir.ActRelu6}}
	runKernel(t, op, []*ir.Tensor{in, filter, bias}, []*ir.Tensor{out}, 1)
	// sums 12 16 9 / 24 28 15 / 15 17 9, minus 10, clamped to [0, 6]
	want := []float64{2, 6, 0, 6, 6, 5, 5, 6, 0}
	checkClose(t, "conv", out.Float32s(), want, 0)
}

// naiveConv2D is the seven-loop definition of CONV_2D over NHWC.
func naiveConv2D(in []float32, ish []int, f []float32, fsh []int, bias []float32, sh, sw, dh, dw, padT, padL, oh, ow int, act ir.Activation) []float64 {
	n, h, w, c := ish[0], ish[1], ish[2], ish[3]
	oc, kh, kw, fc := fsh[0], fsh[1], fsh[2], fsh[3]
	groups := c / fc
	out := make([]float64, n*oh*ow*oc)
	for b := 0; b < n; b++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				for o := 0; o < oc; o++ {
					g := o / (oc / groups)
					s := 0.0
					if bias != nil {
						s = float64(bias[o])
					}
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							iy, ix := y*sh-padT+ky*dh, x*sw-padL+kx*dw
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue
							}
							for ci := 0; ci < fc; ci++ {
								s += float64(in[((b*h+iy)*w+ix)*c+g*fc+ci]) * float64(f[((o*kh+ky)*kw+kx)*fc+ci])
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

func TestConv2DMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	type tc struct {
		n, h, w, c, oc, kh, kw, groups, sh, sw, dh, dw int
		pad                                            ir.Padding
		act                                            ir.Activation
		bias                                           bool
	}
	cases := []tc{
		{1, 5, 5, 3, 4, 3, 3, 1, 1, 1, 1, 1, ir.PaddingSame, ir.ActNone, true},
		{2, 6, 7, 4, 5, 1, 1, 1, 1, 1, 1, 1, ir.PaddingValid, ir.ActRelu, true}, // pointwise
		{1, 8, 8, 4, 6, 1, 1, 1, 2, 2, 1, 1, ir.PaddingSame, ir.ActNone, false}, // strided 1x1
		{1, 9, 8, 6, 6, 3, 2, 3, 2, 1, 1, 2, ir.PaddingSame, ir.ActRelu6, true}, // groups, dilation
		{1, 10, 10, 8, 16, 4, 4, 1, 2, 2, 1, 1, ir.PaddingSame, ir.ActReluN1To1, true},
		{1, 12, 11, 5, 7, 3, 3, 1, 1, 1, 2, 3, ir.PaddingValid, ir.ActNone, true},
		{1, 16, 16, 32, 40, 3, 3, 1, 1, 1, 1, 1, ir.PaddingSame, ir.ActNone, true}, // several blocks
	}
	for i, c := range cases {
		for threads := 1; threads <= 2; threads++ {
			t.Run(fmt.Sprintf("%d/threads%d", i, threads), func(t *testing.T) {
				oh, pt := outputGeometry(c.pad, c.h, c.kh, c.sh, c.dh)
				ow, pl := outputGeometry(c.pad, c.w, c.kw, c.sw, c.dw)
				ish, fsh := []int{c.n, c.h, c.w, c.c}, []int{c.oc, c.kh, c.kw, c.c / c.groups}
				in, f := randVec(r, c.n*c.h*c.w*c.c), randVec(r, c.oc*c.kh*c.kw*c.c/c.groups)
				var bias []float32
				ins := []*ir.Tensor{tensorF32(ish, in), tensorF32(fsh, f)}
				if c.bias {
					bias = randVec(r, c.oc)
					ins = append(ins, tensorF32([]int{c.oc}, bias))
				}
				out := activation(ir.Float32, []int{c.n, oh, ow, c.oc})
				op := &ir.Op{Type: ir.Conv2D, Options: &ir.Conv2DOptions{Padding: c.pad, StrideH: c.sh, StrideW: c.sw, DilationH: c.dh, DilationW: c.dw, Activation: c.act}}
				runKernel(t, op, ins, []*ir.Tensor{out}, threads)
				want := naiveConv2D(in, ish, f, fsh, bias, c.sh, c.sw, c.dh, c.dw, pt, pl, oh, ow, c.act)
				checkClose(t, "conv", out.Float32s(), want, 1e-5)
			})
		}
	}
}

func TestConv2DFilterNotConstant(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	in, f := randVec(r, 1*4*4*2), randVec(r, 3*3*3*2)
	filter := activation(ir.Float32, []int{3, 3, 3, 2})
	copy(filter.Float32s(), f)
	out := activation(ir.Float32, []int{1, 4, 4, 3})
	op := &ir.Op{Type: ir.Conv2D, Options: &ir.Conv2DOptions{Padding: ir.PaddingSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}}
	runKernel(t, op, []*ir.Tensor{tensorF32([]int{1, 4, 4, 2}, in), filter}, []*ir.Tensor{out}, 1)
	want := naiveConv2D(in, []int{1, 4, 4, 2}, f, []int{3, 3, 3, 2}, nil, 1, 1, 1, 1, 1, 1, 4, 4, ir.ActNone)
	checkClose(t, "conv", out.Float32s(), want, 1e-5)
}

func TestConv2DRejectsBadShapes(t *testing.T) {
	op := &ir.Op{Type: ir.Conv2D, Options: &ir.Conv2DOptions{Padding: ir.PaddingValid, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}}
	in := tensorF32([]int{1, 4, 4, 3}, make([]float32, 48))
	cases := map[string][]*ir.Tensor{
		"wrong output size":         {in, tensorF32([]int{2, 3, 3, 3}, make([]float32, 54)), activation(ir.Float32, []int{1, 4, 4, 2})},
		"channels not a multiple":   {in, tensorF32([]int{2, 3, 3, 2}, make([]float32, 36)), activation(ir.Float32, []int{1, 2, 2, 2})},
		"bias of the wrong length":  {in, tensorF32([]int{2, 3, 3, 3}, make([]float32, 54)), tensorF32([]int{3}, make([]float32, 3)), activation(ir.Float32, []int{1, 2, 2, 2})},
		"filter of the wrong rank":  {in, tensorF32([]int{2, 9, 3}, make([]float32, 54)), activation(ir.Float32, []int{1, 2, 2, 2})},
		"filter shorter than shape": {in, &ir.Tensor{Name: "f", Type: ir.Float32, Shape: []int{2, 3, 3, 3}, Data: make([]byte, 8)}, activation(ir.Float32, []int{1, 2, 2, 2})},
	}
	for name, ts := range cases {
		ins, out := ts[:len(ts)-1], ts[len(ts)-1]
		if err := tryKernel(op, ins, []*ir.Tensor{out}, 1); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := tryKernel(&ir.Op{Type: ir.Conv2D}, []*ir.Tensor{in, in}, []*ir.Tensor{in}, 1); err == nil {
		t.Error("missing options accepted")
	}
}
