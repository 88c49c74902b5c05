package half

import (
	"math"
	"testing"
)

func TestFloat16Known(t *testing.T) {
	// Bit patterns from the IEEE 754 binary16 definition.
	tests := []struct {
		f float32
		h uint16
	}{
		{0, 0x0000}, {1, 0x3c00}, {-2, 0xc000}, {0.5, 0x3800}, {65504, 0x7bff},
		{65520, 0x7c00},                  // halfway above the largest finite: rounds to +Inf
		{float32(math.Inf(-1)), 0xfc00},  // -Inf
		{0.1, 0x2e66}, {1.0 / 3, 0x3555}, // rounded to nearest
		{5.960464477539063e-08, 0x0001},  // 2^-24, smallest subnormal
		{2.9802322387695312e-08, 0x0000}, // 2^-25: a tie, to even (zero)
		{6.103515625e-05, 0x0400},        // 2^-14, smallest normal
		{1.0009765625, 0x3c01},           // 1 + 2^-10
		{1.00048828125, 0x3c00},          // 1 + 2^-11: a tie, to even
		{1.00146484375, 0x3c02},          // 1 + 3*2^-11: a tie, to even (up)
	}
	for _, tc := range tests {
		if got := Float32ToFloat16(tc.f); got != tc.h {
			t.Errorf("Float32ToFloat16(%v) = %#04x, want %#04x", tc.f, got, tc.h)
		}
	}
	if h := Float32ToFloat16(float32(math.NaN())); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Errorf("NaN -> %#04x, not a NaN", h)
	}
}

// Every finite half converts to float32 exactly and back to itself.
func TestFloat16RoundTrip(t *testing.T) {
	for h := range 1 << 16 {
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			continue // NaN payloads
		}
		f := Float16ToFloat32(uint16(h))
		if back := Float32ToFloat16(f); back != uint16(h) {
			t.Fatalf("%#04x -> %v -> %#04x", h, f, back)
		}
	}
	if Float16ToFloat32(0x0001) != float32(math.Ldexp(1, -24)) || Float16ToFloat32(0x3c00) != 1 {
		t.Fatal("known values")
	}
}
