package onnx

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
)

// Layout tests: a convolution puts its output in channels-last order, and
// the op under test must then read it with its axes remapped. Each model
// is run by liteforge and by ONNX Runtime on the same random input.

// convThen is x [1,3,6,5] -> Conv(3->4, 3x3, pad 1) -> "c" -> nodes -> "y".
func convThen(opset int64, nodes []*NodeProto, inits ...*TensorProto) *ModelProto {
	w := make([]float32, 4*3*3*3)
	r := rand.New(rand.NewSource(7))
	for i := range w {
		w[i] = r.Float32() - 0.5
	}
	g := &GraphProto{
		Nodes: append([]*NodeProto{nodeOf("Conv", "conv", []string{"x", "w"}, []string{"c"},
			intsAttr("pads", 1, 1, 1, 1), intsAttr("kernel_shape", 3, 3))}, nodes...),
		Initializers: append([]*TensorProto{floatTensor("w", []int64{4, 3, 3, 3}, w)}, inits...),
		Inputs:       []*ValueInfoProto{tensorInfo("x", onnxFloat, 1, 3, 6, 5)},
		Outputs:      []*ValueInfoProto{{Name: "y", Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}}},
	}
	return modelOf(opset, g)
}

func i64s(name string, v ...int64) *TensorProto { return int64Tensor(name, []int64{int64(len(v))}, v) }

