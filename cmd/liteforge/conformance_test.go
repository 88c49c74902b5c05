package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/tensorio"
)

// The float models whose TFLite outputs are recorded in
// ../shared/fixtures/tflite/expected.
var floatModels = []string{
	"micro/hello_world_float",
	"micro/mnist_lstm_float",
	"go-tflite/sin_model",
	"litert/mobilenet_like_model",
	"litert/quantizer/unidirectional_sequence_lstm_calibrated",
	"litert/quantizer/single_conv_weights_min_0_max_plus_10",
	"litert/test_model_redux_precision",                      // float16 weights + DEQUANTIZE
	"tf-examples/mobilenet_v2_035_96_embedder_with_metadata", // hybrid: int8 weights, float activations
}

// knownGaps are float models that do not meet floatTolerance under the
// builtin kernels, with the bound they are held to meanwhile and why. The
// TFLite oracle always applies XNNPACK, which runs the hybrid embedder's
// CONV_2D layers as dynamically quantized XNNPACK convolutions (int8 inputs
// quantized per image, asymmetric); under the xnnpack kernel set liteforge
// matches that bit for bit. The builtin set computes those layers as
// TFLite's own hybrid kernel does, which the oracle cannot run, so that
// path has no reference here; its first difference from the XNNPACK run is
// op 15, the first hybrid CONV_2D. Remove an entry once the model passes.
var knownGaps = map[string]struct {
	bound float64
	why   string
}{
	"tf-examples/mobilenet_v2_035_96_embedder_with_metadata": {0.2, "builtin hybrid CONV_2D is not XNNPACK's, which the oracle ran (first at op 15)"},
}

// TestRunFloatConformance runs every float model on its recorded inputs with
// `liteforge run -o` and compares the outputs with TFLite's, under the
// xnnpack kernel set (what the oracle ran: every model must be within
// floatTolerance) and the builtin one (known gaps aside).
func TestRunFloatConformance(t *testing.T) {
	for _, name := range floatModels {
		for _, set := range []string{"xnnpack", "builtin"} {
			t.Run(name+"/"+set, func(t *testing.T) { runFloatConformance(t, name, set) })
		}
	}
}

func runFloatConformance(t *testing.T, name, set string) {
	model := testutil.Fixture(t, "tflite/"+name+".tflite")
	expDir := testutil.Fixture(t, "tflite/expected/"+name)
	exp, err := tensorio.ReadResult(filepath.Join(expDir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	outDir := t.TempDir()
	args := []string{"run", model, "--kernels", set, "-o", outDir}
	for i := range exp.Inputs {
		args = append(args, "-i", filepath.Join(expDir, tensorio.InputFile(i)))
	}
	if _, err := execute(t, args...); err != nil {
		t.Fatal(err)
	}
	got, err := tensorio.ReadResult(filepath.Join(outDir, tensorio.ResultFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Outputs) != len(exp.Outputs) {
		t.Fatalf("%d outputs, TFLite has %d", len(got.Outputs), len(exp.Outputs))
	}
	for i, e := range exp.Outputs {
		g := got.Outputs[i]
		if g.Name != e.Name || g.DType != e.DType || !slices.Equal(g.Shape, e.Shape) || g.Bytes != e.Bytes {
			t.Errorf("output %d: %s %s %v %d bytes; TFLite: %s %s %v %d bytes", i, g.Name, g.DType, g.Shape, g.Bytes, e.Name, e.DType, e.Shape, e.Bytes)
			continue
		}
		maxDiff, at := compareFloat32Files(t, filepath.Join(outDir, g.File), filepath.Join(expDir, tensorio.OutputFile(i)))
		t.Logf("output %d %v: largest difference from TFLite %.3g (element %d)", i, g.Shape, maxDiff, at)
		gap, known := knownGaps[name]
		known = known && set == "builtin"
		switch {
		case !known && maxDiff > floatTolerance:
			t.Errorf("output %d: largest difference %.3g at element %d exceeds %g", i, maxDiff, at, floatTolerance)
		case known && maxDiff > gap.bound:
			t.Errorf("output %d: largest difference %.3g at element %d exceeds even the known gap's bound %g (%s)", i, maxDiff, at, gap.bound, gap.why)
		case known && maxDiff <= floatTolerance:
			t.Errorf("output %d is now within %g of TFLite: remove %s from knownGaps", i, floatTolerance, name)
		case known:
			t.Logf("known gap, not yet within %g: %s", floatTolerance, gap.why)
		}
	}
}
