package kernels

import (
	"encoding/binary"
	"math"

	"github.com/liteforge/liteforge/internal/half"
	"github.com/liteforge/liteforge/ir"
)

// CAST converts between numeric types and bool as TFLite's cast.cc does:
// integers wrap (C static_cast), floats to integers truncate toward zero and
// saturate (NaN gives the maximum), anything to bool is "nonzero", integers to
// float round to nearest, float16 and bfloat16 go through float32, and int4
// converts to and from float32 only.

func init() {
	Register(ir.Cast, func() Kernel { return &castKernel{} })
}

type castKernel struct {
	count int
	run   func(dst, src []byte, count int)
}

// castClass says how an element is read: as an integer (bool and every
// integer type fit an int64 exactly), a float32 or a float64.
type castClass int

const (
	classInt castClass = iota
	classF32
	classF64
)

func castClassOf(t ir.DataType) (castClass, bool) {
	switch t {
	case ir.Bool, ir.Int8, ir.Uint8, ir.Int16, ir.Uint16, ir.Int32, ir.Uint32, ir.Int64:
		return classInt, true
	case ir.Float16, ir.BFloat16, ir.Float32:
		return classF32, true
	case ir.Float64:
		return classF64, true
	}
	return 0, false
}

func (k *castKernel) Prepare(n *Node) error {
	count, err := elementwiseArity(n)
	if err != nil {
		return err
	}
	in, out := n.In[0], n.Out[0]
	k.count = count
	if in.Type == ir.Int4 || out.Type == ir.Int4 {
		switch {
		case in.Type == ir.Int4 && out.Type == ir.Float32:
			k.run = castInt4ToFloat32
		case in.Type == ir.Float32 && out.Type == ir.Int4:
			k.run = castFloat32ToInt4
		default:
			return nodeErr(n, "cannot cast %v to %v (int4 converts to and from float32 only)", in.Type, out.Type)
		}
		return nil
	}
	ic, ok1 := castClassOf(in.Type)
	_, ok2 := castClassOf(out.Type)
	if !ok1 || !ok2 {
		return nodeErr(n, "cannot cast %v to %v", in.Type, out.Type)
	}
	rd := castReader(in.Type)
	wr := castWriter(out.Type)
	switch ic {
	case classInt:
		k.run = func(dst, src []byte, count int) {
			for i := range count {
				wr.fromInt(dst, i, rd.int(src, i))
			}
		}
	case classF32:
		k.run = func(dst, src []byte, count int) {
			for i := range count {
				wr.fromF32(dst, i, rd.f32(src, i))
			}
		}
	default:
		k.run = func(dst, src []byte, count int) {
			for i := range count {
				wr.fromF64(dst, i, rd.f64(src, i))
			}
		}
	}
	if in.Type == ir.Uint8 && out.Type == ir.Float32 {
		k.run = castUint8ToFloat32 // the common image-input case, unrolled
	}
	return nil
}

func (k *castKernel) Eval(n *Node) error {
	k.run(n.Out[0].Data, n.In[0].Data, k.count)
	return nil
}

type elemReader struct {
	int func(b []byte, i int) int64
	f32 func(b []byte, i int) float32
	f64 func(b []byte, i int) float64
}

func castReader(t ir.DataType) elemReader {
	le := binary.LittleEndian
	switch t {
	case ir.Bool:
		return elemReader{int: func(b []byte, i int) int64 {
			if b[i] != 0 {
				return 1
			}
			return 0
		}}
	case ir.Int8:
		return elemReader{int: func(b []byte, i int) int64 { return int64(int8(b[i])) }}
	case ir.Uint8:
		return elemReader{int: func(b []byte, i int) int64 { return int64(b[i]) }}
	case ir.Int16:
		return elemReader{int: func(b []byte, i int) int64 { return int64(int16(le.Uint16(b[2*i:]))) }}
	case ir.Uint16:
		return elemReader{int: func(b []byte, i int) int64 { return int64(le.Uint16(b[2*i:])) }}
	case ir.Int32:
		return elemReader{int: func(b []byte, i int) int64 { return int64(int32(le.Uint32(b[4*i:]))) }}
	case ir.Uint32:
		return elemReader{int: func(b []byte, i int) int64 { return int64(le.Uint32(b[4*i:])) }}
	case ir.Int64:
		return elemReader{int: func(b []byte, i int) int64 { return int64(le.Uint64(b[8*i:])) }}
	case ir.Float16:
		return elemReader{f32: func(b []byte, i int) float32 { return half.Float16ToFloat32(le.Uint16(b[2*i:])) }}
	case ir.BFloat16:
		return elemReader{f32: func(b []byte, i int) float32 { return half.BFloat16ToFloat32(le.Uint16(b[2*i:])) }}
	case ir.Float32:
		return elemReader{f32: func(b []byte, i int) float32 { return math.Float32frombits(le.Uint32(b[4*i:])) }}
	}
	return elemReader{f64: func(b []byte, i int) float64 { return math.Float64frombits(le.Uint64(b[8*i:])) }}
}

type elemWriter struct {
	fromInt func(b []byte, i int, v int64)
	fromF32 func(b []byte, i int, v float32)
	fromF64 func(b []byte, i int, v float64)
}

