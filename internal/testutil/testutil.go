// Package testutil finds the shared fixtures and the reference runtimes
// (oracles) for tests, and skips a test with a clear message when they are
// absent (a user's fresh clone has only the project).
package testutil

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// ModuleRoot is the directory holding the project's go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// sharedDir is where the shared folder should be: $LITEFORGE_SHARED, else
// ../shared beside the clone.
func sharedDir(t testing.TB) string {
	if dir := os.Getenv("LITEFORGE_SHARED"); dir != "" {
		return dir
	}
	return filepath.Join(ModuleRoot(t), "..", "shared")
}

// SharedDir returns ../shared beside the clone (or $LITEFORGE_SHARED), or
// skips the test when it is absent.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir := sharedDir(t)
	if _, err := os.Stat(filepath.Join(dir, "fixtures")); err != nil {
		t.Skipf("shared fixtures not found at %s (set LITEFORGE_SHARED or place ../shared beside the clone)", dir)
	}
	return dir
}

// AddFixtureSeeds adds every file under ../shared/fixtures/rel whose name
// ends in suffix and whose size is at most maxBytes to a fuzz test's corpus.
// Without the fixtures it adds nothing: the fuzz test still runs on its own
// seeds.
func AddFixtureSeeds(f *testing.F, rel, suffix string, maxBytes int64) {
	f.Helper()
	filepath.WalkDir(filepath.Join(sharedDir(f), "fixtures", rel), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, suffix) {
			return nil
		}
		if info, err := d.Info(); err == nil && info.Size() <= maxBytes {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
}

// Fixture returns the path of a file under ../shared/fixtures, skipping the
// test when the fixtures are absent and failing it when the file is missing.
func Fixture(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(SharedDir(t), "fixtures", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture %s: %v", rel, err)
	}
	return p
}

// oracleDir finds an installed oracle: $env, else ~/.cache/liteforge/<name>
// (where .ci/run installs it).
func oracleDir(env, name, script string) string {
	candidates := []string{os.Getenv(env)}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".cache", "liteforge", name))
	}
	for _, d := range candidates {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, script)); err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "node_modules")); err == nil {
			return d
		}
	}
	return ""
}

// TFLiteOracle returns the directory of an installed tflite-oracle (real
// TFLite as WebAssembly under Node.js), or skips the test.
func TFLiteOracle(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not found: TFLite oracle unavailable")
	}
	d := oracleDir("LITEFORGE_TFLITE_ORACLE", "tflite-oracle", "oracle.js")
	if d == "" {
		t.Skip("TFLite oracle not installed (run .ci/run, or copy ../shared/tools/tflite-oracle and npm ci, then set LITEFORGE_TFLITE_ORACLE)")
	}
	return d
}

// ORTOracle returns the directory of an installed ONNX Runtime oracle, or
// skips the test.
func ORTOracle(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not found: ONNX Runtime oracle unavailable")
	}
	d := oracleDir("LITEFORGE_ORT_ORACLE", "ort-oracle", "ort-run.mjs")
	if d == "" {
		t.Skip("ONNX Runtime oracle not installed (run .ci/run, or copy ../shared/tools/ort-oracle and npm ci --ignore-scripts, then set LITEFORGE_ORT_ORACLE)")
	}
	return d
}

// RunTFLiteOracle runs the TFLite oracle on model with the given raw input
// files, writing output_<i>.bin and result.json into outDir. A non-nil error
// carries the oracle's output (TFLite refused or failed to run the model).
func RunTFLiteOracle(t testing.TB, model, outDir string, inputs ...string) error {
	t.Helper()
	dir := TFLiteOracle(t)
	args := append([]string{filepath.Join(dir, "oracle.js"), model, outDir}, inputs...)
	cmd := exec.Command("node", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("tflite oracle on %s: %v\n%s", model, err, out.String())
	}
	return nil
}
