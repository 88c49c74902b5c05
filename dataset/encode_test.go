package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestQuantizeValue checks TFLite's affine quantization on hand-worked
// values: q = round(x/scale) + zero point, ties away from zero, clamped.
func TestQuantizeValue(t *testing.T) {
	cases := []struct {
		x, scale float32
		zp, lo   int64
		hi       int64
		want     int64
	}{
		{0.5, 0.25, 0, -128, 127, 2},      // exactly 2
		{0.625, 0.25, 0, -128, 127, 3},    // 2.5 rounds away from zero to 3
		{-0.625, 0.25, 0, -128, 127, -3},  // -2.5 rounds to -3 (not -2 as half-to-even would)
		{0.375, 0.25, 0, -128, 127, 2},    // 1.5 -> 2
		{0.0, 0.1, -128, -128, 127, -128}, // zero maps to the zero point
		{1.0, 1.0 / 255, -128, -128, 127, 127},
		{200, 0.5, 10, 0, 255, 255}, // 410 clamped high
		{-100, 0.5, 10, 0, 255, 0},  // clamped low
		{float32(math.Inf(1)), 0.5, 0, -32768, 32767, 32767},
		{float32(math.NaN()), 0.5, 7, 0, 255, 7},
	}
	for _, c := range cases {
		if got := QuantizeValue(c.x, c.scale, c.zp, c.lo, c.hi); got != c.want {
			t.Errorf("QuantizeValue(%v, %v, %d) = %d, want %d", c.x, c.scale, c.zp, got, c.want)
		}
	}
}

// TestEncodePixelsToQuantizedInput: an MNIST-style uint8 input with scale
// 1/255 and zero point 0 gets back exactly the pixel bytes, since
// round((p/255)/(1/255)) = p; an int8 input with zero point -128 gets p-128.
func TestEncodePixelsToQuantizedInput(t *testing.T) {
	img := &image.Gray{Pix: make([]byte, 256), Stride: 16, Rect: image.Rect(0, 0, 16, 16)}
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	for _, c := range []struct {
		dtype string
		zp    int64
	}{{"uint8", 0}, {"int8", -128}} {
		e, err := NewEncoder(Input{Shape: []int{1, 16, 16}, DType: c.dtype, Scale: float64(float32(1.0 / 255)), ZeroPoint: c.zp}, Preprocess{})
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]byte, e.ByteSize())
		if err := e.Encode(Example{Image: img}, dst); err != nil {
			t.Fatal(err)
		}
		for i, b := range dst {
			if want := byte(i + int(c.zp)); b != want {
				t.Fatalf("%s: pixel %d encoded as %d, want %d", c.dtype, i, b, want)
			}
		}
	}
}

func TestEncodeFloatNormalizeAndLayout(t *testing.T) {
	// A 2x1 RGB image: (255,0,51) then (0,102,255).
	img := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	copy(img.Pix, []byte{255, 0, 51, 255, 0, 102, 255, 255})
	p := Preprocess{Mean: []float64{0.5}, Std: []float64{0.5}} // x = (v/255 - 0.5)/0.5
	nhwc, nchw := []float32{1, -1, -0.6, -1, -0.2, 1}, []float32{1, -1, -1, -0.2, -0.6, 1}
	for _, c := range []struct {
		layout string
		shape  []int
		want   []float32
	}{
		{"NHWC", []int{1, 1, 2, 3}, nhwc},
		{"NCHW", []int{1, 3, 1, 2}, nchw},
		// auto: NHWC when the shape is an NHWC image, else channels-first.
		{"auto", []int{1, 1, 2, 3}, nhwc},
		{"", []int{1, 3, 1, 2}, nchw},
	} {
		p.Layout = c.layout
		e, err := NewEncoder(Input{Shape: c.shape, DType: "float32"}, p)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]byte, e.ByteSize())
		if err := e.Encode(Example{Image: img}, dst); err != nil {
			t.Fatalf("layout %q, shape %v: %v", c.layout, c.shape, err)
		}
		got := floats(dst)
		for i := range c.want {
			if math.Abs(float64(got[i]-c.want[i])) > 1e-6 {
				t.Errorf("layout %q, shape %v: got %v, want %v", c.layout, c.shape, got, c.want)
				break
			}
		}
	}
	// An explicit NHWC does not fall back: [1,3,1,2] has 2 channels then.
	if e, err := NewEncoder(Input{Shape: []int{1, 3, 1, 2}, DType: "float32"}, Preprocess{Layout: "NHWC"}); err == nil {
		if err := e.Encode(Example{Image: img}, make([]byte, e.ByteSize())); err == nil || !strings.Contains(err.Error(), "2 channels") {
			t.Errorf("explicit NHWC on [1,3,1,2]: %v, want an error about 2 channels", err)
		}
	}
	// Per-channel mean/std; wrong count is an error.
	if _, err := NewEncoder(Input{Shape: []int{1, 1, 2, 3}, DType: "float32"}, Preprocess{Mean: []float64{1, 2}}); err == nil || !strings.Contains(err.Error(), "3 channels") {
		t.Errorf("two means for three channels: %v", err)
	}
}

