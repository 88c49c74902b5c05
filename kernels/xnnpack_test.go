package kernels

import (
	"slices"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// Hand-worked checks of XNNPACKKernels' arithmetic, where it departs from
// TFLite's own kernels (xnnpack_oracle_test.go checks it against XNNPACK).

func TestXNNAddSubRoundsTiesUp(t *testing.T) {
	// Scales 0.5 and 0.25 over 1: shift 21, multipliers 2^20 and 2^19, so
	// out = (2^20 + a*2^20 + b*2^19) >> 21 = floor(a/2 + b/4 + 1/2).
	add := xnnAddSub(false, []float32{0.5, 0.25, 1}, []int32{0, 0, 0})
	sub := xnnAddSub(true, []float32{0.5, 0.25, 1}, []int32{0, 0, 3})
	for _, c := range []struct{ a, b, add, sub int32 }{
		{3, 2, 2, 3 + 1},    // 2.0; sub: 1.5-0.5 = 1.0, plus the zero point 3
		{1, 0, 1, 3 + 1},    // 0.5 rounds up
		{-1, 0, 0, 3 + 0},   // -0.5 rounds up too (TFLite rounds it away from zero, to -1)
		{0, -2, 0, 3 + 1},   // -0.5 -> 0; sub: +0.5 -> 1
		{-3, -1, -2, 3 - 1}, // -1.75 -> -2; sub: -1.25 -> -1
	} {
		if got := add(c.a, c.b); got != c.add {
			t.Errorf("ADD(%d, %d) = %d, want %d", c.a, c.b, got, c.add)
		}
		if got := sub(c.a, c.b); got != c.sub {
			t.Errorf("SUB(%d, %d) = %d, want %d", c.a, c.b, got, c.sub)
		}
	}
	if xnnAddSub(false, []float32{1, 1000, 1}, []int32{0, 0, 0}) != nil {
		t.Error("a scale ratio of 1000 is beyond XNNPACK's 2^8, so TFLite keeps the op")
	}
}

func TestXNNMulRoundsHalfToEven(t *testing.T) {
	mul := xnnMul([]float32{0.5, 0.5, 0.5}, []int32{1, 0, -1}) // (a-1)*b/2 - 1
	for _, c := range []struct{ a, b, want int32 }{
		{4, 1, 2 - 1},   // 1.5 -> 2
		{6, 1, 2 - 1},   // 2.5 -> 2
		{8, 1, 4 - 1},   // 3.5 -> 4
		{-4, 1, -2 - 1}, // -2.5 -> -2
	} {
		if got := mul(c.a, c.b); got != c.want {
			t.Errorf("MUL(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestXNNLeakyRelu(t *testing.T) {
	// Scales 1 and alpha 0.25: multipliers 256 and 64, out = (x*m+128)>>8.
	f := xnnLeakyRelu(1, 0, 1, 0, 0.25)
	for _, c := range []struct{ x, want int32 }{{5, 5}, {0, 0}, {-3, -1}, {-2, 0}, {-6, -1}, {-10, -2}} {
		if got := f(c.x); got != c.want {
			t.Errorf("LEAKY_RELU(%d) = %d, want %d", c.x, got, c.want)
		}
	}
}

func TestXNNQuantizeRoundsHalfToEven(t *testing.T) {
	in := ewF32([]int{6}, 0.25, 0.75, -0.25, -0.75, 100, -0.7)
	out := ewQuant(ewOut(ir.Int8, []int{6}), 0.5, 1)
	n := ewNode(ir.Quantize, nil, []*ir.Tensor{in}, out)
	n.Ctx.Kernels = XNNPACKKernels
	ewMustRun(t, n)
	// x*2 rounded half to even, plus 1: 0.5->0, 1.5->2, -0.5->0, -1.5->-2,
	// 200 clamped to 127, -1.4 -> -1.
	want := []int8{1, 3, 1, -1, 127, 0}
	for i, v := range out.Int8s() {
		if v != want[i] {
			t.Errorf("QUANTIZE(%v) = %d, want %d", in.Float32s()[i], v, want[i])
		}
	}
}

func TestXNNFloatSummationOrder(t *testing.T) {
	const big = 1e8 // float32 spacing 8 there: big+1 rounds back to big
	xnn := func(n *Node) *Node { n.Ctx.Kernels = XNNPACKKernels; return n }

	// FULLY_CONNECTED: from the bias, one product at a time:
	// (1 + big) - big = 0, where adding the bias last would give 1.
	fc := ewOut(ir.Float32, []int{1, 1})
	ewMustRun(t, xnn(ewNode(ir.FullyConnected, &ir.FullyConnectedOptions{},
		[]*ir.Tensor{ewF32([]int{1, 2}, big, -big), ewF32([]int{1, 2}, 1, 1), ewF32([]int{1}, 1)}, fc)))
	if got := fc.Float32s()[0]; got != 0 {
		t.Errorf("FULLY_CONNECTED: %v, want 0", got)
	}

	// DEPTHWISE_CONV_2D 3x3: taps column by column, alternating between two
	// sums: even taps (0,0) = big and (2,0) = -big cancel, the odd tap (1,0)
	// = 1 survives. Row by row in one sum, big + 1 would lose the 1.
	dwIn := ewF32([]int{1, 3, 3, 1}, big, 0, 0, 1, 0, 0, -big, 0, 0)
	dwOut := ewOut(ir.Float32, []int{1, 1, 1, 1})
	ewMustRun(t, xnn(ewNode(ir.DepthwiseConv2D, &ir.DepthwiseConv2DOptions{Padding: ir.PaddingValid, StrideH: 1, StrideW: 1, DepthMultiplier: 1},
		[]*ir.Tensor{dwIn, ewF32([]int{1, 3, 3, 1}, 1, 1, 1, 1, 1, 1, 1, 1, 1), ewF32([]int{1}, 0)}, dwOut)))
	if got := dwOut.Float32s()[0]; got != 1 {
		t.Errorf("DEPTHWISE_CONV_2D: %v, want 1", got)
	}

	// Global AVERAGE_POOL_2D over 9 pixels: the first seven summed in a
	// tree (-big), then pixels 7 and 8 as (big+1) + ... rounds to big, so
	// the sum is 0 where a running sum would end at 1.
	pin := ewF32([]int{1, 3, 3, 1}, -big, 0, 0, 0, 0, 0, 0, big, 1)
	pout := ewOut(ir.Float32, []int{1, 1, 1, 1})
	ewMustRun(t, xnn(ewNode(ir.AveragePool2D, &ir.Pool2DOptions{Padding: ir.PaddingValid, StrideH: 1, StrideW: 1, FilterHeight: 3, FilterWidth: 3},
		[]*ir.Tensor{pin}, pout)))
	if got := pout.Float32s()[0]; got != 0 {
		t.Errorf("AVERAGE_POOL_2D: %v, want 0", got)
	}
}

func TestXNNRequantizeAndResize(t *testing.T) {
	// Requantization from scale 1 to 2: m = 128, out = (x*128+128)>>8, so
	// halves round up.
	in := ewQuant(ewOut(ir.Int8, []int{4}), 1, 0)
	in.Data = []byte{3, 0xfd, 5, 0}
	out := ewQuant(ewOut(ir.Int8, []int{4}), 2, 0)
	n := ewNode(ir.Quantize, nil, []*ir.Tensor{in}, out)
	n.Ctx.Kernels = XNNPACKKernels
	ewMustRun(t, n)
	if got, want := out.Int8s(), []int8{2, -1, 3, 0}; !slices.Equal(got, want) {
		t.Errorf("QUANTIZE int8 requantized: %v, want %v", got, want)
	}

	// Resize [0 3] to width 3 with aligned corners: the middle sample sits
	// halfway (fraction 1024/2048): (3*1024*2048 + 2^21) >> 22 = 2.
	rin := ewQuant(ewOut(ir.Int8, []int{1, 1, 2, 1}), 0.1, 0)
	rin.Data = []byte{0, 3}
	rout := ewQuant(ewOut(ir.Int8, []int{1, 1, 3, 1}), 0.1, 0)
	rn := ewNode(ir.ResizeBilinear, &ir.ResizeBilinearOptions{AlignCorners: true}, []*ir.Tensor{rin, ewI32([]int{2}, 1, 3)}, rout)
	rn.Ctx.Kernels = XNNPACKKernels
	ewMustRun(t, rn)
	if got, want := rout.Int8s(), []int8{0, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("RESIZE_BILINEAR int8: %v, want %v", got, want)
	}

	// Float MEAN over height and width is XNNPACK's global average pool: the
	// same 9-pixel tree as in TestXNNFloatSummationOrder, so 0, not 1/9.
	const big = 1e8
	mout := ewOut(ir.Float32, []int{1, 1})
	mn := ewNode(ir.Mean, &ir.ReducerOptions{}, []*ir.Tensor{ewF32([]int{1, 3, 3, 1}, -big, 0, 0, 0, 0, 0, 0, big, 1), ewI32([]int{2}, 1, 2)}, mout)
	mn.Ctx.Kernels = XNNPACKKernels
	ewMustRun(t, mn)
	if got := mout.Float32s()[0]; got != 0 {
		t.Errorf("MEAN: %v, want 0", got)
	}
}
