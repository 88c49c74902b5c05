package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// npyMagic starts every .npy file.
const npyMagic = "\x93NUMPY"

// maxNPYHeader bounds the header we accept; NumPy itself refuses headers over
// 10,000 bytes by default, so anything near this is a corrupt length field.
const maxNPYHeader = 1 << 20

// npyTypes maps a NumPy type code (kind and size, without the byte-order
// character) to liteforge's element type name.
var npyTypes = map[string]string{
	"b1": "bool", "i1": "int8", "u1": "uint8",
	"i2": "int16", "u2": "uint16", "f2": "float16",
	"i4": "int32", "u4": "uint32", "f4": "float32",
	"i8": "int64", "u8": "uint64", "f8": "float64",
	"c8": "complex64", "c16": "complex128",
}

// ReadNPYFile reads a NumPy .npy file (format versions 1, 2 and 3). Errors
// name the file.
func ReadNPYFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := DecodeNPY(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// DecodeNPY reads one .npy array from r. The data is converted to
// little-endian; Fortran-order arrays of rank above 1 are refused rather than
// transposed silently.
func DecodeNPY(r io.Reader) (*Array, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("not a .npy file: %d-byte preamble: %w", len(pre), noEOF(err))
	}
	if string(pre[:6]) != npyMagic {
		return nil, fmt.Errorf("not a .npy file: magic is %q, want %q", pre[:6], npyMagic)
	}
	major, minor := pre[6], pre[7]
	var headerLen int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy header length: %w", noEOF(err))
		}
		headerLen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy header length: %w", noEOF(err))
		}
		n := binary.LittleEndian.Uint32(b[:])
		if n > maxNPYHeader {
			return nil, fmt.Errorf("npy header length %d exceeds the %d-byte limit", n, maxNPYHeader)
		}
		headerLen = int(n)
	default:
		return nil, fmt.Errorf("unsupported .npy format version %d.%d (want 1.x, 2.x or 3.x)", major, minor)
	}
	header := make([]byte, headerLen)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, fmt.Errorf("npy header: %d bytes announced: %w", headerLen, noEOF(err))
	}
	h, err := parseNPYHeader(header)
	if err != nil {
		return nil, fmt.Errorf("npy header %q: %w", bytes.TrimSpace(header), err)
	}
	need, err := ByteSize(h.dtype, h.shape)
	if err != nil {
		return nil, fmt.Errorf("npy shape: %w", err)
	}
	// Read at most one byte past the end so that the allocation follows the
	// data actually present, not the size the header claims.
	data, err := io.ReadAll(io.LimitReader(r, int64(need)+1))
	if err != nil {
		return nil, fmt.Errorf("npy data: %w", err)
	}
	switch {
	case len(data) < need:
		return nil, fmt.Errorf("npy data truncated: %s %v needs %d bytes, file has %d", h.dtype, h.shape, need, len(data))
	case len(data) > need:
		return nil, fmt.Errorf("npy data: more bytes than %s %v needs (%d); trailing data after the array", h.dtype, h.shape, need)
	}
	if h.bigEndian {
		swapBytes(data, ElementSize(h.dtype), h.dtype == "complex64" || h.dtype == "complex128")
	}
	return &Array{DType: h.dtype, Shape: h.shape, Data: data}, nil
}

// noEOF turns a bare EOF into ErrUnexpectedEOF: inside a header any end of
// file is a truncation.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("file truncated: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// swapBytes reverses the bytes of each element in place; a complex element's
// two halves are swapped separately.
func swapBytes(b []byte, size int, complex bool) {
	if complex {
		size /= 2
	}
	if size < 2 {
		return
	}
	for i := 0; i+size <= len(b); i += size {
		e := b[i : i+size]
		for j, k := 0, size-1; j < k; j, k = j+1, k-1 {
			e[j], e[k] = e[k], e[j]
		}
	}
}

type npyHeader struct {
	dtype     string
	bigEndian bool
	shape     []int
}

