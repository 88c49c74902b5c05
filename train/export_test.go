package train_test

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
	"github.com/liteforge/liteforge/train"
)

// The exported model, written as a .tflite, read back and run by
// liteforge's interpreter, computes what the training net computes in
// inference mode: the batch norms folded into the convolutions give the same
// logits as the batch norms applied to the convolutions' outputs. TFLite
// (the oracle) runs the written file with the same result.
func TestExportMatchesNet(t *testing.T) {
	for _, arch := range train.Archs() {
		t.Run(arch, func(t *testing.T) {
			m, err := train.Arch(arch, 5)
			if err != nil {
				t.Fatal(err)
			}
			net, err := train.NewNet(m, train.Options{Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			const n = 16
			x := make([]float32, n*784)
			for i := range x {
				x[i] = rng.Float32()
			}
			labels := make([]int32, n)
			for i := range labels {
				labels[i] = int32(i % 10)
			}
			// A few steps make the batch norms' running statistics and
			// parameters differ from their initial values.
			data := &train.Data{X: x, Labels: labels, Shape: []int{28, 28, 1}}
			if _, err := train.Fit(context.Background(), net, data, train.Config{Epochs: 3, BatchSize: 8, LR: 1e-2, Seed: 1}); err != nil {
				t.Fatal(err)
			}
			want, err := net.Predict(x, n)
			if err != nil {
				t.Fatal(err)
			}
			out, err := net.Export()
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range out.Graphs[0].Ops {
				if op.Type == ir.Custom {
					t.Fatalf("exported model still holds custom op %q", op.Custom)
				}
			}
			buf, err := tflite.Write(out)
			if err != nil {
				t.Fatal(err)
			}
			back, err := tflite.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			it, err := runtime.New(back, runtime.WithThreads(2))
			if err != nil {
				t.Fatal(err)
			}
			if err := it.ResizeInput(0, []int{n, 28, 28, 1}); err != nil {
				t.Fatal(err)
			}
			if err := it.AllocateTensors(); err != nil {
				t.Fatal(err)
			}
			copy(it.Input(0).Float32s(), x)
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			got := it.Output(0).Float32s()
			var scale float64
			for _, v := range want {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*math.Max(scale, 1) {
					t.Fatalf("logit %d: runtime %v, net %v (scale %v)", i, got[i], want[i], scale)
				}
			}

			// TFLite itself loads the written file and agrees on sample 0.
			dir := t.TempDir()
			model, input := filepath.Join(dir, "model.tflite"), filepath.Join(dir, "input.bin")
			if err := tflite.WriteFile(model, out); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(input, ir.Float32Bytes(x[:784]), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := testutil.RunTFLiteOracle(t, model, filepath.Join(dir, "out"), input); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join(dir, "out", "output_0.bin"))
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range ir.AsFloat32(raw) {
				if d := math.Abs(float64(v - want[i])); d > 1e-4*math.Max(scale, 1) {
					t.Fatalf("logit %d: TFLite %v, net %v (scale %v)", i, v, want[i], scale)
				}
			}
		})
	}
}

// A batch norm with no convolution before it (here right after the input)
// exports as a MUL and an ADD by per-channel constants, with the same
// outputs.
func TestExportBatchNormWithoutConv(t *testing.T) {
	b := train.NewBuilder(2, 1, 4, 4, 2)
	x := b.BatchNorm(b.Input(), ir.ActRelu6)
	x = b.Flatten(x)
	x = b.FC(x, 3, ir.ActNone)
	m, err := b.Model(x, "bn first")
	if err != nil {
		t.Fatal(err)
	}
	net, err := train.NewNet(m, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 6
	xs := make([]float32, n*32)
	for i := range xs {
		xs[i] = float32(rng.NormFloat64()*2 + 1)
	}
	data := &train.Data{X: xs, Labels: []int32{0, 1, 2, 0, 1, 2}, Shape: []int{4, 4, 2}}
	if _, err := train.Fit(context.Background(), net, data, train.Config{Epochs: 2, BatchSize: 3, LR: 0.05, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	want, err := net.Predict(xs, n)
	if err != nil {
		t.Fatal(err)
	}
	out, err := net.Export()
	if err != nil {
		t.Fatal(err)
	}
	types := map[ir.OpType]int{}
	for _, op := range out.Graphs[0].Ops {
		types[op.Type]++
	}
	if types[ir.Mul] != 1 || types[ir.Add] != 1 || types[ir.Custom] != 0 {
		t.Fatalf("exported ops %v, want one MUL, one ADD and no custom op", types)
	}
	it, err := runtime.New(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := it.ResizeInput(0, []int{n, 4, 4, 2}); err != nil {
		t.Fatal(err)
	}
	if err := it.AllocateTensors(); err != nil {
		t.Fatal(err)
	}
	copy(it.Input(0).Float32s(), xs)
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	for i, v := range it.Output(0).Float32s() {
		if math.Abs(float64(v-want[i])) > 1e-5*math.Max(1, math.Abs(float64(want[i]))) {
			t.Fatalf("output %d: runtime %v, net %v", i, v, want[i])
		}
	}
}
