package ir

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Expected shapes below are worked out by hand from TFLite's documented
// semantics (and, for STRIDED_SLICE, from NumPy's slicing rules, which TFLite
// follows).

func act(dims ...int) *Tensor { return &Tensor{Type: Float32, Shape: dims, HasRank: true} }

// vec is a constant int32 vector.
func vec(v ...int) *Tensor {
	d := make([]int32, len(v))
	for i, x := range v {
		d[i] = int32(x)
	}
	return &Tensor{Type: Int32, Shape: []int{len(v)}, HasRank: true, Data: Int32Bytes(d)}
}

// scalar is a constant int32 scalar.
func scalar(v int) *Tensor {
	return &Tensor{Type: Int32, Shape: []int{}, HasRank: true, Data: Int32Bytes([]int32{int32(v)})}
}

// mat is a constant int32 matrix with the given rows.
func mat(rows ...[]int) *Tensor {
	var d []int32
	for _, r := range rows {
		for _, x := range r {
			d = append(d, int32(x))
		}
	}
	cols := 0
	if len(rows) > 0 {
		cols = len(rows[0])
	}
	return &Tensor{Type: Int32, Shape: []int{len(rows), cols}, HasRank: true, Data: Int32Bytes(d)}
}

// unknownInt is an int32 tensor whose values are not known.
func unknownInt(n int) *Tensor { return &Tensor{Type: Int32, Shape: []int{n}, HasRank: true} }

func mkop(t OpType, o Options, nOut int, in ...*Tensor) (*Op, []*Tensor) {
	op := &Op{Type: t, Options: o, Version: 1}
	for i, x := range in {
		if x == nil {
			op.Inputs = append(op.Inputs, -1)
		} else {
			op.Inputs = append(op.Inputs, i)
		}
	}
	for i := range nOut {
		op.Outputs = append(op.Outputs, len(in)+i)
	}
	return op, in
}

type shapeCase struct {
	name string
	t    OpType
	o    Options
	nOut int
	in   []*Tensor
	want [][]int
	err  string // substring of the error; "NEEDS" for ErrNeedsValues
}

func runShapeCases(t *testing.T, cases []shapeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.t.String()+"/"+c.name, func(t *testing.T) {
			n := c.nOut
			if n == 0 {
				n = 1
			}
			op, in := mkop(c.t, c.o, n, c.in...)
			got, err := InferShapes(op, in)
			switch {
			case c.err == "NEEDS":
				if !errors.Is(err, ErrNeedsValues) {
					t.Fatalf("got %v, %v; want ErrNeedsValues", got, err)
				}
			case c.err != "":
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, %v; want error containing %q", got, err, c.err)
				}
				if errors.Is(err, ErrNeedsValues) {
					t.Fatalf("error %v wrongly wraps ErrNeedsValues", err)
				}
			case err != nil:
				t.Fatalf("unexpected error %v", err)
			default:
				if len(got) != len(c.want) {
					t.Fatalf("got %v, want %v", got, c.want)
				}
				for i := range got {
					if !slices.Equal(got[i], c.want[i]) || got[i] == nil {
						t.Fatalf("output %d: got %v, want %v", i, got[i], c.want[i])
					}
				}
			}
		})
	}
}

