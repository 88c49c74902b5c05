package fixedpoint

import "testing"

// benchInputs are accumulator-like values: mixed signs, a wide range.
var benchInputs = func() []int32 {
	v := make([]int32, 1024)
	r := uint32(12345)
	for i := range v {
		r = r*1664525 + 1013904223
		v[i] = int32(r) >> 8
	}
	return v
}()

var sink int32

func BenchmarkSaturatingRoundingDoublingHighMul(b *testing.B) {
	var acc int32
	for i := range b.N {
		acc += SaturatingRoundingDoublingHighMul(benchInputs[i&1023], 1518500250)
	}
	sink = acc
}

func BenchmarkMultiplyByQuantizedMultiplierDouble(b *testing.B) {
	var acc int32
	for i := range b.N {
		acc += MultiplyByQuantizedMultiplier(benchInputs[i&1023], 1518500250, -9)
	}
	sink = acc
}

func BenchmarkMultiplyByQuantizedMultiplierSingle(b *testing.B) {
	var acc int32
	for i := range b.N {
		acc += MultiplyByQuantizedMultiplierSingleRounding(benchInputs[i&1023], 1518500250, -9)
	}
	sink = acc
}

func BenchmarkRoundingMultiplyByQuantizedMultiplier(b *testing.B) {
	r := DoubleRounding
	var acc int32
	for i := range b.N {
		acc += r.MultiplyByQuantizedMultiplier(benchInputs[i&1023], 1518500250, -9)
	}
	sink = acc
}

func BenchmarkMultiplyByQuantizedMultiplierInt64(b *testing.B) {
	var acc int32
	for i := range b.N {
		acc += MultiplyByQuantizedMultiplierInt64(int64(benchInputs[i&1023])<<8, 1518500250, -20)
	}
	sink = acc
}

func BenchmarkExpOnNegativeValues(b *testing.B) {
	var acc int32
	for i := range b.N {
		x := benchInputs[i&1023]
		acc += ExpOnNegativeValues(-(x & 0x7fffffff), 5)
	}
	sink = acc
}

func BenchmarkLogistic(b *testing.B) {
	var acc int32
	for i := range b.N {
		acc += Logistic(benchInputs[i&1023], 4)
	}
	sink = acc
}

func BenchmarkTanh16(b *testing.B) {
	var acc int32
	for i := range b.N {
		acc += int32(Tanh16(int16(benchInputs[i&1023]), 3))
	}
	sink = acc
}

func BenchmarkLUTLookupInt16(b *testing.B) {
	lut := softmaxExpLUT()
	var acc int32
	for i := range b.N {
		acc += int32(LUTLookupInt16(int16(benchInputs[i&1023]), lut))
	}
	sink = acc
}
