package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// Finite-difference checks of every op's backward pass. The objective is a
// fixed random linear functional of the output, L = Σ r·y, summed in
// float64; its gradient from backward is compared with central differences
// (x±h) for sampled elements of the input and of every parameter. Where a
// perturbation crosses a kink (ReLU at 0, a max pool's argmax switching),
// the difference quotient depends on h; such elements, recognized by
// differences at h and h/2 that disagree, are skipped, and the test fails if
// more than a quarter of the elements of a tensor are.

const (
	fdStep   = 2e-3
	fdAbsTol = 2e-3
	fdRelTol = 2e-2
	fdSample = 24 // elements checked per tensor
)

func gradCheck(t *testing.T, m *ir.Model, batch int) {
	t.Helper()
	net, err := NewNet(m, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	net.inputGrad = true
	net.markGrads()
	p, err := net.plan(batch, true)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	x := p.vals[net.input]
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	r := make([]float64, len(p.vals[net.logits]))
	for i := range r {
		r[i] = rng.NormFloat64()
	}
	objective := func() float64 {
		if err := p.forward(true); err != nil {
			t.Fatal(err)
		}
		var s float64
		for i, v := range p.vals[net.logits] {
			s += r[i] * float64(v)
		}
		return s
	}
	objective()
	net.ZeroGrad()
	for i, v := range r {
		p.grads[net.logits][i] = float32(v)
	}
	if err := p.backward(); err != nil {
		t.Fatal(err)
	}
	type target struct {
		name       string
		value, got []float32
	}
	targets := []target{{"input", x, append([]float32(nil), p.grads[net.input]...)}}
	for _, prm := range net.params {
		targets = append(targets, target{prm.Name, prm.Value, append([]float32(nil), prm.Grad...)})
	}
	if len(targets) == 1 && len(net.params) == 0 && len(p.grads[net.input]) == 0 {
		t.Fatal("nothing to check")
	}
	for _, tg := range targets {
		idx := rng.Perm(len(tg.value))
		if len(idx) > fdSample {
			idx = idx[:fdSample]
		}
		skipped, checked := 0, 0
		for _, i := range idx {
			fd := func(h float32) float64 {
				v := tg.value[i]
				tg.value[i] = v + h
				up := objective()
				tg.value[i] = v - h
				down := objective()
				tg.value[i] = v
				return (up - down) / (2 * float64(h))
			}
			d1, d2 := fd(fdStep), fd(fdStep/2)
			if math.Abs(d1-d2) > fdAbsTol+fdRelTol*math.Abs(d2) {
				skipped++
				continue
			}
			checked++
			got := float64(tg.got[i])
			if math.Abs(got-d2) > fdAbsTol+fdRelTol*math.Max(math.Abs(d2), math.Abs(got)) {
				t.Errorf("%s[%d]: backward %.6g, finite difference %.6g", tg.name, i, got, d2)
			}
		}
		if skipped*4 > len(idx) {
			t.Errorf("%s: %d of %d elements sit on kinks; the check is not meaningful", tg.name, skipped, len(idx))
		}
		if checked == 0 {
			t.Errorf("%s: no element checked", tg.name)
		}
	}
}

// finish flattens x to [batch, rest] so the net has a 2-D output.
func finish(t *testing.T, b *Builder, x int) *ir.Model {
	t.Helper()
	if len(b.Shape(x)) != 2 {
		x = b.Flatten(x)
	}
	m, err := b.Model(x, "grad check")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGradConv(t *testing.T) {
	for _, tc := range []struct {
		k, stride int
		pad       ir.Padding
		act       ir.Activation
	}{
		{3, 1, ir.PaddingSame, ir.ActNone},
		{3, 2, ir.PaddingSame, ir.ActRelu},
		{2, 1, ir.PaddingValid, ir.ActRelu6},
		{1, 1, ir.PaddingValid, ir.ActNone},
		{5, 1, ir.PaddingSame, ir.ActReluN1To1},
	} {
		t.Run(fmt.Sprintf("k%d_s%d_%v_%v", tc.k, tc.stride, tc.pad, tc.act), func(t *testing.T) {
			b := NewBuilder(1, 1, 6, 5, 3)
			y := b.Conv(b.Input(), 4, tc.k, tc.stride, tc.pad, tc.act, true)
			gradCheck(t, finish(t, b, y), 2)
		})
	}
	// 1×1 convolutions whose channels the vector loops take whole (forward,
	// weight and input gradients), with and without bias and activation.
	// 6×6 images make 36 rows each, so the 64-row chunks end inside an
	// image; with an activation the image is 2×2, since every one of a
	// filter value's rows whose output lies within h of a kink bends its
	// difference quotient.
	for _, tc := range []struct {
		in, out, size int
		bias          bool
		act           ir.Activation
	}{{8, 16, 6, false, ir.ActNone}, {16, 8, 2, true, ir.ActRelu6}, {8, 24, 6, true, ir.ActNone}} {
		t.Run(fmt.Sprintf("pointwise_%d_%d_%v_%v", tc.in, tc.out, tc.bias, tc.act), func(t *testing.T) {
			b := NewBuilder(5, 1, tc.size, tc.size, tc.in)
			y := b.Conv(b.Input(), tc.out, 1, 1, ir.PaddingSame, tc.act, tc.bias)
			gradCheck(t, finish(t, b, y), 3)
		})
	}
}

// convCase is a CONV_2D for the im2col path's tests: input h×w×in, filter
// out×k×k×in, dilation dil.
type convCase struct {
	name             string
	h, w, in, out, k int
	stride, dil      int
	pad              ir.Padding
	act              ir.Activation
	bias             bool
	batch            int
}

// im2colCases take the im2col path (convcol.go) on CPUs with the vector
// loops: output channels not a multiple of 4 (LeNet's 6, padded to 8 for
// the weight gradient), a multiple of 4 but not 8, and of 16; depths padded
// (25, 150) and not (8, 16); strides, SAME windows reaching past both edges
// or wider than the image, dilation; and enough rows to span several chunks
// of the forward pass and of the weight gradient's row loop.
var im2colCases = []convCase{
	{"lenet1", 7, 6, 1, 6, 5, 1, 1, ir.PaddingSame, ir.ActNone, true, 2},
	{"lenet1_rows", 12, 12, 1, 6, 5, 1, 1, ir.PaddingSame, ir.ActNone, true, 2}, // 288 rows: two chunks of paddedGrad's sums
	{"lenet1_relu", 5, 6, 1, 6, 3, 1, 1, ir.PaddingSame, ir.ActRelu, true, 2},
	{"lenet2", 9, 9, 6, 16, 5, 1, 1, ir.PaddingValid, ir.ActNone, true, 2},
	{"out5_s2", 7, 8, 3, 5, 3, 2, 1, ir.PaddingSame, ir.ActRelu, false, 2},
	{"depth8", 5, 5, 2, 8, 2, 1, 1, ir.PaddingValid, ir.ActRelu6, true, 2},
	{"wide", 2, 3, 2, 4, 5, 1, 1, ir.PaddingSame, ir.ActNone, true, 3},
	{"dilated", 7, 7, 2, 4, 3, 1, 2, ir.PaddingSame, ir.ActNone, true, 2},
	{"rows", 14, 14, 8, 16, 5, 1, 1, ir.PaddingValid, ir.ActNone, false, 4},
}

func (tc convCase) model(t *testing.T) *ir.Model {
	b := NewBuilder(9, 1, tc.h, tc.w, tc.in)
	f := b.Uniform("f", []int{tc.out, tc.k, tc.k, tc.in}, 0.5)
	bias := -1
	if tc.bias {
		bias = b.Uniform("b", []int{tc.out}, 0.5)
	}
	y := b.Op(ir.Conv2D, &ir.Conv2DOptions{Padding: tc.pad, StrideH: tc.stride, StrideW: tc.stride,
		DilationH: tc.dil, DilationW: tc.dil, Activation: tc.act}, b.Input(), f, bias)
	return finish(t, b, y)
}

func TestGradConvIm2col(t *testing.T) {
	for _, tc := range im2colCases {
		t.Run(tc.name, func(t *testing.T) { gradCheck(t, tc.model(t), tc.batch) })
	}
}

func TestGradDepthwise(t *testing.T) {
	for _, tc := range []struct {
		stride, mult int
		pad          ir.Padding
		act          ir.Activation
	}{
		{1, 1, ir.PaddingSame, ir.ActNone},
		{2, 1, ir.PaddingSame, ir.ActRelu6},
		{1, 2, ir.PaddingValid, ir.ActRelu},
	} {
		t.Run(fmt.Sprintf("s%d_m%d_%v", tc.stride, tc.mult, tc.act), func(t *testing.T) {
			b := NewBuilder(2, 1, 5, 6, 3)
			f := b.Uniform("f", []int{1, 3, 3, 3 * tc.mult}, 0.5)
			bias := b.Uniform("b", []int{3 * tc.mult}, 0.5)
			y := b.Op(ir.DepthwiseConv2D, &ir.DepthwiseConv2DOptions{Padding: tc.pad, StrideH: tc.stride, StrideW: tc.stride,
				DepthMultiplier: tc.mult, Activation: tc.act, DilationH: 1, DilationW: 1}, b.Input(), f, bias)
			gradCheck(t, finish(t, b, y), 2)
		})
	}
}

func TestGradFullyConnected(t *testing.T) {
	for _, act := range []ir.Activation{ir.ActNone, ir.ActRelu} {
		t.Run(act.String(), func(t *testing.T) {
			b := NewBuilder(3, 1, 2, 2, 3) // rank 4: the kernel flattens it to [batch, 12]
			w := b.Uniform("w", []int{5, 12}, 0.5)
			bias := b.Uniform("b", []int{5}, 0.5)
			y := b.Op(ir.FullyConnected, &ir.FullyConnectedOptions{Activation: act}, b.Input(), w, bias)
			gradCheck(t, finish(t, b, y), 3)
		})
	}
	t.Run("vector", func(t *testing.T) { // shapes the vector loops take whole
		b := NewBuilder(3, 1, 2, 2, 4)
		w := b.Uniform("w", []int{8, 16}, 0.5)
		bias := b.Uniform("b", []int{8}, 0.5)
		y := b.Op(ir.FullyConnected, &ir.FullyConnectedOptions{}, b.Input(), w, bias)
		gradCheck(t, finish(t, b, y), 5)
	})
}

func TestGradBinary(t *testing.T) {
	for _, typ := range []ir.OpType{ir.Add, ir.Sub, ir.Mul} {
		for _, shape := range [][]int{{1, 3, 4, 5}, {5}, {1, 1, 4, 1}, {}} {
			t.Run(fmt.Sprintf("%v_%v", typ, shape), func(t *testing.T) {
				b := NewBuilder(4, 1, 3, 4, 5)
				c := b.Uniform("c", shape, 1)
				var opts ir.Options
				switch typ {
				case ir.Add:
					opts = &ir.AddOptions{Activation: ir.ActRelu}
				case ir.Sub:
					opts = &ir.SubOptions{}
				case ir.Mul:
					opts = &ir.MulOptions{}
				}
				y := b.Op(typ, opts, b.Input(), c)
				// an activation-by-activation op as well: y ∘ input
				z := b.Op(typ, cloneOpts(opts), y, b.Input())
				gradCheck(t, finish(t, b, z), 2)
			})
		}
	}
}

func cloneOpts(o ir.Options) ir.Options {
	switch v := o.(type) {
	case *ir.AddOptions:
		c := *v
		c.Activation = ir.ActNone
		return &c
	case *ir.SubOptions:
		c := *v
		return &c
	case *ir.MulOptions:
		c := *v
		return &c
	}
	return o
}

func TestGradActivations(t *testing.T) {
	for _, typ := range []ir.OpType{ir.Relu, ir.Relu6, ir.HardSwish, ir.Logistic, ir.Tanh} {
		t.Run(typ.String(), func(t *testing.T) {
			b := NewBuilder(5, 1, 3, 3, 4)
			// scale the input so RELU6's and HARD_SWISH's upper pieces are reached
			s := b.Filled("scale", []int{1}, 4)
			x := b.Op(ir.Mul, &ir.MulOptions{}, b.Input(), s)
			y := b.Op(typ, nil, x)
			gradCheck(t, finish(t, b, y), 2)
		})
	}
}

func TestGradPool(t *testing.T) {
	for _, tc := range []struct {
		typ       ir.OpType
		k, stride int
		pad       ir.Padding
	}{
		{ir.MaxPool2D, 2, 2, ir.PaddingValid},
		{ir.MaxPool2D, 3, 2, ir.PaddingSame},
		{ir.AveragePool2D, 2, 2, ir.PaddingValid},
		{ir.AveragePool2D, 3, 2, ir.PaddingSame},
	} {
		t.Run(fmt.Sprintf("%v_k%d_%v", tc.typ, tc.k, tc.pad), func(t *testing.T) {
			b := NewBuilder(6, 1, 5, 6, 3)
			y := b.Op(tc.typ, &ir.Pool2DOptions{Padding: tc.pad, StrideH: tc.stride, StrideW: tc.stride, FilterHeight: tc.k, FilterWidth: tc.k}, b.Input())
			gradCheck(t, finish(t, b, y), 2)
		})
	}
}

func TestGradMean(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprint("keep=", keep), func(t *testing.T) {
			b := NewBuilder(7, 1, 3, 4, 5)
			axes := b.IntConst("axes", []int{2}, []int32{1, -2})
			y := b.Op(ir.Mean, &ir.ReducerOptions{KeepDims: keep}, b.Input(), axes)
			gradCheck(t, finish(t, b, y), 2)
		})
	}
}

