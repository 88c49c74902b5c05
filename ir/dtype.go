// Package ir is liteforge's one in-memory graph: models, subgraphs, tensors and
// ops with typed options. Importers build it, passes rewrite it, the TFLite
// writer serializes it and the runtime executes it. It imports nothing else of
// the project.
package ir

import "fmt"

// DataType is the element type of a tensor. The numbering follows the TFLite
// schema's TensorType so that the reader and writer map it one to one.
type DataType int8

const (
	Float32    DataType = 0
	Float16    DataType = 1
	Int32      DataType = 2
	Uint8      DataType = 3
	Int64      DataType = 4
	String     DataType = 5
	Bool       DataType = 6
	Int16      DataType = 7
	Complex64  DataType = 8
	Int8       DataType = 9
	Float64    DataType = 10
	Complex128 DataType = 11
	Uint64     DataType = 12
	Resource   DataType = 13
	Variant    DataType = 14
	Uint32     DataType = 15
	Uint16     DataType = 16
	Int4       DataType = 17
	BFloat16   DataType = 18
)

var dataTypeNames = [...]string{
	Float32: "float32", Float16: "float16", Int32: "int32", Uint8: "uint8",
	Int64: "int64", String: "string", Bool: "bool", Int16: "int16",
	Complex64: "complex64", Int8: "int8", Float64: "float64",
	Complex128: "complex128", Uint64: "uint64", Resource: "resource",
	Variant: "variant", Uint32: "uint32", Uint16: "uint16", Int4: "int4",
	BFloat16: "bfloat16",
}

// String returns the lower-case name of the type ("float32", "int8", ...).
func (t DataType) String() string {
	if t >= 0 && int(t) < len(dataTypeNames) && dataTypeNames[t] != "" {
		return dataTypeNames[t]
	}
	return fmt.Sprintf("DataType(%d)", int(t))
}

// Valid reports whether t is one of the known types.
func (t DataType) Valid() bool { return t >= 0 && int(t) < len(dataTypeNames) }

// ParseDataType is the inverse of String.
func ParseDataType(s string) (DataType, error) {
	for i, n := range dataTypeNames {
		if n == s {
			return DataType(i), nil
		}
	}
	return 0, fmt.Errorf("unknown data type %q", s)
}

// Size is the number of bytes one element occupies. It is 0 for types whose
// elements have no fixed size (string, resource, variant) and for int4, which
// packs two elements per byte; use ByteSize for whole tensors.
func (t DataType) Size() int {
	switch t {
	case Bool, Int8, Uint8:
		return 1
	case Int16, Uint16, Float16, BFloat16:
		return 2
	case Int32, Uint32, Float32:
		return 4
	case Int64, Uint64, Float64, Complex64:
		return 8
	case Complex128:
		return 16
	}
	return 0
}

// ByteSize is the number of bytes n elements of type t occupy, and false when
// t has no fixed element size.
func (t DataType) ByteSize(n int) (int, bool) {
	if t == Int4 {
		return (n + 1) / 2, true
	}
	s := t.Size()
	if s == 0 {
		return 0, false
	}
	return n * s, true
}

// IsFloat reports whether t is a floating-point type.
func (t DataType) IsFloat() bool {
	return t == Float32 || t == Float16 || t == Float64 || t == BFloat16
}

// IsInteger reports whether t is a (signed or unsigned) integer type.
func (t DataType) IsInteger() bool {
	switch t {
	case Int4, Int8, Uint8, Int16, Uint16, Int32, Uint32, Int64, Uint64:
		return true
	}
	return false
}
