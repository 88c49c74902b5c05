package ir

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// Typed views of tensor bytes. On a little-endian machine (every target Go
// supports except the big-endian ones) a view aliases the bytes when they are
// aligned for the element type, so writes through it change the tensor; bytes
// that are not aligned (possible only for constants inside a file buffer) are
// decoded into a fresh slice instead, which callers must treat as read-only.

var littleEndian = func() bool { x := uint16(1); return *(*byte)(unsafe.Pointer(&x)) == 1 }()

func aligned(b []byte, n uintptr) bool {
	return len(b) == 0 || uintptr(unsafe.Pointer(unsafe.SliceData(b)))%n == 0
}

func view[T any](b []byte, decode func([]byte) T) []T {
	var z T
	size := int(unsafe.Sizeof(z))
	n := len(b) / size
	if n == 0 {
		return nil
	}
	if littleEndian && aligned(b, unsafe.Alignof(z)) {
		return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
	}
	out := make([]T, n)
	for i := range out {
		out[i] = decode(b[i*size:])
	}
	return out
}

// AsFloat32 views b as float32 elements.
func AsFloat32(b []byte) []float32 {
	return view(b, func(p []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(p)) })
}

// AsFloat64 views b as float64 elements.
func AsFloat64(b []byte) []float64 {
	return view(b, func(p []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(p)) })
}

// AsInt32 views b as int32 elements.
func AsInt32(b []byte) []int32 {
	return view(b, func(p []byte) int32 { return int32(binary.LittleEndian.Uint32(p)) })
}

// AsUint32 views b as uint32 elements.
func AsUint32(b []byte) []uint32 {
	return view(b, func(p []byte) uint32 { return binary.LittleEndian.Uint32(p) })
}

// AsInt64 views b as int64 elements.
func AsInt64(b []byte) []int64 {
	return view(b, func(p []byte) int64 { return int64(binary.LittleEndian.Uint64(p)) })
}

// AsInt16 views b as int16 elements.
func AsInt16(b []byte) []int16 {
	return view(b, func(p []byte) int16 { return int16(binary.LittleEndian.Uint16(p)) })
}

// AsUint16 views b as uint16 elements (also the raw bits of float16).
func AsUint16(b []byte) []uint16 {
	return view(b, func(p []byte) uint16 { return binary.LittleEndian.Uint16(p) })
}

// AsInt8 views b as int8 elements (always aliasing).
func AsInt8(b []byte) []int8 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}

// Float32s views the tensor's data as float32.
func (t *Tensor) Float32s() []float32 { return AsFloat32(t.Data) }

// Int32s views the tensor's data as int32.
func (t *Tensor) Int32s() []int32 { return AsInt32(t.Data) }

// Int64s views the tensor's data as int64.
func (t *Tensor) Int64s() []int64 { return AsInt64(t.Data) }

// Int16s views the tensor's data as int16.
func (t *Tensor) Int16s() []int16 { return AsInt16(t.Data) }

// Int8s views the tensor's data as int8.
func (t *Tensor) Int8s() []int8 { return AsInt8(t.Data) }

// bytesOf returns the bytes of a slice of fixed-size elements, little-endian.
func bytesOf[T any](v []T, put func([]byte, T)) []byte {
	var z T
	size := int(unsafe.Sizeof(z))
	if littleEndian {
		b := make([]byte, len(v)*size)
		copy(b, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*size))
		return b
	}
	b := make([]byte, len(v)*size)
	for i, x := range v {
		put(b[i*size:], x)
	}
	return b
}

// Float32Bytes encodes v as little-endian bytes (a fresh, aligned copy).
func Float32Bytes(v []float32) []byte {
	return bytesOf(v, func(b []byte, x float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(x)) })
}

// Int32Bytes encodes v as little-endian bytes.
func Int32Bytes(v []int32) []byte {
	return bytesOf(v, func(b []byte, x int32) { binary.LittleEndian.PutUint32(b, uint32(x)) })
}

// Int64Bytes encodes v as little-endian bytes.
func Int64Bytes(v []int64) []byte {
	return bytesOf(v, func(b []byte, x int64) { binary.LittleEndian.PutUint64(b, uint64(x)) })
}

// Int16Bytes encodes v as little-endian bytes.
func Int16Bytes(v []int16) []byte {
	return bytesOf(v, func(b []byte, x int16) { binary.LittleEndian.PutUint16(b, uint16(x)) })
}

// Int8Bytes copies v into bytes.
func Int8Bytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

// IntValues decodes an integer tensor's data (int8 to int64, signed or not)
// into ints; shape-carrying inputs such as RESHAPE's shape use it. ok is false
// for any other type.
func IntValues(t DataType, b []byte) (v []int, ok bool) {
	switch t {
	case Int32:
		for _, x := range AsInt32(b) {
			v = append(v, int(x))
		}
	case Int64:
		for _, x := range AsInt64(b) {
			v = append(v, int(x))
		}
	case Int16:
		for _, x := range AsInt16(b) {
			v = append(v, int(x))
		}
	case Uint16:
		for _, x := range AsUint16(b) {
			v = append(v, int(x))
		}
	case Int8:
		for _, x := range AsInt8(b) {
			v = append(v, int(x))
		}
	case Uint8, Bool:
		for _, x := range b {
			v = append(v, int(x))
		}
	case Uint32:
		for _, x := range AsUint32(b) {
			v = append(v, int(x))
		}
	default:
		return nil, false
	}
	if v == nil {
		v = []int{}
	}
	return v, true
}
