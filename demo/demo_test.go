package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/eval"
	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
)

// The original test sets hold 10,000 images; the embedded subsets every
// fifth of them.
const (
	fullTestSet = 10000
	stride      = 5
)

func TestEmbeddedData(t *testing.T) {
	for _, d := range DataSets() {
		set, err := d.Images()
		if err != nil {
			t.Fatal(err)
		}
		if set.N != fullTestSet/stride || set.Height != 28 || set.Width != 28 || set.Channels != 1 {
			t.Fatalf("%s: %d images of %dx%dx%d, want 2000 of 28x28x1", d.Name, set.N, set.Height, set.Width, set.Channels)
		}
		// Both test sets have about 1,000 images per class (MNIST 892 to
		// 1,135, Fashion-MNIST exactly 1,000), so a fifth of them must hold
		// every class, each well over 100 times.
		counts := make([]int, len(d.Classes))
		for _, l := range set.Labels {
			counts[l]++
		}
		for c, n := range counts {
			if n < 100 {
				t.Errorf("%s: class %d (%s) has %d images", d.Name, c, d.Classes[c], n)
			}
		}
	}
}

// The embedded subsets are exactly images 0, 5, 10, ... of the original
// test sets: checked against the copies in ../shared/fixtures, which came
// from the same sources by another route.
func TestEmbeddedDataIsEveryFifthTestImage(t *testing.T) {
	for _, d := range DataSets() {
		dir := testutil.Fixture(t, filepath.Join("data", d.Name))
		full, err := dataset.ReadIDXDir(dir, "test")
		if err != nil {
			t.Fatal(err)
		}
		set, err := d.Images()
		if err != nil {
			t.Fatal(err)
		}
		for i := range set.N {
			j := i * stride
			if set.Labels[i] != full.Labels[j] || !bytes.Equal(set.ImagePixels(i), full.ImagePixels(j)) {
				t.Fatalf("%s: embedded image %d is not test image %d", d.Name, i, j)
			}
		}
	}
}

func TestModelsLoadAndFit(t *testing.T) {
	total := 0
	for _, m := range Models() {
		file, err := m.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		total += len(file)
		im, err := m.Load()
		if err != nil {
			t.Fatal(err)
		}
		g := im.Graphs[0]
		in, out := g.Tensors[g.Inputs[0]], g.Tensors[g.Outputs[0]]
		if len(g.Inputs) != 1 || !slices.Equal(in.Shape, []int{1, 28, 28, 1}) || in.Type.String() != m.Type {
			t.Errorf("%s: input %v %v, want one %s [1 28 28 1]", m.Name, in.Type, in.Shape, m.Type)
		}
		if !slices.Equal(out.Shape, []int{1, 10}) {
			t.Errorf("%s: output shape %v, want [1 10]", m.Name, out.Shape)
		}
		tr, err := m.Training()
		if err != nil {
			t.Fatal(err)
		}
		// The record describes these very bytes.
		sum := sha256.Sum256(file)
		if tr.SHA256 != hex.EncodeToString(sum[:]) || tr.Bytes != len(file) {
			t.Errorf("%s: models.json records %d bytes with SHA-256 %s; the embedded file has %d bytes, %x", m.Name, tr.Bytes, tr.SHA256, len(file), sum)
		}
		for _, flag := range []string{"--arch " + m.Arch, "--seed ", "--threads ", "--epochs "} {
			if !strings.Contains(tr.Command, flag) {
				t.Errorf("%s: the recorded command %q does not say %s", m.Name, tr.Command, flag)
			}
		}
	}
	// Small enough to embed: a few hundred KB in all.
	if total > 700<<10 {
		t.Errorf("the demo models take %d bytes", total)
	}
}

// samplingBand is four standard deviations of the accuracy of n images
// drawn without replacement from a test set of fullTestSet images on which
// the accuracy is p (the hypergeometric spread, which the every-fifth
// selection is not, but which bounds how far an unselected fifth may lie).
func samplingBand(p float64, n int) float64 {
	return 4 * math.Sqrt(p*(1-p)/float64(n)*float64(fullTestSet-n)/float64(fullTestSet-1))
}

