package ir

import (
	"slices"
	"strings"
	"testing"
)

// diamond is
//
//	x(0) -> op0 RELU -> a(1) -> op1 ADD(a, a) -> b(2) -> op3 MUL(b, c) -> y(4)
//	                     a(1) -> op2 NEG     -> c(3) ---^
//
// with an unused tensor u(5) and a constant k(6) read by nothing.
func diamond() *Graph {
	return &Graph{
		Name: "diamond",
		Tensors: []*Tensor{
			act(1), act(1), act(1), act(1), act(1),
			{Name: "u", Type: Float32, Shape: []int{1}},
			{Name: "k", Type: Float32, Shape: []int{1}, Data: make([]byte, 4)},
		},
		Ops: []*Op{
			{Type: Relu, Inputs: []int{0}, Outputs: []int{1}},
			{Type: Add, Inputs: []int{1, 1}, Outputs: []int{2}},
			{Type: Neg, Inputs: []int{1}, Outputs: []int{3}},
			{Type: Mul, Inputs: []int{2, 3}, Outputs: []int{4}},
		},
		Inputs:  []int{0},
		Outputs: []int{4},
	}
}

func TestProducersConsumers(t *testing.T) {
	g := diamond()
	if got, want := g.Producers(), []int{-1, 0, 1, 2, 3, -1, -1}; !slices.Equal(got, want) {
		t.Errorf("Producers = %v, want %v", got, want)
	}
	want := [][]int{{0}, {1, 2}, {3}, {3}, nil, nil, nil}
	got := g.Consumers()
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("Consumers[%d] = %v, want %v (an op reading twice appears once)", i, got[i], want[i])
		}
	}
	if !g.IsInput(0) || g.IsInput(1) || !g.IsOutput(4) || g.IsOutput(3) {
		t.Error("IsInput/IsOutput disagree with the graph's lists")
	}
}

func TestTopoOrder(t *testing.T) {
	g := diamond()
	order, err := g.TopoOrder()
	if err != nil || !slices.Equal(order, []int{0, 1, 2, 3}) {
		t.Fatalf("ordered graph: got %v, %v; want the identity", order, err)
	}
	// Reverse the ops: the order must put each producer first, keeping
	// the existing order among ready ops.
	slices.Reverse(g.Ops) // MUL, NEG, ADD, RELU
	order, err = g.TopoOrder()
	if err != nil || !slices.Equal(order, []int{3, 1, 2, 0}) {
		t.Fatalf("reversed graph: got %v, %v; want [3 1 2 0]", order, err)
	}
	if err := g.SortOps(); err != nil {
		t.Fatal(err)
	}
	if names := []OpType{g.Ops[0].Type, g.Ops[1].Type, g.Ops[2].Type, g.Ops[3].Type}; !slices.Equal(names, []OpType{Relu, Neg, Add, Mul}) {
		t.Fatalf("SortOps gave %v", names)
	}

	// A cycle: NEG now reads MUL's output.
	g = diamond()
	g.Ops[2].Inputs = []int{4}
	_, err = g.TopoOrder()
	if err == nil || !strings.Contains(err.Error(), "cycle") || !strings.Contains(err.Error(), `graph "diamond"`) {
		t.Fatalf("got %v, want a cycle error naming the graph", err)
	}
	if err := g.SortOps(); err == nil {
		t.Error("SortOps accepted a cycle")
	}
}

func TestReplaceUses(t *testing.T) {
	g := diamond()
	g.Outputs = []int{4, 1}
	g.ReplaceUses(1, 6)
	if !slices.Equal(g.Ops[1].Inputs, []int{6, 6}) || !slices.Equal(g.Ops[2].Inputs, []int{6}) || !slices.Equal(g.Outputs, []int{4, 6}) {
		t.Fatalf("after ReplaceUses: ADD %v, NEG %v, outputs %v", g.Ops[1].Inputs, g.Ops[2].Inputs, g.Outputs)
	}
	if !slices.Equal(g.Ops[0].Outputs, []int{1}) {
		t.Error("ReplaceUses changed an op output")
	}
}

func TestRemoveOpsAndInsert(t *testing.T) {
	g := diamond()
	neg := g.Ops[2]
	g.RemoveOps(0, 2)
	if len(g.Ops) != 2 || g.Ops[0].Type != Add || g.Ops[1].Type != Mul {
		t.Fatalf("after RemoveOps(0, 2): %d ops", len(g.Ops))
	}
	g.InsertOp(1, neg)
	if g.Ops[1] != neg || len(g.Ops) != 3 {
		t.Fatal("InsertOp did not put the op at 1")
	}
	if i := g.AddTensor(act(2)); i != 7 || len(g.Tensors) != 8 {
		t.Fatalf("AddTensor returned %d", i)
	}
}