func floats(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// TestEncodeResize: nearest-neighbour upscaling of a 2x2 image to 4x4
// repeats each pixel in a 2x2 block; with resizing off, the size mismatch is
// an error naming both shapes.
func TestEncodeResize(t *testing.T) {
	img := &image.Gray{Pix: []byte{10, 20, 30, 40}, Stride: 2, Rect: image.Rect(0, 0, 2, 2)}
	e, err := NewEncoder(Input{Shape: []int{1, 4, 4, 1}, DType: "uint8", Scale: 1.0 / 255}, Preprocess{Resize: "nearest"})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 16)
	if err := e.Encode(Example{Image: img}, dst); err != nil {
		t.Fatal(err)
	}
	want := []byte{10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 40, 40, 30, 30, 40, 40}
	if !slices.Equal(dst, want) {
		t.Errorf("nearest 2x2->4x4 = %v, want %v", dst, want)
	}
	e, _ = NewEncoder(Input{Shape: []int{1, 4, 4, 1}, DType: "uint8", Scale: 1.0 / 255}, Preprocess{Resize: "none"})
	err = e.Encode(Example{Image: img}, dst)
	if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "[2 2 1]") || !strings.Contains(err.Error(), "[1 4 4 1]") {
		t.Errorf("mismatch error %v does not name both shapes", err)
	}
	// Gray image into an RGB input: replicated.
	e, _ = NewEncoder(Input{Shape: []int{1, 2, 2, 3}, DType: "uint8", Scale: 1.0 / 255}, Preprocess{})
	dst = make([]byte, 12)
	if err := e.Encode(Example{Image: img}, dst); err != nil {
		t.Fatal(err)
	}
	if want := []byte{10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40}; !slices.Equal(dst, want) {
		t.Errorf("gray into RGB = %v, want %v", dst, want)
	}
}

func TestEncodeTensor(t *testing.T) {
	e, err := NewEncoder(Input{Shape: []int{1, 2, 2}, DType: "int8", Scale: 0.5, ZeroPoint: 1}, Preprocess{})
	if err != nil {
		t.Fatal(err)
	}
	x := &Array{DType: "float32", Shape: []int{2, 2, 1}, Data: encode(binary.LittleEndian, []float32{0, 1.25, -1.25, 100})}
	dst := make([]byte, 4)
	if err := e.Encode(Example{Tensor: x}, dst); err != nil {
		t.Fatal(err)
	}
	// 0/0.5+1 = 1; 2.5 -> 3, +1 = 4; -2.5 -> -3, +1 = -2; 200+1 clamps to 127.
	if got := []int8{int8(dst[0]), int8(dst[1]), int8(dst[2]), int8(dst[3])}; !slices.Equal(got, []int8{1, 4, -2, 127}) {
		t.Errorf("got %v, want [1 4 -2 127]", got)
	}
	bad := &Array{DType: "float32", Shape: []int{3, 2}, Data: make([]byte, 24)}
	err = e.Encode(Example{Tensor: bad}, dst)
	if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "[3 2]") || !strings.Contains(err.Error(), "[1 2 2]") {
		t.Errorf("mismatch error %v does not name both shapes", err)
	}
	raw := &Array{DType: "float32", Data: make([]byte, 12)}
	if err := e.Encode(Example{Tensor: raw}, dst); !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "3 elements") {
		t.Errorf("raw mismatch: %v", err)
	}
}

