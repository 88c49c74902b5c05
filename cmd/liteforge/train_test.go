package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
)

// trainJSON runs `liteforge train ... --json` and decodes its report.
func trainJSON(t *testing.T, args ...string) trainReport {
	t.Helper()
	out, err := execute(t, append([]string{"train", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("train %v: %v\n%s", args, err, out)
	}
	var r trainReport
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &r); err != nil {
		t.Fatalf("train --json printed %q: %v", out, err)
	}
	return r
}

// A short LeNet run writes a .tflite that TFLite loads and runs with the
// outputs liteforge's runtime gives; --init then continues from that file
// and does not lose accuracy on the same test images; a student distilled
// from the file trains too.
func TestTrainWritesModelTFLiteRuns(t *testing.T) {
	data := testutil.Fixture(t, "data/mnist")
	dir := t.TempDir()
	model := filepath.Join(dir, "lenet.tflite")
	r := trainJSON(t, "--arch", "lenet", "--data", data, "--epochs", "1", "--limit", "2000", "--test-limit", "500",
		"--batch", "32", "--seed", "3", "-o", model)
	if r.Params != 61706 {
		t.Errorf("lenet has %d parameters, want 61706 (PyTorch's LeNet-5 count)", r.Params)
	}
	// 2000 images of one epoch: a working LeNet is far above chance (10%).
	if r.Accuracy < 0.6 {
		t.Errorf("test accuracy %.3f after 2000 images, want at least 0.6", r.Accuracy)
	}
	st, err := os.Stat(model)
	if err != nil || int(st.Size()) != r.Bytes {
		t.Fatalf("model file: %v, size %d, report says %d bytes", err, st.Size(), r.Bytes)
	}

	// The same input through TFLite and through liteforge's runtime.
	m, err := tflite.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	it, err := runtime.New(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := it.AllocateTensors(); err != nil {
		t.Fatal(err)
	}
	in := it.Input(0).Float32s()
	for i := range in {
		in[i] = float32(i%29) / 28
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	inFile := filepath.Join(dir, "input.bin")
	if err := os.WriteFile(inFile, ir.Float32Bytes(in), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "oracle")
	if err := testutil.RunTFLiteOracle(t, model, outDir, inFile); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(outDir, "output_0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	want, got := ir.AsFloat32(raw), it.Output(0).Float32s()
	if len(want) != len(got) {
		t.Fatalf("TFLite gave %d outputs, liteforge %d", len(want), len(got))
	}
	for i := range want {
		if math.Abs(float64(want[i]-got[i])) > 1e-4*math.Max(1, math.Abs(float64(want[i]))) {
			t.Errorf("logit %d: TFLite %v, liteforge %v", i, want[i], got[i])
		}
	}

	// Fine-tuning continues from the file's weights: the initial accuracy
	// is the first run's, and a small learning rate keeps or improves it.
	tuned := filepath.Join(dir, "tuned.tflite")
	r2 := trainJSON(t, "--init", model, "--data", data, "--epochs", "1", "--limit", "2000", "--test-limit", "500",
		"--batch", "32", "--lr", "2e-4", "-o", tuned)
	if r2.InitAccuracy == nil || math.Abs(*r2.InitAccuracy-r.Accuracy) > 1e-9 {
		t.Errorf("--init starts at accuracy %v, the model it read had %v", r2.InitAccuracy, r.Accuracy)
	}
	if r2.Accuracy < r.Accuracy-0.01 {
		t.Errorf("fine-tuning lost accuracy: %.3f -> %.3f", r.Accuracy, r2.Accuracy)
	}

	// Distillation from the trained model into a fresh student runs end to end.
	student := filepath.Join(dir, "student.tflite")
	r3 := trainJSON(t, "--arch", "lenet", "--teacher", tuned, "--data", data, "--epochs", "2", "--limit", "1000",
		"--test-limit", "200", "--batch", "32", "-o", student)
	if r3.Teacher != tuned || r3.Accuracy < 0.4 {
		t.Errorf("distilled student: teacher %q, accuracy %.3f", r3.Teacher, r3.Accuracy)
	}
}

func TestTrainBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--data", dir, "-o", "x.tflite"}, "one of --arch"},
		{[]string{"train", "--arch", "lenet", "--init", "a.tflite", "--data", dir, "-o", "x.tflite"}, "one of --arch"},
		{[]string{"train", "--arch", "alexnet", "--data", dir, "-o", "x.tflite"}, "unknown architecture"},
		{[]string{"train", "--arch", "lenet", "--data", dir, "-o", "x.tflite"}, "no images file"},
		{[]string{"train", "--arch", "lenet", "--data", dir}, "required"},
		{[]string{"train", "--init", filepath.Join(dir, "missing.tflite"), "--data", dir, "-o", "x.tflite"}, "missing.tflite"},
	} {
		out, err := execute(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one mentioning %q\n%s", tc.args, err, tc.want, out)
		}
	}
}
