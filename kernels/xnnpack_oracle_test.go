package kernels

import (
	"math/rand"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// The TFLite oracle applies the XNNPACK delegate; these tests check that
// XNNPACKKernels reproduce, byte for byte, what XNNPACK computed for every
// op it took: 8-bit ADD/SUB/MUL/LEAKY_RELU/ELU/LOGISTIC/QUANTIZE/
// RESIZE_BILINEAR on grids and tables that cover every rounding case, and
// float convolutions, pools, means and resizes whose arithmetic order decides
// the last bit.

// xnnCase is one op for the oracle, with the input indices that are
// constants of the model.
type xnnCase struct {
	name   string
	node   *Node
	consts []int
}

// xnnCheckExact runs cases in one TFLite model, requires that TFLite handed
// every one of them to XNNPACK (no builtin node of their types), and that
// XNNPACKKernels compute the same bytes.
func xnnCheckExact(t *testing.T, cases []xnnCase) {
	t.Helper()
	var ops []ewOracleOp
	for _, c := range cases {
		ops = append(ops, ewOracleOp{N: c.node, Consts: c.consts})
	}
	res := ewOracle(t, ops...)
	for _, c := range cases {
		if res.Builtin(c.node.Op.Type) {
			t.Errorf("%s: TFLite ran %v itself, not in XNNPACK (node types %v)", c.name, c.node.Op.Type, res.NodeTypes)
		}
	}
	for i, c := range cases {
		out := c.node.Out[0]
		clear(out.Data)
		c.node.Ctx.Kernels = XNNPACKKernels
		if err := ewRun(t, c.node); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := res.Outputs[i][0]
		differ, first := 0, -1
		for j := range want {
			if out.Data[j] != want[j] {
				if first < 0 {
					first = j
				}
				differ++
			}
		}
		if differ > 0 {
			t.Errorf("%s: %d of %d bytes differ from TFLite's XNNPACK (first at byte %d: %d, want %d)",
				c.name, differ, len(want), first, out.Data[first], want[first])
		}
	}
}

// xnnGrid8 returns two [256,256] 8-bit tensors holding every pair of stored
// values, one pair per element.
func xnnGrid8(typ ir.DataType, sa float32, za int64, sb float32, zb int64) (a, b *ir.Tensor) {
	a, b = ewQuant(ewOut(typ, []int{256, 256}), sa, za), ewQuant(ewOut(typ, []int{256, 256}), sb, zb)
	for i := range 256 {
		for j := range 256 {
			a.Data[i*256+j], b.Data[i*256+j] = byte(i), byte(j)
		}
	}
	return a, b
}

func TestXNNPACKQuantizedOpsExact(t *testing.T) {
	if testing.Short() {
		t.Skip("oracle comparisons are slow")
	}
	rng := rand.New(rand.NewSource(11))
	i8, u8 := ir.Int8, ir.Uint8
	var cases []xnnCase
	add := func(name string, op ir.OpType, opts ir.Options, in []*ir.Tensor, out *ir.Tensor, consts ...int) {
		cases = append(cases, xnnCase{name, ewNode(op, opts, in, out), consts})
	}
	binary := []struct {
		op             ir.OpType
		opts           ir.Options
		typ            ir.DataType
		sa, sb, so     float32
		za, zb, zo     int64
		broadcastFirst bool
	}{
		{ir.Add, &ir.AddOptions{}, i8, 0.05, 0.11, 0.09, -3, 7, -10, false},
		{ir.Add, &ir.AddOptions{Activation: ir.ActRelu6}, i8, 0.0235, 0.0235, 0.047, 0, -128, 5, false},
		{ir.Add, &ir.AddOptions{}, u8, 0.05, 0.07, 0.1, 120, 130, 128, false},
		{ir.Sub, &ir.SubOptions{}, i8, 0.05, 0.11, 0.09, -3, 7, 2, false},
		{ir.Sub, &ir.SubOptions{}, u8, 0.031, 0.017, 0.04, 128, 0, 100, false},
		{ir.Mul, &ir.MulOptions{}, i8, 0.05, 0.11, 0.2, -3, 7, 2, false},
		{ir.Mul, &ir.MulOptions{}, u8, 0.02, 0.03, 0.01, 120, 130, 128, false},
	}
	for _, c := range binary {
		a, b := xnnGrid8(c.typ, c.sa, c.za, c.sb, c.zb)
		add(c.op.String()+" "+c.typ.String()+" grid", c.op, c.opts, []*ir.Tensor{a, b}, ewQuant(ewOut(c.typ, []int{256, 256}), c.so, c.zo))
	}
	// Broadcasting, either operand: XNNPACK swaps the operands when the
	// first one is broadcast.
	add("SUB int8 first broadcast", ir.Sub, &ir.SubOptions{}, []*ir.Tensor{ewRandQ(rng, i8, []int{1, 8}, 0.07, 4), ewRandQ(rng, i8, []int{6, 8}, 0.05, -2)}, ewQuant(ewOut(i8, []int{6, 8}), 0.1, 3))
	add("ADD int8 scalar", ir.Add, &ir.AddOptions{}, []*ir.Tensor{ewRandQ(rng, i8, []int{6, 8}, 0.05, -2), ewRandQ(rng, i8, []int{1}, 0.07, 4)}, ewQuant(ewOut(i8, []int{6, 8}), 0.1, 3))
	add("MUL uint8 first broadcast", ir.Mul, &ir.MulOptions{}, []*ir.Tensor{ewRandQ(rng, u8, []int{8}, 0.07, 120), ewRandQ(rng, u8, []int{6, 8}, 0.05, 128)}, ewQuant(ewOut(u8, []int{6, 8}), 0.02, 3))

	for _, c := range []struct {
		typ       ir.DataType
		alpha, si float32
		zi        int64
		so        float32
		zo        int64
	}{
		{i8, 0.2, 0.05, -3, 0.04, -20},
		{i8, 0.01, 0.1, 10, 0.07, -100},
		{i8, 0.3, 0.02, 0, 0.02, 0},
		{u8, 0.3, 0.05, 100, 0.04, 50},
		{u8, 0.125, 0.03, 128, 0.03, 128},
	} {
		add("LEAKY_RELU "+c.typ.String(), ir.LeakyRelu, &ir.LeakyReluOptions{Alpha: c.alpha}, []*ir.Tensor{ewAll8(c.typ, c.si, c.zi)}, ewQuant(ewOut(c.typ, []int{256}), c.so, c.zo))
	}
	for _, c := range []struct {
		si, so float32
		zi, zo int64
	}{{0.03, 0.02, 5, 10}, {0.05, 0.03, -20, -60}, {0.01, 0.01, 0, 0}, {0.1, 0.05, 100, -100}} {
		add("ELU int8", ir.Elu, nil, []*ir.Tensor{ewAll8(i8, c.si, c.zi)}, ewQuant(ewOut(i8, []int{256}), c.so, c.zo))
	}
	for _, c := range []struct {
		typ ir.DataType
		si  float32
		zi  int64
		zo  int64
	}{{i8, 0.06, -3, -128}, {i8, 0.02, 0, -128}, {i8, 0.15, 40, -128}, {u8, 0.06, 120, 0}, {u8, 0.03, 0, 0}} {
		add("LOGISTIC "+c.typ.String(), ir.Logistic, nil, []*ir.Tensor{ewAll8(c.typ, c.si, c.zi)}, ewQuant(ewOut(c.typ, []int{256}), 1.0/256, c.zo))
	}
	// QUANTIZE from float: values on and around every half step (ties) of
	// the output scale, beyond both ends of the range too.
	for _, c := range []struct {
		typ ir.DataType
		s   float32
		z   int64
	}{{i8, 0.1, -3}, {u8, 0.0235, 128}, {i8, 1.0 / 3, 0}} {
		var v []float32
		for k := -140.0; k <= 140; k += 0.5 {
			x := float32(k) * c.s
			v = append(v, x, x*(1+1e-7), x*(1-1e-7))
		}
		add("QUANTIZE float32 to "+c.typ.String(), ir.Quantize, nil, []*ir.Tensor{ewF32([]int{len(v)}, v...)}, ewQuant(ewOut(c.typ, []int{len(v)}), c.s, c.z))
	}
	// 8-bit requantization (QUANTIZE between two 8-bit scales).
	for _, c := range []struct {
		typ    ir.DataType
		si, so float32
		zi, zo int64
	}{{i8, 0.05, 0.037, -3, 4}, {i8, 0.01, 0.5, 0, -128}, {u8, 0.2, 0.03, 128, 3}, {u8, 0.0039, 0.0039, 0, 10}} {
		add("QUANTIZE "+c.typ.String()+" requantized", ir.Quantize, nil, []*ir.Tensor{ewAll8(c.typ, c.si, c.zi)}, ewQuant(ewOut(c.typ, []int{256}), c.so, c.zo))
	}
	for _, o := range []*ir.ResizeBilinearOptions{{}, {HalfPixelCenters: true}, {AlignCorners: true}} {
		for _, typ := range []ir.DataType{i8, u8} {
			add("RESIZE_BILINEAR "+typ.String(), ir.ResizeBilinear, o, []*ir.Tensor{ewRandQ(rng, typ, []int{2, 5, 6, 3}, 0.1, 2), ewI32([]int{2}, 9, 13)}, ewQuant(ewOut(typ, []int{2, 9, 13, 3}), 0.1, 2), 1)
		}
	}
	xnnCheckExact(t, cases)
}

func TestXNNPACKFloatOrderExact(t *testing.T) {
	if testing.Short() {
		t.Skip("oracle comparisons are slow")
	}
	rng := rand.New(rand.NewSource(5))
	vec := func(shape ...int) *ir.Tensor {
		v := make([]float32, ir.NumElements(shape))
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return ewF32(shape, v...)
	}
	out := func(shape ...int) *ir.Tensor { return ewOut(ir.Float32, shape) }
	var cases []xnnCase
	add := func(name string, op ir.OpType, opts ir.Options, in []*ir.Tensor, o *ir.Tensor, consts ...int) {
		cases = append(cases, xnnCase{name, ewNode(op, opts, in, o), consts})
	}
	conv := func(pad ir.Padding, s, d int, act ir.Activation) *ir.Conv2DOptions {
		return &ir.Conv2DOptions{Padding: pad, StrideH: s, StrideW: s, DilationH: d, DilationW: d, Activation: act}
	}
	dw := func(pad ir.Padding, s, d, m int, act ir.Activation) *ir.DepthwiseConv2DOptions {
		return &ir.DepthwiseConv2DOptions{Padding: pad, StrideH: s, StrideW: s, DilationH: d, DilationW: d, DepthMultiplier: m, Activation: act}
	}
	add("CONV_2D 3x3 stride 2 SAME, 3 channels", ir.Conv2D, conv(ir.PaddingSame, 2, 1, ir.ActRelu6), []*ir.Tensor{vec(1, 9, 10, 3), vec(8, 3, 3, 3), vec(8)}, out(1, 5, 5, 8), 1, 2)
	add("CONV_2D 1x1 deep", ir.Conv2D, conv(ir.PaddingSame, 1, 1, ir.ActNone), []*ir.Tensor{vec(1, 4, 5, 300), vec(7, 1, 1, 300), vec(7)}, out(1, 4, 5, 7), 1, 2)
	add("CONV_2D 5x3 dilated VALID", ir.Conv2D, conv(ir.PaddingValid, 1, 2, ir.ActRelu), []*ir.Tensor{vec(2, 12, 9, 5), vec(6, 5, 3, 5), vec(6)}, out(2, 4, 5, 6), 1, 2)
	add("DEPTHWISE_CONV_2D 3x3 SAME", ir.DepthwiseConv2D, dw(ir.PaddingSame, 1, 1, 1, ir.ActRelu6), []*ir.Tensor{vec(1, 7, 6, 10), vec(1, 3, 3, 10), vec(10)}, out(1, 7, 6, 10), 1, 2)
	add("DEPTHWISE_CONV_2D 3x3 stride 2 multiplier 2", ir.DepthwiseConv2D, dw(ir.PaddingSame, 2, 1, 2, ir.ActNone), []*ir.Tensor{vec(1, 9, 8, 4), vec(1, 3, 3, 8), vec(8)}, out(1, 5, 4, 8), 1, 2)
	add("DEPTHWISE_CONV_2D 5x5 dilated", ir.DepthwiseConv2D, dw(ir.PaddingSame, 1, 2, 1, ir.ActNone), []*ir.Tensor{vec(1, 8, 8, 3), vec(1, 5, 5, 3), vec(3)}, out(1, 8, 8, 3), 1, 2)
	add("DEPTHWISE_CONV_2D 2x1", ir.DepthwiseConv2D, dw(ir.PaddingValid, 1, 1, 1, ir.ActNone), []*ir.Tensor{vec(1, 5, 5, 6), vec(1, 2, 1, 6), vec(6)}, out(1, 4, 5, 6), 1, 2)
	add("FULLY_CONNECTED", ir.FullyConnected, &ir.FullyConnectedOptions{Activation: ir.ActRelu}, []*ir.Tensor{vec(3, 200), vec(9, 200), vec(9)}, out(3, 9), 1, 2)
	add("FULLY_CONNECTED without bias", ir.FullyConnected, &ir.FullyConnectedOptions{}, []*ir.Tensor{vec(2, 50), vec(5, 50), nil}, out(2, 5), 1)
	pool := func(pad ir.Padding, s, f int) *ir.Pool2DOptions {
		return &ir.Pool2DOptions{Padding: pad, StrideH: s, StrideW: s, FilterHeight: f, FilterWidth: f}
	}
	add("AVERAGE_POOL_2D 2x2 stride 2 VALID", ir.AveragePool2D, pool(ir.PaddingValid, 2, 2), []*ir.Tensor{vec(1, 8, 6, 5)}, out(1, 4, 3, 5))
	add("AVERAGE_POOL_2D 3x3 SAME", ir.AveragePool2D, pool(ir.PaddingSame, 1, 3), []*ir.Tensor{vec(1, 5, 6, 4)}, out(1, 5, 6, 4))
	add("AVERAGE_POOL_2D 4x4 stride 2 SAME (multipass)", ir.AveragePool2D, pool(ir.PaddingSame, 2, 4), []*ir.Tensor{vec(1, 9, 9, 3)}, out(1, 5, 5, 3))
	add("AVERAGE_POOL_2D global 3x3", ir.AveragePool2D, pool(ir.PaddingValid, 1, 3), []*ir.Tensor{vec(2, 3, 3, 6)}, out(2, 1, 1, 6))
	add("AVERAGE_POOL_2D global 7x7", ir.AveragePool2D, pool(ir.PaddingValid, 1, 7), []*ir.Tensor{vec(1, 7, 7, 5)}, out(1, 1, 1, 5))
	add("AVERAGE_POOL_2D global 2x2", ir.AveragePool2D, pool(ir.PaddingValid, 2, 2), []*ir.Tensor{vec(1, 2, 2, 5)}, out(1, 1, 1, 5))
	for _, o := range []*ir.ResizeBilinearOptions{{}, {HalfPixelCenters: true}, {AlignCorners: true}} {
		add("RESIZE_BILINEAR float32", ir.ResizeBilinear, o, []*ir.Tensor{vec(1, 5, 6, 3), ewI32([]int{2}, 9, 11)}, out(1, 9, 11, 3), 1)
	}
	ax := ewI32([]int{2}, 1, 2)
	add("MEAN height-width keep_dims (global average pool, 81 rows)", ir.Mean, &ir.ReducerOptions{KeepDims: true}, []*ir.Tensor{vec(2, 9, 9, 5), ax}, out(2, 1, 1, 5), 1)
	add("MEAN height-width (5 rows)", ir.Mean, &ir.ReducerOptions{}, []*ir.Tensor{vec(1, 5, 1, 6), ax}, out(1, 6), 1)
	xnnCheckExact(t, cases)
}
