package ir

import (
	"math"
	"testing"
)

// Lengths worked out by hand: ceil(|limit-start| / |delta|).

func f32Scalar(v float32) *Tensor {
	return &Tensor{Type: Float32, Shape: []int{}, HasRank: true, Data: Float32Bytes([]float32{v})}
}

func i64Scalar(v int64) *Tensor {
	return &Tensor{Type: Int64, Shape: []int{}, HasRank: true, Data: Int64Bytes([]int64{v})}
}

func TestShapeRange(t *testing.T) {
	runShapeCases(t, []shapeCase{
		{name: "up", t: Range, in: []*Tensor{scalar(0), scalar(10), scalar(3)}, want: [][]int{{4}}},             // 0 3 6 9
		{name: "exact", t: Range, in: []*Tensor{scalar(0), scalar(9), scalar(3)}, want: [][]int{{3}}},           // 0 3 6
		{name: "down", t: Range, in: []*Tensor{scalar(10), scalar(-2), scalar(-4)}, want: [][]int{{3}}},         // 10 6 2
		{name: "empty", t: Range, in: []*Tensor{scalar(5), scalar(5), scalar(-1)}, want: [][]int{{0}}},          // start == limit
		{name: "int64", t: Range, in: []*Tensor{i64Scalar(-3), i64Scalar(4), i64Scalar(2)}, want: [][]int{{4}}}, // -3 -1 1 3
		{name: "int64 extremes", t: Range, in: []*Tensor{i64Scalar(math.MinInt64), i64Scalar(math.MaxInt64), i64Scalar(math.MaxInt64)}, want: [][]int{{3}}},
		{name: "float", t: Range, in: []*Tensor{f32Scalar(1), f32Scalar(2), f32Scalar(0.3)}, want: [][]int{{4}}}, // 1 1.3 1.6 1.9
		{name: "float down", t: Range, in: []*Tensor{f32Scalar(0), f32Scalar(-1), f32Scalar(-0.25)}, want: [][]int{{4}}},
		{name: "zero delta", t: Range, in: []*Tensor{scalar(0), scalar(3), scalar(0)}, err: "nonzero"},
		{name: "away", t: Range, in: []*Tensor{scalar(0), scalar(3), scalar(-1)}, err: "does not lead"},
		{name: "nan", t: Range, in: []*Tensor{f32Scalar(float32(math.NaN())), f32Scalar(3), f32Scalar(1)}, err: "does not lead"},
		{name: "infinite", t: Range, in: []*Tensor{f32Scalar(0), f32Scalar(float32(math.Inf(1))), f32Scalar(1)}, err: "more than"},
		{name: "too long", t: Range, in: []*Tensor{i64Scalar(0), i64Scalar(1 << 40), i64Scalar(1)}, err: "more than"},
		{name: "mixed types", t: Range, in: []*Tensor{scalar(0), f32Scalar(3), scalar(1)}, err: "input 1 (limit) is float32"},
		{name: "not scalar", t: Range, in: []*Tensor{vec(0, 1), scalar(3), scalar(1)}, err: "expected a scalar"},
		{name: "computed", t: Range, in: []*Tensor{scalar(0), {Type: Int32, Shape: []int{}, HasRank: true}, scalar(1)}, err: "NEEDS"},
	})
}

func TestShapeSelect(t *testing.T) {
	runShapeCases(t, []shapeCase{
		{name: "same", t: Select, in: []*Tensor{act(2, 3), act(2, 3), act(2, 3)}, want: [][]int{{2, 3}}},
		{name: "rank one", t: Select, in: []*Tensor{act(2), act(2, 3), act(2, 3)}, want: [][]int{{2, 3}}},
		{name: "scalar", t: Select, in: []*Tensor{act(), act(2, 3), act(2, 3)}, want: [][]int{{2, 3}}},
		{name: "last dim", t: Select, in: []*Tensor{act(3), act(2, 3), act(2, 3)}, err: "neither a scalar"},
		{name: "x y", t: Select, in: []*Tensor{act(2), act(2, 3), act(2, 1)}, err: "differ"},
	})
}
