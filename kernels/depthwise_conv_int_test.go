package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestDepthwiseConv2DQuantizedMatchesTFLite(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	cases := []struct {
		in                    ir.DataType
		h, w, c, mult, kh, kw int
		s, d                  int
		pad                   ir.Padding
		act                   ir.Activation
	}{
		{ir.Int8, 7, 6, 4, 1, 3, 3, 1, 1, ir.PaddingSame, ir.ActRelu6},
		{ir.Int8, 9, 9, 3, 2, 3, 3, 2, 1, ir.PaddingSame, ir.ActNone},
		{ir.Uint8, 8, 7, 5, 1, 3, 3, 1, 1, ir.PaddingValid, ir.ActRelu},
		{ir.Int16, 6, 6, 4, 1, 3, 3, 1, 2, ir.PaddingSame, ir.ActNone},
		{ir.Float32, 6, 5, 3, 2, 3, 3, 1, 1, ir.PaddingSame, ir.ActNone},
	}
	var oracle []oracleCase
	for i, c := range cases {
		func(name string) {
			oc := c.c * c.mult
			oh := ir.ConvOutputSize(c.pad, c.h, c.kh, c.s, c.d)
			ow := ir.ConvOutputSize(c.pad, c.w, c.kw, c.s, c.d)
			fScales := make([]float32, oc)
			for j := range fScales {
				fScales[j] = 0.005 + 0.03*r.Float32()
			}
			fzp := make([]int64, oc)
			inScale := float32(0.05)
			fshape := []int{1, c.kh, c.kw, oc}
			var in, f, bias, out *ir.Tensor
			switch c.in {
			case ir.Int8:
				in = quantTensor(r, ir.Int8, []int{1, c.h, c.w, c.c}, []float32{inScale}, []int64{-6}, 0, -128, 127, true)
				f = quantTensor(r, ir.Int8, fshape, fScales, fzp, 3, -127, 127, false)
				bias = quantTensor(r, ir.Int32, []int{oc}, scaled(inScale, fScales), fzp, 0, -2000, 2000, false)
				out = quantAct(ir.Int8, []int{1, oh, ow, oc}, 0.2, 3)
			case ir.Uint8:
				in = quantTensor(r, ir.Uint8, []int{1, c.h, c.w, c.c}, []float32{inScale}, []int64{127}, 0, 0, 255, true)
				f = quantTensor(r, ir.Uint8, fshape, fScales[:1], []int64{131}, 3, 0, 255, false)
				bias = quantTensor(r, ir.Int32, []int{oc}, scaled(inScale, fScales[:1]), []int64{0}, 0, -2000, 2000, false)
				out = quantAct(ir.Uint8, []int{1, oh, ow, oc}, 0.3, 125)
			case ir.Int16:
				inScale = 0.001
				in = quantTensor(r, ir.Int16, []int{1, c.h, c.w, c.c}, []float32{inScale}, []int64{0}, 0, -32768, 32767, true)
				f = quantTensor(r, ir.Int8, fshape, fScales, fzp, 3, -127, 127, false)
				bias = quantTensor(r, ir.Int64, []int{oc}, scaled(inScale, fScales), fzp, 0, -1<<18, 1<<18, false)
				out = quantAct(ir.Int16, []int{1, oh, ow, oc}, 0.005, 0)
			case ir.Float32:
				in = actF32([]int{1, c.h, c.w, c.c}, randVec(r, c.h*c.w*c.c))
				f = quantTensor(r, ir.Int8, fshape, fScales, fzp, 3, -127, 127, false)
				bias = tensorF32([]int{oc}, randVec(r, oc))
				out = activation(ir.Float32, []int{1, oh, ow, oc})
			}
			op := &ir.Op{Type: ir.DepthwiseConv2D, Options: &ir.DepthwiseConv2DOptions{Padding: c.pad, StrideH: c.s, StrideW: c.s,
				DepthMultiplier: c.mult, DilationH: c.d, DilationW: c.d, Activation: c.act}}
			oracle = append(oracle, oracleCase{name, op, []*ir.Tensor{in, f, bias}, out})
		}(fmt.Sprintf("%d_%v", i, c.in))
	}
	matchOracle(t, 1e-5, oracle...)
}
