package kernels_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
)

// coral/split_concat (uint8 SPLIT and CONCATENATION) through the interpreter,
// on the inputs TFLite's outputs were recorded with: every byte must match.
func TestSplitConcatFixture(t *testing.T) {
	exp := "tflite/expected/coral/split_concat/"
	var inputs []string
	for i := range 3 {
		inputs = append(inputs, testutil.Fixture(t, fmt.Sprintf("%sinput_%d.bin", exp, i)))
	}
	it := runFixture(t, "tflite/coral/split_concat.tflite", inputs)
	for i := range 5 {
		want, err := os.ReadFile(testutil.Fixture(t, fmt.Sprintf("%soutput_%d.bin", exp, i)))
		if err != nil {
			t.Fatal(err)
		}
		out := it.Output(i)
		n, diff, maxDiff := compareBytes(out.Type, out.Data, want)
		t.Logf("coral/split_concat output %d: %d elements, %d differ, largest difference %v", i, n, diff, maxDiff)
		if diff != 0 {
			t.Errorf("output %d differs from TFLite in %d of %d elements", i, diff, n)
		}
	}
}
