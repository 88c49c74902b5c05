package kernels

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestReshapeFamily(t *testing.T) {
	in := mvI16([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, c := range []struct {
		op    ir.OpType
		opts  ir.Options
		ins   []*ir.Tensor
		shape []int
	}{
		{ir.Reshape, &ir.ReshapeOptions{NewShape: []int{3, 2}}, []*ir.Tensor{in, mvI32([]int{2}, 3, 2)}, []int{3, 2}},
		{ir.Reshape, nil, []*ir.Tensor{in}, []int{6}},
		{ir.Squeeze, nil, []*ir.Tensor{mvI16([]int{1, 6, 1}, 1, 2, 3, 4, 5, 6)}, []int{6}},
		{ir.ExpandDims, nil, []*ir.Tensor{in, mvI32([]int{}, 0)}, []int{1, 2, 3}},
	} {
		out := mvOut(ir.Int16, c.shape)
		mvMustRun(t, c.op, c.opts, c.ins, out)
		mvEqual(t, c.op.String(), out.Int16s(), 1, 2, 3, 4, 5, 6)
	}
	if err := mvRun(t, ir.Reshape, nil, []*ir.Tensor{in}, mvOut(ir.Int16, []int{5})); err == nil {
		t.Error("a reshape to fewer elements accepted")
	}
	if err := mvRun(t, ir.Reshape, nil, []*ir.Tensor{in}, mvOut(ir.Int32, []int{6})); err == nil {
		t.Error("a reshape to another type accepted")
	}
}

func TestShapeOp(t *testing.T) {
	in := mvTensor(ir.Float32, []int{2, 5, 7}, nil)
	o32 := mvOut(ir.Int32, []int{3})
	mvMustRun(t, ir.Shape, &ir.ShapeOptions{OutType: ir.Int32}, []*ir.Tensor{in}, o32)
	mvEqual(t, "int32", o32.Int32s(), 2, 5, 7)
	o64 := mvOut(ir.Int64, []int{3})
	mvMustRun(t, ir.Shape, &ir.ShapeOptions{OutType: ir.Int64}, []*ir.Tensor{in}, o64)
	mvEqual(t, "int64", o64.Int64s(), 2, 5, 7)
	if err := mvRun(t, ir.Shape, &ir.ShapeOptions{OutType: ir.Int64}, []*ir.Tensor{in}, mvOut(ir.Int32, []int{3})); err == nil {
		t.Error("out_type int64 with an int32 output accepted")
	}
}

func TestFillAndZerosLike(t *testing.T) {
	o := mvOut(ir.Float32, []int{2, 3})
	mvMustRun(t, ir.Fill, nil, []*ir.Tensor{mvI32([]int{2}, 2, 3), mvF32([]int{}, 1.5)}, o)
	mvEqualF32(t, "fill", o.Float32s(), 1.5, 1.5, 1.5, 1.5, 1.5, 1.5)
	o8 := mvQ(mvOut(ir.Int8, []int{3}), 0.5, 2)
	mvMustRun(t, ir.Fill, nil, []*ir.Tensor{mvI64([]int{1}, 3), mvQ(mvI8([]int{}, -7), 0.5, 2)}, o8)
	mvEqual(t, "fill int8", o8.Int8s(), -7, -7, -7)
	if err := mvRun(t, ir.Fill, nil, []*ir.Tensor{mvI64([]int{1}, 3), mvQ(mvI8([]int{}, -7), 0.25, 2)}, mvQ(mvOut(ir.Int8, []int{3}), 0.5, 2)); err == nil {
		t.Error("fill value with another scale accepted")
	}
	if err := mvRun(t, ir.Fill, nil, []*ir.Tensor{mvI32([]int{2}, 3, 2), mvF32([]int{}, 1)}, mvOut(ir.Float32, []int{2, 3})); err == nil {
		t.Error("dims disagreeing with the output shape accepted")
	}
	z := mvOut(ir.Int64, []int{2, 2})
	mvMustRun(t, ir.ZerosLike, nil, []*ir.Tensor{mvI64([]int{2, 2}, 1, 2, 3, 4)}, z)
	mvEqual(t, "zeros_like", z.Int64s(), 0, 0, 0, 0)
}

// The examples of TensorFlow's tf.tile documentation.
func TestTile(t *testing.T) {
	in := mvI32([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	o := mvOut(ir.Int32, []int{2, 6})
	mvMustRun(t, ir.Tile, nil, []*ir.Tensor{in, mvI32([]int{2}, 1, 2)}, o)
	mvEqual(t, "[1 2]", o.Int32s(), 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6)
	o2 := mvOut(ir.Int32, []int{4, 3})
	mvMustRun(t, ir.Tile, nil, []*ir.Tensor{in, mvI64([]int{2}, 2, 1)}, o2)
	mvEqual(t, "[2 1]", o2.Int32s(), 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6)
	o3 := mvOut(ir.Int32, []int{4, 6})
	mvMustRun(t, ir.Tile, nil, []*ir.Tensor{in, mvI32([]int{2}, 2, 2)}, o3)
	mvEqual(t, "[2 2]", o3.Int32s(),
		1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6,
		1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6)
	if err := mvRun(t, ir.Tile, nil, []*ir.Tensor{in, mvI32([]int{2}, 1, 3)}, mvOut(ir.Int32, []int{2, 6})); err == nil {
		t.Error("multiples disagreeing with the output shape accepted")
	}
}

// The examples of TensorFlow's space_to_depth and depth_to_space docs.
func TestSpaceToDepthAndBack(t *testing.T) {
	cases := []struct {
		in, out []int
		space   []float32 // the NHWC tensor with the larger H and W
		depth   []float32
	}{
		{[]int{1, 2, 2, 1}, []int{1, 1, 1, 4}, []float32{1, 2, 3, 4}, []float32{1, 2, 3, 4}},
		{[]int{1, 2, 2, 3}, []int{1, 1, 1, 12}, mvSeq(12), mvSeq(12)},
		{[]int{1, 4, 4, 1}, []int{1, 2, 2, 4},
			[]float32{1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 13, 14, 11, 12, 15, 16},
			mvSeq(16)},
	}
	for _, c := range cases {
		d := mvOut(ir.Float32, c.out)
		mvMustRun(t, ir.SpaceToDepth, &ir.SpaceToDepthOptions{BlockSize: 2}, []*ir.Tensor{mvF32(c.in, c.space...)}, d)
		mvEqualF32(t, "space_to_depth", d.Float32s(), c.depth...)
		s := mvOut(ir.Float32, c.in)
		mvMustRun(t, ir.DepthToSpace, &ir.DepthToSpaceOptions{BlockSize: 2}, []*ir.Tensor{mvF32(c.out, c.depth...)}, s)
		mvEqualF32(t, "depth_to_space", s.Float32s(), c.space...)
	}
	if err := mvRun(t, ir.SpaceToDepth, &ir.SpaceToDepthOptions{BlockSize: 2}, []*ir.Tensor{mvF32([]int{1, 3, 2, 1}, mvSeq(6)...)}, mvOut(ir.Float32, []int{1, 1, 1, 4})); err == nil {
		t.Error("height 3 with block 2 accepted")
	}
}

// Every movement kernel's Eval allocates nothing.
func TestMovementEvalDoesNotAllocate(t *testing.T) {
	f := func(shape ...int) *ir.Tensor { return mvF32(shape, make([]float32, product(shape))...) }
	idx := func(v ...int32) *ir.Tensor { return mvI32([]int{len(v)}, v...) }
	nodes := []*Node{
		mvNode(ir.Reshape, nil, []*ir.Tensor{f(2, 3)}, mvOut(ir.Float32, []int{6})),
		mvNode(ir.Transpose, nil, []*ir.Tensor{f(2, 3, 4), idx(2, 0, 1)}, mvOut(ir.Float32, []int{4, 2, 3})),
		mvNode(ir.Concatenation, &ir.ConcatenationOptions{Axis: 1, Activation: ir.ActRelu}, []*ir.Tensor{f(2, 2), f(2, 3)}, mvOut(ir.Float32, []int{2, 5})),
		mvNode(ir.Concatenation, nil, []*ir.Tensor{mvQ(mvU8([]int{2}, 1, 2), 0.5, 3), mvQ(mvU8([]int{1}, 1), 1, 0)}, mvQ(mvOut(ir.Uint8, []int{3}), 1, 0)),
		mvNode(ir.Pack, nil, []*ir.Tensor{f(2), f(2)}, mvOut(ir.Float32, []int{2, 2})),
		mvNode(ir.Unpack, nil, []*ir.Tensor{f(2, 2)}, mvOut(ir.Float32, []int{2}), mvOut(ir.Float32, []int{2})),
		mvNode(ir.Split, &ir.SplitOptions{NumSplits: 2}, []*ir.Tensor{mvI32([]int{}, 1), f(2, 4)}, mvOut(ir.Float32, []int{2, 2}), mvOut(ir.Float32, []int{2, 2})),
		mvNode(ir.Slice, nil, []*ir.Tensor{f(3, 4), idx(1, 1), idx(2, -1)}, mvOut(ir.Float32, []int{2, 3})),
		mvNode(ir.StridedSlice, &ir.StridedSliceOptions{ShrinkAxisMask: 1}, []*ir.Tensor{f(3, 4), idx(1, 0), idx(2, 4), idx(1, 2)}, mvOut(ir.Float32, []int{2})),
		mvNode(ir.Gather, &ir.GatherOptions{Axis: 1}, []*ir.Tensor{f(3, 4), idx(3, 0)}, mvOut(ir.Float32, []int{3, 2})),
		mvNode(ir.Pad, nil, []*ir.Tensor{f(2, 2), mvI32([]int{2, 2}, 1, 1, 0, 1)}, mvOut(ir.Float32, []int{4, 3})),
		mvNode(ir.MirrorPad, nil, []*ir.Tensor{f(2, 2), mvI32([]int{2, 2}, 1, 1, 0, 1)}, mvOut(ir.Float32, []int{4, 3})),
		mvNode(ir.ResizeNearestNeighbor, nil, []*ir.Tensor{f(1, 2, 2, 3), idx(3, 5)}, mvOut(ir.Float32, []int{1, 3, 5, 3})),
		mvNode(ir.ResizeBilinear, nil, []*ir.Tensor{f(1, 2, 2, 3), idx(3, 5)}, mvOut(ir.Float32, []int{1, 3, 5, 3})),
		mvNode(ir.ResizeBilinear, nil, []*ir.Tensor{mvI8([]int{1, 2, 2, 1}, 1, 2, 3, 4), idx(3, 5)}, mvOut(ir.Int8, []int{1, 3, 5, 1})),
		mvNode(ir.SpaceToDepth, &ir.SpaceToDepthOptions{BlockSize: 2}, []*ir.Tensor{f(1, 4, 4, 2)}, mvOut(ir.Float32, []int{1, 2, 2, 8})),
		mvNode(ir.DepthToSpace, &ir.DepthToSpaceOptions{BlockSize: 2}, []*ir.Tensor{f(1, 2, 2, 8)}, mvOut(ir.Float32, []int{1, 4, 4, 2})),
		mvNode(ir.Shape, nil, []*ir.Tensor{f(2, 3)}, mvOut(ir.Int32, []int{2})),
		mvNode(ir.Fill, nil, []*ir.Tensor{idx(2, 3), mvF32([]int{}, 1)}, mvOut(ir.Float32, []int{2, 3})),
		mvNode(ir.ZerosLike, nil, []*ir.Tensor{f(2, 3)}, mvOut(ir.Float32, []int{2, 3})),
		mvNode(ir.Tile, nil, []*ir.Tensor{f(2, 3), idx(2, 2)}, mvOut(ir.Float32, []int{4, 6})),
		mvNode(ir.Cast, nil, []*ir.Tensor{f(2, 3)}, mvOut(ir.Int32, []int{2, 3})),
		mvNode(ir.Cast, nil, []*ir.Tensor{mvU8([]int{3}, 1, 2, 3)}, mvOut(ir.Float32, []int{3})),
		mvNode(ir.Quantize, nil, []*ir.Tensor{f(2, 3)}, mvQ(mvOut(ir.Int8, []int{2, 3}), 0.5, 1)),
		mvNode(ir.Dequantize, nil, []*ir.Tensor{mvQ(mvI8([]int{2}, 1, 2), 0.5, 1)}, mvOut(ir.Float32, []int{2})),
	}
	for _, n := range nodes {
		mvNoAllocs(t, n)
	}
}