func TestGradReshapeConcatPad(t *testing.T) {
	b := NewBuilder(8, 1, 3, 4, 2)
	c := b.Uniform("c", []int{1, 3, 4, 2}, 1)
	xc := b.Op(ir.Mul, &ir.MulOptions{}, b.Input(), c)
	y := b.Op(ir.Concatenation, &ir.ConcatenationOptions{Axis: -1, Activation: ir.ActRelu}, b.Input(), xc, b.Input())
	pads := b.IntConst("pads", []int{4, 2}, []int32{0, 0, 1, 2, 0, 1, 1, 0})
	z := b.Op(ir.Pad, nil, y, pads)
	shape := b.IntConst("shape", []int{3}, []int32{1, 6, -1})
	r := b.Op(ir.Reshape, &ir.ReshapeOptions{}, z, shape)
	w := b.Uniform("w", []int{3, 35}, 0.3)
	out := b.Op(ir.FullyConnected, &ir.FullyConnectedOptions{KeepNumDims: true}, r, w)
	gradCheck(t, finish(t, b, out), 2)
}

func TestGradSoftmax(t *testing.T) {
	b := NewBuilder(9, 1, 6)
	y := b.Op(ir.Softmax, &ir.SoftmaxOptions{Beta: 1.5}, b.Input())
	w := b.Uniform("w", []int{4, 6}, 1)
	out := b.Op(ir.FullyConnected, &ir.FullyConnectedOptions{}, y, w)
	gradCheck(t, finish(t, b, out), 3)
}