func TestNewEncoderErrors(t *testing.T) {
	cases := []struct {
		in   Input
		p    Preprocess
		want string
	}{
		{Input{Shape: []int{1, 2}, DType: "int32"}, Preprocess{}, "int32"},
		{Input{Shape: []int{1, 2}, DType: "int8", Scale: 0}, Preprocess{}, "scale"},
		{Input{Shape: []int{1, 2}, DType: "uint8", Scale: 1, ZeroPoint: 300}, Preprocess{}, "zero point 300"},
		{Input{Shape: []int{1, 2}, DType: "float32"}, Preprocess{Resize: "cubic"}, "unknown resize"},
		{Input{Shape: []int{1, 2}, DType: "float32"}, Preprocess{Layout: "CHWN"}, "unknown layout"},
		{Input{Shape: []int{1, 2, 2, 1}, DType: "float32"}, Preprocess{Std: []float64{0}}, "nonzero"},
	}
	for _, c := range cases {
		if _, err := NewEncoder(c.in, c.p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v %+v: error %v, want %q", c.in, c.p, err, c.want)
		}
	}
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestImageFolder(t *testing.T) {
	root := t.TempDir()
	if _, err := OpenImageFolder(root); err == nil || !strings.Contains(err.Error(), root) {
		t.Errorf("empty folder: %v", err)
	}
	os.MkdirAll(filepath.Join(root, "cat"), 0o755)
	if _, err := OpenImageFolder(root); err == nil || !strings.Contains(err.Error(), "no PNG or JPEG images") {
		t.Errorf("class folder without images: %v", err)
	}
	gray := func(v byte) image.Image {
		g := image.NewGray(image.Rect(0, 0, 2, 2))
		for i := range g.Pix {
			g.Pix[i] = v
		}
		return g
	}
	writePNG(t, filepath.Join(root, "dog", "a.png"), gray(9))
	writePNG(t, filepath.Join(root, "cat", "b.png"), gray(5))
	os.WriteFile(filepath.Join(root, "cat", "notes.txt"), []byte("skip me"), 0o644)
	bad := filepath.Join(root, "dog", "broken.png")
	os.WriteFile(bad, []byte("not a png"), 0o644)
	f, err := OpenImageFolder(root)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Classes, []string{"cat", "dog"}) || f.Len() != 3 {
		t.Fatalf("classes %v, %d images", f.Classes, f.Len())
	}
	ex, err := f.Example(0)
	if err != nil || ex.Label != 0 || color.GrayModel.Convert(ex.Image.At(0, 0)).(color.Gray).Y != 5 {
		t.Errorf("example 0: %+v, %v (want cat, value 5)", ex, err)
	}
	// Numeric folder names are the labels themselves.
	num := t.TempDir()
	writePNG(t, filepath.Join(num, "986", "a.png"), gray(1))
	writePNG(t, filepath.Join(num, "7", "b.png"), gray(2))
	nf, err := OpenImageFolder(num)
	if err != nil {
		t.Fatal(err)
	}
	var numLabels []int
	for i := range nf.Len() {
		ex, _ := nf.Example(i)
		numLabels = append(numLabels, ex.Label)
	}
	if !slices.Equal(numLabels, []int{7, 986}) {
		t.Errorf("numeric class folders gave labels %v, want [7 986]", numLabels)
	}
	var sawBad bool
	for i := range f.Len() {
		if _, err := f.Example(i); err != nil {
			sawBad = strings.Contains(err.Error(), bad)
		}
	}
	if !sawBad {
		t.Errorf("the broken image's error does not name %s", bad)
	}
}

