package train_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
	"github.com/liteforge/liteforge/train"
)

// The exported model, written as a .tflite, read back and run by
// liteforge's interpreter, computes what the training net computes in
// inference mode: the batch norms folded into the convolutions give the same
// logits as the batch norms applied to the convolutions' outputs.
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
		})
	}
}
