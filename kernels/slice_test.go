package kernels

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// Cases from TFLite's strided_slice_test.cc (inputs, masks and expected
// outputs as published there), run on float32 and on int8 data.
var stridedSliceCases = []struct {
	name                                   string
	in                                     []int
	data                                   []float32
	begin, end, strides                    []int32
	beginM, endM, ellipsisM, newM, shrinkM int32
	outShape                               []int
	want                                   []float32
}{
	{"1D_NegativeBegin", []int{4}, mvSeq(4), []int32{-3}, []int32{3}, []int32{1}, 0, 0, 0, 0, 0, []int{2}, []float32{2, 3}},
	{"1D_OutOfRangeBegin", []int{4}, mvSeq(4), []int32{-5}, []int32{3}, []int32{1}, 0, 0, 0, 0, 0, []int{3}, []float32{1, 2, 3}},
	{"1D_NegativeEnd", []int{4}, mvSeq(4), []int32{1}, []int32{-2}, []int32{1}, 0, 0, 0, 0, 0, []int{1}, []float32{2}},
	{"1D_OutOfRangeEnd", []int{4}, mvSeq(4), []int32{-3}, []int32{5}, []int32{1}, 0, 0, 0, 0, 0, []int{3}, []float32{2, 3, 4}},
	{"1D_BeginMask", []int{4}, mvSeq(4), []int32{1}, []int32{3}, []int32{1}, 1, 0, 0, 0, 0, []int{3}, []float32{1, 2, 3}},
	{"1D_NegativeBeginNegativeStride", []int{4}, mvSeq(4), []int32{-2}, []int32{-3}, []int32{-1}, 0, 0, 0, 0, 0, []int{1}, []float32{3}},
	{"1D_OutOfRangeBeginNegativeStride", []int{4}, mvSeq(4), []int32{5}, []int32{2}, []int32{-1}, 0, 0, 0, 0, 0, []int{1}, []float32{4}},
	{"1D_NegativeEndNegativeStride", []int{4}, mvSeq(4), []int32{2}, []int32{-4}, []int32{-1}, 0, 0, 0, 0, 0, []int{2}, []float32{3, 2}},
	{"1D_OutOfRangeEndNegativeStride", []int{4}, mvSeq(4), []int32{-3}, []int32{-5}, []int32{-1}, 0, 0, 0, 0, 0, []int{2}, []float32{2, 1}},
	{"1D_EndMask", []int{4}, mvSeq(4), []int32{1}, []int32{3}, []int32{1}, 0, 1, 0, 0, 0, []int{3}, []float32{2, 3, 4}},
	{"1D_NegStride", []int{3}, mvSeq(3), []int32{-1}, []int32{-4}, []int32{-1}, 0, 0, 0, 0, 0, []int{3}, []float32{3, 2, 1}},
	{"1D_EvenLenStride2", []int{2}, mvSeq(2), []int32{0}, []int32{2}, []int32{2}, 0, 0, 0, 0, 0, []int{1}, []float32{1}},
	{"1D_OddLenStride2", []int{3}, mvSeq(3), []int32{0}, []int32{3}, []int32{2}, 0, 0, 0, 0, 0, []int{2}, []float32{1, 3}},
	{"2D", []int{2, 3}, mvSeq(6), []int32{1, 0}, []int32{2, 2}, []int32{1, 1}, 0, 0, 0, 0, 0, []int{1, 2}, []float32{4, 5}},
	{"2D_Stride2", []int{2, 3}, mvSeq(6), []int32{0, 0}, []int32{2, 3}, []int32{2, 2}, 0, 0, 0, 0, 0, []int{1, 2}, []float32{1, 3}},
	{"2D_NegStride", []int{2, 3}, mvSeq(6), []int32{1, -1}, []int32{2, -4}, []int32{2, -1}, 0, 0, 0, 0, 0, []int{1, 3}, []float32{6, 5, 4}},
	{"2D_BeginMask", []int{2, 3}, mvSeq(6), []int32{1, 0}, []int32{2, 2}, []int32{1, 1}, 1, 0, 0, 0, 0, []int{2, 2}, []float32{1, 2, 4, 5}},
	{"2D_EndMask", []int{2, 3}, mvSeq(6), []int32{1, 0}, []int32{2, 2}, []int32{1, 1}, 0, 2, 0, 0, 0, []int{1, 3}, []float32{4, 5, 6}},
	{"2D_NegStrideBeginMask", []int{2, 3}, mvSeq(6), []int32{1, -2}, []int32{2, -4}, []int32{1, -1}, 2, 0, 0, 0, 0, []int{1, 3}, []float32{6, 5, 4}},
	{"2D_NegStrideEndMask", []int{2, 3}, mvSeq(6), []int32{1, -2}, []int32{2, -3}, []int32{1, -1}, 0, 2, 0, 0, 0, []int{1, 2}, []float32{5, 4}},
	{"3D_NegStride", []int{2, 3, 2}, mvSeq(12), []int32{-1, -1, -1}, []int32{-3, -4, -3}, []int32{-1, -1, -1}, 0, 0, 0, 0, 0, []int{2, 3, 2}, []float32{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
	{"3D_Strided2", []int{2, 3, 2}, mvSeq(12), []int32{0, 0, 0}, []int32{2, 3, 2}, []int32{2, 2, 2}, 0, 0, 0, 0, 0, []int{1, 2, 1}, []float32{1, 5}},
	{"1D_ShrinkAxisMask1", []int{4}, mvSeq(4), []int32{1}, []int32{2}, []int32{1}, 0, 0, 0, 0, 1, []int{}, []float32{2}},
	{"1D_ShrinkAxisMask1_NegativeSlice", []int{4}, []float32{0, 1, 2, 3}, []int32{-1}, []int32{0}, []int32{1}, 0, 0, 0, 0, 1, []int{}, []float32{3}},
	{"2D_ShrinkAxis3_NegativeSlice", []int{4, 1}, []float32{0, 1, 2, 3}, []int32{-2, -1}, []int32{-1, 0}, []int32{1, 1}, 0, 0, 0, 0, 3, []int{}, []float32{2}},
	{"2D_ShrinkAxis2_BeginEndAxis1_NegativeSlice", []int{4, 1}, []float32{0, 1, 2, 3}, []int32{0, -1}, []int32{0, 0}, []int32{1, 1}, 1, 1, 0, 0, 2, []int{4}, []float32{0, 1, 2, 3}},
	{"1D_BeginMaskShrinkAxisMask1", []int{4}, mvSeq(4), []int32{1}, []int32{1}, []int32{1}, 1, 0, 0, 0, 1, []int{}, []float32{1}},
	{"2D_ShrinkAxisMask2", []int{2, 3}, mvSeq(6), []int32{0, 0}, []int32{2, 1}, []int32{1, 1}, 0, 0, 0, 0, 2, []int{2}, []float32{1, 4}},
	{"3D_IdentityShrinkAxis4", []int{2, 3, 2}, mvSeq(12), []int32{0, 0, 0}, []int32{2, 3, 1}, []int32{1, 1, 1}, 0, 0, 0, 0, 4, []int{2, 3}, []float32{1, 3, 5, 7, 9, 11}},
	{"3D_IdentityShrinkAxis6", []int{2, 3, 2}, mvSeq(12), []int32{0, 0, 0}, []int32{2, 1, 1}, []int32{1, 1, 1}, 0, 0, 0, 0, 6, []int{2}, []float32{1, 7}},
	{"5D_IdentityShrinkAxis1", []int{2, 2, 2, 1, 2}, mvSeq(16), []int32{0, 0, 0, 0, 0}, []int32{2, 1, 2, 1, 2}, []int32{1, 1, 1, 1, 1}, 0, 0, 0, 0, 1, []int{1, 2, 1, 2}, []float32{1, 2, 3, 4}},
	{"3D_SmallBeginWithShrinkAxis1", []int{2, 3, 2}, mvSeq(12), []int32{0}, []int32{1}, []int32{1}, 0, 0, 0, 0, 1, []int{3, 2}, []float32{1, 2, 3, 4, 5, 6}},
	{"3D_BackwardSmallBegin", []int{1, 1, 2}, mvSeq(2), []int32{1}, []int32{0}, []int32{1}, 0, 1, 0, 0, 0, []int{0, 1, 2}, []float32{}},
	{"2D_ShrinkAxis_Endmask_AtSameAxis", []int{2, 2}, []float32{0, 1, 2, 3}, []int32{0, -1}, []int32{0, 0}, []int32{1, -1}, 1, 1, 0, 0, 1, []int{1}, []float32{1}},
	{"EllipsisMask1_NewAxisMask2", []int{2, 3, 2}, mvSeq(12), []int32{0, 0, 0}, []int32{1, 2, 1}, []int32{1, 1, 1}, 0, 0, 1, 2, 0, []int{2, 3, 1, 1}, []float32{1, 3, 5, 7, 9, 11}},
	{"EllipsisMask2_NewAxisMask1", []int{2, 3, 2}, mvSeq(12), []int32{0, 0, 0}, []int32{1, 2, 1}, []int32{1, 1, 1}, 0, 0, 2, 1, 0, []int{1, 2, 3, 1}, []float32{1, 3, 5, 7, 9, 11}},
	{"EllipsisMask2_NewAxisMask5", []int{2, 3, 2}, mvSeq(12), []int32{0, 0, 0}, []int32{1, 2, 1}, []int32{1, 1, 1}, 0, 0, 2, 5, 0, []int{1, 2, 3, 2, 1}, mvSeq(12)},
	{"EllipsisMask2_NewAxisMask2", []int{2, 3, 2}, mvSeq(12), []int32{0, 0, 0}, []int32{1, 2, 1}, []int32{1, 1, 1}, 0, 0, 2, 2, 0, []int{1, 3, 1}, []float32{1, 3, 5}},
	{"EllipsisMask4_NewAxisMask2", []int{2, 3, 2}, mvSeq(12), []int32{0, 0, 0}, []int32{1, 2, 1}, []int32{1, 1, 1}, 0, 0, 4, 2, 0, []int{1, 1, 3, 2}, []float32{1, 2, 3, 4, 5, 6}},
	{"EllipsisMask2", []int{2, 3, 2}, mvSeq(12), []int32{0, 0, 0}, []int32{1, 2, 1}, []int32{1, 1, 1}, 0, 0, 2, 0, 0, []int{1, 3, 1}, []float32{1, 3, 5}},
	{"NewAxisMask2", []int{2, 3, 2}, mvSeq(12), []int32{0, 0, 0}, []int32{1, 3, 1}, []int32{1, 1, 1}, 0, 0, 0, 2, 0, []int{1, 1, 1, 2}, []float32{1, 2}},
	{"NewAxisMask1", []int{2, 3, 2}, mvSeq(12), []int32{0, 0, 0}, []int32{1, 3, 1}, []int32{1, 1, 1}, 0, 0, 0, 1, 0, []int{1, 2, 1, 2}, []float32{1, 2, 7, 8}},
}

func TestStridedSliceTFLiteCases(t *testing.T) {
	for _, c := range stridedSliceCases {
		t.Run(c.name, func(t *testing.T) {
			opts := &ir.StridedSliceOptions{BeginMask: c.beginM, EndMask: c.endM, EllipsisMask: c.ellipsisM, NewAxisMask: c.newM, ShrinkAxisMask: c.shrinkM}
			idx := func(v []int32) *ir.Tensor { return mvI32([]int{len(v)}, v...) }
			ins := []*ir.Tensor{mvF32(c.in, c.data...), idx(c.begin), idx(c.end), idx(c.strides)}
			// The runtime's shape inference must agree with TFLite's shape.
			shapes, err := ir.InferShapes(&ir.Op{Type: ir.StridedSlice, Options: opts, Inputs: []int{0, 1, 2, 3}, Outputs: []int{4}}, ins)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shapes[0], c.outShape) {
				t.Fatalf("shape inference gives %v, TFLite %v", shapes[0], c.outShape)
			}
			out := mvOut(ir.Float32, c.outShape)
			mvMustRun(t, ir.StridedSlice, opts, ins, out)
			mvEqualF32(t, "float32", out.Float32s(), c.want...)

			// The same slice of int8 data (one byte per element).
			q := make([]int8, len(c.data))
			for i, v := range c.data {
				q[i] = int8(v)
			}
			ins[0] = mvI8(c.in, q...)
			out8 := mvOut(ir.Int8, c.outShape)
			mvMustRun(t, ir.StridedSlice, opts, ins, out8)
			for i, v := range out8.Int8s() {
				if float32(v) != c.want[i] {
					t.Fatalf("int8: got %v, want %v", out8.Int8s(), c.want)
				}
			}
		})
	}
}

// naiveStridedSlice is the definition for masks-free slices: walk each axis
// from start while below stop (above, for a negative stride).
func naiveStridedSlice(shape []int, data []int64, start, stop, stride []int) ([]int, []int64) {
	var out []int64
	var dims []int
	for d := range shape {
		n := 0
		for i := start[d]; (stride[d] > 0 && i < stop[d]) || (stride[d] < 0 && i > stop[d]); i += stride[d] {
			n++
		}
		dims = append(dims, n)
	}
	strides := rowMajorStrides(shape)
	var walk func(d, off int)
	walk = func(d, off int) {
		if d == len(shape) {
			out = append(out, data[off])
			return
		}
		for i := start[d]; (stride[d] > 0 && i < stop[d]) || (stride[d] < 0 && i > stop[d]); i += stride[d] {
			walk(d+1, off+i*strides[d])
		}
	}
	walk(0, 0)
	return dims, out
}

// Random in-range slices of int64 data against the naive definition.
func TestStridedSliceRandomInRange(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for iter := 0; iter < 300; iter++ {
		rank := 1 + rng.Intn(4)
		shape := make([]int, rank)
		for d := range shape {
			shape[d] = 1 + rng.Intn(5)
		}
		data := make([]int64, product(shape))
		for i := range data {
			data[i] = rng.Int63()
		}
		begin, end, strides := make([]int32, rank), make([]int32, rank), make([]int32, rank)
		start, stop, step := make([]int, rank), make([]int, rank), make([]int, rank)
		for d, n := range shape {
			s := 1 + rng.Intn(3)
			if rng.Intn(2) == 0 {
				s = -s
			}
			b := rng.Intn(n)
			var e int
			if s > 0 {
				e = b + rng.Intn(n-b+1)
			} else {
				e = -1 + rng.Intn(b+1)
			}
			start[d], stop[d], step[d] = b, e, s
			begin[d], end[d], strides[d] = int32(b), int32(e), int32(s)
			if e == -1 {
				// -1 would count from the end; TFLite needs end_mask for "before 0".
				end[d] = 0
			}
		}
		var endMask int32
		for d := range shape {
			if stop[d] == -1 {
				endMask |= 1 << d
			}
		}
		dims, want := naiveStridedSlice(shape, data, start, stop, step)
		opts := &ir.StridedSliceOptions{EndMask: endMask}
		idx := func(v []int32) *ir.Tensor { return mvI32([]int{len(v)}, v...) }
		ins := []*ir.Tensor{mvI64(shape, data...), idx(begin), idx(end), idx(strides)}
		out := mvOut(ir.Int64, dims)
		if err := mvRun(t, ir.StridedSlice, opts, ins, out); err != nil {
			t.Fatalf("shape %v begin %v end %v strides %v: %v", shape, begin, end, strides, err)
		}
		if !slices.Equal(out.Int64s(), want) {
			t.Fatalf("shape %v begin %v end %v strides %v: got %v, want %v", shape, begin, end, strides, out.Int64s(), want)
		}
	}
}

func TestStridedSliceErrors(t *testing.T) {
	idx := func(v ...int32) *ir.Tensor { return mvI32([]int{len(v)}, v...) }
	in := mvF32([]int{4}, mvSeq(4)...)
	// A zero stride.
	if err := mvRun(t, ir.StridedSlice, nil, []*ir.Tensor{in, idx(0), idx(4), idx(0)}, mvOut(ir.Float32, []int{4})); err == nil {
		t.Error("stride 0 accepted")
	}
	// An output shape that does not match the slice.
	if err := mvRun(t, ir.StridedSlice, nil, []*ir.Tensor{in, idx(0), idx(4), idx(1)}, mvOut(ir.Float32, []int{3})); err == nil {
		t.Error("wrong output shape accepted")
	}
	// A shrunk axis whose index is out of range.
	if err := mvRun(t, ir.StridedSlice, &ir.StridedSliceOptions{ShrinkAxisMask: 1}, []*ir.Tensor{in, idx(7), idx(8), idx(1)}, mvOut(ir.Float32, []int{})); err == nil {
		t.Error("out-of-range shrink index accepted")
	}
}

// Index inputs computed at run time: Prepare sees no data, Eval plans.
func TestStridedSliceDynamicIndices(t *testing.T) {
	idx := func(v ...int32) *ir.Tensor { return mvI32([]int{len(v)}, v...) }
	in := mvF32([]int{2, 3}, mvSeq(6)...)
	begin, end, strides := idx(0, 2), idx(2, 3), idx(1, 1)
	out := mvOut(ir.Float32, []int{2, 1})
	n := mvNode(ir.StridedSlice, nil, []*ir.Tensor{in, begin, end, strides}, out)
	data := begin.Data
	begin.Data = nil
	k, err := mvPrepare(t, n)
	if err != nil {
		t.Fatal(err)
	}
	begin.Data = data
	if err := k.Eval(n); err != nil {
		t.Fatal(err)
	}
	mvEqualF32(t, "first", out.Float32s(), 3, 6)
	copy(begin.Data, ir.Int32Bytes([]int32{0, 0}))
	copy(end.Data, ir.Int32Bytes([]int32{2, 1}))
	if err := k.Eval(n); err != nil {
		t.Fatal(err)
	}
	mvEqualF32(t, "after the indices changed", out.Float32s(), 1, 4)
}

func TestSlice(t *testing.T) {
	// From TFLite's slice_test.cc: In3D and SizeMinus1.
	in := mvF32([]int{3, 2, 3, 1}, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6)
	out := mvOut(ir.Float32, []int{2, 1, 3, 1})
	mvMustRun(t, ir.Slice, nil, []*ir.Tensor{in, mvI32([]int{4}, 1, 0, 0, 0), mvI32([]int{4}, 2, 1, -1, 1)}, out)
	mvEqualF32(t, "size -1", out.Float32s(), 3, 3, 3, 5, 5, 5)

	in2 := mvI64([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	out2 := mvOut(ir.Int64, []int{2, 2})
	mvMustRun(t, ir.Slice, nil, []*ir.Tensor{in2, mvI64([]int{2}, 0, 1), mvI64([]int{2}, 2, 2)}, out2)
	mvEqual(t, "int64 with int64 indices", out2.Int64s(), 2, 3, 5, 6)

	if err := mvRun(t, ir.Slice, nil, []*ir.Tensor{in2, mvI32([]int{2}, 1, 2), mvI32([]int{2}, 2, 2)}, mvOut(ir.Int64, []int{2, 2})); err == nil {
		t.Error("a slice past the end was accepted")
	}
	if err := mvRun(t, ir.Slice, nil, []*ir.Tensor{in2, mvI32([]int{2}, -1, 0), mvI32([]int{2}, 1, 1)}, mvOut(ir.Int64, []int{1, 1})); err == nil {
		t.Error("a negative begin was accepted")
	}
}
