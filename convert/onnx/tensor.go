package onnx

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/liteforge/liteforge/ir"
)

// ONNX element types (TensorProto.DataType).
const (
	onnxUndefined = 0
	onnxFloat     = 1
	onnxUint8     = 2
	onnxInt8      = 3
	onnxUint16    = 4
	onnxInt16     = 5
	onnxInt32     = 6
	onnxInt64     = 7
	onnxString    = 8
	onnxBool      = 9
	onnxFloat16   = 10
	onnxDouble    = 11
	onnxUint32    = 12
	onnxUint64    = 13
	onnxComplex64 = 14
	onnxComplex   = 15
	onnxBFloat16  = 16
)

var onnxTypeNames = map[int32]string{
	0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64",
	8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64",
	15: "COMPLEX128", 16: "BFLOAT16", 17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2",
	20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4", 23: "FLOAT4E2M1",
}

func onnxTypeName(t int32) string {
	if n, ok := onnxTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("data type %d", t)
}

// irType maps an ONNX element type to liteforge's; types TFLite has no
// tensors of (strings, complex, 8-bit and 4-bit floats) are an error.
func irType(t int32) (ir.DataType, error) {
	switch t {
	case onnxFloat:
		return ir.Float32, nil
	case onnxUint8:
		return ir.Uint8, nil
	case onnxInt8:
		return ir.Int8, nil
	case onnxUint16:
		return ir.Uint16, nil
	case onnxInt16:
		return ir.Int16, nil
	case onnxInt32:
		return ir.Int32, nil
	case onnxInt64:
		return ir.Int64, nil
	case onnxBool:
		return ir.Bool, nil
	case onnxFloat16:
		return ir.Float16, nil
	case onnxDouble:
		return ir.Float64, nil
	case onnxUint32:
		return ir.Uint32, nil
	case onnxUint64:
		return ir.Uint64, nil
	case onnxBFloat16:
		return ir.BFloat16, nil
	}
	if t == onnxString {
		return 0, fmt.Errorf("element type STRING is not supported (liteforge converts numeric and boolean tensors; TFLite's CAST and arithmetic take no strings)")
	}
	if _, known := onnxTypeNames[t]; known && t != onnxUndefined {
		return 0, fmt.Errorf("element type %s is not supported", onnxTypeName(t))
	}
	return 0, fmt.Errorf("unknown element type %d", t)
}

// tensorValue decodes a TensorProto into a constant ir tensor. baseDir is
// the model's directory, where external data files live ("" when the model
// came from memory).
func tensorValue(t *TensorProto, baseDir string) (*ir.Tensor, error) {
	v, err := decodeTensorValue(t, baseDir)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return v, nil
}

func decodeTensorValue(t *TensorProto, baseDir string) (*ir.Tensor, error) {
	typ, err := irType(t.DataType)
	if err != nil {
		return nil, err
	}
	if t.HasSegment {
		return nil, fmt.Errorf("segmented tensors are not supported")
	}
	shape := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		if d < 0 || d > math.MaxInt32 {
			return nil, fmt.Errorf("dimension %d is %d", i, d)
		}
		shape[i] = int(d)
	}
	n := ir.NumElements(shape)
	if n < 0 {
		return nil, fmt.Errorf("shape %v has too many elements", shape)
	}
	size, _ := typ.ByteSize(n)
	out := &ir.Tensor{Name: t.Name, Type: typ, Shape: shape, HasRank: true}
	switch {
	case t.DataLocation == 1 || len(t.ExternalData) > 0:
		out.Data, err = readExternal(t, baseDir, size)
		if err != nil {
			return nil, err
		}
	case t.HasRawData:
		if len(t.RawData) != size {
			return nil, fmt.Errorf("raw_data has %d bytes, shape %v of %s needs %d", len(t.RawData), shape, onnxTypeName(t.DataType), size)
		}
		out.Data = alignedCopy(t.RawData)
	default:
		out.Data, err = typedFieldData(t, typ, n)
		if err != nil {
			return nil, err
		}
	}
	if out.Data == nil {
		out.Data = []byte{}
	}
	return out, nil
}

