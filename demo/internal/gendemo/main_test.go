package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/liteforge/liteforge/dataset"
)

// writeIDX writes the header IDX specifies (two zero bytes, 0x08 for
// unsigned bytes, the rank, then each dimension as a big-endian uint32),
// and dataset's reader gets the data back.
func TestWriteIDX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.gz")
	data := []byte{1, 2, 3, 4, 5, 6}
	if err := writeIDX(path, data, 3, 2, 1); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6}
	if !bytes.Equal(raw, want) {
		t.Fatalf("file holds % x, want % x", raw, want)
	}
	a, err := dataset.ReadIDXFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.DType != "uint8" || !slices.Equal(a.Shape, []int{3, 2, 1}) || !bytes.Equal(a.Data, data) {
		t.Fatalf("read back %s %v % x", a.DType, a.Shape, a.Data)
	}
}
