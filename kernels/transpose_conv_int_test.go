package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestTransposeConvQuantizedMatchesTFLite(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	var oracle []oracleCase
	for i, typ := range []ir.DataType{ir.Int8, ir.Uint8, ir.Int16} {
		func(name string) {
			const n, h, w, ic, oc, kh, kw, s = 1, 4, 3, 3, 5, 3, 3, 2
			oh, ow := h*s, w*s // SAME
			wScales := make([]float32, oc)
			for j := range wScales {
				wScales[j] = 0.005 + 0.03*r.Float32()
			}
			zeros := make([]int64, oc)
			var in, wt, bias, out *ir.Tensor
			inScale := float32(0.05)
			switch typ {
			case ir.Int8:
				in = quantTensor(r, ir.Int8, []int{n, h, w, ic}, []float32{inScale}, []int64{-4}, 0, -128, 127, true)
				wt = quantTensor(r, ir.Int8, []int{oc, kh, kw, ic}, wScales, zeros, 0, -127, 127, false)
				bias = quantTensor(r, ir.Int32, []int{oc}, scaled(inScale, wScales), zeros, 0, -2000, 2000, false)
				out = quantAct(ir.Int8, []int{n, oh, ow, oc}, 0.15, 2)
			case ir.Uint8:
				in = quantTensor(r, ir.Uint8, []int{n, h, w, ic}, []float32{inScale}, []int64{125}, 0, 0, 255, true)
				wt = quantTensor(r, ir.Uint8, []int{oc, kh, kw, ic}, wScales[:1], []int64{133}, 0, 0, 255, false)
				bias = quantTensor(r, ir.Int32, []int{oc}, scaled(inScale, wScales[:1]), []int64{0}, 0, -2000, 2000, false)
				out = quantAct(ir.Uint8, []int{n, oh, ow, oc}, 0.3, 128)
			case ir.Int16:
				inScale = 0.001
				in = quantTensor(r, ir.Int16, []int{n, h, w, ic}, []float32{inScale}, []int64{0}, 0, -32768, 32767, true)
				wt = quantTensor(r, ir.Int8, []int{oc, kh, kw, ic}, wScales, zeros, 0, -127, 127, false)
				bias = quantTensor(r, ir.Int64, []int{oc}, scaled(inScale, wScales), zeros, 0, -1<<18, 1<<18, false)
				out = quantAct(ir.Int16, []int{n, oh, ow, oc}, 0.004, 0)
			}
			shape := int32Tensor([]int{4}, []int32{n, int32(oh), int32(ow), oc})
			op := &ir.Op{Type: ir.TransposeConv, Options: &ir.TransposeConvOptions{Padding: ir.PaddingSame, StrideH: s, StrideW: s}}
			oracle = append(oracle, oracleCase{name, op, []*ir.Tensor{shape, wt, in, bias}, out})
		}(fmt.Sprintf("%d_%v", i, typ))
	}
	matchOracle(t, 0, oracle...)
}