// alignedCopy copies b into a fresh allocation, which Go aligns for its
// size's element types, so typed views of a constant alias instead of
// decoding, and the constant does not pin the whole file in memory.
func alignedCopy(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

// typedFieldData packs the elements held in the type-specific repeated
// fields into little-endian bytes.
func typedFieldData(t *TensorProto, typ ir.DataType, n int) ([]byte, error) {
	have := 0
	var out []byte
	switch t.DataType {
	case onnxFloat:
		have = len(t.FloatData)
		if have == n {
			out = ir.Float32Bytes(t.FloatData)
		}
	case onnxDouble:
		have = len(t.DoubleData)
		if have == n {
			out = make([]byte, 8*n)
			for i, v := range t.DoubleData {
				binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(v))
			}
		}
	case onnxInt64:
		have = len(t.Int64Data)
		if have == n {
			out = ir.Int64Bytes(t.Int64Data)
		}
	case onnxUint32, onnxUint64:
		have = len(t.Uint64Data)
		if have == n {
			w := typ.Size()
			out = make([]byte, w*n)
			for i, v := range t.Uint64Data {
				if w == 4 {
					binary.LittleEndian.PutUint32(out[4*i:], uint32(v))
				} else {
					binary.LittleEndian.PutUint64(out[8*i:], v)
				}
			}
		}
	case onnxInt32, onnxInt16, onnxUint16, onnxInt8, onnxUint8, onnxBool, onnxFloat16, onnxBFloat16:
		have = len(t.Int32Data)
		if have == n {
			w := typ.Size()
			out = make([]byte, w*n)
			for i, v := range t.Int32Data {
				switch w {
				case 1:
					out[i] = byte(v)
				case 2:
					binary.LittleEndian.PutUint16(out[2*i:], uint16(v))
				default:
					binary.LittleEndian.PutUint32(out[4*i:], uint32(v))
				}
			}
		}
	default:
		return nil, fmt.Errorf("no data field for element type %s", onnxTypeName(t.DataType))
	}
	if have != n {
		return nil, fmt.Errorf("holds %d elements, its shape %v needs %d", have, t.Dims, n)
	}
	return alignedCopy(out), nil
}

// readExternal reads an external-data tensor from the file its
// external_data names, relative to the model's directory, checking that the
// file stays inside that directory and that offset and length fit the file
// and the tensor.
func readExternal(t *TensorProto, baseDir string, size int) ([]byte, error) {
	var location string
	offset, length := int64(0), int64(-1)
	for _, kv := range t.ExternalData {
		switch kv.Key {
		case "location":
			location = kv.Value
		case "offset", "length":
			v, err := strconv.ParseInt(kv.Value, 10, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("external data %s %q is not a non-negative integer", kv.Key, kv.Value)
			}
			if kv.Key == "offset" {
				offset = v
			} else {
				length = v
			}
		}
	}
	if location == "" {
		return nil, fmt.Errorf("external data without a location")
	}
	if baseDir == "" {
		return nil, fmt.Errorf("external data in %q: the model's directory is unknown (convert from a file, or set Options.BaseDir)", location)
	}
	clean := filepath.Clean(filepath.FromSlash(location))
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("external data location %q is outside the model's directory", location)
	}
	if length >= 0 && length != int64(size) {
		return nil, fmt.Errorf("external data length %d, the tensor needs %d bytes", length, size)
	}
	path := filepath.Join(baseDir, clean)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("external data: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("external data: %w", err)
	}
	if offset > st.Size() || int64(size) > st.Size()-offset {
		return nil, fmt.Errorf("external data %q: %d bytes at offset %d run past the end of the file (%d bytes)", location, size, offset, st.Size())
	}
	buf := make([]byte, size)
	if _, err := f.ReadAt(buf, offset); err != nil && err != io.EOF {
		return nil, fmt.Errorf("external data %q: %w", location, err)
	}
	return buf, nil
}