func TestRemoveUnusedTensors(t *testing.T) {
	m := &Model{Graphs: []*Graph{diamond()}, SignatureDefs: []SignatureDef{{Key: "s", Graph: 0,
		Inputs:  []SignatureTensor{{Name: "x", Tensor: 0}},
		Outputs: []SignatureTensor{{Name: "y", Tensor: 4}}}}}
	g := m.Graphs[0]
	g.Ops[3].Intermediates = []int{6}     // k is now referenced
	g.Tensors = append(g.Tensors, act(9)) // 7: unused
	y := g.Tensors[4]
	m.RemoveUnusedTensors(0)
	if len(g.Tensors) != 6 {
		t.Fatalf("%d tensors left, want 6 (u and the last removed)", len(g.Tensors))
	}
	if g.Tensors[4] != y || g.Tensors[5].Name != "k" {
		t.Fatal("tensors were not renumbered in order")
	}
	if !slices.Equal(g.Ops[3].Intermediates, []int{5}) || !slices.Equal(g.Outputs, []int{4}) {
		t.Fatalf("intermediates %v, outputs %v", g.Ops[3].Intermediates, g.Outputs)
	}
	if s := m.SignatureDefs[0]; s.Inputs[0].Tensor != 0 || s.Outputs[0].Tensor != 4 {
		t.Fatalf("signature not remapped: %+v", s)
	}
	// Removal below a used tensor shifts it, and the signature follows.
	g.Tensors = slices.Insert(g.Tensors, 0, act(3))
	for _, op := range g.Ops {
		for i := range op.Inputs {
			op.Inputs[i]++
		}
		for i := range op.Outputs {
			op.Outputs[i]++
		}
		for i := range op.Intermediates {
			op.Intermediates[i]++
		}
	}
	g.Inputs, g.Outputs = []int{1}, []int{5}
	m.SignatureDefs[0].Inputs[0].Tensor, m.SignatureDefs[0].Outputs[0].Tensor = 1, 5
	remap := g.RemoveUnusedTensors()
	if remap[0] != -1 || remap[1] != 0 || remap[5] != 4 {
		t.Fatalf("remap %v", remap)
	}
}

func TestCloneIsIndependent(t *testing.T) {
	g := diamond()
	g.Tensors[1].Quant = &Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{3}, Min: []float32{-1}, Max: []float32{1}}
	g.Tensors[6].Sparsity = &Sparsity{TraversalOrder: []int{0}, Dims: []DimensionMetadata{{Segments: []int{0, 1}, Indices: []int{0}}}}
	g.Ops[0].Options = &ReshapeOptions{NewShape: []int{1}}
	g.Ops[0].Intermediates = []int{5}
	g.Ops[0].MutatingVariableInputs = []bool{false}
	m := &Model{Graphs: []*Graph{g}, Metadata: []Metadata{{Name: "a", Data: []byte{1}}},
		SignatureDefs: []SignatureDef{{Key: "k", Inputs: []SignatureTensor{{Name: "x"}}}}}
	c := m.Clone()

	cg := c.Graphs[0]
	cg.Tensors[1].Shape[0] = 9
	cg.Tensors[1].Quant.Scale[0] = 9
	cg.Tensors[1].Quant.ZeroPoint[0] = 9
	cg.Tensors[6].Sparsity.Dims[0].Segments[0] = 9
	cg.Ops[0].Inputs[0] = 9
	cg.Ops[0].Outputs[0] = 9
	cg.Ops[0].Intermediates[0] = 9
	cg.Ops[0].MutatingVariableInputs[0] = true
	cg.Ops[0].Options.(*ReshapeOptions).NewShape[0] = 9
	cg.Inputs[0], cg.Outputs[0] = 9, 9
	cg.Tensors = append(cg.Tensors, act(1))
	c.Metadata[0].Name = "changed"
	c.SignatureDefs[0].Inputs[0].Name = "changed"

	switch {
	case g.Tensors[1].Shape[0] != 1, g.Tensors[1].Quant.Scale[0] != 0.5, g.Tensors[1].Quant.ZeroPoint[0] != 3:
		t.Error("tensor shape or quantization shared with the clone")
	case g.Tensors[6].Sparsity.Dims[0].Segments[0] != 0:
		t.Error("sparsity shared with the clone")
	case g.Ops[0].Inputs[0] != 0, g.Ops[0].Outputs[0] != 1, g.Ops[0].Intermediates[0] != 5, g.Ops[0].MutatingVariableInputs[0]:
		t.Error("op lists shared with the clone")
	case g.Ops[0].Options.(*ReshapeOptions).NewShape[0] != 1:
		t.Error("options shared with the clone")
	case g.Inputs[0] != 0, g.Outputs[0] != 4, len(g.Tensors) != 7:
		t.Error("graph lists shared with the clone")
	case m.Metadata[0].Name != "a", m.SignatureDefs[0].Inputs[0].Name != "x":
		t.Error("model lists shared with the clone")
	}
	if &cg.Tensors[6].Data[0] != &g.Tensors[6].Data[0] {
		t.Error("the clone copied read-only tensor data instead of sharing it")
	}
	// An opaque option value (not one of ir's structs) is shared as it is.
	raw := []byte{1, 2}
	op := &Op{Options: raw}
	if got := op.Clone().Options.([]byte); &got[0] != &raw[0] {
		t.Error("opaque options were copied")
	}
}

func TestNumElementsAndByteSize(t *testing.T) {
	for _, c := range []struct {
		shape []int
		want  int
	}{{nil, 1}, {[]int{2, 3}, 6}, {[]int{4, 0}, 0}, {[]int{-1, 2}, -1}, {[]int{1 << 30, 1 << 30}, -1}} {
		if got := NumElements(c.shape); got != c.want {
			t.Errorf("NumElements(%v) = %d, want %d", c.shape, got, c.want)
		}
	}
	for _, c := range []struct {
		t    DataType
		n    int
		want int
	}{{Float32, 3, 12}, {Int4, 3, 2}, {Float16, 3, 6}, {Int64, 2, 16}, {Bool, 5, 5}} {
		tt := &Tensor{Type: c.t, Shape: []int{c.n}}
		if got, err := tt.ByteSize(); err != nil || got != c.want {
			t.Errorf("%v x %d: ByteSize %d, %v; want %d", c.t, c.n, got, err, c.want)
		}
	}
	if _, err := (&Tensor{Name: "s", Type: String, Shape: []int{2}}).ByteSize(); err == nil {
		t.Error("a string tensor has a byte size")
	}
	if _, err := (&Tensor{Name: "n", Type: Float32, Shape: []int{-2}}).ByteSize(); err == nil || !strings.Contains(err.Error(), `"n"`) {
		t.Errorf("negative shape: %v", err)
	}
}
