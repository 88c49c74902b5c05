package dataset

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
)

func writeImage(t *testing.T, name string, img image.Image) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(name, ".png") {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 100})
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// rgbImage is 3 wide and 2 high with distinct, hand-picked colors.
func rgbImage() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	px := []color.NRGBA{
		{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255},
		{10, 20, 30, 255}, {128, 128, 128, 255}, {200, 100, 0, 255},
	}
	for i, c := range px {
		img.SetNRGBA(i%3, i/3, c)
	}
	return img
}

func TestReadImageFileRGB(t *testing.T) {
	path := writeImage(t, "rgb.png", rgbImage())
	want := []byte{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 128, 128, 128, 200, 100, 0}

	a, err := ReadImageFile(path, []int{1, 2, 3, 3}, "uint8")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Data, want) || a.DType != "uint8" || !slices.Equal(a.Shape, []int{1, 2, 3, 3}) {
		t.Fatalf("uint8: got %v %v %v", a.DType, a.Shape, a.Data)
	}

	a, err = ReadImageFile(path, []int{2, 3, 3}, "int8")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range want {
		if got := int8(a.Data[i]); int(got) != int(v)-128 {
			t.Fatalf("int8 element %d: got %d, want %d", i, got, int(v)-128)
		}
	}

	a, err = ReadImageFile(path, []int{1, 2, 3, 3}, "float32")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range want {
		got := math.Float32frombits(binary.LittleEndian.Uint32(a.Data[4*i:]))
		if math.Abs(float64(got)-float64(v)/255) > 1e-7 {
			t.Fatalf("float32 element %d: got %v, want %v/255", i, got, v)
		}
	}
}

func TestReadImageFileGray(t *testing.T) {
	// A gray PNG into a gray input is copied exactly.
	g := image.NewGray(image.Rect(0, 0, 2, 2))
	copy(g.Pix, []byte{0, 50, 200, 255})
	a, err := ReadImageFile(writeImage(t, "gray.png", g), []int{1, 2, 2}, "uint8")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Data, []byte{0, 50, 200, 255}) {
		t.Fatalf("got %v", a.Data)
	}

	// A color image into a gray input: luminance 0.299R + 0.587G + 0.114B
	// (ITU-R BT.601), within one step of rounding.
	a, err = ReadImageFile(writeImage(t, "rgb.png", rgbImage()), []int{1, 2, 3, 1}, "uint8")
	if err != nil {
		t.Fatal(err)
	}
	src := rgbImage()
	for i := range 6 {
		c := src.NRGBAAt(i%3, i/3)
		y := 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
		if math.Abs(float64(a.Data[i])-y) > 1 {
			t.Fatalf("pixel %d: got %d, want %.2f", i, a.Data[i], y)
		}
	}
}

func TestReadImageFileJPEG(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []byte{40, 120, 200, 255})
	}
	a, err := ReadImageFile(writeImage(t, "flat.jpg", img), []int{1, 16, 16, 3}, "uint8")
	if err != nil {
		t.Fatal(err)
	}
	// A flat color survives JPEG (YCbCr, quality 100) within a few steps.
	for i, v := range a.Data {
		want := []int{40, 120, 200}[i%3]
		if d := int(v) - want; d < -3 || d > 3 {
			t.Fatalf("element %d: got %d, want %d±3", i, v, want)
		}
	}
}

func TestReadImageFileErrors(t *testing.T) {
	path := writeImage(t, "rgb.png", rgbImage())
	_, err := ReadImageFile(path, []int{1, 96, 96, 1}, "int8")
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "[2 3 3]") || !strings.Contains(err.Error(), "[1 96 96 1]") {
		t.Fatalf("size mismatch: error %v should name the file and both shapes", err)
	}
	if _, err := ReadImageFile(path, []int{1, 2, 3, 3}, "int32"); err == nil || !strings.Contains(err.Error(), "int32") {
		t.Fatalf("int32 input: error %v", err)
	}
	if _, err := ReadImageFile(path, []int{2, 2, 3, 3}, "uint8"); err == nil || !strings.Contains(err.Error(), "batch") {
		t.Fatalf("batch 2: error %v", err)
	}
	if _, err := ReadImageFile(path, []int{1, 2, 3, 4}, "uint8"); err == nil || !strings.Contains(err.Error(), "4 channels") {
		t.Fatalf("4 channels: error %v", err)
	}
	notImage := filepath.Join(t.TempDir(), "x.png")
	os.WriteFile(notImage, []byte("not an image"), 0o644)
	if _, err := ReadImageFile(notImage, []int{1, 2, 3, 3}, "uint8"); err == nil || !strings.Contains(err.Error(), notImage) {
		t.Fatalf("garbage: error %v should name the file", err)
	}
}