func TestShapeConvPoolMatMul(t *testing.T) {
	conv := func(p Padding, s, d int) *Conv2DOptions {
		return &Conv2DOptions{Padding: p, StrideH: s, StrideW: s, DilationH: d, DilationW: d}
	}
	runShapeCases(t, []shapeCase{
		{name: "same stride 2", t: Conv2D, o: conv(PaddingSame, 2, 1), in: []*Tensor{act(1, 5, 5, 3), act(8, 3, 3, 3), act(8)}, want: [][]int{{1, 3, 3, 8}}},
		{name: "valid", t: Conv2D, o: conv(PaddingValid, 1, 1), in: []*Tensor{act(1, 5, 5, 3), act(8, 3, 3, 3), nil}, want: [][]int{{1, 3, 3, 8}}},
		{name: "valid dilated", t: Conv2D, o: conv(PaddingValid, 2, 2), in: []*Tensor{act(1, 5, 5, 3), act(8, 3, 3, 3)}, want: [][]int{{1, 1, 1, 8}}},
		{name: "grouped", t: Conv2D, o: conv(PaddingValid, 1, 1), in: []*Tensor{act(1, 4, 4, 6), act(4, 3, 3, 3)}, want: [][]int{{1, 2, 2, 4}}},
		{name: "channels", t: Conv2D, o: conv(PaddingValid, 1, 1), in: []*Tensor{act(1, 4, 4, 6), act(4, 3, 3, 4)}, err: "not a multiple"},
		{name: "bias", t: Conv2D, o: conv(PaddingValid, 1, 1), in: []*Tensor{act(1, 4, 4, 6), act(4, 3, 3, 3), act(5)}, err: "input 2 (bias) has 5 elements"},
		{name: "rank", t: Conv2D, o: conv(PaddingValid, 1, 1), in: []*Tensor{act(4, 4, 6), act(4, 3, 3, 3)}, err: "input 0 (input) has rank 3"},
		{name: "stride 0", t: Conv2D, o: conv(PaddingValid, 0, 1), in: []*Tensor{act(1, 4, 4, 6), act(4, 3, 3, 3)}, err: "strides"},
		{name: "no options", t: Conv2D, in: []*Tensor{act(1, 4, 4, 6), act(4, 3, 3, 3)}, err: "options"},
		{name: "missing filter", t: Conv2D, o: conv(PaddingValid, 1, 1), in: []*Tensor{act(1, 4, 4, 6)}, err: "input 1 (filter) is missing"},

		{name: "same stride 2", t: DepthwiseConv2D, o: &DepthwiseConv2DOptions{Padding: PaddingSame, StrideH: 2, StrideW: 2, DepthMultiplier: 2}, in: []*Tensor{act(1, 7, 7, 4), act(1, 3, 3, 8), act(8)}, want: [][]int{{1, 4, 4, 8}}},
		{name: "filter", t: DepthwiseConv2D, o: &DepthwiseConv2DOptions{StrideH: 1, StrideW: 1}, in: []*Tensor{act(1, 7, 7, 4), act(2, 3, 3, 8)}, err: "expected [1, height, width, channels]"},

		{name: "output shape", t: TransposeConv, o: &TransposeConvOptions{Padding: PaddingSame, StrideH: 2, StrideW: 2}, in: []*Tensor{vec(1, 10, 10, 5), act(5, 3, 3, 2), act(1, 5, 5, 2)}, want: [][]int{{1, 10, 10, 5}}},
		{name: "computed shape", t: TransposeConv, o: &TransposeConvOptions{StrideH: 2, StrideW: 2}, in: []*Tensor{unknownInt(4), act(5, 3, 3, 2), act(1, 5, 5, 2)}, err: "NEEDS"},
		{name: "shape length", t: TransposeConv, o: &TransposeConvOptions{StrideH: 2, StrideW: 2}, in: []*Tensor{vec(1, 10, 5), act(5, 3, 3, 2), act(1, 5, 5, 2)}, err: "input 0 (output_shape) has 3 elements, expected 4"},

		{name: "valid", t: MaxPool2D, o: &Pool2DOptions{Padding: PaddingValid, StrideH: 2, StrideW: 2, FilterHeight: 2, FilterWidth: 2}, in: []*Tensor{act(1, 6, 6, 2)}, want: [][]int{{1, 3, 3, 2}}},
		{name: "same odd", t: AveragePool2D, o: &Pool2DOptions{Padding: PaddingSame, StrideH: 2, StrideW: 2, FilterHeight: 2, FilterWidth: 2}, in: []*Tensor{act(1, 5, 5, 2)}, want: [][]int{{1, 3, 3, 2}}},
		{name: "valid odd", t: L2Pool2D, o: &Pool2DOptions{Padding: PaddingValid, StrideH: 2, StrideW: 2, FilterHeight: 2, FilterWidth: 2}, in: []*Tensor{act(1, 5, 5, 2)}, want: [][]int{{1, 2, 2, 2}}},

		{name: "flatten", t: FullyConnected, o: &FullyConnectedOptions{}, in: []*Tensor{act(2, 3, 4), act(10, 12), act(10)}, want: [][]int{{2, 10}}},
		{name: "keep dims", t: FullyConnected, o: &FullyConnectedOptions{KeepNumDims: true}, in: []*Tensor{act(2, 3, 4), act(10, 4)}, want: [][]int{{2, 3, 10}}},
		{name: "keep dims mismatch", t: FullyConnected, o: &FullyConnectedOptions{KeepNumDims: true}, in: []*Tensor{act(2, 3, 4), act(10, 12)}, err: "last dimension"},
		{name: "not a multiple", t: FullyConnected, o: &FullyConnectedOptions{}, in: []*Tensor{act(2, 5), act(10, 3)}, err: "10 elements"},

		{name: "plain", t: BatchMatMul, in: []*Tensor{act(2, 3, 4), act(4, 5)}, want: [][]int{{2, 3, 5}}},
		{name: "adj x", t: BatchMatMul, o: &BatchMatMulOptions{AdjX: true}, in: []*Tensor{act(2, 4, 3), act(4, 5)}, want: [][]int{{2, 3, 5}}},
		{name: "adj y", t: BatchMatMul, o: &BatchMatMulOptions{AdjY: true}, in: []*Tensor{act(3, 4), act(1, 5, 4)}, want: [][]int{{1, 3, 5}}},
		{name: "broadcast", t: BatchMatMul, in: []*Tensor{act(2, 1, 3, 4), act(5, 4, 6)}, want: [][]int{{2, 5, 3, 6}}},
		{name: "inner", t: BatchMatMul, in: []*Tensor{act(3, 4), act(5, 6)}, err: "inner dimensions 4 and 5"},
		{name: "batch", t: BatchMatMul, in: []*Tensor{act(2, 3, 4), act(3, 4, 6)}, err: "batch dimensions"},
	})
}

