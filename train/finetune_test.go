package train_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/liteforge/liteforge/convert/onnx"
	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/train"
)

func mnist(t *testing.T, split string, limit int) *train.Data {
	t.Helper()
	s, err := dataset.ReadIDXDir(testutil.Fixture(t, filepath.Join("data", "mnist")), split)
	if err != nil {
		t.Fatal(err)
	}
	n := min(limit, s.N)
	d := &train.Data{X: s.Float32()[:n*784], Labels: make([]int32, n), Shape: []int{28, 28, 1}}
	for i := range d.Labels {
		d.Labels[i] = int32(s.Labels[i])
	}
	return d
}

// Fine-tuning an imported model: PyTorch's LeNet, converted from ONNX (its
// RESHAPE and permuted fully-connected weights included), trains like a
// model built here. It starts at PyTorch's accuracy (98.90% on the whole
// test set; at least 97% on this sample of it) and a short, gentle
// fine-tuning keeps it.
func TestFineTuneConvertedONNX(t *testing.T) {
	m, err := onnx.ConvertFile(testutil.Fixture(t, "onnx/lenet_mnist.onnx"), onnx.Options{NHWC: true})
	if err != nil {
		t.Fatal(err)
	}
	net, err := train.NewNet(m, train.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if n := net.NumParams(); n != 61706 {
		t.Errorf("%d trainable values, want LeNet-5's 61706", n)
	}
	test := mnist(t, "test", 1000)
	ctx := context.Background()
	_, before, err := net.Evaluate(ctx, test, 250)
	if err != nil {
		t.Fatal(err)
	}
	if before < 0.97 {
		t.Fatalf("the converted model scores %.3f before training, want PyTorch's ~0.989", before)
	}
	if _, err := train.Fit(ctx, net, mnist(t, "train", 4000), train.Config{Epochs: 1, BatchSize: 64, LR: 1e-4, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	_, after, err := net.Evaluate(ctx, test, 250)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("accuracy on %d test images: %.4f before, %.4f after fine-tuning", test.Len(), before, after)
	if after < before-0.002 {
		t.Errorf("fine-tuning lost accuracy: %.4f -> %.4f", before, after)
	}
}
