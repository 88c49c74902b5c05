package dataset

import (
	"fmt"
	"os"
	"slices"
)

// ReadRawFile reads a file of raw little-endian elements that must hold
// exactly one array of dtype and shape.
func ReadRawFile(path, dtype string, shape []int) (*Array, error) {
	need, err := ByteSize(dtype, shape)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a raw tensor file", path)
	}
	if fi.Size() != int64(need) {
		return nil, fmt.Errorf("%s: file has %d bytes, a %s tensor of shape %v needs %d", path, fi.Size(), dtype, shape, need)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) != need {
		return nil, fmt.Errorf("%s: read %d bytes, a %s tensor of shape %v needs %d", path, len(data), dtype, shape, need)
	}
	return &Array{DType: dtype, Shape: slices.Clone(shape), Data: data}, nil
}