func TestImageLayoutOf(t *testing.T) {
	tests := []struct {
		shape []int
		want  ImageLayout
		ok    bool
	}{
		{[]int{1, 224, 224, 3}, ImageLayout{224, 224, 3}, true},
		{[]int{1, 96, 96, 1}, ImageLayout{96, 96, 1}, true},
		{[]int{1, 28, 28}, ImageLayout{28, 28, 1}, true},
		{[]int{32, 48, 3}, ImageLayout{32, 48, 3}, true},
		{[]int{28, 28}, ImageLayout{28, 28, 1}, true},
		{[]int{1, 784}, ImageLayout{}, false},         // one vector, not an image one pixel high
		{[]int{1, 3, 224, 224}, ImageLayout{}, false}, // NCHW is not read as an image here
		{[]int{5}, ImageLayout{}, false},
		{[]int{1, 0, 4, 3}, ImageLayout{}, false},
	}
	for _, tc := range tests {
		got, err := ImageLayoutOf(tc.shape)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ImageLayoutOf(%v) = %v, %v; want %v, ok=%v", tc.shape, got, err, tc.want, tc.ok)
		}
	}
}

func TestReadRawFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.bin")
	os.WriteFile(path, []byte{1, 0, 0, 0, 2, 0, 0, 0}, 0o644)
	a, err := ReadRawFile(path, "int32", []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Data, []byte{1, 0, 0, 0, 2, 0, 0, 0}) || !slices.Equal(a.Shape, []int{1, 2}) {
		t.Fatalf("got %v %v", a.Shape, a.Data)
	}
	_, err = ReadRawFile(path, "float32", []int{1, 3})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "has 8 bytes") || !strings.Contains(err.Error(), "needs 12") {
		t.Fatalf("size mismatch: error %v", err)
	}
}

// TFLite Micro's person_detect example image, an 8-bit paletted BMP, read
// as a gray [1,96,96,1] input: each pixel is its palette entry's gray level,
// worked out here from the BMP layout (palette of BGRA quads after the
// 54-byte headers, rows stored bottom-up).
func TestReadImageFileBMP(t *testing.T) {
	path := testutil.Fixture(t, "tflite/micro/person_detect_inputs/person.bmp")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	offset := int(binary.LittleEndian.Uint32(raw[10:]))
	w, h := int(binary.LittleEndian.Uint32(raw[18:])), int(binary.LittleEndian.Uint32(raw[22:]))
	if w != 96 || h != 96 || binary.LittleEndian.Uint16(raw[28:]) != 8 {
		t.Fatalf("unexpected BMP: %dx%d", w, h)
	}
	a, err := ReadImageFile(path, []int{1, 96, 96, 1}, "uint8")
	if err != nil {
		t.Fatal(err)
	}
	for y := range h {
		for x := range w {
			idx := int(raw[offset+(h-1-y)*w+x])
			b, g, r := raw[54+4*idx], raw[54+4*idx+1], raw[54+4*idx+2]
			if r != g || g != b {
				t.Fatalf("palette entry %d is not gray", idx)
			}
			if got := a.Data[y*w+x]; got != r {
				t.Fatalf("pixel (%d,%d) = %d, palette gray %d", x, y, got, r)
			}
		}
	}
}

// hugePNG is a 69-byte PNG whose header claims 65000x65000 16-bit RGBA
// pixels (32 GB decoded) and whose data holds almost none of them.
func hugePNG(t *testing.T) string {
	t.Helper()
	chunk := func(kind string, data []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		c = append(append(c, kind...), data...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 65000), 65000)
	ihdr = append(ihdr, 16, 6, 0, 0, 0) // 16-bit, RGBA, deflate, no filter, no interlace
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 100))
	zw.Close()
	file := slices.Concat([]byte("\x89PNG\r\n\x1a\n"), chunk("IHDR", ihdr), chunk("IDAT", z.Bytes()), chunk("IEND", nil))
	path := filepath.Join(t.TempDir(), "huge.png")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImageHeaderSizeChecked: the size an image header claims is checked
// before the decoder allocates it; the file above used to exhaust memory.
func TestImageHeaderSizeChecked(t *testing.T) {
	path := hugePNG(t)
	if _, err := ReadImageFile(path, []int{1, 96, 96, 1}, "uint8"); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "65000x65000") {
		t.Errorf("ReadImageFile: %v", err)
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "cat"), 0o755)
	raw, _ := os.ReadFile(path)
	os.WriteFile(filepath.Join(root, "cat", "huge.png"), raw, 0o644)
	f, err := OpenImageFolder(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Example(0); err == nil || !strings.Contains(err.Error(), "huge.png") || !strings.Contains(err.Error(), "65000x65000") {
		t.Errorf("image folder: %v", err)
	}
}
