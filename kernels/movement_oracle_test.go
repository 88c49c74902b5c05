package kernels

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// The data-movement, shape and conversion kernels against TFLite itself:
// every case below becomes one op of a single model run in the TFLite oracle,
// and the bytes are compared (float resizing within a tolerance, since
// TFLite's builtin float kernel orders its arithmetic differently).

// mvWave fills a float32 tensor with distinct, irregular values in (-4, 4).
func mvWave(seed int, shape ...int) *ir.Tensor {
	v := make([]float32, product(shape))
	for i := range v {
		v[i] = float32(4 * math.Sin(float64(i*7+seed*13)+0.5))
	}
	return mvF32(shape, v...)
}

// mvIntWave fills an integer tensor with values spread over [lo, hi].
func mvIntWave(dt ir.DataType, seed, lo, hi int, shape ...int) *ir.Tensor {
	t := mvOut(dt, shape)
	for i := range product(shape) {
		x := lo + int(float64(hi-lo)*(0.5+0.5*math.Sin(float64(i*5+seed*11)+0.3))+0.5)
		switch dt.Size() {
		case 1:
			t.Data[i] = byte(x)
		case 2:
			t.Data[2*i], t.Data[2*i+1] = byte(x), byte(x>>8)
		case 4:
			for b := range 4 {
				t.Data[4*i+b] = byte(x >> (8 * b))
			}
		}
	}
	return t
}

type mvOracleCase struct {
	op     ir.OpType
	opts   ir.Options
	in     []*ir.Tensor
	consts []int
	outs   []*ir.Tensor
	tol    float64 // float32 outputs: absolute tolerance; 0 compares bytes
}

func TestMovementAgainstOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("oracle comparisons are slow")
	}
	f := mvWave
	q := func(t *ir.Tensor, s float32, z int64) *ir.Tensor { return mvQ(t, s, z) }
	i8 := func(seed int, shape ...int) *ir.Tensor { return mvIntWave(ir.Int8, seed, -128, 127, shape...) }
	u8 := func(seed int, shape ...int) *ir.Tensor { return mvIntWave(ir.Uint8, seed, 0, 255, shape...) }
	i16 := func(seed int, shape ...int) *ir.Tensor { return mvIntWave(ir.Int16, seed, -32768, 32767, shape...) }
	idx := func(v ...int32) *ir.Tensor { return mvI32([]int{len(v)}, v...) }
	out := func(dt ir.DataType, shape ...int) *ir.Tensor { return mvOut(dt, shape) }
	fo := func(shape ...int) *ir.Tensor { return mvOut(ir.Float32, shape) }
	ss := func(b, e, s, e0, m, n int32) *ir.StridedSliceOptions {
		return &ir.StridedSliceOptions{BeginMask: b, EndMask: e, ShrinkAxisMask: s, EllipsisMask: e0, NewAxisMask: m, Offset: n != 0}
	}
	// Quantization ties: multiples of half the scale.
	ties := make([]float32, 40)
	for i := range ties {
		ties[i] = float32(i-20) * 0.25
	}
	cases := []mvOracleCase{
		{op: ir.Transpose, in: []*ir.Tensor{f(1, 2, 3, 4, 5), idx(3, 1, 0, 2)}, consts: []int{1}, outs: []*ir.Tensor{fo(5, 3, 2, 4)}},
		{op: ir.Transpose, in: []*ir.Tensor{i8(2, 3, 4, 5, 2), idx(0, 3, 1, 2)}, consts: []int{1}, outs: []*ir.Tensor{out(ir.Int8, 3, 2, 4, 5)}},
		{op: ir.Concatenation, opts: &ir.ConcatenationOptions{Axis: 2}, in: []*ir.Tensor{f(3, 2, 3, 4), f(4, 2, 3, 2)}, outs: []*ir.Tensor{fo(2, 3, 6)}},
		{op: ir.Concatenation, opts: &ir.ConcatenationOptions{Axis: -1}, in: []*ir.Tensor{q(u8(5, 2, 3), 0.5, 10), q(u8(6, 2, 2), 0.25, 200), q(u8(7, 2, 1), 1, 128)}, outs: []*ir.Tensor{q(out(ir.Uint8, 2, 6), 1, 128)}},
		{op: ir.Split, opts: &ir.SplitOptions{NumSplits: 3}, in: []*ir.Tensor{mvI32([]int{}, 1), f(8, 2, 6, 3)}, consts: []int{0}, outs: []*ir.Tensor{fo(2, 2, 3), fo(2, 2, 3), fo(2, 2, 3)}},
		{op: ir.SplitV, opts: &ir.SplitVOptions{NumSplits: 3}, in: []*ir.Tensor{i16(9, 4, 5), idx(2, -1, 1), mvI32([]int{}, -1)}, consts: []int{1, 2}, outs: []*ir.Tensor{out(ir.Int16, 4, 2), out(ir.Int16, 4, 2), out(ir.Int16, 4, 1)}},
		{op: ir.Pack, opts: &ir.PackOptions{ValuesCount: 3, Axis: 1}, in: []*ir.Tensor{f(10, 2, 3), f(11, 2, 3), f(12, 2, 3)}, outs: []*ir.Tensor{fo(2, 3, 3)}},
		{op: ir.Unpack, opts: &ir.UnpackOptions{Num: 4, Axis: 2}, in: []*ir.Tensor{f(13, 2, 3, 4)}, outs: []*ir.Tensor{fo(2, 3), fo(2, 3), fo(2, 3), fo(2, 3)}},
		{op: ir.Slice, in: []*ir.Tensor{f(14, 3, 4, 5), idx(1, 0, 2), idx(2, -1, 2)}, consts: []int{1, 2}, outs: []*ir.Tensor{fo(2, 4, 2)}},
		{op: ir.StridedSlice, opts: ss(0, 0, 0, 0, 0, 0), in: []*ir.Tensor{f(15, 4, 5, 6), idx(-1, 0, 1), idx(0, 5, 6), idx(-1, 2, 2)}, consts: []int{1, 2, 3}, outs: []*ir.Tensor{fo(3, 3, 3)}},
		{op: ir.StridedSlice, opts: ss(1, 0, 2, 0, 0, 0), in: []*ir.Tensor{f(16, 4, 5, 6), idx(0, 3, 0), idx(2, 4, 6), idx(1, 1, 3)}, consts: []int{1, 2, 3}, outs: []*ir.Tensor{fo(2, 2)}},
		{op: ir.StridedSlice, opts: ss(0, 0, 0, 1, 2, 0), in: []*ir.Tensor{f(17, 2, 3, 2), idx(0, 0, 0), idx(1, 2, 1), idx(1, 1, 1)}, consts: []int{1, 2, 3}, outs: []*ir.Tensor{fo(2, 3, 1, 1)}},
		{op: ir.StridedSlice, opts: ss(0, 4, 0, 0, 0, 0), in: []*ir.Tensor{q(u8(18, 3, 7), 0.1, 3), idx(2, 5), idx(0, 0), idx(-1, -2)}, consts: []int{1, 2, 3}, outs: []*ir.Tensor{q(out(ir.Uint8, 2, 3), 0.1, 3)}},
		{op: ir.Gather, opts: &ir.GatherOptions{Axis: 1}, in: []*ir.Tensor{f(19, 3, 5, 2), idx(4, 0, 4, 2)}, consts: []int{1}, outs: []*ir.Tensor{fo(3, 4, 2)}},
		{op: ir.Gather, opts: &ir.GatherOptions{Axis: 1, BatchDims: 1}, in: []*ir.Tensor{i8(20, 2, 4, 3), mvI32([]int{2, 3}, 3, 0, 1, 2, 2, 0)}, outs: []*ir.Tensor{out(ir.Int8, 2, 3, 3)}},
		{op: ir.Pad, in: []*ir.Tensor{f(21, 2, 3, 2), mvI32([]int{3, 2}, 1, 0, 2, 1, 0, 3)}, consts: []int{1}, outs: []*ir.Tensor{fo(3, 6, 5)}},
		{op: ir.Pad, in: []*ir.Tensor{q(i8(22, 1, 3, 3, 2), 0.5, -7), mvI32([]int{4, 2}, 0, 0, 1, 1, 2, 0, 0, 0)}, consts: []int{1}, outs: []*ir.Tensor{q(out(ir.Int8, 1, 5, 5, 2), 0.5, -7)}},
		{op: ir.PadV2, in: []*ir.Tensor{q(u8(23, 2, 3), 0.2, 100), mvI32([]int{2, 2}, 1, 1, 0, 2), q(mvU8([]int{}, 42), 0.2, 100)}, consts: []int{1, 2}, outs: []*ir.Tensor{q(out(ir.Uint8, 4, 5), 0.2, 100)}},
		{op: ir.PadV2, in: []*ir.Tensor{f(24, 3, 2), mvI32([]int{2, 2}, 0, 1, 2, 0), mvF32([]int{}, -1.5)}, consts: []int{1, 2}, outs: []*ir.Tensor{fo(4, 4)}},
		{op: ir.MirrorPad, opts: &ir.MirrorPadOptions{Mode: ir.MirrorReflect}, in: []*ir.Tensor{f(25, 3, 4), mvI32([]int{2, 2}, 2, 1, 3, 2)}, consts: []int{1}, outs: []*ir.Tensor{fo(6, 9)}},
		{op: ir.MirrorPad, opts: &ir.MirrorPadOptions{Mode: ir.MirrorSymmetric}, in: []*ir.Tensor{f(26, 3, 4), mvI32([]int{2, 2}, 3, 2, 4, 1)}, consts: []int{1}, outs: []*ir.Tensor{fo(8, 9)}},
		{op: ir.MirrorPad, opts: &ir.MirrorPadOptions{Mode: ir.MirrorReflect}, in: []*ir.Tensor{q(i8(57, 2, 3, 4), 0.01, 3), mvI64([]int{3, 2}, 1, 0, 2, 2, 0, 3)}, consts: []int{1}, outs: []*ir.Tensor{q(out(ir.Int8, 3, 7, 7), 0.01, 3)}},
		{op: ir.ResizeNearestNeighbor, in: []*ir.Tensor{f(27, 1, 3, 4, 2), idx(5, 7)}, consts: []int{1}, outs: []*ir.Tensor{fo(1, 5, 7, 2)}},
		{op: ir.ResizeNearestNeighbor, opts: &ir.ResizeNearestNeighborOptions{AlignCorners: true}, in: []*ir.Tensor{f(28, 1, 5, 3, 1), idx(3, 7)}, consts: []int{1}, outs: []*ir.Tensor{fo(1, 3, 7, 1)}},
		{op: ir.ResizeNearestNeighbor, opts: &ir.ResizeNearestNeighborOptions{HalfPixelCenters: true}, in: []*ir.Tensor{i8(29, 2, 4, 5, 3), idx(7, 3)}, consts: []int{1}, outs: []*ir.Tensor{out(ir.Int8, 2, 7, 3, 3)}},
		{op: ir.ResizeNearestNeighbor, opts: &ir.ResizeNearestNeighborOptions{AlignCorners: true, HalfPixelCenters: true}, in: []*ir.Tensor{f(30, 1, 4, 4, 1), idx(6, 3)}, consts: []int{1}, outs: []*ir.Tensor{fo(1, 6, 3, 1)}},
		{op: ir.ResizeBilinear, in: []*ir.Tensor{f(31, 1, 3, 4, 2), idx(5, 7)}, consts: []int{1}, outs: []*ir.Tensor{fo(1, 5, 7, 2)}, tol: 1e-5},
		{op: ir.ResizeBilinear, opts: &ir.ResizeBilinearOptions{AlignCorners: true}, in: []*ir.Tensor{f(32, 2, 4, 3, 1), idx(7, 5)}, consts: []int{1}, outs: []*ir.Tensor{fo(2, 7, 5, 1)}, tol: 1e-5},
		{op: ir.ResizeBilinear, opts: &ir.ResizeBilinearOptions{HalfPixelCenters: true}, in: []*ir.Tensor{f(33, 1, 5, 6, 3), idx(3, 4)}, consts: []int{1}, outs: []*ir.Tensor{fo(1, 3, 4, 3)}, tol: 1e-5},
		{op: ir.ResizeBilinear, opts: &ir.ResizeBilinearOptions{HalfPixelCenters: true}, in: []*ir.Tensor{q(i16(34, 1, 3, 4, 2), 0.001, 0), idx(7, 9)}, consts: []int{1}, outs: []*ir.Tensor{q(out(ir.Int16, 1, 7, 9, 2), 0.001, 0)}},
		{op: ir.ResizeBilinear, in: []*ir.Tensor{q(i16(35, 1, 4, 3, 1), 0.001, 0), idx(6, 7)}, consts: []int{1}, outs: []*ir.Tensor{q(out(ir.Int16, 1, 6, 7, 1), 0.001, 0)}},
		{op: ir.ResizeBilinear, opts: &ir.ResizeBilinearOptions{AlignCorners: true}, in: []*ir.Tensor{q(i8(36, 1, 3, 3, 2), 0.05, 3), idx(5, 8)}, consts: []int{1}, outs: []*ir.Tensor{q(out(ir.Int8, 1, 5, 8, 2), 0.05, 3)}},
		{op: ir.ResizeBilinear, opts: &ir.ResizeBilinearOptions{HalfPixelCenters: true}, in: []*ir.Tensor{q(u8(37, 1, 3, 5, 3), 0.05, 128), idx(7, 4)}, consts: []int{1}, outs: []*ir.Tensor{q(out(ir.Uint8, 1, 7, 4, 3), 0.05, 128)}},
		{op: ir.SpaceToDepth, opts: &ir.SpaceToDepthOptions{BlockSize: 2}, in: []*ir.Tensor{f(38, 2, 4, 6, 3)}, outs: []*ir.Tensor{fo(2, 2, 3, 12)}},
		{op: ir.DepthToSpace, opts: &ir.DepthToSpaceOptions{BlockSize: 3}, in: []*ir.Tensor{i8(39, 1, 2, 2, 18)}, outs: []*ir.Tensor{out(ir.Int8, 1, 6, 6, 2)}},
		{op: ir.Tile, in: []*ir.Tensor{f(40, 2, 3), idx(2, 3)}, consts: []int{1}, outs: []*ir.Tensor{fo(4, 9)}},
		{op: ir.Cast, opts: &ir.CastOptions{InType: ir.Float32, OutType: ir.Int32}, in: []*ir.Tensor{f(41, 3, 5)}, outs: []*ir.Tensor{out(ir.Int32, 3, 5)}},
		{op: ir.Cast, opts: &ir.CastOptions{InType: ir.Uint8, OutType: ir.Float32}, in: []*ir.Tensor{u8(42, 10)}, outs: []*ir.Tensor{fo(10)}},
		{op: ir.Cast, opts: &ir.CastOptions{InType: ir.Int32, OutType: ir.Int8}, in: []*ir.Tensor{mvI32([]int{5}, 300, -129, 127, -1, 70000)}, outs: []*ir.Tensor{out(ir.Int8, 5)}},
		{op: ir.Cast, opts: &ir.CastOptions{InType: ir.Float32, OutType: ir.Bool}, in: []*ir.Tensor{mvF32([]int{4}, 0, -0.5, 2, 0)}, outs: []*ir.Tensor{out(ir.Bool, 4)}},
		{op: ir.Shape, opts: &ir.ShapeOptions{OutType: ir.Int32}, in: []*ir.Tensor{f(43, 2, 3, 5)}, outs: []*ir.Tensor{out(ir.Int32, 3)}},
		{op: ir.Fill, in: []*ir.Tensor{idx(2, 3), mvF32([]int{}, 2.5)}, consts: []int{0}, outs: []*ir.Tensor{fo(2, 3)}},
		{op: ir.ZerosLike, in: []*ir.Tensor{f(44, 3, 2)}, outs: []*ir.Tensor{fo(3, 2)}},
		{op: ir.Reshape, opts: &ir.ReshapeOptions{NewShape: []int{6, 4}}, in: []*ir.Tensor{f(45, 2, 3, 4), idx(6, 4)}, consts: []int{1}, outs: []*ir.Tensor{fo(6, 4)}},
		{op: ir.Squeeze, opts: &ir.SqueezeOptions{SqueezeDims: []int{0, 2}}, in: []*ir.Tensor{f(46, 1, 3, 1, 2)}, outs: []*ir.Tensor{fo(3, 2)}},
		{op: ir.ExpandDims, in: []*ir.Tensor{f(47, 3, 2), mvI32([]int{}, -1)}, consts: []int{1}, outs: []*ir.Tensor{fo(3, 2, 1)}},
		{op: ir.Quantize, in: []*ir.Tensor{mvF32([]int{40}, ties...)}, outs: []*ir.Tensor{q(out(ir.Int8, 40), 0.5, -3)}},
		{op: ir.Quantize, in: []*ir.Tensor{mvF32([]int{40}, ties...)}, outs: []*ir.Tensor{q(out(ir.Uint8, 40), 0.5, 100)}},
		{op: ir.Quantize, in: []*ir.Tensor{f(48, 50)}, outs: []*ir.Tensor{q(out(ir.Int16, 50), 0.0007, 0)}},
		// x/0.1 lands just below .5 in float64 but on .5 in float32:
		// TFLite's builtin kernel divides in float64.
		{op: ir.Quantize, in: []*ir.Tensor{mvF32([]int{4}, 0.25, -0.25, 0.35, 0.45)}, outs: []*ir.Tensor{q(out(ir.Int8, 4), 0.1, 0)}},
		{op: ir.Quantize, in: []*ir.Tensor{mvF32([]int{4}, 0.25, -0.25, 0.35, 0.45)}, outs: []*ir.Tensor{q(out(ir.Uint8, 4), 0.1, 10)}},
		{op: ir.Quantize, in: []*ir.Tensor{mvF32([]int{4}, 0.25, -0.25, 0.35, 0.45)}, outs: []*ir.Tensor{q(out(ir.Int16, 4), 0.1, 0)}},
		{op: ir.Quantize, in: []*ir.Tensor{q(i8(49, 64), 0.37, 5)}, outs: []*ir.Tensor{q(out(ir.Int8, 64), 0.11, -9)}},
		{op: ir.Quantize, in: []*ir.Tensor{q(i8(50, 64), 0.37, 5)}, outs: []*ir.Tensor{q(out(ir.Uint8, 64), 0.5, 130)}},
		{op: ir.Quantize, in: []*ir.Tensor{q(u8(51, 64), 0.02, 128)}, outs: []*ir.Tensor{q(out(ir.Int8, 64), 0.03, 0)}},
		{op: ir.Quantize, in: []*ir.Tensor{q(i16(52, 64), 0.0003, 0)}, outs: []*ir.Tensor{q(out(ir.Int8, 64), 0.07, -2)}},
		{op: ir.Quantize, in: []*ir.Tensor{q(i16(53, 64), 0.0003, 0)}, outs: []*ir.Tensor{q(out(ir.Int16, 64), 0.00071, 0)}},
		{op: ir.Dequantize, in: []*ir.Tensor{q(i8(54, 30), 0.37, 5)}, outs: []*ir.Tensor{fo(30)}},
		{op: ir.Dequantize, in: []*ir.Tensor{q(u8(55, 30), 0.013, 140)}, outs: []*ir.Tensor{fo(30)}},
		{op: ir.Dequantize, in: []*ir.Tensor{q(i16(56, 30), 0.00031, 0)}, outs: []*ir.Tensor{fo(30)}},
	}
	var ops []ewOracleOp
	for i, c := range cases {
		n := mvNode(c.op, c.opts, c.in, c.outs...)
		k, err := mvPrepare(t, n)
		if err == nil {
			err = k.Eval(n)
		}
		if err != nil {
			t.Fatalf("case %d (%v): %v", i, c.op, err)
		}
		ops = append(ops, ewOracleOp{N: n, Consts: c.consts})
	}
	// MV_ORACLE_EACH=1 runs every case as its own model, to find the one
	// TFLite refuses when the batch fails to load.
	if os.Getenv("MV_ORACLE_EACH") != "" {
		for i := range ops {
			t.Run(fmt.Sprint(i, cases[i].op), func(t *testing.T) { ewOracle(t, ops[i]) })
		}
		return
	}
	res := ewOracle(t, ops...)
	t.Logf("TFLite ran: %v", res.NodeTypes)
	for i, c := range cases {
		for j, o := range c.outs {
			what := fmt.Sprintf("case %d (%v) output %d", i, c.op, j)
			want := res.Outputs[i][j]
			if c.tol > 0 {
				w := ir.AsFloat32(want)
				wf := make([]float64, len(w))
				for k, v := range w {
					wf[k] = float64(v)
				}
				ewCheckF32(t, what, o.Float32s(), wf, c.tol)
				continue
			}
			if !bytes.Equal(o.Data, want) {
				t.Errorf("%s differs from TFLite:\n got %v\nwant %v", what, o.Data, want)
			}
		}
	}
}
