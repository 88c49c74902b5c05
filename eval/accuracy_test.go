package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite"
)

func TestTopK(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		scores []float64
		k      int
		want   []int
	}{
		{[]float64{0.1, 0.7, 0.2}, 5, []int{1, 2, 0}},
		{[]float64{3, 1, 3, 2, 3}, 2, []int{0, 2}}, // ties: lower index first
		{[]float64{nan, 1, 2}, 3, []int{2, 1, 0}},  // NaN ranks last
		{[]float64{-1, -5, 0, 9, 4, 4, 8}, 5, []int{3, 6, 4, 5, 2}},
	}
	for _, c := range cases {
		if got := topK(c.scores, c.k); !slices.Equal(got, c.want) {
			t.Errorf("topK(%v, %d) = %v, want %v", c.scores, c.k, got, c.want)
		}
	}
}

// TestScore checks the tallies on a hand-made case of six examples over three
// classes.
func TestScore(t *testing.T) {
	labels := []int{0, 0, 1, 1, 2, 2}
	top1 := []int{0, 1, 1, 1, 0, 2}
	top5 := []bool{true, true, true, true, false, true}
	a := Score(labels, top1, top5, 3)
	if a.Samples != 6 || a.Correct1 != 4 || a.Correct5 != 5 || a.Top1 != 4.0/6 || a.Top5 != 5.0/6 {
		t.Errorf("got %d samples, %d/%d correct, top1 %v top5 %v", a.Samples, a.Correct1, a.Correct5, a.Top1, a.Top5)
	}
	want := [][]int{{1, 1, 0}, {0, 2, 0}, {1, 0, 1}}
	for r := range want {
		if !slices.Equal(a.Confusion[r], want[r]) {
			t.Errorf("confusion row %d = %v, want %v", r, a.Confusion[r], want[r])
		}
	}
	wantClass := []ClassAccuracy{{0, 2, 1, 0.5}, {1, 2, 2, 1}, {2, 2, 1, 0.5}}
	if !slices.Equal(a.PerClass, wantClass) {
		t.Errorf("per class %+v, want %+v", a.PerClass, wantClass)
	}
}

// oracleMNIST is TFLite's own result on the MNIST test set
// (testdata/tflite_mnist.json, made by testdata/tflite_mnist_oracle.js with
// the tflite-oracle: real TFLite, independent of liteforge).
type oracleMNIST struct {
	Models map[string]struct {
		Samples  int     `json:"samples"`
		Correct  int     `json:"correct"`
		Accuracy float64 `json:"accuracy"`
		Top1     string  `json:"top1_first_500"`
	} `json:"models"`
}

