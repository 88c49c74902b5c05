package ir

import (
	"math"
	"strings"
	"testing"
)

// validModel is a well-formed two-graph model; each case below breaks one
// thing and checks that Validate names it.
func validModel() *Model {
	g := diamond()
	g.Tensors[6].Quant = &Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{0}}
	return &Model{
		Graphs:        []*Graph{g, diamond()},
		SignatureDefs: []SignatureDef{{Key: "serve", Graph: 0, Inputs: []SignatureTensor{{Name: "x", Tensor: 0}}, Outputs: []SignatureTensor{{Name: "y", Tensor: 4}}}},
	}
}

func TestValidateAccepts(t *testing.T) {
	if err := validModel().Validate(); err != nil {
		t.Fatal(err)
	}
	// A rank-1 tensor whose per-axis scales match its length, whatever its
	// quantized dimension says (TFLite Micro's person_detect bias).
	m := validModel()
	m.Graphs[0].Tensors[6].Quant = &Quantization{Scale: []float32{1}, ZeroPoint: []int64{0}, Axis: 3}
	m.Graphs[0].Tensors[6].Shape = []int{1}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		breakIt func(m *Model)
		want    []string
	}{
		{"no subgraphs", func(m *Model) { m.Graphs = nil; m.SignatureDefs = nil }, []string{"model has no subgraphs"}},
		{"signature subgraph", func(m *Model) { m.SignatureDefs[0].Graph = 5 }, []string{`signature 0 ("serve")`, "subgraph 5 out of range"}},
		{"signature tensor", func(m *Model) { m.SignatureDefs[0].Outputs[0].Tensor = 70 }, []string{`signature 0 ("serve")`, `"y" refers to tensor 70`}},
		{"nil tensor", func(m *Model) { m.Graphs[1].Tensors[5] = nil }, []string{`subgraph 1 ("diamond")`, "tensor 5 is nil"}},
		{"unknown type", func(m *Model) { m.Graphs[0].Tensors[5].Type = 99 }, []string{"tensor 5", `"u": unknown type 99`}},
		{"negative dimension", func(m *Model) { m.Graphs[0].Tensors[5].Shape = []int{2, -3} }, []string{"tensor 5", "dimension 1 is -3"}},
		{"signature rank", func(m *Model) { m.Graphs[0].Tensors[5].ShapeSignature = []int{-1, 1} }, []string{"tensor 5", "different rank"}},
		{"signature dimension", func(m *Model) { m.Graphs[0].Tensors[5].ShapeSignature = []int{-2} }, []string{"tensor 5", "shape signature dimension 0 is -2"}},
		{"too many elements", func(m *Model) { m.Graphs[0].Tensors[5].Shape = []int{1 << 40, 1 << 40} }, []string{"tensor 5", "too many elements"}},
		{"buffer size", func(m *Model) { m.Graphs[0].Tensors[6].Data = make([]byte, 3) }, []string{"tensor 6", `"k": float32 shape [1] needs 4 bytes, its buffer has 3`}},
		{"zero points", func(m *Model) { m.Graphs[0].Tensors[6].Quant.ZeroPoint = []int64{0, 1} }, []string{"tensor 6", "1 scales and 2 zero points"}},
		{"min max", func(m *Model) { m.Graphs[0].Tensors[6].Quant.Min = []float32{0} }, []string{"tensor 6", "1 minimums and 0 maximums"}},
		{"per-axis dimension", func(m *Model) {
			m.Graphs[0].Tensors[6].Shape = []int{1, 2}
			m.Graphs[0].Tensors[6].Data = make([]byte, 8)
			m.Graphs[0].Tensors[6].Quant = &Quantization{Scale: []float32{1, 1}, Axis: 2}
		}, []string{"tensor 6", "quantized dimension 2 is outside shape [1 2]"}},
		{"per-axis count", func(m *Model) {
			m.Graphs[0].Tensors[6].Shape = []int{3, 2}
			m.Graphs[0].Tensors[6].Data = make([]byte, 24)
			m.Graphs[0].Tensors[6].Quant = &Quantization{Scale: []float32{1, 1}, Axis: 0}
		}, []string{"tensor 6", "2 per-axis scales for dimension 0 of size 3"}},
		{"graph input", func(m *Model) { m.Graphs[0].Inputs = []int{8} }, []string{"input 0 refers to tensor 8, the subgraph has 7"}},
		{"graph output", func(m *Model) { m.Graphs[0].Outputs = []int{4, -1} }, []string{"output 1 refers to tensor -1"}},
		{"nil op", func(m *Model) { m.Graphs[0].Ops[2] = nil }, []string{"op 2 is nil"}},
		{"op input", func(m *Model) { m.Graphs[0].Ops[1].Inputs[1] = 40 }, []string{"op 1 (ADD): input 1 refers to tensor 40"}},
		{"op intermediate", func(m *Model) { m.Graphs[0].Ops[1].Intermediates = []int{-1} }, []string{"op 1 (ADD): intermediate 0 refers to tensor -1"}},
		{"op output", func(m *Model) { m.Graphs[0].Ops[3].Outputs[0] = 7 }, []string{"op 3 (MUL): output 0 refers to tensor 7"}},
		{"written twice", func(m *Model) { m.Graphs[0].Ops[2].Outputs[0] = 2 }, []string{"op 2 (NEG): output 0, tensor 2", "also written by op 1"}},
		{"writes a constant", func(m *Model) { m.Graphs[0].Ops[2].Outputs[0] = 6 }, []string{"op 2 (NEG): output 0, tensor 6 (\"k\"), is a constant"}},
		{"mutating flags", func(m *Model) { m.Graphs[0].Ops[1].MutatingVariableInputs = []bool{true} }, []string{"op 1 (ADD): 1 mutating-variable flags for 2 inputs"}},
		{"subgraph reference", func(m *Model) {
			m.Graphs[0].Ops[2].Type = Call
			m.Graphs[0].Ops[2].Options = &CallOptions{Subgraph: 4}
		}, []string{"op 2 (CALL): refers to subgraph 4, the model has 2"}},
		{"unproduced input", func(m *Model) { m.Graphs[0].Ops[2].Inputs[0] = 5 }, []string{`op 2 (NEG): input 0 reads tensor 5 ("u"), which no op produces`}},
		{"unproduced output", func(m *Model) { m.Graphs[0].Outputs = []int{4, 5} }, []string{`output 1, tensor 5 ("u"), is produced by no op`}},
		{"cycle", func(m *Model) { m.Graphs[0].Ops[2].Inputs[0] = 4 }, []string{"cycle"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := validModel()
			c.breakIt(m)
			err := m.Validate()
			if err == nil {
				t.Fatal("Validate accepted the broken model")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if c.name != "no subgraphs" && !strings.HasPrefix(c.name, "signature ") && !strings.Contains(err.Error(), "subgraph ") {
				t.Errorf("error %q does not name the subgraph", err)
			}
		})
	}
}

