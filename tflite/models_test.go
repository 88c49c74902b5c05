package tflite

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite/internal/schema"
)

// Small hand-made models for the bad-input tests and the fuzz seeds. Each is
// valid; the tests corrupt the files written from them.

func f32(v ...float32) []byte { return ir.Float32Bytes(v) }

// addModel is y = (x + c) * c with a dangling, never-read activation
// "orphan" (tensor 4), a signature and metadata.
func addModel() *ir.Model {
	g := &ir.Graph{
		Name: "main",
		Tensors: []*ir.Tensor{
			{Name: "x", Type: ir.Float32, Shape: []int{1, 4}, HasRank: true},
			{Name: "c", Type: ir.Float32, Shape: []int{1, 4}, HasRank: true, Data: f32(1, 2, 3, 4)},
			{Name: "a", Type: ir.Float32, Shape: []int{1, 4}, HasRank: true},
			{Name: "y", Type: ir.Float32, Shape: []int{1, 4}, HasRank: true},
			{Name: "orphan", Type: ir.Float32, Shape: []int{1, 4}, HasRank: true},
		},
		Ops: []*ir.Op{
			{Type: ir.Add, Version: 1, Inputs: []int{0, 1}, Outputs: []int{2}, Options: &ir.AddOptions{PotScaleInt16: true}},
			{Type: ir.Mul, Version: 2, Inputs: []int{2, 1}, Outputs: []int{3}, Options: &ir.MulOptions{Activation: ir.ActRelu}},
		},
		Inputs:  []int{0},
		Outputs: []int{3},
	}
	return &ir.Model{
		Version:       3,
		Description:   "hand-made",
		Graphs:        []*ir.Graph{g},
		Metadata:      []ir.Metadata{{Name: "min_runtime_version", Data: []byte("1.5.0\x00\x00\x00")}},
		SignatureDefs: []ir.SignatureDef{{Key: "serving_default", Inputs: []ir.SignatureTensor{{Name: "x", Tensor: 0}}, Outputs: []ir.SignatureTensor{{Name: "y", Tensor: 3}}}},
	}
}

// richModel exercises what addModel does not: quantization (per-axis, with
// min/max and custom details), sparsity, shape signatures, variables,
// variant subtypes, a custom op with custom options, a builtin code past
// 127, an option table ir does not model, and a CALL into a second subgraph.
func richModel() *ir.Model {
	main := &ir.Graph{
		Name: "main",
		Tensors: []*ir.Tensor{
			{Name: "in", Type: ir.Int8, Shape: []int{1, 2}, ShapeSignature: []int{-1, 2}, HasRank: true,
				Quant: &ir.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{-3}, Min: []float32{-1}, Max: []float32{1}}},
			{Name: "w", Type: ir.Int8, Shape: []int{2, 2}, HasRank: true, Data: []byte{1, 2, 3, 4},
				Quant: &ir.Quantization{Scale: []float32{0.25, 0.125}, ZeroPoint: []int64{0, 0}, Axis: 0}},
			{Name: "sparse", Type: ir.Float32, Shape: []int{2, 2}, HasRank: true, Data: f32(7, 8),
				Sparsity: &ir.Sparsity{TraversalOrder: []int{0, 1}, Dims: []ir.DimensionMetadata{
					{Format: ir.DimDense, DenseSize: 2},
					{Format: ir.DimSparseCSR, Segments: []int{0, 1, 2}, SegmentsType: ir.IndexUint8, Indices: []int{0, 1}, IndicesType: ir.IndexUint16},
				}}},
			{Name: "state", Type: ir.Float32, Shape: []int{1, 2}, HasRank: true, IsVariable: true},
			{Name: "fc", Type: ir.Int8, Shape: []int{1, 2}, HasRank: true, Quant: &ir.Quantization{Scale: []float32{1}, ZeroPoint: []int64{0}, Custom: []byte{9, 9}}},
			{Name: "custom_out", Type: ir.Float32, Shape: []int{1, 2}, HasRank: true},
			{Name: "call_out", Type: ir.Float32, Shape: []int{1, 2}, HasRank: true},
			{Name: "gelu_out", Type: ir.Float32, Shape: []int{1, 2}, HasRank: true},
			{Name: "variant", Type: ir.Variant, Shape: []int{}, HasRank: true,
				VariantSubtypes: []ir.VariantSubtype{{Shape: []int{3}, Type: ir.Float32, HasRank: true}}},
			{Name: "unknown_rank", Type: ir.Float32, Shape: []int{}},
			{Name: "skip_out", Type: ir.String, Shape: []int{1}, HasRank: true},
		},
		Ops: []*ir.Op{
			{Type: ir.FullyConnected, Version: 4, Inputs: []int{0, 1, -1}, Outputs: []int{4},
				Options: &ir.FullyConnectedOptions{Activation: ir.ActRelu6, KeepNumDims: true}},
			{Type: ir.Custom, Custom: "MyOp", Version: 1, Inputs: []int{3, 2}, Outputs: []int{5},
				CustomOptions: []byte{1, 2, 3, 4, 5}, MutatingVariableInputs: []bool{true, false}},
			{Type: ir.Call, Version: 1, Inputs: []int{5}, Outputs: []int{6}, Options: &ir.CallOptions{Subgraph: 1}},
			{Type: ir.Gelu, Version: 1, Inputs: []int{6}, Outputs: []int{7}, Options: &ir.GeluOptions{Approximate: true}, Intermediates: []int{9}},
			{Type: ir.SkipGram, Version: 1, Inputs: []int{8}, Outputs: []int{10}, Options: &RawOptions{options: skipGram(3, 2, true)}},
		},
		Inputs:  []int{0, 8, 9},
		Outputs: []int{7, 10},
	}
	callee := &ir.Graph{
		Name: "callee",
		Tensors: []*ir.Tensor{
			{Name: "p", Type: ir.Float32, Shape: []int{1, 2}, HasRank: true},
			{Name: "q", Type: ir.Float32, Shape: []int{1, 2}, HasRank: true},
		},
		Ops:     []*ir.Op{{Type: ir.Relu, Version: 1, Inputs: []int{0}, Outputs: []int{1}}},
		Inputs:  []int{0},
		Outputs: []int{1},
	}
	return &ir.Model{Version: 3, Graphs: []*ir.Graph{main, callee}}
}

// mustWrite writes m or fails the test.
func mustWrite(t testing.TB, m *ir.Model, opts WriteOptions) []byte {
	t.Helper()
	b, err := WriteWithOptions(m, opts)
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	return b
}

func skipGram(ngram, maxSkip int32, all bool) *schema.BuiltinOptionsT {
	return &schema.BuiltinOptionsT{Type: schema.BuiltinOptionsSkipGramOptions,
		Value: &schema.SkipGramOptionsT{NgramSize: ngram, MaxSkipSize: maxSkip, IncludeAllNgrams: all}}
}

// TestHandMadeRoundTrip checks that what Write stores, Read gives back
// exactly, for the features the fixtures do not carry.
func TestHandMadeRoundTrip(t *testing.T) {
	for name, m := range map[string]*ir.Model{"add": addModel(), "rich": richModel()} {
		for _, opts := range []WriteOptions{{}, {ExternalData: true}} {
			got, err := Read(mustWrite(t, m, opts))
			if err != nil {
				t.Fatalf("%s %+v: %v", name, opts, err)
			}
			if d := diffModels(m, got); d != "" {
				t.Errorf("%s %+v: %s", name, opts, d)
			}
		}
	}
}
