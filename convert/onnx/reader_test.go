package onnx

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
)

// reluModel is x -> Relu -> y with x [1, 2] float32.
func reluModel() *ModelProto {
	return modelOf(13, &GraphProto{
		Name:    "relu",
		Nodes:   []*NodeProto{nodeOf("Relu", "relu", []string{"x"}, []string{"y"})},
		Inputs:  []*ValueInfoProto{tensorInfo("x", onnxFloat, -1, 2)},
		Outputs: []*ValueInfoProto{tensorInfo("y", onnxFloat, -1, 2)},
	})
}

// addModel is y = x + c with c an initializer.
func addModel(c *TensorProto) *ModelProto {
	return modelOf(13, &GraphProto{
		Nodes:        []*NodeProto{nodeOf("Add", "add", []string{"x", c.Name}, []string{"y"})},
		Initializers: []*TensorProto{c},
		Inputs:       []*ValueInfoProto{tensorInfo("x", onnxFloat, 3)},
		Outputs:      []*ValueInfoProto{tensorInfo("y", onnxFloat, 3)},
	})
}

func TestDecodeRoundTrip(t *testing.T) {
	m := addModel(floatTensor("c", []int64{3}, []float32{1, 2, 3}))
	m.Graph.Nodes[0].Attrs = []*AttributeProto{intAttr("i", -5), floatAttr("f", 0.25), strAttr("s", "x"), intsAttr("is", 1, -2, 3)}
	got, err := DecodeModel(encodeModel(m))
	if err != nil {
		t.Fatal(err)
	}
	if got.IRVersion != 8 || len(got.Opsets) != 1 || got.Opsets[0].Version != 13 {
		t.Errorf("ir %d opsets %+v", got.IRVersion, got.Opsets)
	}
	n := got.Graph.Nodes[0]
	if n.OpType != "Add" || n.Name != "add" || strings.Join(n.Inputs, ",") != "x,c" || n.Outputs[0] != "y" {
		t.Errorf("node %+v", n)
	}
	a := n.Attrs
	if a[0].I != -5 || a[0].Type != AttrInt || a[1].F != 0.25 || string(a[2].S) != "x" || len(a[3].Ints) != 3 || a[3].Ints[1] != -2 {
		t.Errorf("attributes %+v %+v %+v %+v", a[0], a[1], a[2], a[3])
	}
	init := got.Graph.Initializers[0]
	if init.Name != "c" || init.DataType != onnxFloat || len(init.FloatData) != 3 || init.FloatData[2] != 3 {
		t.Errorf("initializer %+v", init)
	}
	in := got.Graph.Inputs[0]
	if in.Name != "x" || in.Type.ElemType != onnxFloat || len(in.Type.Shape) != 1 || in.Type.Shape[0].Value != 3 {
		t.Errorf("input %+v", in.Type)
	}
}

// TestDecodeUnpackedRepeated checks that repeated scalars written one per
// field (not packed) are read as well.
func TestDecodeUnpackedRepeated(t *testing.T) {
	var b []byte
	b = appendVarint(b, 1, 2)
	b = appendVarint(b, 1, 3) // dims, unpacked
	b = appendVarint(b, 2, onnxInt64)
	b = appendVarint(b, 7, -1)
	for range 5 {
		b = appendVarint(b, 7, 7)
	}
	tp, err := DecodeTensor(b)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tensorValue(tp, "")
	if err != nil {
		t.Fatal(err)
	}
	got := v.Int64s()
	if len(v.Shape) != 2 || v.Shape[0] != 2 || v.Shape[1] != 3 || got[0] != -1 || got[5] != 7 {
		t.Errorf("shape %v values %v", v.Shape, got)
	}
}

func TestTruncatedModels(t *testing.T) {
	full := encodeModel(addModel(floatTensor("c", []int64{3}, []float32{1, 2, 3})))
	for n := 1; n < len(full); n++ {
		_, err := Convert(full[:n], Options{})
		if err == nil {
			// A cut between fields leaves a valid, smaller message; the
			// conversion must then fail on what is missing, or succeed.
			continue
		}
		if strings.Contains(err.Error(), "panic") {
			t.Fatalf("prefix %d: %v", n, err)
		}
	}
	// A cut inside the graph message is a protobuf error naming where.
	_, err := DecodeModel(full[:len(full)-3])
	if err == nil || !errors.Is(err, errTruncated) || !strings.Contains(err.Error(), "model") {
		t.Errorf("truncated model: %v", err)
	}
}