func TestShapeElementwiseReduce(t *testing.T) {
	runShapeCases(t, []shapeCase{
		{name: "broadcast", t: Add, o: &AddOptions{}, in: []*Tensor{act(2, 1, 3), act(4, 1)}, want: [][]int{{2, 4, 3}}},
		{name: "scalar", t: Mul, in: []*Tensor{act(3), act()}, want: [][]int{{3}}},
		{name: "zero", t: Sub, in: []*Tensor{act(0, 3), act(1, 3)}, want: [][]int{{0, 3}}},
		{name: "mismatch", t: Div, in: []*Tensor{act(2, 3), act(3, 3)}, err: "cannot be broadcast"},
		{name: "comparison", t: Less, in: []*Tensor{act(2, 3), act(3)}, want: [][]int{{2, 3}}},
		{name: "alpha", t: PRelu, in: []*Tensor{act(1, 4, 4, 3), act(3)}, want: [][]int{{1, 4, 4, 3}}},
		{name: "v2", t: SelectV2, in: []*Tensor{act(2, 1), act(1, 3), act(3)}, want: [][]int{{2, 3}}},
		{name: "unary", t: HardSwish, in: []*Tensor{act(1, 2, 3)}, want: [][]int{{1, 2, 3}}},
		{name: "softmax", t: Softmax, o: &SoftmaxOptions{Beta: 1}, in: []*Tensor{act(1, 1001)}, want: [][]int{{1, 1001}}},
		{name: "quantize", t: Quantize, in: []*Tensor{act(1, 224, 224, 3)}, want: [][]int{{1, 224, 224, 3}}},

		{name: "keep", t: Mean, o: &ReducerOptions{KeepDims: true}, in: []*Tensor{act(2, 3, 4), vec(1)}, want: [][]int{{2, 1, 4}}},
		{name: "drop", t: Sum, o: &ReducerOptions{}, in: []*Tensor{act(2, 3, 4), vec(1)}, want: [][]int{{2, 4}}},
		{name: "negative repeated", t: ReduceMax, o: &ReducerOptions{}, in: []*Tensor{act(2, 3, 4), vec(-1, 0, -1)}, want: [][]int{{3}}},
		{name: "scalar axis", t: ReduceMin, o: &ReducerOptions{}, in: []*Tensor{act(2, 3, 4), scalar(-2)}, want: [][]int{{2, 4}}},
		{name: "all keep", t: Mean, o: &ReducerOptions{KeepDims: true}, in: []*Tensor{act(2, 3, 4), vec(0, 1, 2)}, want: [][]int{{1, 1, 1}}},
		{name: "all", t: Mean, o: &ReducerOptions{}, in: []*Tensor{act(2, 3, 4), vec(0, 1, 2)}, want: [][]int{{}}},
		{name: "range", t: Mean, o: &ReducerOptions{}, in: []*Tensor{act(2, 3, 4), vec(3)}, err: "axis 3 is out of range for rank 3"},
		{name: "computed axis", t: Sum, o: &ReducerOptions{}, in: []*Tensor{act(2, 3, 4), unknownInt(1)}, err: "NEEDS"},

		{name: "axis 1", t: ArgMax, o: &ArgMaxOptions{OutputType: Int32}, in: []*Tensor{act(2, 3, 4), vec(1)}, want: [][]int{{2, 4}}},
		{name: "axis -1", t: ArgMin, in: []*Tensor{act(2, 3, 4), scalar(-1)}, want: [][]int{{2, 3}}},
		{name: "vector", t: ArgMax, in: []*Tensor{act(5), scalar(0)}, want: [][]int{{}}},
		{name: "two axes", t: ArgMax, in: []*Tensor{act(2, 3, 4), vec(0, 1)}, err: "input 1 (axis) has 2 elements, expected 1"},
	})
}