func TestLayoutAgainstONNXRuntime(t *testing.T) {
	ort := testutil.ORTOracle(t)
	n1 := func(op string, in []string, attrs ...*AttributeProto) []*NodeProto {
		return []*NodeProto{nodeOf(op, op, in, []string{"y"}, attrs...)}
	}
	bias := floatTensor("b", []int64{4, 1, 1}, []float32{1, -2, 3, -4})
	cases := []struct {
		name  string
		model *ModelProto
	}{
		{"add channel bias", convThen(13, n1("Add", []string{"c", "b"}), bias)},
		{"softmax over channels", convThen(13, n1("Softmax", []string{"c"}, intAttr("axis", 1)))},
		{"softmax over height", convThen(13, n1("Softmax", []string{"c"}, intAttr("axis", 2)))},
		{"softmax opset 11 flattened", convThen(11, n1("Softmax", []string{"c"}, intAttr("axis", 1)))},
		{"logsoftmax opset 11 from height", convThen(11, n1("LogSoftmax", []string{"c"}, intAttr("axis", 2)))},
		{"concat channels", convThen(13, n1("Concat", []string{"c", "c"}, intAttr("axis", 1)))},
		{"concat width", convThen(13, n1("Concat", []string{"c", "c"}, intAttr("axis", -1)))},
		{"reduce mean spatial", convThen(13, n1("ReduceMean", []string{"c"}, intsAttr("axes", 2, 3), intAttr("keepdims", 0)))},
		{"reduce sum channels keep", convThen(13, n1("ReduceSum", []string{"c", "ax"}), i64s("ax", 1))},
		{"reduce max height", convThen(13, n1("ReduceMax", []string{"c"}, intsAttr("axes", 2), intAttr("keepdims", 0)))},
		{"transpose then flatten", convThen(13, []*NodeProto{
			nodeOf("Transpose", "t", []string{"c"}, []string{"tt"}, intsAttr("perm", 0, 2, 1, 3)),
			nodeOf("Flatten", "f", []string{"tt"}, []string{"y"})})},
		{"transpose output", convThen(13, n1("Transpose", []string{"c"}, intsAttr("perm", 3, 1, 0, 2)))},
		{"flatten", convThen(13, n1("Flatten", []string{"c"}, intAttr("axis", 2)))},
		{"reshape", convThen(13, n1("Reshape", []string{"c", "s"}), i64s("s", 0, -1, 5))},
		{"split channels", convThen(13, []*NodeProto{
			nodeOf("Split", "s", []string{"c", "sp"}, []string{"a", "b2"}, intAttr("axis", 1)),
			nodeOf("Sub", "sub", []string{"a", "b2"}, []string{"y"})}, i64s("sp", 2, 2))},
		{"slice height and channels", convThen(13, n1("Slice", []string{"c", "st", "en", "ax", "stp"}),
			i64s("st", 1, -1), i64s("en", 100, 0), i64s("ax", 1, 2), i64s("stp", 2, -2))},
		{"gather channel", convThen(13, n1("Gather", []string{"c", "gi"}, intAttr("axis", 1)), i64s("gi", 3, -4, 1))},
		{"gather scalar width", convThen(13, n1("Gather", []string{"c", "g0"}, intAttr("axis", 3)), int64Tensor("g0", nil, []int64{2}))},
		{"pad", convThen(13, n1("Pad", []string{"c", "p"}), i64s("p", 0, 1, 0, 2, 0, 0, 1, 1))},
		{"pad reflect", convThen(13, n1("Pad", []string{"c", "p"}, strAttr("mode", "reflect")), i64s("p", 0, 0, 2, 1, 0, 0, 1, 2))},
		{"pad edge", convThen(13, n1("Pad", []string{"c", "p"}, strAttr("mode", "edge")), i64s("p", 0, 0, 2, 1, 0, 0, 1, 2))},
		{"squeeze unsqueeze", convThen(13, []*NodeProto{
			nodeOf("ReduceMean", "m", []string{"c"}, []string{"m"}, intsAttr("axes", 2)),
			nodeOf("Squeeze", "sq", []string{"m", "a2"}, []string{"s"}),
			nodeOf("Unsqueeze", "us", []string{"s", "a0"}, []string{"y"})}, i64s("a2", 2), i64s("a0", 0))},
		{"global pools and gemm", convThen(13, []*NodeProto{
			nodeOf("GlobalAveragePool", "gap", []string{"c"}, []string{"p"}),
			nodeOf("Flatten", "f", []string{"p"}, []string{"fl"}),
			nodeOf("Gemm", "fc", []string{"fl", "gw", "gb"}, []string{"y"}, intAttr("transB", 1), floatAttr("alpha", 0.5))},
			floatTensor("gw", []int64{2, 4}, []float32{1, 2, 3, 4, -1, 0.5, 0, 2}), floatTensor("gb", []int64{2}, []float32{0.1, -0.2}))},
		{"max pool ceil", convThen(13, n1("MaxPool", []string{"c"}, intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2), intAttr("ceil_mode", 1)))},
		{"average pool pads", convThen(13, n1("AveragePool", []string{"c"}, intsAttr("kernel_shape", 3, 3), intsAttr("pads", 1, 0, 0, 1), intsAttr("strides", 2, 1)))},
		{"depth to space CRD", convThen(13, n1("DepthToSpace", []string{"c"}, intAttr("blocksize", 2), strAttr("mode", "CRD")))},
		{"resize nearest", convThen(13, n1("Resize", []string{"c", "", "sc"}, strAttr("mode", "nearest"), strAttr("coordinate_transformation_mode", "asymmetric"), strAttr("nearest_mode", "floor")),
			floatTensor("sc", []int64{4}, []float32{1, 1, 2, 2}))},
		{"resize linear half pixel", convThen(13, n1("Resize", []string{"c", "", "sc"}, strAttr("mode", "linear")),
			floatTensor("sc", []int64{4}, []float32{1, 1, 2, 3}))},
		{"resize cubic", convThen(13, n1("Resize", []string{"c", "", "", "sz"}, strAttr("mode", "cubic")), i64s("sz", 1, 4, 9, 7))},
		{"batchnorm prelu", convThen(13, []*NodeProto{
			nodeOf("BatchNormalization", "bn", []string{"c", "sc", "bb", "mu", "va"}, []string{"n"}),
			nodeOf("PRelu", "pr", []string{"n", "sl"}, []string{"y"})},
			floatTensor("sc", []int64{4}, []float32{1, 2, 0.5, -1}), floatTensor("bb", []int64{4}, []float32{0, 1, -1, 0.5}),
			floatTensor("mu", []int64{4}, []float32{0.1, 0.2, 0.3, 0.4}), floatTensor("va", []int64{4}, []float32{1, 2, 0.5, 0.25}),
			floatTensor("sl", []int64{4, 1, 1}, []float32{0.1, 0.2, 0.3, 0.4}))},
		{"instance norm", convThen(13, n1("InstanceNormalization", []string{"c", "sc", "bb"}),
			floatTensor("sc", []int64{4}, []float32{1, 2, 0.5, -1}), floatTensor("bb", []int64{4}, []float32{0, 1, -1, 0.5}))},
		{"matmul on width", convThen(13, n1("MatMul", []string{"c", "mw"}), floatTensor("mw", []int64{5, 2}, []float32{1, 0, 0, 1, 1, 1, -1, 2, 0.5, 0.5}))},
		{"hard sigmoid elu", convThen(13, []*NodeProto{
			nodeOf("HardSigmoid", "hs", []string{"c"}, []string{"h"}),
			nodeOf("Elu", "elu", []string{"h"}, []string{"y"}, floatAttr("alpha", 0.5))})},
		{"conv transpose", convThen(13, n1("ConvTranspose", []string{"c", "tw"}, intsAttr("strides", 2, 2), intsAttr("pads", 1, 0, 0, 1), intsAttr("output_padding", 1, 0)),
			floatTensor("tw", []int64{4, 2, 3, 3}, seq(72)))},
		{"gelu from erf, x*0.5 last", convThen(13, []*NodeProto{
			nodeOf("Div", "d", []string{"c", "r2"}, []string{"d"}), nodeOf("Erf", "e", []string{"d"}, []string{"e"}),
			nodeOf("Add", "a", []string{"e", "one"}, []string{"a"}), nodeOf("Mul", "m", []string{"c", "a"}, []string{"m"}),
			nodeOf("Mul", "h", []string{"m", "half"}, []string{"y"})},
			floatTensor("r2", nil, []float32{1.4142135}), floatTensor("one", nil, []float32{1}), floatTensor("half", nil, []float32{0.5}))},
		{"gelu from erf, 0.5*x first", convThen(13, []*NodeProto{
			nodeOf("Mul", "h", []string{"half", "c"}, []string{"h"}),
			nodeOf("Mul", "d", []string{"c", "ir2"}, []string{"d"}), nodeOf("Erf", "e", []string{"d"}, []string{"e"}),
			nodeOf("Add", "a", []string{"one", "e"}, []string{"a"}), nodeOf("Mul", "m", []string{"h", "a"}, []string{"y"})},
			floatTensor("ir2", nil, []float32{0.70710677}), floatTensor("one", nil, []float32{1}), floatTensor("half", nil, []float32{0.5}))},
		{"softplus softsign", convThen(13, []*NodeProto{
			nodeOf("Softplus", "sp", []string{"c"}, []string{"s"}), nodeOf("Softsign", "ss", []string{"s"}, []string{"y"})})},
		{"grouped conv", convThen(13, n1("Conv", []string{"c", "gw"}, intAttr("group", 2), intsAttr("strides", 2, 1)),
			floatTensor("gw", []int64{6, 2, 3, 3}, seq(108)))},
		{"cumsum channels exclusive", convThen(13, n1("CumSum", []string{"c", "ax"}, intAttr("exclusive", 1)), int64Tensor("ax", nil, []int64{1}))},
		{"cumsum width reverse", convThen(13, n1("CumSum", []string{"c", "ax"}, intAttr("reverse", 1)), int64Tensor("ax", nil, []int64{-1}))},
		{"gathernd pixels", convThen(13, n1("GatherND", []string{"c", "gi"}), int64Tensor("gi", []int64{3, 3}, []int64{0, 1, 2, 0, -1, -1, 0, 3, 4}))},
		{"gathernd rows", convThen(13, n1("GatherND", []string{"c", "gi"}), int64Tensor("gi", []int64{2, 1, 2}, []int64{0, 2, 0, -4}))},
		{"depthwise dilated", convThen(13, n1("Conv", []string{"c", "dw"}, intAttr("group", 4), intsAttr("dilations", 2, 1), intsAttr("pads", 2, 1, 2, 1)),
			floatTensor("dw", []int64{8, 1, 3, 3}, seq(72)))},
	}
	// The cases of one opset share one model (one ONNX Runtime run): case
	// i's values are renamed apart, and its "y" becomes output "y<i>".
	for _, opset := range []int64{11, 13} {
		merged := convThen(opset, nil)
		merged.Graph.Outputs = nil
		for i, c := range cases {
			if c.model.Opsets[0].Version != opset {
				continue
			}
			rename := func(s string) string {
				switch s {
				case "", "c":
					return s
				case "y":
					return fmt.Sprintf("y%d", i)
				}
				return fmt.Sprintf("k%d_%s", i, s)
			}
			for _, nd := range c.model.Graph.Nodes[1:] {
				cp := *nd
				cp.Name = rename(nd.Name)
				cp.Inputs, cp.Outputs = nil, nil
				for _, s := range nd.Inputs {
					cp.Inputs = append(cp.Inputs, rename(s))
				}
				for _, s := range nd.Outputs {
					cp.Outputs = append(cp.Outputs, rename(s))
				}
				merged.Graph.Nodes = append(merged.Graph.Nodes, &cp)
			}
			for _, init := range c.model.Graph.Initializers[1:] {
				cp := *init
				cp.Name = rename(init.Name)
				merged.Graph.Initializers = append(merged.Graph.Initializers, &cp)
			}
			merged.Graph.Outputs = append(merged.Graph.Outputs, &ValueInfoProto{Name: fmt.Sprintf("y%d", i), Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}})
		}
		runLayoutModel(t, ort, merged, func(name string) string {
			var i int
			fmt.Sscanf(name, "y%d", &i)
			return cases[i].name
		})
	}
}