func TestMalformedModels(t *testing.T) {
	conv := func(w *TensorProto) *ModelProto {
		return modelOf(13, &GraphProto{
			Nodes:        []*NodeProto{nodeOf("Conv", "conv1", []string{"x", "w"}, []string{"y"})},
			Initializers: []*TensorProto{w},
			Inputs:       []*ValueInfoProto{tensorInfo("x", onnxFloat, 1, 3, 8, 8)},
			Outputs:      []*ValueInfoProto{tensorInfo("y", onnxFloat, 1, 4, 8, 8)},
		})
	}
	missing := reluModel()
	missing.Graph.Nodes[0].Inputs = []string{"nowhere"}
	badType := addModel(&TensorProto{Name: "c", Dims: []int64{3}, DataType: 99, HasRawData: true, RawData: make([]byte, 12)})
	shortRaw := addModel(&TensorProto{Name: "c", Dims: []int64{3}, DataType: onnxFloat, HasRawData: true, RawData: make([]byte, 8)})
	fewFloats := addModel(floatTensor("c", []int64{3}, []float32{1, 2}))
	badOut := reluModel()
	badOut.Graph.Outputs[0] = tensorInfo("y", onnxFloat, -1, 5)
	for _, c := range []struct {
		name  string
		model *ModelProto
		want  []string // substrings of the error
	}{
		{"missing initializer", missing, []string{`"relu"`, `"nowhere"`, "not produced"}},
		{"unknown data type", badType, []string{`tensor "c"`, "unknown element type 99"}},
		{"raw data too short", shortRaw, []string{`tensor "c"`, "8 bytes", "needs 12"}},
		{"too few elements", fewFloats, []string{`tensor "c"`, "holds 2 elements"}},
		{"conv channel mismatch", conv(floatTensor("w", []int64{4, 2, 3, 3}, make([]float32, 72))), []string{`"conv1"`, "3 input channels"}},
		{"declared output shape", badOut, []string{`"y"`, "declared"}},
		{"no graph", &ModelProto{IRVersion: 8, Opsets: []OpsetID{{Version: 13}}}, []string{"no graph"}},
		{"opset too new", modelOf(22, reluModel().Graph), []string{"opset 22"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Convert(encodeModel(c.model), Options{})
			if err == nil {
				t.Fatal("converted without error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestUnsupportedOpsListed(t *testing.T) {
	g := &GraphProto{
		Nodes: []*NodeProto{
			nodeOf("Relu", "r", []string{"x"}, []string{"a"}),
			nodeOf("FancyOp", "f1", []string{"a"}, []string{"b"}),
			nodeOf("FancyOp", "f2", []string{"b"}, []string{"c"}),
			nodeOf("Resize", "rs", []string{"c", "", "", "sizes"}, []string{"d"}, intAttr("antialias", 1)),
			nodeOf("Odd", "o1", []string{"d"}, []string{"e"}),
		},
		Inputs:  []*ValueInfoProto{tensorInfo("x", onnxFloat, 1, 1, 2, 2)},
		Outputs: []*ValueInfoProto{tensorInfo("e", onnxFloat, 1, 1, 4, 4)},
	}
	g.Nodes[4].Domain = "com.example"
	_, err := Convert(encodeModel(modelOf(13, g)), Options{})
	var ue *UnsupportedError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v is not an UnsupportedError", err)
	}
	msg := err.Error()
	for _, w := range []string{"4 node(s)", "FancyOp ×2", "f1, f2", "com.example:Odd ×1", "o1", "Resize ×1", "antialias=1", "rs"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error does not mention %q:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, "Relu") {
		t.Errorf("error lists a supported op:\n%s", msg)
	}
}

func TestExternalData(t *testing.T) {
	dir := t.TempDir()
	vals := []float32{0.5, -1, 2}
	side := append(make([]byte, 16), ir.Float32Bytes(vals)...)
	if err := os.WriteFile(filepath.Join(dir, "weights.bin"), side, 0o644); err != nil {
		t.Fatal(err)
	}
	ext := func(kv ...string) *TensorProto {
		tp := &TensorProto{Name: "c", Dims: []int64{3}, DataType: onnxFloat, DataLocation: 1}
		for i := 0; i < len(kv); i += 2 {
			tp.ExternalData = append(tp.ExternalData, StringPair{kv[i], kv[i+1]})
		}
		return tp
	}
	write := func(tp *TensorProto) string {
		p := filepath.Join(dir, "model.onnx")
		if err := os.WriteFile(p, encodeModel(addModel(tp)), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	m, err := ConvertFile(write(ext("location", "weights.bin", "offset", "16", "length", "12")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var c *ir.Tensor
	for _, tt := range m.Graphs[0].Tensors {
		if tt.IsConst() && tt.Type == ir.Float32 {
			c = tt
		}
	}
	if c == nil || c.Float32s()[0] != 0.5 || c.Float32s()[2] != 2 {
		t.Fatalf("external constant not read: %+v", c)
	}
	for _, bad := range []struct {
		tp   *TensorProto
		want string
	}{
		{ext("location", "weights.bin", "offset", "20"), "past the end"},
		{ext("location", "weights.bin", "length", "8"), "length 8"},
		{ext("location", "../weights.bin"), "outside the model's directory"},
		{ext("location", "/etc/passwd"), "outside the model's directory"},
		{ext("location", "missing.bin"), "missing.bin"},
		{ext("offset", "0"), "without a location"},
		{ext("location", "weights.bin", "offset", "-4"), "offset"},
	} {
		_, err := ConvertFile(write(bad.tp), Options{})
		if err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), `"c"`) {
			t.Errorf("external data %v: error %v, want it to name tensor \"c\" and say %q", bad.tp.ExternalData, err, bad.want)
		}
	}
	// From memory there is no directory to read from.
	if _, err := Convert(encodeModel(addModel(ext("location", "weights.bin"))), Options{}); err == nil || !strings.Contains(err.Error(), "directory is unknown") {
		t.Errorf("external data from memory: %v", err)
	}
}

func TestInputShapes(t *testing.T) {
	m, err := Convert(encodeModel(reluModel()), Options{InputShapes: map[string][]int{"x": {4, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Graphs[0].Tensors[m.Graphs[0].Inputs[0]].Shape; s[0] != 4 || s[1] != 2 {
		t.Errorf("input shape %v, want [4 2]", s)
	}
	m, err = Convert(encodeModel(reluModel()), Options{InputShapes: map[string][]int{"": {3, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Graphs[0].Tensors[m.Graphs[0].Inputs[0]].Shape; s[0] != 3 {
		t.Errorf("unnamed input shape gave %v, want [3 2]", s)
	}
	m, err = Convert(encodeModel(reluModel()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Graphs[0].Tensors[m.Graphs[0].Inputs[0]].Shape; s[0] != 1 {
		t.Errorf("dynamic batch became %v, want 1", s)
	}
	for _, bad := range []struct {
		shapes map[string][]int
		want   string
	}{
		{map[string][]int{"y": {1, 2}}, "not a graph input"},
		{map[string][]int{"x": {1, 2, 3}}, "rank"},
		{map[string][]int{"x": {1, 3}}, "fixed at 2"},
	} {
		if _, err := Convert(encodeModel(reluModel()), Options{InputShapes: bad.shapes}); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("shapes %v: error %v, want %q", bad.shapes, err, bad.want)
		}
	}
	dyn := reluModel()
	dyn.Graph.Inputs[0] = tensorInfo("x", onnxFloat, 1, -1)
	if _, err := Convert(encodeModel(dyn), Options{}); err == nil || !strings.Contains(err.Error(), "dynamic") {
		t.Errorf("dynamic non-batch dimension: %v", err)
	}
}

// FuzzConvert feeds arbitrary bytes to the reader and converter: they must
// return a model or an error, never panic.
func FuzzConvert(f *testing.F) {
	f.Add(encodeModel(reluModel()))
	f.Add(encodeModel(addModel(floatTensor("c", []int64{3}, []float32{1, 2, 3}))))
	if p := fuzzSeed(f); p != nil {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Convert(data, Options{})
		if err == nil && m == nil {
			t.Fatal("nil model without error")
		}
	})
}

// fuzzSeed is the LeNet fixture's bytes, when the fixtures are there.
func fuzzSeed(f *testing.F) []byte {
	root := filepath.Join(testutil.ModuleRoot(f), "..", "shared", "fixtures", "onnx", "lenet_mnist.onnx")
	b, err := os.ReadFile(root)
	if err != nil {
		return nil
	}
	return b
}