func TestShapeReshapeFamily(t *testing.T) {
	runShapeCases(t, []shapeCase{
		{name: "infer", t: Reshape, in: []*Tensor{act(2, 3, 4), vec(4, -1)}, want: [][]int{{4, 6}}},
		{name: "options", t: Reshape, o: &ReshapeOptions{NewShape: []int{24}}, in: []*Tensor{act(2, 3, 4)}, want: [][]int{{24}}},
		{name: "input wins", t: Reshape, o: &ReshapeOptions{NewShape: []int{24}}, in: []*Tensor{act(2, 3, 4), vec(6, 4)}, want: [][]int{{6, 4}}},
		{name: "legacy scalar", t: Reshape, o: &ReshapeOptions{NewShape: []int{0}}, in: []*Tensor{act(1, 1)}, want: [][]int{{}}},
		{name: "empty input", t: Reshape, in: []*Tensor{act(0, 3), vec(-1, 3)}, want: [][]int{{0, 3}}},
		{name: "empty output", t: Reshape, in: []*Tensor{act(0, 3), vec(0, -1)}, want: [][]int{{0, 3}}},
		{name: "two stretch", t: Reshape, in: []*Tensor{act(2, 3), vec(-1, -1)}, err: "more than one -1"},
		{name: "count", t: Reshape, in: []*Tensor{act(2, 3), vec(4)}, err: "has 6 elements, the new shape [4] has 4"},
		{name: "computed", t: Reshape, in: []*Tensor{act(2, 3), unknownInt(2)}, err: "NEEDS"},
		{name: "none", t: Reshape, in: []*Tensor{act(2, 3)}, err: "no shape"},

		{name: "all ones", t: Squeeze, in: []*Tensor{act(1, 3, 1, 2)}, want: [][]int{{3, 2}}},
		{name: "listed", t: Squeeze, o: &SqueezeOptions{SqueezeDims: []int{-2}}, in: []*Tensor{act(1, 3, 1, 2)}, want: [][]int{{1, 3, 2}}},
		{name: "not one", t: Squeeze, o: &SqueezeOptions{SqueezeDims: []int{1}}, in: []*Tensor{act(1, 3, 1, 2)}, err: "is 3, not 1"},

		{name: "front", t: ExpandDims, in: []*Tensor{act(2, 3), scalar(0)}, want: [][]int{{1, 2, 3}}},
		{name: "back negative", t: ExpandDims, in: []*Tensor{act(2, 3), vec(-1)}, want: [][]int{{2, 3, 1}}},
		{name: "back", t: ExpandDims, in: []*Tensor{act(2, 3), scalar(2)}, want: [][]int{{2, 3, 1}}},
		{name: "range", t: ExpandDims, in: []*Tensor{act(2, 3), scalar(3)}, err: "out of range"},

		{name: "perm", t: Transpose, in: []*Tensor{act(2, 3, 4), vec(2, 0, 1)}, want: [][]int{{4, 2, 3}}},
		{name: "repeat", t: Transpose, in: []*Tensor{act(2, 3, 4), vec(0, 0, 1)}, err: "not a permutation"},
		{name: "length", t: Transpose, in: []*Tensor{act(2, 3, 4), vec(0, 1)}, err: "input 1 (perm) has 2 elements, expected 3"},

		{name: "rank", t: Shape, o: &ShapeOptions{OutType: Int32}, in: []*Tensor{act(2, 3, 4)}, want: [][]int{{3}}},
		{name: "dims", t: Fill, in: []*Tensor{vec(2, 3), scalar(7)}, want: [][]int{{2, 3}}},
		{name: "negative", t: Fill, in: []*Tensor{vec(2, -3), scalar(7)}, err: "negative dimension"},
		{name: "like", t: ZerosLike, in: []*Tensor{act(2, 3)}, want: [][]int{{2, 3}}},
		{name: "multiples", t: Tile, in: []*Tensor{act(2, 3), vec(3, 2)}, want: [][]int{{6, 6}}},
		{name: "to", t: BroadcastTo, in: []*Tensor{act(3), vec(2, 3)}, want: [][]int{{2, 3}}},
		{name: "bad to", t: BroadcastTo, in: []*Tensor{act(2), vec(2, 3)}, err: "cannot be broadcast"},

		{name: "s2d", t: SpaceToDepth, o: &SpaceToDepthOptions{BlockSize: 2}, in: []*Tensor{act(1, 4, 6, 3)}, want: [][]int{{1, 2, 3, 12}}},
		{name: "d2s", t: DepthToSpace, o: &DepthToSpaceOptions{BlockSize: 2}, in: []*Tensor{act(1, 2, 3, 12)}, want: [][]int{{1, 4, 6, 3}}},
		{name: "s2d odd", t: SpaceToDepth, o: &SpaceToDepthOptions{BlockSize: 2}, in: []*Tensor{act(1, 5, 6, 3)}, err: "does not divide"},
		{name: "s2b", t: SpaceToBatchND, in: []*Tensor{act(1, 4, 4, 3), vec(2, 2), mat([]int{0, 0}, []int{1, 1})}, want: [][]int{{4, 2, 3, 3}}},
		{name: "b2s", t: BatchToSpaceND, in: []*Tensor{act(4, 2, 3, 3), vec(2, 2), mat([]int{0, 0}, []int{1, 1})}, want: [][]int{{1, 4, 4, 3}}},

		{name: "size", t: ResizeBilinear, o: &ResizeBilinearOptions{}, in: []*Tensor{act(1, 4, 4, 3), vec(8, 6)}, want: [][]int{{1, 8, 6, 3}}},
		{name: "nearest computed", t: ResizeNearestNeighbor, in: []*Tensor{act(1, 4, 4, 3), unknownInt(2)}, err: "NEEDS"},
	})
}

