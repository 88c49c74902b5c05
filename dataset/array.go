// Package dataset reads the data that models consume: NumPy .npy arrays,
// PNG/JPEG/BMP images, raw tensor files, MNIST-style IDX files and folders of
// labelled images. It imports nothing else of liteforge: element types are named by
// the strings liteforge's ir uses ("float32", "int8", ...), and data is always
// little-endian, row-major (C order), exactly as a tensor holds it.
package dataset

import (
	"fmt"
)

// Array is an n-dimensional array read from a file.
type Array struct {
	// DType is the element type, named as ir.DataType.String names it.
	DType string
	// Shape has one entry per dimension; a scalar has an empty shape.
	Shape []int
	// Data holds the elements, little-endian, in C (row-major) order.
	Data []byte
}

// dtypeSizes is the element size of every type an Array can hold.
var dtypeSizes = map[string]int{
	"bool": 1, "int8": 1, "uint8": 1,
	"int16": 2, "uint16": 2, "float16": 2, "bfloat16": 2,
	"int32": 4, "uint32": 4, "float32": 4,
	"int64": 8, "uint64": 8, "float64": 8, "complex64": 8,
	"complex128": 16,
}

// ElementSize is the size in bytes of one element of dtype, or 0 when dtype
// has no fixed size (or is unknown).
func ElementSize(dtype string) int { return dtypeSizes[dtype] }

// maxElements bounds element counts so that byte sizes stay well inside an
// int on every platform (the same bound as liteforge's ir).
const maxElements = 1 << 46

// numElements is the product of shape's dimensions, or an error for a
// negative dimension or an overflowing product.
func numElements(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d != 0 && n > maxElements/d {
			return 0, fmt.Errorf("shape %v has too many elements", shape)
		}
		n *= d
	}
	return n, nil
}

// ByteSize is the number of bytes an array of dtype and shape occupies.
func ByteSize(dtype string, shape []int) (int, error) {
	size := ElementSize(dtype)
	if size == 0 {
		return 0, fmt.Errorf("unsupported element type %q", dtype)
	}
	n, err := numElements(shape)
	if err != nil {
		return 0, err
	}
	return n * size, nil
}
