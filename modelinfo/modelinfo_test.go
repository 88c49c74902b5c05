package modelinfo

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// handModel is a small model whose summary is worked out by hand below.
func handModel() *ir.Model {
	weights := make([]byte, 32) // float32 [2,4]
	shared := make([]byte, 8)   // one buffer behind two int32 [2] tensors
	g := &ir.Graph{
		Name: "main",
		Tensors: []*ir.Tensor{
			{Name: "in", Type: ir.Float32, Shape: []int{1, 4}, ShapeSignature: []int{-1, 4}, HasRank: true},
			{Name: "w", Type: ir.Float32, Shape: []int{2, 4}, HasRank: true, Data: weights},
			{Name: "b1", Type: ir.Int32, Shape: []int{2}, HasRank: true, Data: shared},
			{Name: "b2", Type: ir.Int32, Shape: []int{2}, HasRank: true, Data: shared},
			{Name: "h", Type: ir.Float32, Shape: []int{1, 2}, HasRank: true,
				Quant: &ir.Quantization{Min: []float32{-1.5}, Max: []float32{2}}},
			{Name: "out", Type: ir.Int8, Shape: []int{1, 2}, HasRank: true,
				Quant: &ir.Quantization{Scale: []float32{0.5, 0.25}, ZeroPoint: []int64{0, 0}, Axis: 1}},
			{Name: "state", Type: ir.Float32, Shape: []int{1, 2}, HasRank: true, IsVariable: true},
		},
		Ops: []*ir.Op{
			{Type: ir.FullyConnected, Inputs: []int{0, 1, 2}, Outputs: []int{4}},
			{Type: ir.Relu, Inputs: []int{4}, Outputs: []int{4}},
			{Type: ir.FullyConnected, Inputs: []int{4, 1, 3}, Outputs: []int{5}},
			{Type: ir.Custom, Custom: "MyOp", Inputs: []int{5}, Outputs: []int{5}},
		},
		Inputs:  []int{0},
		Outputs: []int{5},
	}
	return &ir.Model{
		Version: 3, Description: "hand made",
		Graphs:   []*ir.Graph{g},
		Metadata: []ir.Metadata{{Name: "min_runtime_version", Data: make([]byte, 16)}},
		SignatureDefs: []ir.SignatureDef{{Key: "serving_default", Graph: 0,
			Inputs: []ir.SignatureTensor{{Name: "x", Tensor: 0}}, Outputs: []ir.SignatureTensor{{Name: "y", Tensor: 5}}}},
	}
}

func TestDescribe(t *testing.T) {
	info := Describe(handModel())
	// 32 bytes of weights + 8 bytes shared by b1 and b2, counted once.
	if info.WeightBytes != 40 || info.Subgraphs[0].WeightBytes != 40 {
		t.Errorf("weight bytes %d / %d, want 40", info.WeightBytes, info.Subgraphs[0].WeightBytes)
	}
	g := info.Subgraphs[0]
	wantCounts := []OpCount{{Op: "FULLY_CONNECTED", Count: 2}, {Op: "MyOp", Custom: true, Count: 1}, {Op: "RELU", Count: 1}}
	if !slices.Equal(g.OpCounts, wantCounts) || g.Ops != 4 {
		t.Errorf("op counts %+v (%d ops), want %+v", g.OpCounts, g.Ops, wantCounts)
	}
	in := g.Inputs[0]
	if in.Tensor != 0 || in.Name != "in" || in.DType != "float32" || !slices.Equal(in.Shape, []int{1, 4}) || !slices.Equal(in.ShapeSignature, []int{-1, 4}) {
		t.Errorf("input %+v", in)
	}
	bytesWant := []int{16, 32, 8, 8, 8, 2, 8}
	for i, tn := range g.Tensors {
		if tn.Bytes != bytesWant[i] {
			t.Errorf("tensor %d bytes %d, want %d", i, tn.Bytes, bytesWant[i])
		}
	}
	if q := g.Tensors[5].Quant; q == nil || !q.PerAxis || q.QuantizedDimension != 1 || !slices.Equal(q.Scale, []float64{0.5, 0.25}) {
		t.Errorf("per-axis quantization %+v", q)
	}
	if q := g.Tensors[4].Quant; q == nil || q.Scale != nil || !slices.Equal(q.Min, []float64{-1.5}) || !slices.Equal(q.Max, []float64{2}) {
		t.Errorf("calibration range %+v", q)
	}
	if !g.Tensors[1].Constant || g.Tensors[0].Constant || !g.Tensors[6].Variable {
		t.Errorf("constant/variable flags wrong")
	}
	if len(info.Metadata) != 1 || info.Metadata[0] != (Metadata{"min_runtime_version", 16}) {
		t.Errorf("metadata %+v", info.Metadata)
	}
	if s := info.Signatures; len(s) != 1 || s[0].Key != "serving_default" || s[0].Inputs[0] != (SignatureIO{"x", 0}) || s[0].Outputs[0] != (SignatureIO{"y", 5}) {
		t.Errorf("signatures %+v", s)
	}
}

// The JSON keys are a documented interface: check them by name.
func TestJSONKeys(t *testing.T) {
	b, err := json.Marshal(Describe(handModel()))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "description", "weight_bytes", "subgraphs", "metadata", "signatures"} {
		if _, ok := m[k]; !ok {
			t.Errorf("top-level key %q missing", k)
		}
	}
	g := m["subgraphs"].([]any)[0].(map[string]any)
	for _, k := range []string{"index", "name", "inputs", "outputs", "ops", "op_counts", "weight_bytes", "tensors"} {
		if _, ok := g[k]; !ok {
			t.Errorf("subgraph key %q missing", k)
		}
	}
	tn := g["tensors"].([]any)[5].(map[string]any)
	for _, k := range []string{"id", "name", "dtype", "shape", "bytes", "constant", "quantization"} {
		if _, ok := tn[k]; !ok {
			t.Errorf("tensor key %q missing", k)
		}
	}
	q := tn["quantization"].(map[string]any)
	for _, k := range []string{"scale", "zero_point", "quantized_dimension", "per_axis"} {
		if _, ok := q[k]; !ok {
			t.Errorf("quantization key %q missing", k)
		}
	}
}

func TestShortName(t *testing.T) {
	long := strings.Repeat("x", 70)
	for in, want := range map[string]string{
		"conv":      "conv",
		"a/b;c/d;e": "a/b;...",
		long:        long[:57] + "...",
		long + ";b": long[:57] + "...",
		"":          "",
	} {
		if got := shortName(in); got != want {
			t.Errorf("shortName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := Describe(handModel()).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"description: hand made",
		"weights:     40 bytes",
		"min_runtime_version (16 bytes)",
		`"serving_default" on subgraph 0: inputs x=tensor 0; outputs y=tensor 5`,
		"FULLY_CONNECTED  2",
		"MyOp (custom)",
		"[1 4] sig [-1 4]",
		"per-axis dim 1: 2 scales 0.25..0.5, zp 0",
		"range [-1.5, 2]",
		"variable",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}