func readOracleMNIST(t *testing.T) oracleMNIST {
	b, err := os.ReadFile("testdata/tflite_mnist.json")
	if err != nil {
		t.Fatal(err)
	}
	var o oracleMNIST
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func readFixtureModel(t *testing.T, name string) *ir.Model {
	t.Helper()
	m, err := tflite.ReadFile(testutil.Fixture(t, filepath.Join("tflite", name+".tflite")))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mnistTest(t *testing.T) *dataset.ImageSet {
	t.Helper()
	s, err := dataset.ReadIDXDir(testutil.Fixture(t, "data/mnist"), "test")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sampleSize is how many MNIST test images the tests evaluate: enough to
// catch a wrong input or output convention (which costs tens of points),
// small enough for a quick test.
const sampleSize = 300

// TestMNISTSampleAgainstTFLite evaluates the three MNIST fixture models on the
// first 300 test images. What is asserted, and why:
//   - every top-1 prediction equals TFLite's on the same image (the oracle's
//     recorded predictions): integer kernels are bit-exact with TFLite and the
//     float model agrees to 1e-4, so no prediction may differ;
//   - hence the sample accuracy equals TFLite's on the sample;
//   - and it is consistent with TFLite's accuracy on all 10,000 images
//     (within four binomial standard deviations of a 300-image sample):
//     known-good MNIST classifiers, at 97.9% to 98.5%.
func TestMNISTSampleAgainstTFLite(t *testing.T) {
	oracle := readOracleMNIST(t)
	src := dataset.Select(mnistTest(t), false, 0, sampleSize)
	for _, name := range []string{"micro/mnist_lstm_float", "micro/mnist_lstm_int8", "coral/keras_lstm_mnist_ptq"} {
		t.Run(name, func(t *testing.T) {
			want := oracle.Models[name]
			acc, err := Evaluate(context.Background(), readFixtureModel(t, name), src, Options{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if acc.Samples != sampleSize {
				t.Fatalf("%d samples evaluated, want %d", acc.Samples, sampleSize)
			}
			correct := 0
			for i, p := range acc.Predictions {
				tf := int(want.Top1[i] - '0')
				if p != tf {
					t.Errorf("image %d: liteforge predicts %d, TFLite %d", i, p, tf)
				}
				ex, _ := src.Example(i)
				if tf == ex.Label {
					correct++
				}
			}
			if wantAcc := float64(correct) / sampleSize; acc.Top1 != wantAcc {
				t.Errorf("accuracy %v on the sample, TFLite's %v", acc.Top1, wantAcc)
			}
			p := want.Accuracy
			band := 4 * math.Sqrt(p*(1-p)/sampleSize)
			if math.Abs(acc.Top1-p) > band {
				t.Errorf("sample accuracy %.4f is not within %.4f of TFLite's full-set %.4f", acc.Top1, band, p)
			}
			if acc.Top5 < acc.Top1 || acc.Top5 > 1 {
				t.Errorf("top-5 %v below top-1 %v", acc.Top5, acc.Top1)
			}
			t.Logf("top-1 %.4f top-5 %.4f on %d images (TFLite on all 10,000: %.4f)", acc.Top1, acc.Top5, acc.Samples, p)
		})
	}
}

// TestQuantizedInputFromFloatPipeline: coral/keras_lstm_mnist_ptq takes uint8
// with scale 1/255 and zero point 0, micro/mnist_lstm_int8 int8 with scale
// 1/255 and zero point -128. A float pipeline feeds x = pixel/255; quantized,
// that is round((p/255)/(1/255)) + zp = p + zp exactly. So the encoder must
// produce exactly the pixel bytes (shifted by the zero point), and the
// evaluation from images must give the accuracy TFLite gives on those bytes
// (the oracle fed p and p-128 directly), which is within two points of what
// a float MNIST LSTM (micro/mnist_lstm_float: mnist_lstm_int8 is its
// quantized twin, coral's model a similar Keras LSTM) scores on the same images: TFLite's full-set accuracies are
// 98.53% float, 98.49% and 97.87% quantized.
func TestQuantizedInputFromFloatPipeline(t *testing.T) {
	oracle := readOracleMNIST(t)
	set := mnistTest(t)
	src := dataset.Select(set, false, 0, sampleSize)
	floatAcc, err := Evaluate(context.Background(), readFixtureModel(t, "micro/mnist_lstm_float"), src, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		zp   int
	}{{"coral/keras_lstm_mnist_ptq", 0}, {"micro/mnist_lstm_int8", -128}} {
		m := readFixtureModel(t, c.name)
		in := m.Graphs[0].Tensors[m.Graphs[0].Inputs[0]]
		enc, err := dataset.NewEncoder(InputOf(in), dataset.Preprocess{})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, enc.ByteSize())
		for i := range sampleSize {
			ex, _ := src.Example(i)
			if err := enc.Encode(ex, buf); err != nil {
				t.Fatal(err)
			}
			for j, p := range set.ImagePixels(i) {
				if int(int8(buf[j])) != int(p)+c.zp && int(buf[j]) != int(p)+c.zp {
					t.Fatalf("%s image %d pixel %d: %d encoded as %d, want %d", c.name, i, j, p, buf[j], int(p)+c.zp)
				}
			}
		}
		acc, err := Evaluate(context.Background(), m, src, Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		tf := oracle.Models[c.name].Top1
		correct := 0
		for i := range sampleSize {
			if int(tf[i]-'0') == set.Labels[i] {
				correct++
			}
		}
		if want := float64(correct) / sampleSize; acc.Top1 != want {
			t.Errorf("%s: accuracy %v from the float pipeline, TFLite %v from the pixel bytes", c.name, acc.Top1, want)
		}
		if d := math.Abs(acc.Top1 - floatAcc.Top1); d > 0.02 {
			t.Errorf("%s: accuracy %.4f, the float model's %.4f: more than 2 points apart", c.name, acc.Top1, floatAcc.Top1)
		}
		t.Logf("%s: %.4f from images (TFLite %.4f from the pixel bytes; float model %.4f)", c.name, acc.Top1, float64(correct)/sampleSize, floatAcc.Top1)
	}
}

// TestWorkersDeterministic: the result does not depend on the worker count.
func TestWorkersDeterministic(t *testing.T) {
	m := readFixtureModel(t, "micro/mnist_lstm_int8")
	src := dataset.Select(mnistTest(t), true, 7, 120)
	var results []*Accuracy
	for _, w := range []int{1, 3} {
		a, err := Evaluate(context.Background(), m, src, Options{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, a)
	}
	a, b := results[0], results[1]
	if !slices.Equal(a.Predictions, b.Predictions) || a.Correct1 != b.Correct1 || a.Correct5 != b.Correct5 {
		t.Errorf("1 worker: %d/%d correct; 3 workers: %d/%d", a.Correct1, a.Correct5, b.Correct1, b.Correct5)
	}
	for r := range a.Confusion {
		if !slices.Equal(a.Confusion[r], b.Confusion[r]) {
			t.Errorf("confusion row %d differs: %v vs %v", r, a.Confusion[r], b.Confusion[r])
		}
	}
}

func TestEvaluateErrorsProgressAndCancel(t *testing.T) {
	m := readFixtureModel(t, "micro/mnist_lstm_float")
	tiny := func(h, w int, label int) *dataset.ImageSet {
		return &dataset.ImageSet{N: 2, Height: h, Width: w, Channels: 1, Pixels: make([]byte, 2*h*w), Labels: []int{0, label}, Source: "tiny"}
	}
	if _, err := Evaluate(context.Background(), m, tiny(28, 28, 12), Options{}); err == nil || !strings.Contains(err.Error(), "label 12") {
		t.Errorf("label out of range: %v", err)
	}
	_, err := Evaluate(context.Background(), m, tiny(5, 7, 1), Options{Preprocess: dataset.Preprocess{Resize: "none"}})
	if !errors.Is(err, dataset.ErrShape) || !strings.Contains(err.Error(), "[5 7 1]") || !strings.Contains(err.Error(), "[1 28 28]") {
		t.Errorf("size mismatch: %v", err)
	}
	var last [2]int
	calls := 0
	src := dataset.Select(mnistTest(t), false, 0, 50)
	if _, err := Evaluate(context.Background(), m, src, Options{Workers: 2, Progress: func(d, n int) { last = [2]int{d, n}; calls++ }}); err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last != [2]int{50, 50} {
		t.Errorf("progress: %d calls, last %v, want the last to be [50 50]", calls, last)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Evaluate(ctx, m, src, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestImageFolderRGBQuantizedInput evaluates coral's MobileNetV2 (uint8 input,
// scale 1/127.5, zero point 127) on an image folder holding the sunflower
// photo as a PNG in folder 986/ (class 986, "daisy", is TFLite's top-1 for
// it). With --scale 1 --mean 127 --std 127.5 a pixel p becomes
// x = (p-127)/127.5, which quantizes back to exactly p: the input bytes must
// equal the raw .rgb file TFLite was given, and the top-1 must be 986.
func TestImageFolderRGBQuantizedInput(t *testing.T) {
	raw, err := os.ReadFile(testutil.Fixture(t, "tflite/coral/inputs/sunflower_224x224x3.rgb"))
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 224, 224))
	for i := range 224 * 224 {
		copy(img.Pix[4*i:], raw[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "986"), 0o755)
	f, err := os.Create(filepath.Join(root, "986", "sunflower.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	src, err := dataset.Open(root, dataset.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := readFixtureModel(t, "coral/tf2_mobilenet_v2_1.0_224_ptq")
	pre := dataset.Preprocess{Scale: 1, Mean: []float64{127}, Std: []float64{127.5}}
	enc, err := dataset.NewEncoder(InputOf(m.Graphs[0].Tensors[m.Graphs[0].Inputs[0]]), pre)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := src.Example(0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, enc.ByteSize())
	if err := enc.Encode(ex, buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf, raw) {
		t.Fatal("the PNG through the float pipeline does not quantize back to the raw pixels")
	}
	acc, err := Evaluate(context.Background(), m, src, Options{Workers: 1, Preprocess: pre})
	if err != nil {
		t.Fatal(err)
	}
	if acc.Samples != 1 || acc.Predictions[0] != 986 || acc.Top1 != 1 {
		t.Errorf("top-1 %v (accuracy %v), want class 986", acc.Predictions, acc.Top1)
	}
}

func TestAgreement(t *testing.T) {
	a := &Accuracy{Predictions: []int{1, 2, 3, 4}}
	b := &Accuracy{Predictions: []int{1, 0, 3, 0}}
	if got, err := Agreement(a, b); err != nil || got != 0.5 {
		t.Errorf("Agreement = %v, %v; want 0.5", got, err)
	}
	if _, err := Agreement(a, &Accuracy{Predictions: []int{1}}); err == nil {
		t.Error("different lengths compared")
	}
}
