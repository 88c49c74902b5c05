package tflite

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
)

// fixtureModels lists every .tflite under ../shared/fixtures/tflite, relative
// to that directory, or skips the test when the fixtures are absent.
func fixtureModels(t testing.TB) (dir string, rel []string) {
	dir = filepath.Join(testutil.SharedDir(t), "fixtures", "tflite")
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() && strings.HasSuffix(p, ".tflite") {
			r, _ := filepath.Rel(dir, p)
			rel = append(rel, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(rel)
	if len(rel) == 0 {
		t.Fatalf("no .tflite files under %s", dir)
	}
	return dir, rel
}

// TestRoundTripFixtures reads every fixture, writes it, and reads the result:
// the two models must be equal. Both layouts of the data are exercised.
func TestRoundTripFixtures(t *testing.T) {
	dir, models := fixtureModels(t)
	for _, rel := range models {
		t.Run(rel, func(t *testing.T) {
			m, err := ReadFile(filepath.Join(dir, rel))
			if err != nil {
				t.Fatal(err)
			}
			for _, opts := range []WriteOptions{{}, {ExternalData: true}} {
				out, err := WriteWithOptions(m, opts)
				if err != nil {
					t.Fatalf("write %+v: %v", opts, err)
				}
				m2, err := Read(out)
				if err != nil {
					t.Fatalf("reading what was written (%+v): %v", opts, err)
				}
				if d := diffModels(m, m2); d != "" {
					t.Errorf("round trip %+v changed the model: %s", opts, d)
				}
			}
		})
	}
}

// TestRoundTripRunsInTFLite runs each written fixture in the TFLite oracle on
// the inputs recorded in fixtures/tflite/expected and requires outputs
// byte-identical to TFLite's outputs for the original file.
func TestRoundTripRunsInTFLite(t *testing.T) {
	dir, models := fixtureModels(t)
	testutil.TFLiteOracle(t)
	for _, rel := range models {
		t.Run(rel, func(t *testing.T) {
			m, err := ReadFile(filepath.Join(dir, rel))
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			written := filepath.Join(tmp, "written.tflite")
			if err := WriteFile(written, m); err != nil {
				t.Fatal(err)
			}
			expected := filepath.Join(dir, "expected", strings.TrimSuffix(rel, ".tflite"))
			inputs, _ := filepath.Glob(filepath.Join(expected, "input_*.bin"))
			sort.Strings(inputs)
			if len(inputs) == 0 {
				// No recorded run (TFLite refuses the original, e.g. person_detect's
				// biases quantized along dimension 3): the written file is a
				// faithful copy, so TFLite must treat it as it treats the original.
				origErr := testutil.RunTFLiteOracle(t, filepath.Join(dir, rel), filepath.Join(tmp, "orig"), "--random", "1")
				writtenErr := testutil.RunTFLiteOracle(t, written, filepath.Join(tmp, "out"), "--random", "1")
				if (origErr == nil) != (writtenErr == nil) {
					t.Fatalf("TFLite treats the written file differently from the original: original: %v; written: %v", origErr, writtenErr)
				}
				t.Logf("no recorded inputs; TFLite loads the original: %v, the written file: %v", origErr == nil, writtenErr == nil)
				return
			}
			out := filepath.Join(tmp, "out")
			if err := testutil.RunTFLiteOracle(t, written, out, inputs...); err != nil {
				t.Fatalf("written file does not run in TFLite: %v", err)
			}
			outputs, _ := filepath.Glob(filepath.Join(expected, "output_*.bin"))
			if len(outputs) == 0 {
				t.Fatalf("no recorded outputs in %s", expected)
			}
			for _, want := range outputs {
				got := filepath.Join(out, filepath.Base(want))
				if !sameFile(t, want, got) {
					// Rule out the oracle: the original must reproduce the record.
					orig := filepath.Join(tmp, "orig")
					err := testutil.RunTFLiteOracle(t, filepath.Join(dir, rel), orig, inputs...)
					t.Errorf("%s differs from TFLite's output for the original file (original rerun: err=%v, same as record: %v)",
						filepath.Base(want), err, err == nil && sameFile(t, want, filepath.Join(orig, filepath.Base(want))))
				}
			}
		})
	}
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		return false
	}
	return bytes.Equal(x, y)
}
