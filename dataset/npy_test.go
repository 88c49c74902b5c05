package dataset

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// npyFile assembles a .npy file the way NumPy writes one: magic, version,
// header length, the dict padded with spaces to a 64-byte boundary and ended
// by a newline, then the data.
func npyFile(major byte, dict string, data []byte) []byte {
	lenBytes := 2
	if major >= 2 {
		lenBytes = 4
	}
	pre := 6 + 2 + lenBytes
	total := pre + len(dict) + 1
	pad := (64 - total%64) % 64
	header := dict + strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.WriteByte(major)
	b.WriteByte(0)
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func encode(order binary.ByteOrder, v any) []byte {
	var b bytes.Buffer
	if err := binary.Write(&b, order, v); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func TestDecodeNPYValid(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	f32 := []float32{0, 1.5, -2, 3.25, 1e-3, -7}
	tests := []struct {
		name  string
		file  []byte
		dtype string
		shape []int
		data  []byte // expected little-endian bytes
	}{
		{"v1 float32 2x3", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", encode(le, f32)),
			"float32", []int{2, 3}, encode(le, f32)},
		{"v2 float32", npyFile(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", encode(le, f32)),
			"float32", []int{6}, encode(le, f32)},
		{"v3 utf-8 header", npyFile(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", encode(le, f32)),
			"float32", []int{3, 2}, encode(le, f32)},
		{"big-endian float32", npyFile(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", encode(be, f32)),
			"float32", []int{6}, encode(le, f32)},
		{"big-endian int16", npyFile(1, "{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }", encode(be, []int16{-1, 258, 32767})),
			"int16", []int{3}, encode(le, []int16{-1, 258, 32767})},
		{"big-endian float64", npyFile(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", encode(be, []float64{math.Pi, -0.5})),
			"float64", []int{2}, encode(le, []float64{math.Pi, -0.5})},
		{"big-endian complex64 swaps each half", npyFile(1, "{'descr': '>c8', 'fortran_order': False, 'shape': (1,), }", encode(be, []float32{1.5, -2})),
			"complex64", []int{1}, encode(le, []float32{1.5, -2})},
		{"int64", npyFile(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", encode(le, []int64{-3, 1 << 40})),
			"int64", []int{2}, encode(le, []int64{-3, 1 << 40})},
		{"uint8 with | order", npyFile(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2), }", []byte{0, 1, 254, 255}),
			"uint8", []int{1, 2, 2}, []byte{0, 1, 254, 255}},
		{"int8", npyFile(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", []byte{0x80, 0x7f}),
			"int8", []int{2}, []byte{0x80, 0x7f}},
		{"bool", npyFile(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", []byte{1, 0, 1}),
			"bool", []int{3}, []byte{1, 0, 1}},
		{"float16", npyFile(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", []byte{0x00, 0x3c, 0x00, 0xc0}),
			"float16", []int{2}, []byte{0x00, 0x3c, 0x00, 0xc0}},
		{"scalar", npyFile(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (), }", encode(le, int32(-42))),
			"int32", []int{}, encode(le, int32(-42))},
		{"empty array", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", nil),
			"float32", []int{0, 3}, []byte{}},
		{"Fortran order of rank 1 is the same layout", npyFile(1, "{'descr': '<u2', 'fortran_order': True, 'shape': (2,), }", encode(le, []uint16{7, 9})),
			"uint16", []int{2}, encode(le, []uint16{7, 9})},
		{"Python 2 longs, double quotes, key order", npyFile(1, `{"shape": (2L, 1L), "fortran_order": False, "descr": "<u4"}`, encode(le, []uint32{5, 6})),
			"uint32", []int{2, 1}, encode(le, []uint32{5, 6})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := DecodeNPY(bytes.NewReader(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if a.DType != tc.dtype || !slices.Equal(a.Shape, tc.shape) || !bytes.Equal(a.Data, tc.data) {
				t.Fatalf("got %s %v % x, want %s %v % x", a.DType, a.Shape, a.Data, tc.dtype, tc.shape, tc.data)
			}
		})
	}
}

func TestDecodeNPYErrors(t *testing.T) {
	good := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
	data := make([]byte, 16)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"bad magic", []byte("\x93NUMPX\x01\x00\x10\x00"), "magic"},
		{"version 4", append([]byte("\x93NUMPY\x04\x00"), 0, 0), "version 4.0"},
		{"header cut", npyFile(1, good, data)[:40], "npy header"},
		{"v2 header length too large", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f"), "exceeds"},
		{"Fortran order rank 2", npyFile(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data), "Fortran-order"},
		{"structured dtype", npyFile(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", data), "structured"},
		{"object dtype", npyFile(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", data), "unsupported NumPy type"},
		{"native byte order", npyFile(1, "{'descr': '=f4', 'fortran_order': False, 'shape': (4,), }", data), "byte order"},
		{"missing shape", npyFile(1, "{'descr': '<f4', 'fortran_order': False, }", data), "missing 'shape'"},
		{"missing descr", npyFile(1, "{'fortran_order': False, 'shape': (4,), }", data), "missing 'descr'"},
		{"shape not a tuple", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': 'x', }", data), "'shape' is not a tuple"},
		{"negative dimension", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }", data), "integer"},
		{"overflowing shape", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 4000000000, 4000000000), }", data), "too many elements"},
		{"truncated data", npyFile(1, good, data[:15]), "truncated: float32 [2 2] needs 16 bytes, file has 15"},
		{"trailing data", npyFile(1, good, append(data, 0)), "trailing data"},
		{"unterminated dict", npyFile(1, "{'descr': '<f4', 'fortran_order': False", data), "expected"},
		{"duplicate key", npyFile(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", data), "twice"},
		{"garbage after dict", npyFile(1, good+" x", data), "after the dictionary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := DecodeNPY(bytes.NewReader(tc.file))
			if err == nil {
				t.Fatalf("no error; got %s %v", a.DType, a.Shape)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestReadNPYFileNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.npy")
	f := npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", []byte{1, 2, 3})
	if err := os.WriteFile(path, f, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadNPYFile(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v does not name %s", err, path)
	}
}

// FuzzDecodeNPY checks that no input panics, and that an accepted array's
// data always has exactly the size its type and shape need.
func FuzzDecodeNPY(f *testing.F) {
	f.Add(npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", make([]byte, 24)))
	f.Add(npyFile(2, "{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }", make([]byte, 6)))
	f.Add(npyFile(3, "{'descr': '|u1', 'fortran_order': True, 'shape': (), }", make([]byte, 1)))
	f.Add(npyFile(1, `{"shape": (2L, 1L), "fortran_order": False, "descr": ">c16"}`, make([]byte, 32)))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeNPY(bytes.NewReader(b))
		if err != nil {
			return
		}
		n, err := ByteSize(a.DType, a.Shape)
		if err != nil {
			t.Fatalf("accepted %s %v: %v", a.DType, a.Shape, err)
		}
		if len(a.Data) != n {
			t.Fatalf("accepted %s %v with %d data bytes, want %d", a.DType, a.Shape, len(a.Data), n)
		}
	})
}
