package ir

import (
	"math"
	"slices"
	"testing"
	"unsafe"
)

// little-endian encodings worked out by hand: 1.0f = 0x3F800000, -2.5f =
// 0xC0200000; 0x01020304 = 16909060.
var (
	f32Bytes = []byte{0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0}
	i32Bytes = []byte{0x04, 0x03, 0x02, 0x01, 0xFF, 0xFF, 0xFF, 0xFF}
)

// misaligned returns a copy of b starting one byte past an 8-byte boundary.
func misaligned(b []byte) []byte {
	buf := make([]byte, len(b)+16)
	off := 1
	if r := int(uintptr(unsafe.Pointer(&buf[0])) % 8); r != 0 {
		off = (8 - r + 1) % 8
	}
	out := buf[off : off+len(b)]
	copy(out, b)
	return out
}

func TestViewsAliasAlignedData(t *testing.T) {
	b := slices.Clone(f32Bytes) // fresh allocations are 8-byte aligned
	v := AsFloat32(b)
	if !slices.Equal(v, []float32{1, -2.5}) {
		t.Fatalf("AsFloat32 = %v, want [1 -2.5]", v)
	}
	v[0] = 2 // 0x40000000
	if !slices.Equal(b[:4], []byte{0, 0, 0, 0x40}) {
		t.Fatalf("a write through the aligned view did not reach the bytes: %v", b[:4])
	}
	tt := &Tensor{Type: Int32, Data: slices.Clone(i32Bytes)}
	if got := tt.Int32s(); !slices.Equal(got, []int32{16909060, -1}) {
		t.Fatalf("Int32s = %v", got)
	}
	tt.Int32s()[1] = 0
	if tt.Data[7] != 0 {
		t.Fatal("Int32s does not alias aligned data")
	}
}

// Constants inside a file buffer may be misaligned: the views then decode a
// copy, which must hold the right values and must not alias the bytes.
func TestViewsCopyMisalignedData(t *testing.T) {
	b := misaligned(f32Bytes)
	if uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		t.Fatal("test buffer is aligned")
	}
	v := AsFloat32(b)
	if !slices.Equal(v, []float32{1, -2.5}) {
		t.Fatalf("AsFloat32 of misaligned bytes = %v", v)
	}
	v[0] = 7
	if !slices.Equal(b, f32Bytes) {
		t.Fatal("a misaligned view aliases the bytes")
	}
	if got := AsInt32(misaligned(i32Bytes)); !slices.Equal(got, []int32{16909060, -1}) {
		t.Errorf("AsInt32 misaligned = %v", got)
	}
	if got := AsUint32(misaligned(i32Bytes)); !slices.Equal(got, []uint32{16909060, math.MaxUint32}) {
		t.Errorf("AsUint32 misaligned = %v", got)
	}
	if got := AsInt16(misaligned([]byte{0x34, 0x12, 0x00, 0x80})); !slices.Equal(got, []int16{0x1234, math.MinInt16}) {
		t.Errorf("AsInt16 misaligned = %v", got)
	}
	if got := AsUint16(misaligned([]byte{0x00, 0x3C})); !slices.Equal(got, []uint16{0x3C00}) {
		t.Errorf("AsUint16 misaligned = %v", got)
	}
	i64 := []byte{1, 0, 0, 0, 0, 0, 0, 0x80}
	if got := AsInt64(misaligned(i64)); !slices.Equal(got, []int64{math.MinInt64 + 1}) {
		t.Errorf("AsInt64 misaligned = %v", got)
	}
	f64 := []byte{0, 0, 0, 0, 0, 0, 0xF0, 0x3F} // 1.0
	if got := AsFloat64(misaligned(f64)); !slices.Equal(got, []float64{1}) {
		t.Errorf("AsFloat64 misaligned = %v", got)
	}
}

func TestViewEdgeCases(t *testing.T) {
	if AsFloat32(nil) != nil || AsFloat32([]byte{1, 2, 3}) != nil || AsInt8(nil) != nil {
		t.Error("views of fewer bytes than one element are not nil")
	}
	if got := AsFloat32(make([]byte, 7)); len(got) != 1 {
		t.Errorf("7 bytes give %d float32s, want 1 (trailing bytes ignored)", len(got))
	}
	b := []byte{0xFF, 0x01}
	v := AsInt8(b)
	if !slices.Equal(v, []int8{-1, 1}) {
		t.Fatalf("AsInt8 = %v", v)
	}
	v[1] = -2
	if b[1] != 0xFE {
		t.Error("AsInt8 does not alias")
	}
	if tt := (&Tensor{Data: b}); &tt.Int8s()[0] != (*int8)(unsafe.Pointer(&b[0])) {
		t.Error("Int8s does not alias")
	}
}

