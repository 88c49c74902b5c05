package tensorio

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
)

// The oracle's --random inputs were recorded with seed 1 in
// ../shared/fixtures/tflite/expected; Random must make the same bytes. The
// cases cover every dtype the oracle fills and a model with several inputs
// (one stream across inputs).
func TestRandomMatchesOracle(t *testing.T) {
	for _, model := range []string{
		"micro/hello_world_float",            // float32
		"coral/split_concat",                 // three uint8 inputs
		"micro/micro_speech_quantized",       // int8
		"micro/seanet_int16/add0",            // two int16 inputs
		"coral/tf2_mobilenet_v2_1.0_224_ptq", // 150528 uint8
		"litert/quantizer/single_conv_weights_min_0_max_plus_10",
	} {
		t.Run(model, func(t *testing.T) {
			dir := testutil.Fixture(t, filepath.Join("tflite", "expected", model))
			res, err := ReadResult(filepath.Join(dir, "result.json"))
			if err != nil {
				t.Fatal(err)
			}
			r := NewRandom(1)
			for i, in := range res.Inputs {
				dt, err := ir.ParseDataType(in.DType)
				if err != nil {
					t.Fatal(err)
				}
				got, err := r.Fill(dt, ir.NumElements(in.Shape))
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(filepath.Join(dir, InputFile(i)))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("input %d (%s %v): random bytes differ from the oracle's", i, in.DType, in.Shape)
				}
			}
		})
	}
}

func TestReadInput(t *testing.T) {
	dir := t.TempDir()
	tensor := &ir.Tensor{Name: "x", Type: ir.Float32, Shape: []int{1, 2, 2}, HasRank: true}
	want := make([]byte, 16)
	for i, f := range []float32{1, -2, 0.5, 8} {
		binary.LittleEndian.PutUint32(want[4*i:], math.Float32bits(f))
	}

	raw := filepath.Join(dir, "x.bin")
	os.WriteFile(raw, want, 0o644)
	if got, err := ReadInput(raw, tensor); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("raw: %v %v", got, err)
	}

	// A .npy of shape (2, 2): the batch dimension of 1 may be left out.
	npy := filepath.Join(dir, "x.npy")
	header := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
	header += strings.Repeat(" ", 128-10-len(header)-1) + "\n"
	os.WriteFile(npy, slices.Concat([]byte("\x93NUMPY\x01\x00"), []byte{byte(len(header)), 0}, []byte(header), want), 0o644)
	if got, err := ReadInput(npy, tensor); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("npy: %v %v", got, err)
	}
	// The wrong dtype is an error naming the file and both types.
	i32 := &ir.Tensor{Name: "x", Type: ir.Int32, Shape: []int{1, 2, 2}, HasRank: true}
	if _, err := ReadInput(npy, i32); err == nil || !strings.Contains(err.Error(), npy) || !strings.Contains(err.Error(), "int32") {
		t.Fatalf("npy dtype mismatch: %v", err)
	}
	// A different shape with the same element count is an error too.
	wide := &ir.Tensor{Name: "x", Type: ir.Float32, Shape: []int{1, 4}, HasRank: true}
	if _, err := ReadInput(npy, wide); err == nil || !strings.Contains(err.Error(), "[2 2]") {
		t.Fatalf("npy shape mismatch: %v", err)
	}

	// A gray PNG fills a uint8 [1,2,2,1] input exactly.
	g := image.NewGray(image.Rect(0, 0, 2, 2))
	copy(g.Pix, []byte{3, 4, 5, 6})
	var buf bytes.Buffer
	png.Encode(&buf, g)
	pngPath := filepath.Join(dir, "x.png")
	os.WriteFile(pngPath, buf.Bytes(), 0o644)
	u8 := &ir.Tensor{Name: "img", Type: ir.Uint8, Shape: []int{1, 2, 2, 1}, HasRank: true}
	if got, err := ReadInput(pngPath, u8); err != nil || !bytes.Equal(got, []byte{3, 4, 5, 6}) {
		t.Fatalf("png: %v %v", got, err)
	}

	// A raw file of the wrong size names the file and both sizes.
	if _, err := ReadInput(raw, u8); err == nil || !strings.Contains(err.Error(), raw) || !strings.Contains(err.Error(), "16 bytes") {
		t.Fatalf("raw size mismatch: %v", err)
	}
}