// parseNPYHeader reads the Python dict literal of a .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 28, 28), }.
func parseNPYHeader(b []byte) (*npyHeader, error) {
	p := &pyParser{s: b}
	fields, err := p.dict()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q after the dictionary at byte %d", p.s[p.i], p.i)
	}
	descr, ok := fields["descr"]
	if !ok {
		return nil, errors.New("missing 'descr'")
	}
	ds, ok := descr.(string)
	if !ok {
		return nil, errors.New("'descr' is not a simple type string (structured dtypes are not supported)")
	}
	h := &npyHeader{}
	if ds == "" {
		return nil, errors.New("empty 'descr'")
	}
	code := ds[1:]
	switch ds[0] {
	case '<', '|':
	case '>':
		h.bigEndian = true
	default:
		return nil, fmt.Errorf("descr %q: byte order %q is not '<', '>' or '|'", ds, ds[0])
	}
	if h.dtype, ok = npyTypes[code]; !ok {
		return nil, fmt.Errorf("descr %q: unsupported NumPy type (want one of b1 i1 u1 i2 u2 f2 i4 u4 f4 i8 u8 f8 c8 c16)", ds)
	}
	fo, ok := fields["fortran_order"]
	if !ok {
		return nil, errors.New("missing 'fortran_order'")
	}
	fortran, ok := fo.(bool)
	if !ok {
		return nil, errors.New("'fortran_order' is not True or False")
	}
	sh, ok := fields["shape"]
	if !ok {
		return nil, errors.New("missing 'shape'")
	}
	if h.shape, ok = sh.([]int); !ok {
		return nil, errors.New("'shape' is not a tuple of integers")
	}
	if fortran && len(h.shape) > 1 {
		return nil, fmt.Errorf("Fortran-order (column-major) array of shape %v is not supported; save it with numpy.ascontiguousarray", h.shape)
	}
	return h, nil
}

// pyParser reads the small subset of Python literals .npy headers use:
// a dict of string keys to strings, True/False, and tuples of integers.
type pyParser struct {
	s []byte
	i int
}

func (p *pyParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *pyParser) expect(c byte) error {
	p.space()
	if p.peek() != c {
		if p.i >= len(p.s) {
			return fmt.Errorf("expected %q, header ends at byte %d", c, p.i)
		}
		return fmt.Errorf("expected %q at byte %d, found %q", c, p.i, p.s[p.i])
	}
	p.i++
	return nil
}

func (p *pyParser) dict() (map[string]any, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	fields := map[string]any{}
	for {
		p.space()
		if p.peek() == '}' {
			p.i++
			return fields, nil
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, fmt.Errorf("value of %q: %w", key, err)
		}
		if _, dup := fields[key]; dup {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		fields[key] = v
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
		default:
			return nil, fmt.Errorf("expected ',' or '}' at byte %d", p.i)
		}
	}
}

func (p *pyParser) str() (string, error) {
	p.space()
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("expected a quoted string at byte %d", p.i)
	}
	start := p.i + 1
	end := bytes.IndexByte(p.s[start:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at byte %d", p.i)
	}
	s := string(p.s[start : start+end])
	if bytes.IndexByte([]byte(s), '\\') >= 0 {
		return "", fmt.Errorf("escape sequence in string at byte %d", p.i)
	}
	p.i = start + end + 1
	return s, nil
}

func (p *pyParser) value() (any, error) {
	p.space()
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		return p.str()
	case c == '(':
		return p.tuple()
	case c == '[':
		return nil, errors.New("lists are not supported (structured dtype?)")
	case bytes.HasPrefix(p.s[p.i:], []byte("True")):
		p.i += 4
		return true, nil
	case bytes.HasPrefix(p.s[p.i:], []byte("False")):
		p.i += 5
		return false, nil
	case c >= '0' && c <= '9':
		return p.int()
	}
	return nil, fmt.Errorf("unexpected %q at byte %d", p.peek(), p.i)
}

func (p *pyParser) tuple() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	dims := []int{}
	for {
		p.space()
		if p.peek() == ')' {
			p.i++
			return dims, nil
		}
		d, err := p.int()
		if err != nil {
			return nil, err
		}
		dims = append(dims, d)
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case ')':
		default:
			return nil, fmt.Errorf("expected ',' or ')' in shape at byte %d", p.i)
		}
	}
}

// int reads a non-negative decimal integer; Python 2 wrote longs with an L.
func (p *pyParser) int() (int, error) {
	p.space()
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if start == p.i {
		return 0, fmt.Errorf("expected a non-negative integer at byte %d", start)
	}
	n, err := strconv.ParseInt(string(p.s[start:p.i]), 10, 64)
	if err != nil || n > maxElements {
		return 0, fmt.Errorf("dimension %s at byte %d is too large", p.s[start:p.i], start)
	}
	if p.peek() == 'L' {
		p.i++
	}
	return int(n), nil
}