func TestShapeSliceFamily(t *testing.T) {
	runShapeCases(t, []shapeCase{
		{name: "last axis", t: Concatenation, o: &ConcatenationOptions{Axis: -1}, in: []*Tensor{act(2, 3), act(2, 5)}, want: [][]int{{2, 8}}},
		{name: "mismatch", t: Concatenation, o: &ConcatenationOptions{Axis: 1}, in: []*Tensor{act(2, 3), act(3, 5)}, err: "differ outside axis 1"},

		{name: "three", t: Split, o: &SplitOptions{NumSplits: 3}, nOut: 3, in: []*Tensor{scalar(1), act(2, 6)}, want: [][]int{{2, 2}, {2, 2}, {2, 2}}},
		{name: "uneven", t: Split, o: &SplitOptions{NumSplits: 4}, nOut: 4, in: []*Tensor{scalar(1), act(2, 6)}, err: "not a multiple of the 4 splits"},
		{name: "rest", t: SplitV, o: &SplitVOptions{NumSplits: 3}, nOut: 3, in: []*Tensor{act(2, 10), vec(3, -1, 2), scalar(-1)}, want: [][]int{{2, 3}, {2, 5}, {2, 2}}},
		{name: "sum", t: SplitV, o: &SplitVOptions{NumSplits: 2}, nOut: 2, in: []*Tensor{act(2, 10), vec(3, 3), scalar(1)}, err: "adds up to 6"},

		{name: "axis 0", t: Pack, o: &PackOptions{ValuesCount: 3, Axis: 0}, in: []*Tensor{act(2, 3), act(2, 3), act(2, 3)}, want: [][]int{{3, 2, 3}}},
		{name: "axis -1", t: Pack, o: &PackOptions{ValuesCount: 3, Axis: -1}, in: []*Tensor{act(2, 3), act(2, 3), act(2, 3)}, want: [][]int{{2, 3, 3}}},
		{name: "axis 0", t: Unpack, o: &UnpackOptions{Num: 4, Axis: 0}, nOut: 4, in: []*Tensor{act(4, 2)}, want: [][]int{{2}, {2}, {2}, {2}}},
		{name: "axis -1", t: Unpack, o: &UnpackOptions{Num: 2, Axis: -1}, nOut: 2, in: []*Tensor{act(4, 2)}, want: [][]int{{4}, {4}}},
		{name: "num", t: Unpack, o: &UnpackOptions{Num: 3, Axis: 0}, nOut: 3, in: []*Tensor{act(4, 2)}, err: "must agree"},

		{name: "to end", t: Slice, in: []*Tensor{act(4, 5), vec(1, 2), vec(2, -1)}, want: [][]int{{2, 3}}},
		{name: "past end", t: Slice, in: []*Tensor{act(4, 5), vec(3, 0), vec(2, 5)}, err: "outside input 0"},

		{name: "params axis 1", t: Gather, o: &GatherOptions{Axis: 1}, in: []*Tensor{act(5, 4, 3), act(2, 6)}, want: [][]int{{5, 2, 6, 3}}},
		{name: "batch dims", t: Gather, o: &GatherOptions{Axis: 1, BatchDims: 1}, in: []*Tensor{act(2, 5, 3), act(2, 4)}, want: [][]int{{2, 4, 3}}},
		{name: "negative axis", t: Gather, o: &GatherOptions{Axis: -1}, in: []*Tensor{act(5, 4), act(3)}, want: [][]int{{5, 3}}},
		{name: "batch dims after axis", t: Gather, o: &GatherOptions{Axis: 0, BatchDims: 1}, in: []*Tensor{act(2, 5), act(2, 4)}, err: "batch_dims 1"},
		{name: "nd", t: GatherND, in: []*Tensor{act(5, 4, 3), act(2, 2)}, want: [][]int{{2, 3}}},

		{name: "pad", t: Pad, in: []*Tensor{act(1, 2, 3), mat([]int{0, 0}, []int{1, 2}, []int{3, 0})}, want: [][]int{{1, 5, 6}}},
		{name: "padv2", t: PadV2, in: []*Tensor{act(2), mat([]int{1, 1}), scalar(0)}, want: [][]int{{4}}},
		{name: "negative", t: Pad, in: []*Tensor{act(2), mat([]int{-1, 0})}, err: "negative"},
		{name: "paddings shape", t: Pad, in: []*Tensor{act(2, 2), mat([]int{1, 1})}, err: "expected [2 2]"},
		{name: "reflect too far", t: MirrorPad, o: &MirrorPadOptions{Mode: MirrorReflect}, in: []*Tensor{act(3), mat([]int{3, 0})}, err: "exceeds 2"},
		{name: "symmetric", t: MirrorPad, o: &MirrorPadOptions{Mode: MirrorSymmetric}, in: []*Tensor{act(3), mat([]int{3, 0})}, want: [][]int{{6}}},
		{name: "computed paddings", t: Pad, in: []*Tensor{act(2, 2), {Type: Int32, Shape: []int{2, 2}}}, err: "NEEDS"},

		{name: "k", t: TopKV2, nOut: 2, in: []*Tensor{act(3, 10), scalar(4)}, want: [][]int{{3, 4}, {3, 4}}},
	})
}

