package modelinfo

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite"
)

// FuzzDescribe summarizes whatever model the reader accepts from arbitrary
// bytes: Describe, WriteText and the JSON form must never panic, and the
// summary must account for every subgraph, op and tensor of the model.
// Seeds: a small quantized model and the fixture models up to 64 KiB.
func FuzzDescribe(f *testing.F) {
	seed, err := tflite.Write(seedModel())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	testutil.AddFixtureSeeds(f, "tflite", ".tflite", 64<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := tflite.Read(data)
		if err != nil {
			return
		}
		info := Describe(m)
		if len(info.Subgraphs) != len(m.Graphs) {
			t.Fatalf("%d subgraphs summarized, the model has %d", len(info.Subgraphs), len(m.Graphs))
		}
		for i, g := range m.Graphs {
			s := info.Subgraphs[i]
			counted := 0
			for _, c := range s.OpCounts {
				counted += c.Count
			}
			if s.Ops != len(g.Ops) || counted != len(g.Ops) || len(s.Tensors) != len(g.Tensors) {
				t.Fatalf("subgraph %d: %d ops (%d by type) and %d tensors summarized; it has %d ops and %d tensors",
					i, s.Ops, counted, len(s.Tensors), len(g.Ops), len(g.Tensors))
			}
		}
		var b bytes.Buffer
		if err := info.WriteText(&b); err != nil {
			t.Fatalf("WriteText: %v", err)
		}
		if _, err := json.Marshal(info); err != nil {
			t.Fatalf("JSON: %v", err)
		}
	})
}

// seedModel is a valid model with what the summary shows: a shape
// signature, per-axis and per-tensor quantization, a constant, metadata and
// a signature.
func seedModel() *ir.Model {
	g := &ir.Graph{
		Name: "main",
		Tensors: []*ir.Tensor{
			{Name: "in", Type: ir.Int8, Shape: []int{1, 4}, ShapeSignature: []int{-1, 4}, HasRank: true,
				Quant: &ir.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{-1}}},
			{Name: "w", Type: ir.Int8, Shape: []int{2, 4}, HasRank: true, Data: make([]byte, 8),
				Quant: &ir.Quantization{Scale: []float32{0.25, 0.125}, ZeroPoint: []int64{0, 0}}},
			{Name: "out", Type: ir.Int8, Shape: []int{1, 2}, HasRank: true,
				Quant: &ir.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{3}}},
		},
		Ops:     []*ir.Op{{Type: ir.FullyConnected, Inputs: []int{0, 1, -1}, Outputs: []int{2}, Options: &ir.FullyConnectedOptions{}}},
		Inputs:  []int{0},
		Outputs: []int{2},
	}
	return &ir.Model{
		Version: 3, Description: "fuzz seed", Graphs: []*ir.Graph{g},
		Metadata: []ir.Metadata{{Name: "min_runtime_version", Data: []byte("1.14.0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")}},
		SignatureDefs: []ir.SignatureDef{{Key: "serving_default", Graph: 0,
			Inputs: []ir.SignatureTensor{{Name: "x", Tensor: 0}}, Outputs: []ir.SignatureTensor{{Name: "y", Tensor: 2}}}},
	}
}
