package main

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tensorio"
)

// --random 1 makes the inputs the oracle recorded with its --random 1, saves
// them beside the outputs, and the outputs match TFLite's.
func TestRunRandomSavesOracleInputs(t *testing.T) {
	const name = "litert/quantizer/single_conv_weights_min_0_max_plus_10"
	model := testutil.Fixture(t, "tflite/"+name+".tflite")
	expDir := testutil.Fixture(t, "tflite/expected/"+name)
	outDir := t.TempDir()
	out, err := execute(t, "run", model, "--random", "1", "-o", outDir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "wrote 1 output file(s)") {
		t.Errorf("run printed %q", out)
	}
	got, _ := os.ReadFile(filepath.Join(outDir, "input_0.bin"))
	want, _ := os.ReadFile(filepath.Join(expDir, "input_0.bin"))
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Fatalf("saved input_0.bin (%d bytes) differs from the oracle's (%d bytes)", len(got), len(want))
	}
	if d, at := compareFloat32Files(t, filepath.Join(outDir, "output_0.bin"), filepath.Join(expDir, "output_0.bin")); d > floatTolerance {
		t.Fatalf("output differs from TFLite's by %.3g at %d", d, at)
	}
	res, err := tensorio.ReadResult(filepath.Join(outDir, tensorio.ResultFile))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inputs[0].File != "input_0.bin" || res.Outputs[0].File != "output_0.bin" || !res.OK {
		t.Fatalf("outputs.json: %+v", res)
	}
}

// Without -o, run prints each output's shape, first values and arg-max.
func TestRunPrints(t *testing.T) {
	const name = "litert/quantizer/single_conv_weights_min_0_max_plus_10"
	expDir := testutil.Fixture(t, "tflite/expected/"+name)
	out, err := execute(t, "run", testutil.Fixture(t, "tflite/"+name+".tflite"), "-i", filepath.Join(expDir, "input_0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	wb, _ := os.ReadFile(filepath.Join(expDir, "output_0.bin"))
	want := ir.AsFloat32(wb) // TFLite's 45 values
	if !strings.Contains(out, "float32 [1 3 3 5]") || !strings.Contains(out, "(45 values)") {
		t.Errorf("no shape in %q", out)
	}
	m := regexp.MustCompile(`values: (\S+) (\S+) (\S+) .*\n\s+arg-max: (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no values and arg-max in %q", out)
	}
	for i := range 3 {
		v, _ := strconv.ParseFloat(m[1+i], 64)
		if math.Abs(v-float64(want[i])) > 1e-4*max(1, math.Abs(float64(want[i]))) {
			t.Errorf("value %d printed %v, TFLite %v", i, v, want[i])
		}
	}
	best := 0
	for i := range want {
		if want[i] > want[best] {
			best = i
		}
	}
	if m[4] != strconv.Itoa(best) {
		t.Errorf("arg-max %s, TFLite's largest is %d", m[4], best)
	}
}

func TestRunBadInputs(t *testing.T) {
	model := testutil.Fixture(t, "tflite/litert/quantizer/single_conv_weights_min_0_max_plus_10.tflite") // float32 [1 6 6 3]
	dir := t.TempDir()
	short := filepath.Join(dir, "short.bin")
	os.WriteFile(short, make([]byte, 10), 0o644)
	img := image.NewNRGBA(image.Rect(0, 0, 7, 4)) // 7 wide, 4 high
	var b bytes.Buffer
	png.Encode(&b, img)
	pic := filepath.Join(dir, "pic.png")
	os.WriteFile(pic, b.Bytes(), 0o644)

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no input", []string{"run", model}, []string{"input 0", "has no file"}},
		{"raw file of the wrong size", []string{"run", model, "-i", short}, []string{"input 0", short, "10 bytes", "needs 432"}},
		{"image of the wrong size", []string{"run", model, "-i", pic}, []string{"input 0", pic, "[4 7 3]", "[1 6 6 3]"}},
		{"too many inputs", []string{"run", model, "-i", short, "-i", short}, []string{"2 input files", "1 inputs"}},
		{"missing file", []string{"run", model, "-i", filepath.Join(dir, "nope.bin")}, []string{"input 0", "nope.bin"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := execute(t, tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
