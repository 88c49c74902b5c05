package dataset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// idxTypes maps the IDX type byte to liteforge's element type name. IDX
// stores every element big-endian.
var idxTypes = map[byte]string{
	0x08: "uint8", 0x09: "int8", 0x0B: "int16",
	0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
}

// maxIDXDims bounds the dimension count: the format allows 255, and no real
// file has more than a handful.
const maxIDXDims = 16

// ReadIDXFile reads an IDX file (the format of MNIST and Fashion-MNIST),
// gzip-compressed or not (told apart by gzip's magic bytes, not the name).
// Errors name the file.
func ReadIDXFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := DecodeIDX(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// DecodeIDX reads one IDX array from r, decompressing it first when it
// starts with gzip's magic bytes. The data is converted to little-endian.
func DecodeIDX(r io.Reader) (*Array, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		a, err := decodeIDX(zr)
		if err != nil {
			return nil, err
		}
		// A truncated or damaged gzip stream shows only at its end.
		if _, err := io.Copy(io.Discard, zr); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return a, nil
	}
	return decodeIDX(br)
}

func decodeIDX(r io.Reader) (*Array, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("not an IDX file: 4-byte magic: %w", noEOF(err))
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, fmt.Errorf("not an IDX file: magic %#x does not start with two zero bytes", head)
	}
	dtype, ok := idxTypes[head[2]]
	if !ok {
		return nil, fmt.Errorf("IDX type byte %#02x is not one of 0x08 (uint8), 0x09 (int8), 0x0B (int16), 0x0C (int32), 0x0D (float32), 0x0E (float64)", head[2])
	}
	rank := int(head[3])
	if rank == 0 || rank > maxIDXDims {
		return nil, fmt.Errorf("IDX header has %d dimensions (want 1 to %d)", rank, maxIDXDims)
	}
	dims := make([]byte, 4*rank)
	if _, err := io.ReadFull(r, dims); err != nil {
		return nil, fmt.Errorf("IDX header truncated: %d dimensions need %d bytes: %w", rank, 4*rank, noEOF(err))
	}
	shape := make([]int, rank)
	for i := range shape {
		d := binary.BigEndian.Uint32(dims[4*i:])
		if d > 1<<31-1 {
			return nil, fmt.Errorf("IDX dimension %d is %d, too large", i, d)
		}
		shape[i] = int(d)
	}
	need, err := ByteSize(dtype, shape)
	if err != nil {
		return nil, fmt.Errorf("IDX shape: %w", err)
	}
	// Read at most one byte past the end so that the allocation follows the
	// data actually present, not the size the header claims.
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(r, int64(need)+1)); err != nil {
		return nil, fmt.Errorf("IDX data: %w", err)
	}
	data := buf.Bytes()
	switch {
	case len(data) < need:
		return nil, fmt.Errorf("IDX data truncated: %s %v needs %d bytes, file has %d", dtype, shape, need, len(data))
	case len(data) > need:
		return nil, fmt.Errorf("IDX data: trailing bytes after the %d that %s %v needs", need, dtype, shape)
	}
	swapBytes(data, ElementSize(dtype), false)
	return &Array{DType: dtype, Shape: shape, Data: data}, nil
}

// errNoLabels is returned when a labels array is not a vector.
var errNoLabels = errors.New("labels must be a vector of integers")

// LabelsOf reads an array of class labels: a vector of uint8, int8, int16,
// int32 or int64 values (or a [N,1] column), each a non-negative class index.
func LabelsOf(a *Array) ([]int, error) {
	n := 0
	switch {
	case len(a.Shape) == 1:
		n = a.Shape[0]
	case len(a.Shape) == 2 && a.Shape[1] == 1:
		n = a.Shape[0]
	default:
		return nil, fmt.Errorf("%w, not shape %v", errNoLabels, a.Shape)
	}
	labels := make([]int, n)
	for i := range labels {
		var v int64
		switch a.DType {
		case "uint8":
			v = int64(a.Data[i])
		case "int8":
			v = int64(int8(a.Data[i]))
		case "int16":
			v = int64(int16(binary.LittleEndian.Uint16(a.Data[2*i:])))
		case "int32":
			v = int64(int32(binary.LittleEndian.Uint32(a.Data[4*i:])))
		case "int64":
			v = int64(binary.LittleEndian.Uint64(a.Data[8*i:]))
		case "uint16":
			v = int64(binary.LittleEndian.Uint16(a.Data[2*i:]))
		case "uint32":
			v = int64(binary.LittleEndian.Uint32(a.Data[4*i:]))
		default:
			return nil, fmt.Errorf("%w, not %s", errNoLabels, a.DType)
		}
		if v < 0 || v > 1<<24 {
			return nil, fmt.Errorf("label %d is %d; class indices run from 0 to 16777216", i, v)
		}
		labels[i] = int(v)
	}
	return labels, nil
}
