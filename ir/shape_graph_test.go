package ir

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestGraphInferShapes: x [2,6] and y [3,4] are inputs; the ops are listed
// out of order to exercise the topological walk.
//
//	s = SHAPE(y)          -> [2], values [3 4]
//	r = RESHAPE(x, s)     -> [3 4] (the SHAPE value is used)
//	a = ADD(r, c[4])      -> [3 4]
//	m = MEAN(a, axis=[1]) -> [3]
func TestGraphInferShapes(t *testing.T) {
	g := &Graph{
		Tensors: []*Tensor{
			act(2, 6),                           // 0 x
			act(3, 4),                           // 1 y
			{Type: Int32},                       // 2 s
			{Type: Float32},                     // 3 r
			act(4),                              // 4 c (made constant below)
			{Type: Float32},                     // 5 a
			vec(1),                              // 6 axis
			{Type: Float32},                     // 7 m
			{Type: Int32, Shape: []int{2}},      // 8 computed shape input
			{Type: Float32, Shape: []int{9, 9}}, // 9 reshaped by 8
			{Type: Float32, Shape: []int{7}},    // 10 depends on 9
		},
		Inputs:  []int{0, 1, 8},
		Outputs: []int{7, 10},
	}
	g.Tensors[4].Data = Float32Bytes([]float32{1, 2, 3, 4})
	g.Ops = []*Op{
		{Type: Mean, Inputs: []int{5, 6}, Outputs: []int{7}, Options: &ReducerOptions{}},
		{Type: Add, Inputs: []int{3, 4}, Outputs: []int{5}, Options: &AddOptions{}},
		{Type: Reshape, Inputs: []int{0, 2}, Outputs: []int{3}},
		{Type: Shape, Inputs: []int{1}, Outputs: []int{2}, Options: &ShapeOptions{OutType: Int32}},
		{Type: Reshape, Inputs: []int{0, 8}, Outputs: []int{9}},
		{Type: Relu, Inputs: []int{9}, Outputs: []int{10}},
	}
	err := g.InferShapes()
	if !errors.Is(err, ErrNeedsValues) || !strings.Contains(err.Error(), "op 4 (RESHAPE)") {
		t.Fatalf("got %v, want ErrNeedsValues naming op 4 (RESHAPE)", err)
	}
	if strings.Contains(err.Error(), "RELU") {
		t.Errorf("error %v also names the dependent op", err)
	}
	for ti, want := range map[int][]int{2: {2}, 3: {3, 4}, 5: {3, 4}, 7: {3}, 9: {9, 9}, 10: {7}} {
		if got := g.Tensors[ti].Shape; !slices.Equal(got, want) {
			t.Errorf("tensor %d: shape %v, want %v", ti, got, want)
		}
	}
	if g.Tensors[2].Data != nil {
		t.Error("InferShapes turned SHAPE's output into a constant")
	}

	// A shape error stops the walk and names the op.
	g.Tensors[4] = vecF(5)
	err = g.InferShapes()
	if err == nil || errors.Is(err, ErrNeedsValues) || !strings.Contains(err.Error(), "op 1 (ADD): input 0 (x) and input 1 (y)") {
		t.Fatalf("got %v, want a broadcast error naming op 1 (ADD)", err)
	}
}

func vecF(n int) *Tensor {
	return &Tensor{Type: Float32, Shape: []int{n}, HasRank: true, Data: make([]byte, 4*n)}
}

func TestGraphInferShapesCycle(t *testing.T) {
	g := &Graph{
		Tensors: []*Tensor{act(2), act(2)},
		Ops: []*Op{
			{Type: Relu, Inputs: []int{1}, Outputs: []int{0}},
			{Type: Relu, Inputs: []int{0}, Outputs: []int{1}},
		},
	}
	if err := g.InferShapes(); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("got %v, want a cycle error", err)
	}
}
