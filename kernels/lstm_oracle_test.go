package kernels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
)

// Checks of the sequence kernels (UNIDIRECTIONAL_SEQUENCE_LSTM, SVDF) against
// real TFLite: one-op models, taken from the fixtures or built here with
// random weights, are written with tflite.Write and run both in the TFLite
// oracle and in liteforge's runtime on the same inputs. Integer outputs must
// be identical; float outputs agree within a tolerance.

// runBoth writes m, runs it in the TFLite oracle and in liteforge on the same
// raw input bytes, and returns both sets of outputs.
func runBoth(t *testing.T, m *ir.Model, inputs [][]byte) (want, got [][]byte) {
	t.Helper()
	testutil.TFLiteOracle(t)
	dir := t.TempDir()
	data, err := tflite.Write(m)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "model.tflite")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var files []string
	for i, in := range inputs {
		f := filepath.Join(dir, fmt.Sprintf("in%d.bin", i))
		if err := os.WriteFile(f, in, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	out := filepath.Join(dir, "out")
	if err := testutil.RunTFLiteOracle(t, path, out, files...); err != nil {
		t.Fatal(err)
	}
	back, err := tflite.Read(data)
	if err != nil {
		t.Fatal(err)
	}
	it, err := runtime.New(back)
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range inputs {
		copy(it.Input(i).Data, in)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	for i := range it.NumOutputs() {
		w, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("output_%d.bin", i)))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, w)
		got = append(got, append([]byte(nil), it.Output(i).Data...))
	}
	return want, got
}

// compareExact reports the elements where two int8 outputs differ.
func compareExact(t *testing.T, what string, want, got []byte) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: %d bytes from TFLite, %d from liteforge", what, len(want), len(got))
	}
	diff, largest := 0, 0
	for i := range want {
		if d := int(int8(want[i])) - int(int8(got[i])); d != 0 {
			diff++
			largest = max(largest, d, -d)
		}
	}
	t.Logf("%s: %d elements compared, %d different, largest difference %d", what, len(want), diff, largest)
	if diff != 0 {
		t.Errorf("%s: %d of %d int8 elements differ from TFLite (largest by %d)", what, diff, len(want), largest)
	}
}

// compareFloat checks two float32 outputs within an absolute-or-relative
// tolerance.
func compareFloat(t *testing.T, what string, want, got []byte, tol float64) {
	t.Helper()
	w, g := ir.AsFloat32(want), ir.AsFloat32(got)
	if len(w) != len(g) {
		t.Fatalf("%s: %d floats from TFLite, %d from liteforge", what, len(w), len(g))
	}
	largest := 0.0
	for i := range w {
		d := math.Abs(float64(w[i]) - float64(g[i]))
		largest = max(largest, d)
		if d > tol*max(1, math.Abs(float64(w[i]))) || math.IsNaN(float64(g[i])) {
			t.Errorf("%s: element %d is %v, TFLite %v", what, i, g[i], w[i])
			return
		}
	}
	t.Logf("%s: %d elements compared, largest difference %.3g", what, len(w), largest)
}

// singleOp extracts op opIndex of a model's main graph into a model of its
// own, whose input is the op's first input and whose output is its output.
func singleOp(src *ir.Model, opIndex int) *ir.Model {
	g := src.Graphs[0]
	op := g.Ops[opIndex].Clone()
	ng := &ir.Graph{Name: "main"}
	remap := map[int]int{}
	add := func(ti int) int {
		if ti < 0 {
			return ti
		}
		if v, ok := remap[ti]; ok {
			return v
		}
		remap[ti] = len(ng.Tensors)
		ng.Tensors = append(ng.Tensors, g.Tensors[ti].Clone())
		return remap[ti]
	}
	for _, idx := range []*[]int{&op.Inputs, &op.Intermediates, &op.Outputs} {
		for i, ti := range *idx {
			(*idx)[i] = add(ti)
		}
	}
	ng.Ops = []*ir.Op{op}
	ng.Inputs = []int{op.Inputs[0]}
	ng.Outputs = []int{op.Outputs[0]}
	return &ir.Model{Version: 3, Graphs: []*ir.Graph{ng}}
}

// randomInput returns the raw bytes of a random tensor for input t: floats
// in [-1, 1), or integers over their whole range.
func randomInput(r *rand.Rand, t *ir.Tensor) []byte {
	n := t.NumElements()
	switch t.Type {
	case ir.Float32:
		v := make([]float32, n)
		for i := range v {
			v[i] = r.Float32()*2 - 1
		}
		return ir.Float32Bytes(v)
	case ir.Int16:
		v := make([]int16, n)
		for i := range v {
			v[i] = int16(r.IntN(65536) - 32768)
		}
		return ir.Int16Bytes(v)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

// TestSequenceFixturesMatchTFLite runs the LSTM of each fixture model on its
// own in TFLite and in liteforge.
func TestSequenceFixturesMatchTFLite(t *testing.T) {
	cases := []struct {
		model string
		op    int
	}{
		{"micro/mnist_lstm_float", 0},
		{"litert/quantizer/unidirectional_sequence_lstm_calibrated", 0},
		{"micro/mnist_lstm_int8", 0},
		{"coral/keras_lstm_mnist_ptq", 1},
		{"litert/quantizer/unidirectional_sequence_lstm_quantized", 1},
	}
	for ci, tc := range cases {
		t.Run(filepath.Base(tc.model), func(t *testing.T) {
			m, err := tflite.ReadFile(testutil.Fixture(t, "tflite/"+tc.model+".tflite"))
			if err != nil {
				t.Fatal(err)
			}
			checkOneOpModel(t, tc.model, singleOp(m, tc.op), rand.New(rand.NewPCG(uint64(ci), 5)))
		})
	}
}
