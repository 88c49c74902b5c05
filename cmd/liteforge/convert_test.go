package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
)

func TestConvertLeNet(t *testing.T) {
	model := testutil.Fixture(t, filepath.Join("onnx", "lenet_mnist.onnx"))
	out := filepath.Join(t.TempDir(), "lenet.tflite")
	text, err := execute(t, "convert", model, "-o", out, "--input-shape", "input=4,1,28,28")
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	for _, want := range []string{"wrote", "CONV_2D 2", "FULLY_CONNECTED 3", `input "input" float32 [4 1 28 28]`, `output "logits" float32 [4 10]`} {
		if !strings.Contains(text, want) {
			t.Errorf("output does not mention %q:\n%s", want, text)
		}
	}
	m, err := tflite.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The written model runs and agrees with PyTorch on the golden images.
	in, err := os.ReadFile(testutil.Fixture(t, filepath.Join("data", "golden", "lenet_mnist.input16.f32")))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(testutil.Fixture(t, filepath.Join("data", "golden", "lenet_mnist.torch_logits16.f32")))
	if err != nil {
		t.Fatal(err)
	}
	it, err := runtime.New(m)
	if err != nil {
		t.Fatal(err)
	}
	copy(it.Input(0).Data, in)
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	got, w := it.Output(0).Float32s(), ir.AsFloat32(want)
	for i := range got {
		if d := got[i] - w[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("logit %d is %g, PyTorch gives %g", i, got[i], w[i])
		}
	}
}

func TestConvertNHWCAndDefaultBatch(t *testing.T) {
	model := testutil.Fixture(t, filepath.Join("onnx", "mbv2_fashion.onnx"))
	out := filepath.Join(t.TempDir(), "m.tflite")
	text, err := execute(t, "convert", model, "-o", out, "--nhwc")
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if !strings.Contains(text, `input "input" float32 [1 28 28 1]`) || strings.Contains(text, "TRANSPOSE") {
		t.Errorf("--nhwc: want a [1 28 28 1] input and no TRANSPOSE:\n%s", text)
	}
}

func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	model := testutil.Fixture(t, filepath.Join("onnx", "lenet_mnist.onnx"))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"convert", model}, `"output" not set`},
		{[]string{"convert", model, "-o", filepath.Join(dir, "x.tflite"), "--input-shape", "input=1,a"}, `"a" is not a dimension`},
		{[]string{"convert", model, "-o", filepath.Join(dir, "x.tflite"), "--input-shape", "nope=1,1,28,28"}, `"nope", which is not a graph input`},
		{[]string{"convert", filepath.Join(dir, "missing.onnx"), "-o", filepath.Join(dir, "x.tflite")}, "missing.onnx"},
		{[]string{"convert", model, "-o", filepath.Join(dir, "no", "such", "dir", "x.tflite")}, "x.tflite"},
	} {
		if _, err := execute(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to mention %q", c.args[1:], err, c.want)
		}
	}
	// A truncated file fails without leaving an output behind.
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "truncated.onnx")
	if err := os.WriteFile(bad, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "t.tflite")
	if _, err := execute(t, "convert", bad, "-o", out); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated model: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed conversion left %s", out)
	}
}
