package runtime

import (
	"image"
	"os"
	"strings"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/tflite"
)

// TFLite Micro's person_detection example checks only that the person score
// beats the no-person score on its two test images; the model is the one TFLite
// itself refuses (biases quantized along dimension 3), which liteforge runs
// with one warning.
func TestPersonDetect(t *testing.T) {
	m, err := tflite.ReadFile(testutil.Fixture(t, "tflite/micro/person_detect.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	it, err := New(m, WithWarnings(func(s string) { warnings = append(warnings, s) }))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "dimension beyond their rank (3)") {
		t.Errorf("warnings %q, want exactly one about the biases' quantized dimension 3", warnings)
	}
	// The example's labels: 0 is "no person", 1 is "person".
	scores := func(file string) (noPerson, person int8) {
		f, err := os.Open(testutil.Fixture(t, "tflite/micro/person_detect_inputs/"+file))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := bmp.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		gray, ok := img.(*image.Paletted)
		if !ok || img.Bounds().Dx() != 96 || img.Bounds().Dy() != 96 {
			t.Fatalf("%s: %T %v, want a 96x96 8-bit image", file, img, img.Bounds())
		}
		// The example's test copies the BMP's raw 8-bit pixels (palette
		// indices, rows top-down as PIL's tobytes gives them) into the int8
		// input with memcpy; do the same.
		in := it.Input(0).Int8s()
		for y := 0; y < 96; y++ {
			row := gray.Pix[y*gray.Stride : y*gray.Stride+96]
			for x, p := range row {
				in[y*96+x] = int8(p)
			}
		}
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		out := it.Output(0).Int8s()
		return out[0], out[1]
	}
	np, p := scores("person.bmp")
	if p <= np {
		t.Errorf("person.bmp: person score %d does not beat no-person score %d", p, np)
	}
	t.Logf("person.bmp: person %d, no person %d", p, np)
	np, p = scores("no_person.bmp")
	if np <= p {
		t.Errorf("no_person.bmp: no-person score %d does not beat person score %d", np, p)
	}
	t.Logf("no_person.bmp: person %d, no person %d", p, np)
}