func TestEncodersRoundTrip(t *testing.T) {
	if got := Float32Bytes([]float32{1, -2.5}); !slices.Equal(got, f32Bytes) {
		t.Errorf("Float32Bytes = %v", got)
	}
	if got := Int32Bytes([]int32{16909060, -1}); !slices.Equal(got, i32Bytes) {
		t.Errorf("Int32Bytes = %v", got)
	}
	if got := Int16Bytes([]int16{0x1234, -1}); !slices.Equal(got, []byte{0x34, 0x12, 0xFF, 0xFF}) {
		t.Errorf("Int16Bytes = %v", got)
	}
	if got := Int64Bytes([]int64{-2}); !slices.Equal(got, []byte{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}) {
		t.Errorf("Int64Bytes = %v", got)
	}
	if got := Int8Bytes([]int8{-128, 127}); !slices.Equal(got, []byte{0x80, 0x7F}) {
		t.Errorf("Int8Bytes = %v", got)
	}
	src := []float32{3}
	b := Float32Bytes(src)
	b[0] = 1
	if src[0] != 3 {
		t.Error("Float32Bytes aliases its input")
	}
}

func TestIntValues(t *testing.T) {
	for _, c := range []struct {
		t    DataType
		b    []byte
		want []int
	}{
		{Int32, i32Bytes, []int{16909060, -1}},
		{Int64, Int64Bytes([]int64{-3, 5}), []int{-3, 5}},
		{Int16, []byte{0xFF, 0xFF}, []int{-1}},
		{Uint16, []byte{0xFF, 0xFF}, []int{65535}},
		{Int8, []byte{0xFE}, []int{-2}},
		{Uint8, []byte{0xFE}, []int{254}},
		{Bool, []byte{1, 0}, []int{1, 0}},
		{Uint32, []byte{0xFF, 0xFF, 0xFF, 0xFF}, []int{math.MaxUint32}},
		{Int32, nil, []int{}},
	} {
		got, ok := IntValues(c.t, c.b)
		if !ok || !slices.Equal(got, c.want) || got == nil {
			t.Errorf("IntValues(%v, %v) = %v, %v; want %v", c.t, c.b, got, ok, c.want)
		}
	}
	if _, ok := IntValues(Float32, f32Bytes); ok {
		t.Error("IntValues accepted float32")
	}
}

func TestDataTypes(t *testing.T) {
	for dt := DataType(0); dt.Valid(); dt++ {
		back, err := ParseDataType(dt.String())
		if err != nil || back != dt {
			t.Errorf("%v does not round-trip through its name: %v, %v", dt, back, err)
		}
	}
	if DataType(19).Valid() || DataType(-1).Valid() || DataType(19).String() != "DataType(19)" {
		t.Error("out-of-range types")
	}
	if _, err := ParseDataType("float8"); err == nil {
		t.Error("ParseDataType accepted an unknown name")
	}
	if !Float16.IsFloat() || Int8.IsFloat() || !Uint64.IsInteger() || Bool.IsInteger() {
		t.Error("IsFloat/IsInteger")
	}
	for dt, want := range map[DataType]int{Bool: 1, Int16: 2, BFloat16: 2, Float32: 4, Complex64: 8, Complex128: 16, String: 0, Int4: 0} {
		if got := dt.Size(); got != want {
			t.Errorf("%v.Size() = %d, want %d", dt, got, want)
		}
	}
}

func TestOpTypeNames(t *testing.T) {
	for _, c := range []struct {
		t    OpType
		name string
	}{{Conv2D, "CONV_2D"}, {DepthwiseConv2D, "DEPTHWISE_CONV_2D"}, {UnidirectionalSequenceLSTM, "UNIDIRECTIONAL_SEQUENCE_LSTM"}, {Gelu, "GELU"}} {
		if got := c.t.String(); got != c.name {
			t.Errorf("%d.String() = %q, want %q", int(c.t), got, c.name)
		}
		if back, err := ParseOpType(c.name); err != nil || back != c.t {
			t.Errorf("ParseOpType(%q) = %v, %v", c.name, back, err)
		}
	}
	op := &Op{Type: Custom, Custom: "TFLite_Detection_PostProcess"}
	if op.Name() != "TFLite_Detection_PostProcess" || (&Op{Type: Add}).Name() != "ADD" {
		t.Error("Op.Name")
	}
}
