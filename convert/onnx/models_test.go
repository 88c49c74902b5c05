package onnx

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
)

// The exported PyTorch models of ../shared/fixtures/onnx, converted and run,
// against PyTorch's logits recorded when they were exported.

type modelCase struct {
	name   string
	input  string // golden input file, float32 NCHW
	logits string // golden logits
	shape  []int  // one sample's input shape (batch 1)
	batch  int    // samples in the golden files
}

var modelCases = []modelCase{
	{"lenet_mnist", "lenet_mnist.input16.f32", "lenet_mnist.torch_logits16.f32", []int{1, 1, 28, 28}, 16},
	{"cnn_fashion_mnist", "cnn_fashion_mnist.input16.f32", "cnn_fashion_mnist.torch_logits16.f32", []int{1, 1, 28, 28}, 16},
	{"mbv2_fashion", "cnn_fashion_mnist.input16.f32", "", []int{1, 1, 28, 28}, 16},
	{"mobilenet_v2", "mobilenet_v2.input.f32", "mobilenet_v2.torch_logits.f32", []int{1, 3, 224, 224}, 1},
	{"resnet18", "resnet18.input.f32", "resnet18.torch_logits.f32", []int{1, 3, 224, 224}, 1},
}

func readF32(t testing.TB, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ir.AsFloat32(b)
}

// runFloat runs m once on input (raw float32) and returns output 0.
func runFloat(t testing.TB, m *ir.Model, input []float32) []float32 {
	t.Helper()
	it, err := runtime.New(m)
	if err != nil {
		t.Fatal(err)
	}
	copy(it.Input(0).Float32s(), input)
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), it.Output(0).Float32s()...)
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func countOps(m *ir.Model, t ir.OpType) int {
	n := 0
	for _, op := range m.Graphs[0].Ops {
		if op.Type == t {
			n++
		}
	}
	return n
}

// convertFixture converts a fixture model with the golden files' batch.
func convertFixture(t *testing.T, mc modelCase) *ir.Model {
	t.Helper()
	path := testutil.Fixture(t, filepath.Join("onnx", mc.name+".onnx"))
	shape := append([]int{mc.batch}, mc.shape[1:]...)
	m, err := ConvertFile(path, Options{InputShapes: map[string][]int{"input": shape}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// ortLogits runs ONNX Runtime on a fixture (for models without recorded
// PyTorch logits).
func ortLogits(t *testing.T, mc modelCase, inputFile string) []float32 {
	dir := testutil.ORTOracle(t)
	model := testutil.Fixture(t, filepath.Join("onnx", mc.name+".onnx"))
	prefix := filepath.Join(t.TempDir(), "ort")
	shape := fmt.Sprintf("input=%d,%d,%d,%d", mc.batch, mc.shape[1], mc.shape[2], mc.shape[3])
	cmd := exec.Command("node", filepath.Join(dir, "ort-run.mjs"), model, inputFile, "--shape", shape, "--out", prefix, "--print", "0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ort oracle: %v\n%s", err, out)
	}
	return readF32(t, prefix+".logits.float32")
}

func TestFixtureModels(t *testing.T) {
	for _, mc := range modelCases {
		t.Run(mc.name, func(t *testing.T) {
			m := convertFixture(t, mc)
			inFile := testutil.Fixture(t, filepath.Join("data", "golden", mc.input))
			in := readF32(t, inFile)
			var want []float32
			source := "PyTorch"
			if mc.logits == "" {
				want, source = ortLogits(t, mc, inFile), "ONNX Runtime"
			} else {
				want = readF32(t, testutil.Fixture(t, filepath.Join("data", "golden", mc.logits)))
			}
			got := runFloat(t, m, in)
			d := maxAbsDiff(got, want)
			t.Logf("%s: %d samples, max |liteforge - %s| = %.3g; ops %s", mc.name, mc.batch, source, d, opSummary(m))
			if len(got) != len(want) || d > 1e-4 {
				t.Errorf("%d outputs, max abs difference %.3g > 1e-4", len(got), d)
			}
			if mc.name == "mobilenet_v2" {
				if n := countOps(m, ir.Transpose); n != 1 {
					t.Errorf("%d TRANSPOSE ops; expected only the one at the input", n)
				}
			}
		})
	}
}

// TestFixtureModelsInTFLite writes the converted models and runs them in
// TFLite (the oracle), which must load them and agree with PyTorch.
func TestFixtureModelsInTFLite(t *testing.T) {
	testutil.TFLiteOracle(t)
	for _, mc := range modelCases {
		t.Run(mc.name, func(t *testing.T) {
			m := convertFixture(t, mc)
			dir := t.TempDir()
			model := filepath.Join(dir, mc.name+".tflite")
			if err := tflite.WriteFile(model, m); err != nil {
				t.Fatal(err)
			}
			inFile := testutil.Fixture(t, filepath.Join("data", "golden", mc.input))
			if err := testutil.RunTFLiteOracle(t, model, filepath.Join(dir, "out"), inFile); err != nil {
				t.Fatal(err)
			}
			got := readF32(t, filepath.Join(dir, "out", "output_0.bin"))
			ours := runFloat(t, m, readF32(t, inFile))
			d := maxAbsDiff(got, ours)
			t.Logf("%s: max |TFLite - liteforge| = %.3g", mc.name, d)
			if len(got) != len(ours) || d > 1e-4 {
				t.Errorf("%d outputs, max abs difference %.3g > 1e-4", len(got), d)
			}
		})
	}
}

func opSummary(m *ir.Model) string {
	counts := map[string]int{}
	var order []string
	for _, op := range m.Graphs[0].Ops {
		if counts[op.Name()] == 0 {
			order = append(order, op.Name())
		}
		counts[op.Name()]++
	}
	s := ""
	for _, k := range order {
		s += fmt.Sprintf("%s×%d ", k, counts[k])
	}
	return s
}

// TestNHWCOption converts MobileNetV2 with channels-last input: no TRANSPOSE
// at all, and the same logits from the transposed input.
func TestNHWCOption(t *testing.T) {
	mc := modelCases[3]
	path := testutil.Fixture(t, filepath.Join("onnx", mc.name+".onnx"))
	m, err := ConvertFile(path, Options{NHWC: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Graphs[0].Tensors[m.Graphs[0].Inputs[0]].Shape; fmt.Sprint(s) != "[1 224 224 3]" {
		t.Errorf("input shape %v, want [1 224 224 3]", s)
	}
	if n := countOps(m, ir.Transpose); n != 0 {
		t.Errorf("%d TRANSPOSE ops with NHWC input", n)
	}
	nchw := readF32(t, testutil.Fixture(t, filepath.Join("data", "golden", mc.input)))
	nhwc := make([]float32, len(nchw))
	for c := range 3 {
		for i := range 224 * 224 {
			nhwc[i*3+c] = nchw[c*224*224+i]
		}
	}
	want := readF32(t, testutil.Fixture(t, filepath.Join("data", "golden", mc.logits)))
	if d := maxAbsDiff(runFloat(t, m, nhwc), want); d > 1e-4 {
		t.Errorf("max abs difference %.3g from PyTorch", d)
	}
}
