package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
)

func TestCompareNeedsOneReference(t *testing.T) {
	model := testutil.Fixture(t, "tflite/micro/hello_world_int8.tflite")
	for _, args := range [][]string{
		{"compare", model, "--random", "1"},
		{"compare", model, "--random", "1", "--oracle", "--against", "builtin"},
	} {
		if _, err := execute(t, args...); err == nil || !strings.Contains(err.Error(), "one reference") {
			t.Errorf("%v: %v, want an error asking for one reference", args, err)
		}
	}
	if _, err := execute(t, "compare", model, "--random", "1", "--against", "fast"); err == nil || !strings.Contains(err.Error(), "--against") {
		t.Errorf("unknown kernel set: %v", err)
	}
	if _, err := execute(t, "compare", model, "--against", "builtin"); err == nil || !strings.Contains(err.Error(), "no file") {
		t.Errorf("no input and no --random: %v", err)
	}
}

// TestCompareAgainstKernelSet compares hello_world_int8's three int8
// FULLY_CONNECTED layers under the builtin and the reference kernels, which
// TFLite defines to compute the same bytes for them.
func TestCompareAgainstKernelSet(t *testing.T) {
	model := testutil.Fixture(t, "tflite/micro/hello_world_int8.tflite")
	out, err := execute(t, "compare", model, "--random", "3", "--against", "reference", "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res compareResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Tensors) != 3 || res.First != nil || res.Reference != "liteforge reference" || res.Kernels != "builtin" {
		t.Errorf("got %+v; want 3 tensors, none differing, builtin against reference", res)
	}
	for i, d := range res.Tensors {
		if d.Op != i || d.OpType != "FULLY_CONNECTED" || d.DType != "int8" {
			t.Errorf("tensor %d: %+v, want op %d, an int8 FULLY_CONNECTED", i, d, i)
		}
	}
}

// TestCompareWithOracle checks the hybrid MobileNetV2 embedder tensor by
// tensor against TFLite: with the XNNPACK kernel set (how TFLite ran it)
// every tensor matches; with the builtin kernels the first difference is the
// first convolution (op 2), whose float sum XNNPACK adds in another order.
func TestCompareWithOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the TFLite oracle")
	}
	testutil.TFLiteOracle(t)
	const name = "tf-examples/mobilenet_v2_035_96_embedder_with_metadata"
	model := testutil.Fixture(t, "tflite/"+name+".tflite")
	input := testutil.Fixture(t, "tflite/expected/"+name+"/input_0.bin")
	out, err := execute(t, "compare", model, "--oracle", "-i", input, "--kernels", "xnnpack")
	if err != nil || !strings.Contains(out, "all 66 tensors within 0") || !strings.Contains(out, "TfLiteXNNPackDelegate") {
		t.Errorf("xnnpack kernels: %v\n%s", err, out)
	}
	out, err = execute(t, "compare", model, "--oracle", "-i", input, "--tol", "1e-4")
	if err == nil || !strings.Contains(out, "first difference beyond 0.0001: op 15 CONV_2D") {
		t.Errorf("builtin kernels within 1e-4: %v\n%s", err, out)
	}
}
