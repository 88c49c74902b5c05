package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// quantTensor builds a quantized tensor (per-axis along axis when scales has
// more than one entry) holding random values in [lo, hi]; it is an
// activation when act is set.
func quantTensor(r *rand.Rand, typ ir.DataType, shape []int, scales []float32, zps []int64, axis int, lo, hi int, act bool) *ir.Tensor {
	t := &ir.Tensor{Name: "t", Type: typ, Shape: shape, HasRank: true,
		Quant: &ir.Quantization{Scale: scales, ZeroPoint: zps, Axis: axis}}
	if act {
		t.Name = "act"
	}
	size, _ := t.ByteSize()
	t.Data = make([]byte, size)
	n := ir.NumElements(shape)
	for i := 0; i < n; i++ {
		v := lo + r.IntN(hi-lo+1)
		switch typ {
		case ir.Int8, ir.Uint8:
			t.Data[i] = byte(v)
		case ir.Int16:
			t.Int16s()[i] = int16(v)
		case ir.Int32:
			t.Int32s()[i] = int32(v)
		case ir.Int64:
			t.Int64s()[i] = int64(v)
		}
	}
	return t
}

func quantAct(typ ir.DataType, shape []int, scale float32, zp int64) *ir.Tensor {
	t := activation(typ, shape)
	t.Quant = &ir.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
	return t
}

// convCase describes a quantized CONV_2D for the oracle tests.
type convCase struct {
	in, filter, out  ir.DataType
	n, h, w, c, oc   int
	kh, kw, sh, sw   int
	dh, dw           int
	pad              ir.Padding
	act              ir.Activation
	perChannel, bias bool
}

func (cc convCase) build(r *rand.Rand) (*ir.Op, []*ir.Tensor, *ir.Tensor) {
	oh := ir.ConvOutputSize(cc.pad, cc.h, cc.kh, cc.sh, cc.dh)
	ow := ir.ConvOutputSize(cc.pad, cc.w, cc.kw, cc.sw, cc.dw)
	fScales := []float32{0.02}
	if cc.perChannel {
		fScales = make([]float32, cc.oc)
		for i := range fScales {
			fScales[i] = 0.005 + 0.03*r.Float32()
		}
	}
	fzp := make([]int64, len(fScales))
	var in, filter, out *ir.Tensor
	inScale := float32(0.05)
	switch cc.in {
	case ir.Int8:
		in = quantTensor(r, ir.Int8, []int{cc.n, cc.h, cc.w, cc.c}, []float32{inScale}, []int64{-3}, 0, -128, 127, true)
		filter = quantTensor(r, ir.Int8, []int{cc.oc, cc.kh, cc.kw, cc.c}, fScales, fzp, 0, -127, 127, false)
		out = quantAct(ir.Int8, []int{cc.n, oh, ow, cc.oc}, 0.4, 5)
	case ir.Uint8:
		in = quantTensor(r, ir.Uint8, []int{cc.n, cc.h, cc.w, cc.c}, []float32{inScale}, []int64{130}, 0, 0, 255, true)
		filter = quantTensor(r, ir.Uint8, []int{cc.oc, cc.kh, cc.kw, cc.c}, fScales[:1], []int64{120}, 0, 0, 255, false)
		out = quantAct(ir.Uint8, []int{cc.n, oh, ow, cc.oc}, 0.5, 128)
	case ir.Int16:
		inScale = 0.001
		in = quantTensor(r, ir.Int16, []int{cc.n, cc.h, cc.w, cc.c}, []float32{inScale}, []int64{0}, 0, -32768, 32767, true)
		filter = quantTensor(r, ir.Int8, []int{cc.oc, cc.kh, cc.kw, cc.c}, fScales, fzp, 0, -127, 127, false)
		out = quantAct(ir.Int16, []int{cc.n, oh, ow, cc.oc}, 0.01, 0)
	case ir.Float32:
		in = actF32([]int{cc.n, cc.h, cc.w, cc.c}, randVec(r, cc.n*cc.h*cc.w*cc.c))
		filter = quantTensor(r, ir.Int8, []int{cc.oc, cc.kh, cc.kw, cc.c}, fScales, fzp, 0, -127, 127, false)
		out = activation(ir.Float32, []int{cc.n, oh, ow, cc.oc})
	}
	ins := []*ir.Tensor{in, filter}
	if cc.bias {
		var b *ir.Tensor
		switch cc.in {
		case ir.Float32:
			b = tensorF32([]int{cc.oc}, randVec(r, cc.oc))
		case ir.Int16:
			b = quantTensor(r, ir.Int64, []int{cc.oc}, scaled(inScale, fScales), make([]int64, len(fScales)), 0, -1<<20, 1<<20, false)
		default:
			b = quantTensor(r, ir.Int32, []int{cc.oc}, scaled(inScale, fScales), make([]int64, len(fScales)), 0, -5000, 5000, false)
		}
		ins = append(ins, b)
	}
	op := &ir.Op{Type: ir.Conv2D, Options: &ir.Conv2DOptions{Padding: cc.pad, StrideH: cc.sh, StrideW: cc.sw,
		DilationH: cc.dh, DilationW: cc.dw, Activation: cc.act}}
	return op, ins, out
}

// scaled is the bias scales input_scale*filter_scale.
func scaled(in float32, f []float32) []float32 {
	out := make([]float32, len(f))
	for i, s := range f {
		out[i] = in * s
	}
	return out
}

func TestConv2DQuantizedMatchesTFLite(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	cases := []convCase{
		{ir.Int8, ir.Int8, ir.Int8, 1, 7, 6, 5, 6, 3, 3, 1, 1, 1, 1, ir.PaddingSame, ir.ActRelu, true, true},
		{ir.Int8, ir.Int8, ir.Int8, 2, 9, 8, 3, 4, 3, 2, 2, 2, 1, 1, ir.PaddingValid, ir.ActNone, false, true},
		{ir.Int8, ir.Int8, ir.Int8, 1, 5, 5, 8, 16, 1, 1, 1, 1, 1, 1, ir.PaddingSame, ir.ActRelu6, true, true},
		{ir.Uint8, ir.Uint8, ir.Uint8, 1, 8, 7, 3, 5, 3, 3, 2, 1, 1, 1, ir.PaddingSame, ir.ActRelu, false, true},
		{ir.Int16, ir.Int8, ir.Int16, 1, 6, 6, 4, 5, 3, 3, 1, 1, 1, 1, ir.PaddingSame, ir.ActNone, true, true},
		{ir.Float32, ir.Int8, ir.Float32, 1, 6, 6, 4, 5, 3, 3, 1, 1, 1, 1, ir.PaddingSame, ir.ActNone, true, true},
		{ir.Float32, ir.Int8, ir.Float32, 2, 5, 6, 3, 4, 2, 2, 1, 1, 1, 1, ir.PaddingValid, ir.ActRelu, false, true},
		{ir.Float32, ir.Int8, ir.Float32, 1, 9, 9, 8, 6, 3, 3, 2, 2, 1, 1, ir.PaddingSame, ir.ActRelu6, true, true},
		{ir.Float32, ir.Int8, ir.Float32, 1, 6, 6, 16, 24, 1, 1, 1, 1, 1, 1, ir.PaddingSame, ir.ActNone, true, true},
	}
	var oracle []oracleCase
	for i, cc := range cases {
		func(name string) {
			op, ins, out := cc.build(r)
			oracle = append(oracle, oracleCase{name, op, ins, out})
		}(fmt.Sprintf("%d_%v_%v", i, cc.in, cc.filter))
	}
	matchOracle(t, 1e-5, oracle...)
}