func TestWriteResultReadsBack(t *testing.T) {
	g := &ir.Graph{Tensors: []*ir.Tensor{
		{Name: "in", Type: ir.Float32, Shape: []int{1, 2}, HasRank: true},
		{Name: "out", Type: ir.Int8, Shape: []int{1, 3}, HasRank: true,
			Quant: &ir.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{-3}}},
	}, Inputs: []int{0}, Outputs: []int{1}}
	res := &Result{Model: "m.tflite", Runtime: "liteforge", OK: true,
		Inputs: []TensorInfo{Describe(g.Tensors[0], 0, 0)}, Outputs: []TensorInfo{Describe(g.Tensors[1], 0, 1)}}
	dir := filepath.Join(t.TempDir(), "out")
	if err := WriteResult(dir, res, [][]byte{nil}, [][]byte{{1, 2, 0xff}}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadResult(filepath.Join(dir, ResultFile))
	if err != nil {
		t.Fatal(err)
	}
	o := got.Outputs[0]
	if o.Name != "out" || o.DType != "int8" || !slices.Equal(o.Shape, []int{1, 3}) || o.Bytes != 3 || o.File != "output_0.bin" ||
		o.Quant == nil || !slices.Equal(o.Quant.Scale, []float64{0.5}) || !slices.Equal(o.Quant.ZeroPoint, []int64{-3}) {
		t.Fatalf("output read back as %+v", o)
	}
	if got.Inputs[0].File != "" || got.Inputs[0].Quant != nil || got.Inputs[0].Bytes != 8 {
		t.Fatalf("input read back as %+v", got.Inputs[0])
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "output_0.bin")); !bytes.Equal(b, []byte{1, 2, 0xff}) {
		t.Fatalf("output_0.bin holds %v", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "input_0.bin")); err == nil {
		t.Fatal("input_0.bin written though no data was given")
	}
}

func TestFloat64sAndArgMax(t *testing.T) {
	v, err := Float64s(ir.Int8, []byte{0xfe, 5, 0x80})
	if err != nil || !slices.Equal(v, []float64{-2, 5, -128}) {
		t.Fatalf("int8: %v %v", v, err)
	}
	v, err = Float64s(ir.Float16, []byte{0x00, 0x3c, 0x00, 0xc0})
	if err != nil || !slices.Equal(v, []float64{1, -2}) {
		t.Fatalf("float16: %v %v", v, err)
	}
	if _, err := Float64s(ir.String, []byte{1}); err == nil {
		t.Fatal("string: no error")
	}
	if got := ArgMax([]float64{1, math.NaN(), 7, 7, -1}); got != 2 {
		t.Fatalf("ArgMax = %d, want 2", got)
	}
	if ArgMax(nil) != -1 {
		t.Fatal("ArgMax(nil) != -1")
	}
}

func TestLoadInputs(t *testing.T) {
	dir := t.TempDir()
	a := &ir.Tensor{Name: "a", Type: ir.Uint8, Shape: []int{2}, HasRank: true, Data: make([]byte, 2)}
	b := &ir.Tensor{Name: "b", Type: ir.Int8, Shape: []int{3}, HasRank: true, Data: make([]byte, 3)}
	fa := filepath.Join(dir, "a.bin")
	os.WriteFile(fa, []byte{7, 9}, 0o644)

	// The second input has no file: without random values that is an error
	// naming input 1.
	if _, err := LoadInputs([]*ir.Tensor{a, b}, []string{fa}, nil); err == nil || !strings.Contains(err.Error(), "input 1") {
		t.Fatalf("missing input: %v", err)
	}
	// With random values the file feeds input 0 and the stream starts at
	// input 1: its first values are the stream's first three.
	fed, err := LoadInputs([]*ir.Tensor{a, b}, []string{fa}, NewRandom(1))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := NewRandom(1).Fill(ir.Int8, 3)
	if !bytes.Equal(a.Data, []byte{7, 9}) || !bytes.Equal(b.Data, want) || !bytes.Equal(fed[1], want) {
		t.Fatalf("a=%v b=%v fed=%v", a.Data, b.Data, fed)
	}
	// A bad file names the input index and the file.
	if _, err := LoadInputs([]*ir.Tensor{b}, []string{fa}, nil); err == nil || !strings.Contains(err.Error(), "input 0") || !strings.Contains(err.Error(), fa) {
		t.Fatalf("bad file: %v", err)
	}
	if _, err := LoadInputs([]*ir.Tensor{a}, []string{fa, fa}, nil); err == nil || !strings.Contains(err.Error(), "2 input files") {
		t.Fatalf("too many files: %v", err)
	}
}