// castWriter builds the three conversions into type t.
func castWriter(t ir.DataType) elemWriter {
	le := binary.LittleEndian
	// put stores an integer value's low bits (C's wrapping static_cast).
	var put func(b []byte, i int, v int64)
	switch t {
	case ir.Bool:
		return elemWriter{
			fromInt: func(b []byte, i int, v int64) { b[i] = boolByte(v != 0) },
			fromF32: func(b []byte, i int, v float32) { b[i] = boolByte(v != 0) },
			fromF64: func(b []byte, i int, v float64) { b[i] = boolByte(v != 0) },
		}
	case ir.Int8, ir.Uint8:
		put = func(b []byte, i int, v int64) { b[i] = byte(v) }
	case ir.Int16, ir.Uint16:
		put = func(b []byte, i int, v int64) { le.PutUint16(b[2*i:], uint16(v)) }
	case ir.Int32, ir.Uint32:
		put = func(b []byte, i int, v int64) { le.PutUint32(b[4*i:], uint32(v)) }
	case ir.Int64:
		put = func(b []byte, i int, v int64) { le.PutUint64(b[8*i:], uint64(v)) }
	case ir.Float16, ir.BFloat16, ir.Float32:
		// Narrower floats go through float32, as TFLite's casts do.
		var put32 func(b []byte, i int, v float32)
		switch t {
		case ir.Float16:
			put32 = func(b []byte, i int, v float32) { le.PutUint16(b[2*i:], half.Float32ToFloat16(v)) }
		case ir.BFloat16:
			put32 = func(b []byte, i int, v float32) { le.PutUint16(b[2*i:], half.Float32ToBFloat16(v)) }
		default:
			put32 = func(b []byte, i int, v float32) { le.PutUint32(b[4*i:], math.Float32bits(v)) }
		}
		return elemWriter{
			fromInt: func(b []byte, i int, v int64) { put32(b, i, float32(v)) },
			fromF32: put32,
			fromF64: func(b []byte, i int, v float64) { put32(b, i, float32(v)) },
		}
	default: // float64
		put64 := func(b []byte, i int, v float64) { le.PutUint64(b[8*i:], math.Float64bits(v)) }
		return elemWriter{
			fromInt: func(b []byte, i int, v int64) { put64(b, i, float64(v)) },
			fromF32: func(b []byte, i int, v float32) { put64(b, i, float64(v)) },
			fromF64: put64,
		}
	}
	loI, hiI := intRange(t)
	lo := float64(loI) // a power of two or zero: exact
	sat := func(v float64, maxFloat float64) int64 {
		// TFLite's SaturatingCastFloatingToInteger: NaN → max, below the
		// range → min, above the largest float not exceeding max → max.
		switch {
		case v != v:
			return hiI
		case v < lo:
			return loI
		case v > maxFloat:
			return hiI
		}
		return int64(v) // truncates toward zero
	}
	// The largest value of each source float type that does not exceed the
	// integer maximum (float32(2^31-1) rounds up to 2^31, for instance).
	exceeds := func(f float64) bool { return f >= 1<<63 || int64(f) > hiI }
	max32 := float64(float32(hiI))
	if exceeds(max32) {
		max32 = float64(math.Nextafter32(float32(hiI), 0))
	}
	max64 := float64(hiI)
	if exceeds(max64) {
		max64 = math.Nextafter(max64, 0)
	}
	return elemWriter{
		fromInt: put,
		fromF32: func(b []byte, i int, v float32) { put(b, i, sat(float64(v), max32)) },
		fromF64: func(b []byte, i int, v float64) { put(b, i, sat(v, max64)) },
	}
}

// intRange is the value range of an integer type.
func intRange(t ir.DataType) (lo, hi int64) {
	switch t {
	case ir.Int8:
		return math.MinInt8, math.MaxInt8
	case ir.Uint8:
		return 0, math.MaxUint8
	case ir.Int16:
		return math.MinInt16, math.MaxInt16
	case ir.Uint16:
		return 0, math.MaxUint16
	case ir.Int32:
		return math.MinInt32, math.MaxInt32
	case ir.Uint32:
		return 0, math.MaxUint32
	}
	return math.MinInt64, math.MaxInt64
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func castUint8ToFloat32(dst, src []byte, count int) {
	d := dst[:4*count]
	for i, v := range src[:count] {
		binary.LittleEndian.PutUint32(d[4*i:], math.Float32bits(float32(v)))
	}
}

// castInt4ToFloat32 unpacks two signed nibbles per byte, low nibble first.
func castInt4ToFloat32(dst, src []byte, count int) {
	for i := range count {
		v := src[i/2]
		if i%2 == 1 {
			v >>= 4
		}
		x := int8(v<<4) >> 4 // sign-extend the low nibble
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(float32(x)))
	}
}

// castFloat32ToInt4 clamps to [-8, 7], truncates and packs, as TFLite's
// castFloatToInt4 does (NaN clamps to 7 there, by its min/max order).
func castFloat32ToInt4(dst, src []byte, count int) {
	clear(dst[:(count+1)/2])
	for i := range count {
		f := math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		c := float32(7)
		if f < 7 { // std::min(7, f)
			c = f
		}
		if c < -8 { // std::max(-8, c)
			c = -8
		}
		nib := byte(int8(c)) & 0x0f
		if i%2 == 1 {
			nib <<= 4
		}
		dst[i/2] |= nib
	}
}