func TestGradBatchNorm(t *testing.T) {
	// 4 channels run the Go loops, 16 the vector ones where the CPU has
	// them. (Seed 10 with 16 channels puts an output 4e-4 from ReLU6's kink,
	// which the differences at h and h/2 both cross.)
	for _, tc := range []struct {
		act      ir.Activation
		channels int
		seed     uint64
	}{{ir.ActNone, 4, 10}, {ir.ActRelu6, 4, 10}, {ir.ActNone, 16, 11}, {ir.ActRelu6, 16, 11}} {
		act := tc.act
		t.Run(fmt.Sprintf("%v_c%d", act, tc.channels), func(t *testing.T) {
			b := NewBuilder(tc.seed, 1, 3, 3, 4)
			x := b.Conv(b.Input(), tc.channels, 1, 1, ir.PaddingValid, ir.ActNone, false)
			y := b.BatchNorm(x, act)
			// γ=1, β=0 would make some gradients degenerate; perturb them.
			for _, t := range b.g.Ops[len(b.g.Ops)-1].Inputs[1:3] {
				v := ir.AsFloat32(b.g.Tensors[t].Data)
				for i := range v {
					v[i] += float32(b.rng.NormFloat64()) * 0.3
				}
			}
			gradCheck(t, finish(t, b, y), 3)
		})
	}
}