// TestSequenceAndActivationsAgainstONNXRuntime checks LSTM in its three
// directions, GELU (opset 20), HardSwish and a grouped
// convolution against ONNX Runtime and TFLite.
func TestSequenceAndActivationsAgainstONNXRuntime(t *testing.T) {
	ort := testutil.ORTOracle(t)
	const seqLen, batch, in, hidden = 5, 2, 3, 4
	r := rand.New(rand.NewSource(3))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64()) * 0.5
		}
		return v
	}
	var nodes []*NodeProto
	var inits []*TensorProto
	var outs []*ValueInfoProto
	out := func(name string) {
		outs = append(outs, &ValueInfoProto{Name: name, Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}})
	}
	for _, dir := range []string{"forward", "reverse", "bidirectional"} {
		d := int64(1)
		if dir == "bidirectional" {
			d = 2
		}
		p := dir + "_"
		inits = append(inits,
			floatTensor(p+"W", []int64{d, 4 * hidden, in}, rnd(int(d)*4*hidden*in)),
			floatTensor(p+"R", []int64{d, 4 * hidden, hidden}, rnd(int(d)*4*hidden*hidden)),
			floatTensor(p+"B", []int64{d, 8 * hidden}, rnd(int(d)*8*hidden)),
			floatTensor(p+"P", []int64{d, 3 * hidden}, rnd(int(d)*3*hidden)))
		nodes = append(nodes, nodeOf("LSTM", p+"lstm", []string{"x", p + "W", p + "R", p + "B", "", "", "", p + "P"},
			[]string{p + "Y", p + "Y_h"}, intAttr("hidden_size", hidden), strAttr("direction", dir)))
		out(p + "Y")
		out(p + "Y_h")
	}
	// (ONNX Runtime runs no batch-major LSTM; the conformance suite's
	// test_lstm_batchwise covers layout 1.)
	nodes = append(nodes,
		nodeOf("Gelu", "gelu", []string{"x"}, []string{"gelu"}),
		nodeOf("Gelu", "gelu_tanh", []string{"x"}, []string{"gelu_tanh"}, strAttr("approximate", "tanh")),
		nodeOf("HardSwish", "hswish", []string{"x"}, []string{"hswish"}),
		// x as [batch, input, seq]: a 1-D convolution over the sequence.
		nodeOf("Transpose", "nc", []string{"x"}, []string{"xc"}, intsAttr("perm", 1, 2, 0)),
		nodeOf("Conv", "gconv", []string{"xc", "gw"}, []string{"gconv"}, intAttr("group", 1), intsAttr("pads", 1, 1)))
	inits = append(inits, floatTensor("gw", []int64{4, in, 3}, rnd(4*in*3)))
	for _, o := range []string{"gelu", "gelu_tanh", "hswish", "gconv"} {
		out(o)
	}
	g := &GraphProto{Nodes: nodes, Initializers: inits, Outputs: outs,
		Inputs: []*ValueInfoProto{tensorInfo("x", onnxFloat, seqLen, batch, in)}}
	runLayoutModel(t, ort, modelOf(20, g), func(s string) string { return s })
}

