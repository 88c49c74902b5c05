package fileutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.bin")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteAtomic(path, []byte("new contents"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "new contents" {
		t.Fatalf("got %q, %v", got, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
	// A directory that does not exist: an error naming the path, no file.
	bad := filepath.Join(dir, "missing", "x.bin")
	err = WriteAtomic(bad, []byte("x"), 0o644)
	if err == nil || !strings.Contains(err.Error(), "writing "+bad+":") || strings.Contains(err.Error(), ".tmp") {
		t.Fatalf("missing directory: error %v, want one naming %s and not the temporary file", err, bad)
	}
}
