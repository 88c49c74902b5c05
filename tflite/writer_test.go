package tflite

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite/internal/schema"
)

func TestWriteLayout(t *testing.T) {
	m := addModel()
	// A second constant with the same bytes as c must share its buffer.
	g := m.Graphs[0]
	g.Tensors = append(g.Tensors, &ir.Tensor{Name: "c2", Type: ir.Float32, Shape: []int{1, 4}, HasRank: true, Data: f32(1, 2, 3, 4)})
	g.Ops = append(g.Ops, &ir.Op{Type: ir.Add, Version: 1, Inputs: []int{3, 5}, Outputs: []int{4}, Options: &ir.AddOptions{PotScaleInt16: true}})
	g.Outputs = append(g.Outputs, 4)
	buf := mustWrite(t, m, WriteOptions{})

	if id := string(buf[4:8]); id != "TFL3" {
		t.Errorf("file identifier %q", id)
	}
	fm := schema.GetRootAsModel(buf, 0)
	var b schema.Buffer
	fm.Buffers(&b, 0)
	if b.DataLength() != 0 || b.Offset() != 0 {
		t.Error("buffer 0 is not empty")
	}
	// Buffers: empty, c (shared by c2), metadata.
	if n := fm.BuffersLength(); n != 3 {
		t.Errorf("%d buffers, want 3", n)
	}
	var sg schema.SubGraph
	fm.Subgraphs(&sg, 0)
	var tc, tc2, tx schema.Tensor
	sg.Tensors(&tc, 1)
	sg.Tensors(&tc2, 5)
	sg.Tensors(&tx, 0)
	if tc.Buffer() != tc2.Buffer() || tc.Buffer() == 0 {
		t.Errorf("identical constants in buffers %d and %d", tc.Buffer(), tc2.Buffer())
	}
	if tx.Buffer() != 0 {
		t.Errorf("activation x uses buffer %d, want 0", tx.Buffer())
	}
	fm.Buffers(&b, int(tc.Buffer()))
	data := b.DataBytes()
	if off := uintptr(unsafe.Pointer(&data[0])) - uintptr(unsafe.Pointer(&buf[0])); off%16 != 0 {
		t.Errorf("constant data at file offset %d, not 16-byte aligned", off)
	}
	if !bytes.Equal(data, f32(1, 2, 3, 4)) {
		t.Error("constant data changed")
	}
}

func TestWriteExternalLayout(t *testing.T) {
	buf := mustWrite(t, richModel(), WriteOptions{ExternalData: true})
	fm := schema.GetRootAsModel(buf, 0)
	var b schema.Buffer
	found := 0
	for i := 0; i < fm.BuffersLength(); i++ {
		fm.Buffers(&b, i)
		if b.DataLength() != 0 {
			t.Errorf("buffer %d has inline data in the external layout", i)
		}
		if b.Offset() > 1 {
			found++
			if b.Offset()%16 != 0 || b.Offset()+b.Size() > uint64(len(buf)) {
				t.Errorf("buffer %d at %d+%d: misaligned or outside the %d-byte file", i, b.Offset(), b.Size(), len(buf))
			}
		}
	}
	if found != 2 { // the constants w and sparse
		t.Errorf("%d external buffers, want 2", found)
	}
	var sg schema.SubGraph
	var op schema.Operator
	fm.Subgraphs(&sg, 0)
	sg.Operators(&op, 1)
	off, size := op.LargeCustomOptionsOffset(), op.LargeCustomOptionsSize()
	if off <= 1 || size != 5 || !bytes.Equal(buf[off:off+size], []byte{1, 2, 3, 4, 5}) {
		t.Errorf("custom options at %d+%d", off, size)
	}
}

// TestBuiltinCodeFields checks both opcode fields: the writer puts 127 in the
// byte-wide field for codes past it, and the reader takes the larger field,
// so a file from before builtin_code existed reads the same.
func TestBuiltinCodeFields(t *testing.T) {
	buf := mustWrite(t, richModel(), WriteOptions{})
	fm := schema.GetRootAsModel(buf, 0)
	var oc schema.OperatorCode
	seen := false
	for i := 0; i < fm.OperatorCodesLength(); i++ {
		fm.OperatorCodes(&oc, i)
		if oc.BuiltinCode() == schema.BuiltinOperatorGELU {
			seen = true
			if oc.DeprecatedBuiltinCode() != 127 {
				t.Errorf("GELU's deprecated_builtin_code is %d, want 127", oc.DeprecatedBuiltinCode())
			}
		}
	}
	if !seen {
		t.Fatal("no GELU operator code")
	}

	e := editAdd(t, WriteOptions{})
	e.fm.OperatorCodes(&oc, 1) // MUL = 18 in both fields
	mustMutate(t, oc.MutateBuiltinCode(0))
	m, err := Read(e.buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Graphs[0].Ops[1].Type; got != ir.Mul {
		t.Errorf("old-style operator code read as %v, want MUL", got)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.tflite")
	if err := WriteFile(path, addModel()); err != nil {
		t.Fatal(err)
	}
	m, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffModels(addModel(), m); d != "" {
		t.Error(d)
	}
	// A model Write refuses leaves no file, not even a temporary one.
	bad := addModel()
	bad.Graphs[0].Ops[0].Inputs[0] = 42
	if err := WriteFile(filepath.Join(dir, "bad.tflite"), bad); err == nil {
		t.Fatal("WriteFile accepted an invalid model")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after a failed write, want 1", len(entries))
	}
}

// TestDiffReports makes sure the comparison used by the round-trip tests
// does find differences.
func TestDiffReports(t *testing.T) {
	a, b := richModel(), richModel()
	b.Graphs[0].Tensors[1].Quant.Scale[1] = 0.5
	if d := diffModels(a, b); d != "Model.Graphs[0].Tensors[1].Quant.Scale[1]: 0.125 != 0.5" {
		t.Errorf("diff reported %q", d)
	}
	b = richModel()
	b.Graphs[0].Ops[4].Options = &RawOptions{options: skipGram(3, 2, false)}
	if d := diffModels(a, b); d == "" {
		t.Error("a changed raw option table went unnoticed")
	}
	if d := diffModels(a, richModel()); d != "" {
		t.Errorf("equal models differ: %s", d)
	}
}
