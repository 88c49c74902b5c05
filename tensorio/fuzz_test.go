package tensorio

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
)

// fuzzInputs are the tensors FuzzReadInput reads files for: an RGB image
// input, a gray float one, and a plain int16 vector.
var fuzzInputs = []*ir.Tensor{
	{Name: "rgb", Type: ir.Uint8, Shape: []int{1, 4, 4, 3}, HasRank: true},
	{Name: "gray", Type: ir.Float32, Shape: []int{1, 2, 3, 1}, HasRank: true},
	{Name: "vec", Type: ir.Int16, Shape: []int{5}, HasRank: true},
}

// FuzzReadInput reads arbitrary bytes as each kind of input file (the kind
// follows the extension) for each tensor: an error or exactly the tensor's
// bytes, never a panic. Seeds: a PNG, a JPEG and a .npy that fit, raw bytes,
// and TFLite Micro's example BMPs when ../shared is present.
func FuzzReadInput(f *testing.F) {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = byte(37 * i)
	}
	var pngBuf, jpgBuf bytes.Buffer
	png.Encode(&pngBuf, img)
	gray := image.NewGray(image.Rect(0, 0, 3, 2))
	gray.Set(1, 1, color.Gray{Y: 200})
	jpeg.Encode(&jpgBuf, gray, nil)
	header := "{'descr': '<i2', 'fortran_order': False, 'shape': (5,), }"
	header += strings.Repeat(" ", 128-10-len(header)-1) + "\n"
	npy := slices.Concat([]byte("\x93NUMPY\x01\x00"), []byte{byte(len(header)), 0}, []byte(header), make([]byte, 10))
	for _, seed := range [][]byte{pngBuf.Bytes(), jpgBuf.Bytes(), npy, make([]byte, 24)} {
		f.Add(seed)
	}
	testutil.AddFixtureSeeds(f, "tflite/micro/person_detect_inputs", ".bmp", 64<<10)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ext := range []string{".png", ".jpg", ".bmp", ".npy", ".bin"} {
			path := filepath.Join(dir, "input"+ext)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, in := range fuzzInputs {
				got, err := ReadInput(path, in)
				if err != nil {
					if !strings.Contains(err.Error(), path) {
						t.Fatalf("%s for %s: error %q does not name the file", ext, in.Name, err)
					}
					continue
				}
				if need, _ := in.ByteSize(); len(got) != need {
					t.Fatalf("%s for %s: %d bytes, the tensor holds %d", ext, in.Name, len(got), need)
				}
			}
		}
	})
}