// The demo's accuracies are those of the models: on the embedded subset
// they lie within sampling error of the accuracy that training measured on
// the whole test set with its own forward pass (package train, not the
// runtime's kernels that eval uses); and, when ../shared/fixtures is there,
// of the accuracy on another fifth of the test set (images 2, 7, 12, ...),
// so the embedded images are not a lucky draw.
func TestRunAccuracy(t *testing.T) {
	results, err := Run(context.Background(), Options{Runs: 3, Warmup: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(Models()) {
		t.Fatalf("%d results for %d models", len(results), len(Models()))
	}
	for _, r := range results {
		tr, err := r.Model.Training()
		if err != nil {
			t.Fatal(err)
		}
		p, err := tr.TestAccuracy()
		if err != nil {
			t.Fatal(err)
		}
		band := samplingBand(p, r.Samples)
		t.Logf("%s on %s: %.2f%% on %d embedded images; training measured %.2f%% on all %d (band ±%.2f points)",
			r.Name, r.DataTitle, 100*r.Accuracy, r.Samples, 100*p, fullTestSet, 100*band)
		if p < 0.5 || math.Abs(r.Accuracy-p) > band {
			t.Errorf("%s: accuracy %.4f on the embedded subset, training measured %.4f on the whole test set (band %.4f)", r.Name, r.Accuracy, p, band)
		}
		if r.Correct != int(math.Round(r.Accuracy*float64(r.Samples))) || r.Top5 < r.Accuracy {
			t.Errorf("%s: %d correct of %d is not accuracy %.4f, or top-5 %.4f below it", r.Name, r.Correct, r.Samples, r.Accuracy, r.Top5)
		}
		if r.Latency.P50 <= 0 || r.PeakMemory < r.ModelBytes/2 || r.Runs != 3 {
			t.Errorf("%s: benchmark p50 %v ms, peak memory %d for a %d-byte model, %d runs", r.Name, r.Latency.P50, r.PeakMemory, r.ModelBytes, r.Runs)
		}
	}
	for _, r := range results {
		t.Run("another fifth/"+r.Name, func(t *testing.T) { checkAnotherFifth(t, r) })
	}
	var out strings.Builder
	if err := WriteTable(&out, results); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"model", "accuracy", "p50 latency", "peak memory", "lenet", "MNIST", "Fashion-MNIST", "CC BY-SA 3.0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
}

func checkAnotherFifth(t *testing.T, r Result) {
	full, err := dataset.ReadIDXDir(testutil.Fixture(t, filepath.Join("data", r.Data)), "test")
	if err != nil {
		t.Fatal(err)
	}
	other := &dataset.ImageSet{Height: 28, Width: 28, Channels: 1, Source: "test images 2, 7, ..."}
	for j := 2; j < full.N; j += stride {
		other.Pixels = append(other.Pixels, full.ImagePixels(j)...)
		other.Labels = append(other.Labels, full.Labels[j])
		other.N++
	}
	im, err := r.Model.Load()
	if err != nil {
		t.Fatal(err)
	}
	acc := evaluate(t, im, other)
	// Two independent samples: their difference spreads √2 times as much
	// as one.
	band := math.Sqrt2 * samplingBand(r.Accuracy, r.Samples)
	t.Logf("%s: %.2f%% on the embedded fifth, %.2f%% on images 2, 7, ... (band ±%.2f points)", r.Name, 100*r.Accuracy, 100*acc, 100*band)
	if math.Abs(acc-r.Accuracy) > band {
		t.Errorf("%s: %.4f on the embedded fifth, %.4f on another fifth (band %.4f)", r.Name, r.Accuracy, acc, band)
	}
}

func evaluate(t *testing.T, m *ir.Model, src dataset.Source) float64 {
	t.Helper()
	acc, err := eval.Evaluate(context.Background(), m, src, eval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return acc.Top1
}