func TestOpenNPYPairAndRaw(t *testing.T) {
	dir := t.TempDir()
	x := npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", encode(binary.LittleEndian, []float32{1, 2, 3, 4, 5, 6}))
	y := npyFile(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", []byte{4, 2})
	os.WriteFile(filepath.Join(dir, "x_test.npy"), x, 0o644)
	os.WriteFile(filepath.Join(dir, "y_test.npy"), y, 0o644)
	for _, path := range []string{dir, filepath.Join(dir, "x_test.npy")} {
		src, err := Open(path, OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ex, err := src.Example(1)
		if err != nil || ex.Label != 2 || !slices.Equal(ex.Tensor.Shape, []int{3}) || !slices.Equal(floats(ex.Tensor.Data), []float32{4, 5, 6}) {
			t.Errorf("%s example 1: %+v %v", path, ex, err)
		}
	}
	// Raw samples need a labels file and must split evenly.
	rawPath := filepath.Join(dir, "samples.bin")
	os.WriteFile(rawPath, encode(binary.LittleEndian, []float32{1, 2, 3, 4, 5, 6}), 0o644)
	if _, err := Open(rawPath, OpenOptions{}); err == nil || !strings.Contains(err.Error(), "--labels") {
		t.Errorf("raw without labels: %v", err)
	}
	src, err := Open(rawPath, OpenOptions{Labels: filepath.Join(dir, "y_test.npy")})
	if err != nil {
		t.Fatal(err)
	}
	if ex, _ := src.Example(1); ex.Tensor.Shape != nil || !slices.Equal(floats(ex.Tensor.Data), []float32{4, 5, 6}) {
		t.Errorf("raw example 1: %+v", ex)
	}
	os.WriteFile(filepath.Join(dir, "y3.npy"), npyFile(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", []byte{1, 2, 3, 4}), 0o644)
	if _, err := Open(rawPath, OpenOptions{Labels: filepath.Join(dir, "y3.npy")}); err == nil || !strings.Contains(err.Error(), "4 samples") {
		t.Errorf("uneven raw: %v", err)
	}
}

func TestSelect(t *testing.T) {
	s := &ImageSet{N: 10, Height: 1, Width: 1, Channels: 1, Pixels: make([]byte, 10), Labels: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}
	labels := func(src Source) []int {
		var out []int
		for i := range src.Len() {
			ex, _ := src.Example(i)
			out = append(out, ex.Label)
		}
		return out
	}
	if got := labels(Select(s, false, 0, 3)); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("limit 3: %v", got)
	}
	a, b := labels(Select(s, true, 42, 0)), labels(Select(s, true, 42, 0))
	if !slices.Equal(a, b) || slices.Equal(a, s.Labels) {
		t.Errorf("shuffle with one seed: %v and %v (want equal, and not the original order)", a, b)
	}
	sorted := slices.Clone(a)
	slices.Sort(sorted)
	if !slices.Equal(sorted, s.Labels) {
		t.Errorf("shuffle lost or repeated examples: %v", a)
	}
	if c := labels(Select(s, true, 43, 0)); slices.Equal(a, c) {
		t.Errorf("seeds 42 and 43 give the same order %v", a)
	}
}

// TestEncodeFlatVectorInput: a vector input ([1,N], an MLP's, or [1,1,1,N],
// which --layout auto must not take for a one-pixel-high NCHW image) takes
// an image's pixels flattened in HWC order when their count is N, and is
// never fed a resized strip: any other size is an error naming both shapes.
func TestEncodeFlatVectorInput(t *testing.T) {
	gray := &image.Gray{Pix: []byte{0, 51, 102, 153, 204, 255}, Stride: 3, Rect: image.Rect(0, 0, 3, 2)}
	rgb := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	copy(rgb.Pix, []byte{255, 0, 51, 255, 0, 102, 255, 255})
	for _, shape := range [][]int{{1, 6}, {1, 1, 1, 6}} {
		e, err := NewEncoder(Input{Shape: shape, DType: "float32"}, Preprocess{})
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]byte, e.ByteSize())
		for _, c := range []struct {
			name string
			img  image.Image
			want []float32 // pixel/255, worked by hand
		}{
			{"gray 3x2", gray, []float32{0, 0.2, 0.4, 0.6, 0.8, 1}},
			{"rgb 2x1", rgb, []float32{1, 0, 0.2, 0, 0.4, 1}},
		} {
			if err := e.Encode(Example{Image: c.img}, dst); err != nil {
				t.Fatalf("%v %s: %v", shape, c.name, err)
			}
			for i, w := range c.want {
				if got := math.Float32frombits(binary.LittleEndian.Uint32(dst[4*i:])); got != w {
					t.Errorf("%v %s: value %d = %v, want %v", shape, c.name, i, got, w)
				}
			}
		}
		big := &image.Gray{Pix: make([]byte, 9), Stride: 3, Rect: image.Rect(0, 0, 3, 3)}
		err = e.Encode(Example{Image: big}, dst)
		if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "[3 3 1]") || !strings.Contains(err.Error(), fmt.Sprint(shape)) {
			t.Errorf("3x3 image into %v: %v", shape, err)
		}
	}
}
