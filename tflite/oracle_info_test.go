package tflite

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// TestReadMatchesTFLite compares what Read makes of each fixture's inputs
// and outputs with what TFLite reported for the same file (the oracle's
// result.json in fixtures/tflite/expected): names, types, shapes and
// quantization.
func TestReadMatchesTFLite(t *testing.T) {
	dir, models := fixtureModels(t)
	for _, rel := range models {
		raw, err := os.ReadFile(filepath.Join(dir, "expected", strings.TrimSuffix(rel, ".tflite"), "result.json"))
		if err != nil {
			continue // TFLite did not run this model
		}
		var res struct {
			Inputs, Outputs []struct {
				TensorID int    `json:"tensor_id"`
				Name     string `json:"name"`
				DType    string `json:"dtype"`
				Shape    []int  `json:"shape"`
				Quant    *struct {
					Scale     []float64 `json:"scale"`
					ZeroPoint []int64   `json:"zero_point"`
				} `json:"quant"`
			}
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		m, err := ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		g := m.Graphs[0]
		check := func(kind string, list []int, i, id int, name, dtype string, shape []int) {
			if i >= len(list) || list[i] != id {
				t.Errorf("%s: %s %d is tensor %v, TFLite says %d", rel, kind, i, list, id)
				return
			}
			tt := g.Tensors[id]
			if !tt.HasRank {
				shape = nil // TFLite reports the shape it inferred; the file has none
			}
			if tt.Name != name || tt.Type.String() != dtype || dims(tt.Shape) != dims(shape) {
				t.Errorf("%s: %s %d is %q %v %v, TFLite says %q %s %v", rel, kind, i, tt.Name, tt.Type, tt.Shape, name, dtype, shape)
			}
		}
		for i, in := range res.Inputs {
			check("input", g.Inputs, i, in.TensorID, in.Name, in.DType, in.Shape)
			checkQuant(t, rel, g.Tensors[in.TensorID].Quant, in.Quant)
		}
		for i, out := range res.Outputs {
			check("output", g.Outputs, i, out.TensorID, out.Name, out.DType, out.Shape)
			checkQuant(t, rel, g.Tensors[out.TensorID].Quant, out.Quant)
		}
		if len(res.Inputs) != len(g.Inputs) || len(res.Outputs) != len(g.Outputs) {
			t.Errorf("%s: %d inputs %d outputs, TFLite says %d and %d", rel, len(g.Inputs), len(g.Outputs), len(res.Inputs), len(res.Outputs))
		}
	}
}

func checkQuant(t *testing.T, rel string, q *ir.Quantization, want *struct {
	Scale     []float64 `json:"scale"`
	ZeroPoint []int64   `json:"zero_point"`
}) {
	t.Helper()
	if want == nil {
		if q.Quantized() {
			t.Errorf("%s: quantized tensor where TFLite reports none", rel)
		}
		return
	}
	if !q.Quantized() || len(q.Scale) != len(want.Scale) {
		t.Errorf("%s: quantization %+v, TFLite says %+v", rel, q, want)
		return
	}
	for i := range want.Scale {
		// result.json prints float32 scales as decimal doubles.
		if float32(want.Scale[i]) != q.Scale[i] && math.Abs(float64(q.Scale[i])-want.Scale[i]) > 1e-9*want.Scale[i] {
			t.Errorf("%s: scale %d is %v, TFLite says %v", rel, i, q.Scale[i], want.Scale[i])
		}
		if q.ZeroPoint[i] != want.ZeroPoint[i] {
			t.Errorf("%s: zero point %d is %d, TFLite says %d", rel, i, q.ZeroPoint[i], want.ZeroPoint[i])
		}
	}
}
