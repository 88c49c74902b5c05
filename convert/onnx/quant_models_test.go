package onnx

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
)

// ONNX Runtime's own quantized models (../shared/fixtures/onnx/ort-quantized)
// convert to integer TFLite graphs whose accuracy on the test sets matches
// ONNX Runtime's, measured here with the ONNX Runtime oracle on the same
// images.

type quantCase struct {
	file, data string
	intOps     bool // the converted graph is integer throughout
}

var quantCases = []quantCase{
	{"lenet_mnist.Entropy.pc.n1000", "mnist", true},
	{"cnn_fashion_mnist.Entropy.pc.n1000", "fashion-mnist", true},
	{"mbv2_fashion.Entropy.pc", "fashion-mnist", true},
	{"lenet_mnist.dynamic", "mnist", false},
	{"cnn_fashion_mnist.dynamic", "fashion-mnist", false},
}

// evalImages is how many test images the accuracy test uses: 500, or all
// 10000 with LITEFORGE_FULL_EVAL=1.
func evalImages() int {
	if os.Getenv("LITEFORGE_FULL_EVAL") == "1" {
		return 10000
	}
	return 500
}

func argmaxRows(logits []float32, classes int) []int {
	out := make([]int, len(logits)/classes)
	for i := range out {
		row := logits[i*classes : (i+1)*classes]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		out[i] = best
	}
	return out
}

func TestQuantizedModelAccuracy(t *testing.T) {
	n := evalImages()
	const batch = 500
	for _, qc := range quantCases {
		t.Run(qc.file, func(t *testing.T) {
			set, err := dataset.ReadIDXDir(filepath.Join(testutil.SharedDir(t), "fixtures", "data", qc.data), "test")
			if err != nil {
				t.Fatal(err)
			}
			pixels := set.Float32()[:n*28*28]
			labels := set.Labels[:n]
			path := testutil.Fixture(t, filepath.Join("onnx", "ort-quantized", qc.file+".onnx"))
			m, err := ConvertFile(path, Options{InputShapes: map[string][]int{"input": {batch, 1, 28, 28}}})
			if err != nil {
				t.Fatal(err)
			}
			if qc.intOps {
				for _, op := range m.Graphs[0].Ops {
					for _, o := range op.Outputs {
						if tt := m.Graphs[0].Tensors[o]; tt.Type == ir.Float32 && op.Type != ir.Dequantize {
							t.Errorf("op %s writes float tensor %q", op.Name(), tt.Name)
						}
					}
				}
			}
			it, err := runtime.New(m)
			if err != nil {
				t.Fatal(err)
			}
			var ours []int
			for s := 0; s < n; s += batch {
				copy(it.Input(0).Float32s(), pixels[s*784:(s+batch)*784])
				if err := it.Invoke(); err != nil {
					t.Fatal(err)
				}
				ours = append(ours, argmaxRows(it.Output(0).Float32s(), 10)...)
			}
			ort := ortTop1(t, path, pixels, n)
			correct, correctORT, agree := 0, 0, 0
			for i := range n {
				if ours[i] == labels[i] {
					correct++
				}
				if ort[i] == labels[i] {
					correctORT++
				}
				if ours[i] == ort[i] {
					agree++
				}
			}
			acc, accORT := 100*float64(correct)/float64(n), 100*float64(correctORT)/float64(n)
			t.Logf("%s on %d test images: liteforge %.2f%%, ONNX Runtime %.2f%%, same top-1 on %d; ops %s",
				qc.file, n, acc, accORT, agree, opSummary(m))
			tol := 0.1
			if n < 10000 {
				tol = 0.4 // 2 images of 500
			}
			if math.Abs(acc-accORT) > tol+1e-9 {
				t.Errorf("accuracy %.2f%% differs from ONNX Runtime's %.2f%% by more than %.1f points", acc, accORT, tol)
			}
			// TFLite runs the model converted for a smaller batch.
			const small = 50
			ms, err := ConvertFile(path, Options{InputShapes: map[string][]int{"input": {small, 1, 28, 28}}})
			if err != nil {
				t.Fatal(err)
			}
			checkLoadsInTFLite(t, ms, pixels[:small*784], ours[:small])
		})
	}
}

// ortTop1 runs ONNX Runtime on the first n images and returns its top-1
// classes (it skips the test when the oracle is not installed).
func ortTop1(t *testing.T, model string, pixels []float32, n int) []int {
	dir := testutil.ORTOracle(t)
	tmp := t.TempDir()
	in := filepath.Join(tmp, "input.f32")
	if err := os.WriteFile(in, ir.Float32Bytes(pixels[:n*784]), 0o644); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(tmp, "ort")
	cmd := exec.Command("node", filepath.Join(dir, "ort-run.mjs"), model, in, "--shape", "input="+strconv.Itoa(n)+",1,28,28", "--out", prefix, "--print", "0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ort oracle: %v\n%s", err, out)
	}
	return argmaxRows(readF32(t, prefix+".logits.float32"), 10)
}

