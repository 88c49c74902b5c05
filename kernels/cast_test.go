package kernels

import (
	"math"
	"math/rand"
	"testing"

	"github.com/liteforge/liteforge/internal/half"
	"github.com/liteforge/liteforge/ir"
)

// castTo runs CAST from in to a fresh output of type dt.
func castTo(t *testing.T, in *ir.Tensor, dt ir.DataType) *ir.Tensor {
	t.Helper()
	out := mvOut(dt, in.Shape)
	mvMustRun(t, ir.Cast, &ir.CastOptions{InType: in.Type, OutType: dt}, []*ir.Tensor{in}, out)
	return out
}

func TestCastFloatToInteger(t *testing.T) {
	nan := float32(math.NaN())
	// Truncation toward zero, saturation, NaN to the maximum; 2147483520 is the
	// largest float32 below 2^31.
	o := castTo(t, mvF32([]int{6}, 1.9, -1.9, 1<<31, -3e9, nan, 2147483520), ir.Int32)
	mvEqual(t, "float32→int32", o.Int32s(), 1, -1, math.MaxInt32, math.MinInt32, math.MaxInt32, 2147483520)
	mvEqual(t, "float32→uint8", castTo(t, mvF32([]int{4}, -1.5, 255.9, 256, 3.7), ir.Uint8).Data, 0, 255, 255, 3)
	mvEqual(t, "float32→int8", castTo(t, mvF32([]int{4}, 127.9, 128, -128.9, -129), ir.Int8).Int8s(), 127, 127, -128, -128)
	f64 := mvTensor(ir.Float64, []int{3}, nil)
	f64.Data = make([]byte, 24)
	for i, v := range []float64{1e19, -1e19, 9.2e18} {
		putU64(f64.Data[8*i:], math.Float64bits(v))
	}
	mvEqual(t, "float64→int64", castTo(t, f64, ir.Int64).Int64s(), math.MaxInt64, math.MinInt64, 9200000000000000000)
}

func putU64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
}

func TestCastIntegers(t *testing.T) {
	mvEqual(t, "int32→int8 wraps", castTo(t, mvI32([]int{3}, 300, -129, -1), ir.Int8).Int8s(), 44, 127, -1)
	mvEqual(t, "int32→uint8 wraps", castTo(t, mvI32([]int{2}, -1, 256), ir.Uint8).Data, 255, 0)
	mvEqual(t, "int64→int32 wraps", castTo(t, mvI64([]int{1}, 1<<32+5), ir.Int32).Int32s(), 5)
	mvEqual(t, "int8→int64 sign-extends", castTo(t, mvI8([]int{2}, -5, 5), ir.Int64).Int64s(), -5, 5)
	mvEqual(t, "uint8→int16 zero-extends", castTo(t, mvU8([]int{1}, 200), ir.Int16).Int16s(), 200)
	mvEqual(t, "int→bool", castTo(t, mvI32([]int{3}, 0, 5, -1), ir.Bool).Data, 0, 1, 1)
	mvEqual(t, "bool→int32", castTo(t, mvTensor(ir.Bool, []int{2}, []byte{0, 1}), ir.Int32).Int32s(), 0, 1)
}

func TestCastToFloat(t *testing.T) {
	// Nearest-even rounding: 2^24+1 is a tie between 2^24 and 2^24+2.
	mvEqualF32(t, "int32→float32", castTo(t, mvI32([]int{2}, 1<<24+1, -7), ir.Float32).Float32s(), 1<<24, -7)
	// int64 rounds once: 2^60+2^36+1 lies just above the midpoint of two
	// float32s, so it rounds up (rounding through float64 first would land
	// exactly on the midpoint and round down to even).
	mvEqualF32(t, "int64→float32", castTo(t, mvI64([]int{1}, 1<<60+1<<36+1), ir.Float32).Float32s(), 1<<60+1<<37)
	mvEqualF32(t, "uint8→float32", castTo(t, mvU8([]int{3}, 0, 128, 255), ir.Float32).Float32s(), 0, 128, 255)
	mvEqualF32(t, "bool→float32", castTo(t, mvTensor(ir.Bool, []int{2}, []byte{0, 1}), ir.Float32).Float32s(), 0, 1)
	mvEqual(t, "float32→bool", castTo(t, mvF32([]int{4}, 0, float32(math.Copysign(0, -1)), 0.5, float32(math.NaN())), ir.Bool).Data, 0, 0, 1, 1)

	h := castTo(t, mvF32([]int{6}, 1, 65504, 65520, 1e-8, 3e-8, float32(math.NaN())), ir.Float16)
	mvEqual(t, "float32→float16", ir.AsUint16(h.Data), 0x3c00, 0x7bff, 0x7c00, 0x0000, 0x0001, 0x7e00)
	back := castTo(t, mvTensor(ir.Float16, []int{3}, ir.Int16Bytes([]int16{0x3555, 0x0001, -0x400})), ir.Float32)
	mvEqualF32(t, "float16→float32", back.Float32s(), 0.333251953125, 5.9604644775390625e-08, float32(math.Inf(-1)))

	// bfloat16 rounds to nearest even: 0x3f808000 is the midpoint of 0x3f80
	// and 0x3f81 (even: 0x3f80), 0x3f818000 of 0x3f81 and 0x3f82.
	bf := castTo(t, mvF32([]int{3}, 1, math.Float32frombits(0x3f808000), math.Float32frombits(0x3f818000)), ir.BFloat16)
	mvEqual(t, "float32→bfloat16", ir.AsUint16(bf.Data), 0x3f80, 0x3f80, 0x3f82)
}