func TestShapeStridedSlice(t *testing.T) {
	ss := func(o StridedSliceOptions) *StridedSliceOptions { return &o }
	runShapeCases(t, []shapeCase{
		// x[1:3]
		{name: "basic", t: StridedSlice, o: ss(StridedSliceOptions{}), in: []*Tensor{act(4), vec(1), vec(3), vec(1)}, want: [][]int{{2}}},
		// x[-3:-1]
		{name: "negative indices", t: StridedSlice, o: ss(StridedSliceOptions{}), in: []*Tensor{act(4), vec(-3), vec(-1), vec(1)}, want: [][]int{{2}}},
		// x[3:0:-1] = x[3], x[2], x[1]
		{name: "negative stride", t: StridedSlice, o: ss(StridedSliceOptions{}), in: []*Tensor{act(4), vec(3), vec(0), vec(-1)}, want: [][]int{{3}}},
		// x[::-1]
		{name: "reverse masks", t: StridedSlice, o: ss(StridedSliceOptions{BeginMask: 1, EndMask: 1}), in: []*Tensor{act(4), vec(0), vec(0), vec(-1)}, want: [][]int{{4}}},
		// x[4::-2] = x[4], x[2], x[0]
		{name: "end mask negative stride 2", t: StridedSlice, o: ss(StridedSliceOptions{EndMask: 1}), in: []*Tensor{act(6), vec(4), vec(0), vec(-2)}, want: [][]int{{3}}},
		// x[0:5:2] = x[0], x[2], x[4]
		{name: "stride 2", t: StridedSlice, o: ss(StridedSliceOptions{}), in: []*Tensor{act(5), vec(0), vec(5), vec(2)}, want: [][]int{{3}}},
		// x[10:20] is empty
		{name: "clamped", t: StridedSlice, o: ss(StridedSliceOptions{}), in: []*Tensor{act(4), vec(10), vec(20), vec(1)}, want: [][]int{{0}}},
		// x[1, 0:3]
		{name: "shrink", t: StridedSlice, o: ss(StridedSliceOptions{ShrinkAxisMask: 1}), in: []*Tensor{act(2, 3), vec(1, 0), vec(2, 3), vec(1, 1)}, want: [][]int{{3}}},
		// x[-1, 0:3]: the end of a shrunk axis is ignored
		{name: "shrink negative", t: StridedSlice, o: ss(StridedSliceOptions{ShrinkAxisMask: 1}), in: []*Tensor{act(2, 3), vec(-1, 0), vec(0, 3), vec(1, 1)}, want: [][]int{{3}}},
		// x[1] on a 2x3: the unspecified trailing dimension is kept whole
		{name: "trailing", t: StridedSlice, o: ss(StridedSliceOptions{ShrinkAxisMask: 1}), in: []*Tensor{act(2, 3), vec(1), vec(2), vec(1)}, want: [][]int{{3}}},
		// x[..., 1:3] on 2x3x4x5
		{name: "ellipsis", t: StridedSlice, o: ss(StridedSliceOptions{EllipsisMask: 1}), in: []*Tensor{act(2, 3, 4, 5), vec(0, 1), vec(0, 3), vec(1, 1)}, want: [][]int{{2, 3, 4, 2}}},
		// x[1:2, ..., 0] on 2x3x4x5
		{name: "ellipsis middle", t: StridedSlice, o: ss(StridedSliceOptions{EllipsisMask: 2, ShrinkAxisMask: 4}), in: []*Tensor{act(2, 3, 4, 5), vec(1, 0, 0), vec(2, 0, 1), vec(1, 1, 1)}, want: [][]int{{1, 3, 4}}},
		// x[newaxis, :, 1] on 2x3
		{name: "new axis", t: StridedSlice, o: ss(StridedSliceOptions{NewAxisMask: 1, BeginMask: 2, EndMask: 2, ShrinkAxisMask: 4}), in: []*Tensor{act(2, 3), vec(0, 0, 1), vec(0, 0, 2), vec(1, 1, 1)}, want: [][]int{{1, 2}}},
		// x[..., newaxis] on 2x3
		{name: "ellipsis new axis", t: StridedSlice, o: ss(StridedSliceOptions{EllipsisMask: 1, NewAxisMask: 2}), in: []*Tensor{act(2, 3), vec(0, 0), vec(0, 0), vec(1, 1)}, want: [][]int{{2, 3, 1}}},
		// offset: end holds sizes
		{name: "offset", t: StridedSlice, o: ss(StridedSliceOptions{Offset: true}), in: []*Tensor{act(5, 4), unknownInt(2), vec(2, 3), vec(1, 1)}, want: [][]int{{2, 3}}},
		{name: "stride 0", t: StridedSlice, o: ss(StridedSliceOptions{}), in: []*Tensor{act(4), vec(0), vec(4), vec(0)}, err: "stride 0 is 0"},
		{name: "counts", t: StridedSlice, o: ss(StridedSliceOptions{}), in: []*Tensor{act(4, 4), vec(0, 0), vec(4), vec(1, 1)}, err: "must be equal"},
		{name: "computed begin", t: StridedSlice, o: ss(StridedSliceOptions{}), in: []*Tensor{act(4), unknownInt(1), vec(4), vec(1)}, err: "NEEDS"},
	})
}

