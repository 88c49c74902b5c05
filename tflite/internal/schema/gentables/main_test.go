package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run builds and runs gentables on a schema against the committed flatc
// output, returning its output file and error text.
func run(t *testing.T, schemaText string) ([]byte, string, error) {
	t.Helper()
	dir := t.TempDir()
	schemaPath := filepath.Join(dir, "schema.fbs")
	if err := os.WriteFile(schemaPath, []byte(schemaText), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "tables.go")
	cmd := exec.Command("go", "run", ".", "-schema", schemaPath, "-generated", "../schema_generated.go", "-out", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	b, _ := os.ReadFile(out)
	return b, stderr.String(), err
}

// TestTablesUpToDate regenerates the descriptors from schema.fbs and
// compares them with the committed tables_generated.go.
func TestTablesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	src, err := os.ReadFile("../schema.fbs")
	if err != nil {
		t.Fatal(err)
	}
	got, stderr, err := run(t, string(src))
	if err != nil {
		t.Fatalf("gentables: %v\n%s", err, stderr)
	}
	want, err := os.ReadFile("../tables_generated.go")
	if err != nil {
		t.Fatal(err)
	}
	// The header names the schema path, which differs here.
	strip := func(b []byte) []byte { return b[bytes.IndexByte(b, '\n'):] }
	if !bytes.Equal(strip(got), strip(want)) {
		t.Error("tables_generated.go is stale: run go generate ./tflite/internal/schema")
	}
}

// TestCrossCheckCatchesDrift swaps two fields of a table in the schema: the
// generated accessors disagree, and gentables must refuse.
func TestCrossCheckCatchesDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	src, err := os.ReadFile("../schema.fbs")
	if err != nil {
		t.Fatal(err)
	}
	const good = "  quantization: QuantizationParameters (id: 4);\n  is_variable: bool = false (id: 5);"
	const bad = "  quantization: QuantizationParameters (id: 5);\n  is_variable: bool = false (id: 4);"
	if !strings.Contains(string(src), good) {
		t.Fatal("schema.fbs no longer has the Tensor fields this test swaps")
	}
	_, stderr, err := run(t, strings.Replace(string(src), good, bad, 1))
	if err == nil || !strings.Contains(stderr, "Tensor.") {
		t.Fatalf("gentables accepted a schema that disagrees with flatc's output (err %v, stderr %q)", err, stderr)
	}
}