// Validate reports every problem, not only the first.
func TestValidateCollectsAll(t *testing.T) {
	m := validModel()
	m.Graphs[0].Tensors[5].Shape = []int{-1}
	m.Graphs[1].Tensors[5].Type = 99
	err := m.Validate()
	if err == nil || !strings.Contains(err.Error(), "subgraph 0") || !strings.Contains(err.Error(), "subgraph 1") {
		t.Fatalf("got %v, want problems in both subgraphs", err)
	}
	if err := m.ValidateGraph(1); err == nil || strings.Contains(err.Error(), "subgraph 0") {
		t.Fatalf("ValidateGraph(1): %v", err)
	}
}

func TestValidateQuantParams(t *testing.T) {
	q := func(s float32, z int64) *Quantization {
		return &Quantization{Scale: []float32{s}, ZeroPoint: []int64{z}}
	}
	for _, c := range []struct {
		q    *Quantization
		dt   DataType
		want string
	}{
		{q(0.1, -128), Int8, ""},
		{q(0.1, 127), Int8, ""},
		{q(0.1, 255), Uint8, ""},
		{q(0.1, -32768), Int16, ""},
		{q(0.1, -9), Int4, "zero point 0 is -9, outside int4 range [-8, 7]"},
		{q(0.1, 128), Int8, "zero point 0 is 128, outside int8 range [-128, 127]"},
		{q(0.1, 256), Uint8, "zero point 0 is 256"},
		{q(0.1, 32768), Int16, "zero point 0 is 32768"},
		{q(0.1, 1<<31), Int32, "zero point 0 is 2147483648"},
		{q(0, 0), Int8, "scale 0 is 0"},
		{q(-0.5, 0), Int8, "scale 0 is -0.5"},
		{q(float32(math.NaN()), 0), Int8, "scale 0 is NaN"},
		{q(float32(math.Inf(1)), 0), Int8, "scale 0 is +Inf"},
		{&Quantization{Scale: []float32{1, 0}, ZeroPoint: []int64{0, 0}}, Int8, "scale 1 is 0"},
		{&Quantization{Min: []float32{0}, Max: []float32{1}}, Int8, "has no quantization scale"},
		{nil, Int8, "has no quantization scale"},
	} {
		err := c.q.ValidateQuantParams(c.dt)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v %+v: %v", c.dt, c.q, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v %+v: got %v, want %q", c.dt, c.q, err, c.want)
		}
	}
	if !(&Quantization{Scale: []float32{1, 2}}).PerAxis() || (&Quantization{Scale: []float32{1}}).PerAxis() || (*Quantization)(nil).PerAxis() {
		t.Error("PerAxis is wrong")
	}
}