func TestResolveStridedSliceIteration(t *testing.T) {
	// x[4::-2] on 6 elements visits 4, 2, 0: start 4, stop -1.
	p, err := ResolveStridedSlice([]int{6}, []int{4}, []int{0}, []int{-2}, &StridedSliceOptions{EndMask: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p.Start[0] != 4 || p.Stop[0] != -1 || p.Stride[0] != -2 {
		t.Fatalf("got start %d stop %d stride %d, want 4, -1, -2", p.Start[0], p.Stop[0], p.Stride[0])
	}
	// Offset: begin 1, size 2 on axis 0 runs 1..3.
	p, err = ResolveStridedSlice([]int{5, 4}, []int{1, 0}, []int{2, 3}, []int{1, 1}, &StridedSliceOptions{Offset: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Start, []int{1, 0}) || !slices.Equal(p.Stop, []int{3, 3}) {
		t.Fatalf("offset: got start %v stop %v, want [1 0] [3 3]", p.Start, p.Stop)
	}
	// New axis: the effective input shape carries the inserted 1.
	p, err = ResolveStridedSlice([]int{2, 3}, []int{0, 0, 1}, []int{0, 0, 2}, []int{1, 1, 1}, &StridedSliceOptions{NewAxisMask: 1, BeginMask: 2, EndMask: 2, ShrinkAxisMask: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.InputShape, []int{1, 2, 3}) || !slices.Equal(p.Shrink, []bool{false, false, true}) || p.Start[2] != 1 || p.Stop[2] != 2 {
		t.Fatalf("new axis: got %+v", p)
	}
}

func TestShapeSequence(t *testing.T) {
	lstm := func(x *Tensor, inOut, recOut, proj *Tensor, timeMajor bool) []*Tensor {
		in := make([]*Tensor, 24)
		in[0], in[4], in[8], in[16] = x, inOut, recOut, proj
		if proj == nil {
			in[16] = nil
		}
		return in
	}
	o := &UnidirectionalSequenceLSTMOptions{}
	tm := &UnidirectionalSequenceLSTMOptions{TimeMajor: true}
	runShapeCases(t, []shapeCase{
		{name: "batch major", t: UnidirectionalSequenceLSTM, o: o, in: lstm(act(2, 28, 28), act(20, 28), act(20, 20), nil, false), want: [][]int{{2, 28, 20}}},
		{name: "time major", t: UnidirectionalSequenceLSTM, o: tm, in: lstm(act(28, 2, 28), act(20, 28), act(20, 20), nil, true), want: [][]int{{28, 2, 20}}},
		{name: "projection", t: UnidirectionalSequenceLSTM, o: o, in: lstm(act(2, 5, 8), act(20, 8), act(20, 16), act(16, 20), false), want: [][]int{{2, 5, 16}}},
		{name: "features", t: UnidirectionalSequenceLSTM, o: o, in: lstm(act(2, 5, 7), act(20, 8), act(20, 16), nil, false), err: "does not take the 7 features"},
		{name: "rank", t: UnidirectionalSequenceLSTM, o: o, in: lstm(act(5, 7), act(20, 8), act(20, 16), nil, false), err: "input 0 (input) has rank 2"},

		{name: "rank 2", t: SVDF, o: &SVDFOptions{Rank: 2}, in: []*Tensor{act(2, 10), act(8, 10), act(8, 4), act(4), act(2, 32)}, want: [][]int{{2, 4}}},
		{name: "state", t: SVDF, o: &SVDFOptions{Rank: 2}, in: []*Tensor{act(2, 10), act(8, 10), act(8, 4), nil, act(2, 30)}, err: "input 4 (state) has shape [2 30], expected [2 32]"},
	})
}

func TestBroadcastShapes(t *testing.T) {
	for _, c := range []struct {
		in   [][]int
		want []int
	}{
		{[][]int{{1, 4}, {3, 1}}, []int{3, 4}},
		{[][]int{{5, 1, 3}, {2, 1}, {}}, []int{5, 2, 3}},
		{[][]int{{0}, {1}}, []int{0}},
		{[][]int{}, []int{}},
	} {
		got, err := BroadcastShapes(c.in...)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("BroadcastShapes(%v) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if _, err := BroadcastShapes([]int{2}, []int{3}); err == nil {
		t.Error("BroadcastShapes([2], [3]) succeeded")
	}
}

func TestConvPadding(t *testing.T) {
	// SAME, in 5, filter 3, stride 2: out 3, total padding (3-1)*2+3-5 = 2.
	if b, e := ConvPadding(5, 3, 2, 1, ConvOutputSize(PaddingSame, 5, 3, 2, 1)); b != 1 || e != 0 {
		t.Errorf("got %d, %d; want 1, 0", b, e)
	}
	// SAME, in 4, filter 3, stride 2: out 2, total (2-1)*2+3-4 = 1: 0 before, 1 extra.
	if b, e := ConvPadding(4, 3, 2, 1, ConvOutputSize(PaddingSame, 4, 3, 2, 1)); b != 0 || e != 1 {
		t.Errorf("got %d, %d; want 0, 1", b, e)
	}
	// VALID needs none.
	if b, e := ConvPadding(5, 3, 1, 1, ConvOutputSize(PaddingValid, 5, 3, 1, 1)); b != 0 || e != 0 {
		t.Errorf("got %d, %d; want 0, 0", b, e)
	}
	if got := ConvOutputSize(PaddingValid, 2, 5, 1, 1); got != 0 {
		t.Errorf("window larger than input: got %d, want 0", got)
	}
}