// runLayoutModel converts and runs m and ONNX Runtime on one random input
// and compares every output.
func runLayoutModel(t *testing.T, ort string, mp *ModelProto, caseName func(string) string) {
	dir := t.TempDir()
	shape := []int{}
	for _, d := range mp.Graph.Inputs[0].Type.Shape {
		shape = append(shape, int(d.Value))
	}
	x := make([]float32, ir.NumElements(shape))
	r := rand.New(rand.NewSource(1))
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	in := filepath.Join(dir, "x.f32")
	path := filepath.Join(dir, "m.onnx")
	if err := os.WriteFile(in, ir.Float32Bytes(x), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, encodeModel(mp), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ConvertFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	it, err := runtime.New(m)
	if err != nil {
		t.Fatal(err)
	}
	copy(it.Input(0).Float32s(), x)
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(dir, "ort")
	cmd := exec.Command("node", filepath.Join(ort, "ort-run.mjs"), path, in, "--out", prefix, "--print", "0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ort: %v\n%s", err, out)
	}
	for _, o := range mp.Graph.Outputs {
		k := it.OutputIndex(o.Name)
		if k < 0 {
			t.Errorf("%s: output %s missing", caseName(o.Name), o.Name)
			continue
		}
		got := it.Output(k).Float32s()
		want := readF32(t, prefix+"."+o.Name+".float32")
		if len(got) != len(want) {
			t.Errorf("%s: %d values, ONNX Runtime gives %d", caseName(o.Name), len(got), len(want))
			continue
		}
		worst := 0.0
		for k := range want {
			worst = math.Max(worst, math.Abs(float64(got[k]-want[k]))/(1+math.Abs(float64(want[k]))))
		}
		if worst > 1e-5 {
			t.Errorf("%s: differs from ONNX Runtime by %.3g", caseName(o.Name), worst)
		}
	}
	t.Logf("%d outputs agree with ONNX Runtime; ops %s", len(mp.Graph.Outputs), strings.TrimSpace(opSummary(m)))

	// TFLite must load and run the converted model and agree as well.
	testutil.TFLiteOracle(t)
	model := filepath.Join(dir, "m.tflite")
	if err := tflite.WriteFile(model, m); err != nil {
		t.Fatal(err)
	}
	if err := testutil.RunTFLiteOracle(t, model, filepath.Join(dir, "tfl"), in); err != nil {
		t.Fatal(err)
	}
	for k := range it.NumOutputs() {
		got := readF32(t, filepath.Join(dir, "tfl", fmt.Sprintf("output_%d.bin", k)))
		if d := maxAbsDiff(got, it.Output(k).Float32s()); len(got) != len(it.Output(k).Float32s()) || d > 1e-4 {
			t.Errorf("%s: TFLite differs from liteforge by %.3g", caseName(it.OutputName(k)), d)
		}
	}
}

func seq(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i%7)/7 - 0.4
	}
	return v
}