// checkLoadsInTFLite writes m and runs it in TFLite on one batch, which
// must give (nearly) the same top-1 classes as liteforge.
func checkLoadsInTFLite(t *testing.T, m *ir.Model, batch []float32, ours []int) {
	testutil.TFLiteOracle(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "model.tflite")
	if err := tflite.WriteFile(model, m); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "input.bin")
	if err := os.WriteFile(in, ir.Float32Bytes(batch), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := testutil.RunTFLiteOracle(t, model, filepath.Join(dir, "out"), in); err != nil {
		t.Fatal(err)
	}
	theirs := argmaxRows(readF32(t, filepath.Join(dir, "out", "output_0.bin")), 10)
	same := 0
	for i := range ours {
		if ours[i] == theirs[i] {
			same++
		}
	}
	t.Logf("TFLite ran the converted model: same top-1 as liteforge on %d of %d images", same, len(ours))
	if same < len(ours)*99/100 {
		t.Errorf("TFLite and liteforge agree on only %d of %d images", same, len(ours))
	}
}

// TestQuantFixtures runs the hand-built quantized models of
// ../shared/fixtures/onnx/quant against their NumPy references: integer
// outputs within one step (TFLite requantizes with fixed-point arithmetic,
// NumPy with float), int32 products exactly.
func TestQuantFixtures(t *testing.T) {
	for _, c := range []struct {
		name   string
		inputs []string // dtype of each input file
		refs   []string // output name.dtype
		intOps bool
	}{
		{"qdq_matmul", []string{"float32"}, []string{"y.float32"}, true},
		{"qdq_conv", []string{"float32"}, []string{"y.float32"}, true},
		{"qlinear_conv", []string{"uint8"}, []string{"y.uint8"}, true},
		{"qlinear_matmul", []string{"int8"}, []string{"y.int8"}, true},
		{"integer_ops", []string{"uint8", "uint8"}, []string{"mm.int32", "cv.int32"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(testutil.SharedDir(t), "fixtures", "onnx", "quant")
			m, err := ConvertFile(filepath.Join(dir, c.name+".onnx"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			it, err := runtime.New(m)
			if err != nil {
				t.Fatal(err)
			}
			for i, dt := range c.inputs {
				b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%s.in%d.%s", c.name, i, dt)))
				if err != nil {
					t.Fatal(err)
				}
				if len(b) != len(it.Input(i).Data) {
					t.Fatalf("input %d: %d bytes for %v %v", i, len(b), it.Input(i).Type, it.Input(i).Shape)
				}
				copy(it.Input(i).Data, b)
			}
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			for i, ref := range c.refs {
				want, err := os.ReadFile(filepath.Join(dir, c.name+".ref."+ref))
				if err != nil {
					t.Fatal(err)
				}
				got := it.Output(i)
				wt := &ir.Tensor{Type: got.Type, Shape: got.Shape, Data: want}
				g, _ := numbersOf(got)
				w, err := numbersOf(wt)
				if err != nil || len(g) != len(w) {
					t.Fatalf("output %d: %v, %d values, want %d", i, err, len(g), len(w))
				}
				step := 0.0 // integer results must be exact ...
				if got.Type != ir.Int32 {
					step = 1 // ... quantized ones within one step
					if got.Type == ir.Float32 {
						step = outputStep(t, m, i)
					}
				}
				worst, off := 0.0, 0
				for k := range w {
					d := math.Abs(g[k] - w[k])
					worst = math.Max(worst, d)
					if d > 0 {
						off++
					}
				}
				t.Logf("%s output %d (%v): %d of %d values differ, largest difference %g (allowed %g); ops %s", c.name, i, got.Type, off, len(w), worst, step, opSummary(m))
				if worst > step {
					t.Errorf("output %d differs by %g > %g", i, worst, step)
				}
			}
			if c.intOps {
				for _, op := range m.Graphs[0].Ops {
					switch op.Type {
					case ir.Quantize, ir.Dequantize:
						continue
					}
					for _, o := range op.Outputs {
						if tt := m.Graphs[0].Tensors[o]; tt.Type == ir.Float32 {
							t.Errorf("%s runs in float", op.Name())
						}
					}
				}
			}
		})
	}
}

// outputStep is the quantization step of float output i, which a
// DEQUANTIZE writes.
func outputStep(t *testing.T, m *ir.Model, i int) float64 {
	g := m.Graphs[0]
	out := g.Outputs[i]
	for _, op := range g.Ops {
		if op.Outputs[0] == out && op.Type == ir.Dequantize {
			if q := g.Tensors[op.Inputs[0]].Quant; q.Quantized() {
				return float64(q.Scale[0]) * 1.0001
			}
		}
	}
	t.Fatalf("output %d is not written by a DEQUANTIZE", i)
	return 0
}