func TestCastInt4(t *testing.T) {
	// Clamp to [-8, 7] and truncate; NaN clamps to 7 (TFLite's min/max order).
	o := castTo(t, mvF32([]int{5}, 7.9, -9, 3.5, float32(math.NaN()), -0.5), ir.Int4)
	mvEqual(t, "float32→int4", o.Data, 0x87, 0x73, 0x00)
	back := castTo(t, mvTensor(ir.Int4, []int{4}, []byte{0x87, 0xf3}), ir.Float32)
	mvEqualF32(t, "int4→float32", back.Float32s(), 7, -8, 3, -1)
	if err := mvRun(t, ir.Cast, nil, []*ir.Tensor{mvTensor(ir.Int4, []int{2}, []byte{0})}, mvOut(ir.Int32, []int{2})); err == nil {
		t.Error("int4 to int32 accepted")
	}
	if err := mvRun(t, ir.Cast, nil, []*ir.Tensor{mvF32([]int{1}, 1)}, mvTensor(ir.String, []int{1}, nil)); err == nil {
		t.Error("float32 to string accepted")
	}
}

// f16Value is the definition of a float16 bit pattern's value.
func f16Value(h uint16) float64 {
	s := 1.0
	if h&0x8000 != 0 {
		s = -1
	}
	e, m := int(h>>10)&0x1f, float64(h&0x3ff)
	switch {
	case e == 0x1f && m == 0:
		return s * math.Inf(1)
	case e == 0x1f:
		return math.NaN()
	case e == 0:
		return s * math.Ldexp(m, -24)
	}
	return s * math.Ldexp(1+m/1024, e-15)
}

func TestFloat16Conversions(t *testing.T) {
	// Widening matches the definition and narrowing takes it back, for every
	// bit pattern.
	for h := 0; h < 1<<16; h++ {
		v := f16Value(uint16(h))
		f := half.Float16ToFloat32(uint16(h))
		if math.IsNaN(v) {
			if !math.IsNaN(float64(f)) || half.Float32ToFloat16(f) != uint16(h)&0x8000|0x7e00 {
				t.Fatalf("NaN %#04x widened to %v, narrowed to %#04x", h, f, half.Float32ToFloat16(f))
			}
			continue
		}
		if float64(f) != v {
			t.Fatalf("%#04x widened to %v, want %v", h, f, v)
		}
		if g := half.Float32ToFloat16(f); g != uint16(h) {
			t.Fatalf("%#04x round trip gave %#04x", h, g)
		}
	}
	// Narrowing random float32s picks the nearest float16 (ties to even).
	rng := rand.New(rand.NewSource(3))
	for range 200000 {
		f := math.Float32frombits(rng.Uint32())
		if f != f || math.Abs(float64(f)) >= 65520 {
			continue
		}
		got := half.Float32ToFloat16(f)
		// The two float16 neighbours of |f| by the definition.
		a := math.Abs(float64(f))
		lo := uint16(0)
		for step := uint16(1 << 14); step > 0; step >>= 1 {
			if f16Value(lo+step) <= a {
				lo += step
			}
		}
		want := lo
		if d := a - f16Value(lo); d > f16Value(lo+1)-a || (d == f16Value(lo+1)-a && lo&1 == 1) {
			want = lo + 1
		}
		if f < 0 || (f == 0 && math.Signbit(float64(f))) {
			want |= 0x8000
		}
		if got != want {
			t.Fatalf("%v (%#08x) narrowed to %#04x, want %#04x", f, math.Float32bits(f), got, want)
		}
	}
}
