package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/internal/fixedpoint"
)

// eachRequant runs f once per requantization kernel of this target.
func eachRequant(t *testing.T, f func(t *testing.T)) { eachKernelSet(t, &useRequantAsm, f) }

// interestingInt32 draws sums that reach the corners: extremes, zero, and
// values a power of two plus or minus a half (the rounding ties).
func interestingInt32(r *rand.Rand) int32 {
	switch r.IntN(6) {
	case 0:
		return []int32{math.MinInt32, math.MaxInt32, 0, -1, 1, math.MinInt32 + 1}[r.IntN(6)]
	case 1:
		e := r.IntN(31)
		v := int32(1)<<e + int32(r.IntN(3)-1)
		if r.IntN(2) == 0 {
			v = -v
		}
		return v
	case 2:
		return int32(r.IntN(2001) - 1000)
	}
	return int32(r.Uint32())
}

func TestRequantizerMatchesFixedPoint(t *testing.T) {
	eachRequant(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for trial := 0; trial < 300; trial++ {
			c := 1 + r.IntN(40)
			bias, mult, shift := make([]int32, c), make([]int32, c), make([]int, c)
			for i := range c {
				bias[i] = interestingInt32(r) / int32(1+r.IntN(1<<16))
				switch r.IntN(8) {
				case 0:
					mult[i], shift[i] = []int32{0, 1 << 30, math.MaxInt32}[r.IntN(3)], r.IntN(62)-31
				default:
					var err error
					mult[i], shift[i], err = fixedpoint.QuantizeMultiplier(math.Exp2(r.Float64()*40 - 32))
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			if trial%3 == 0 {
				bias = nil
			}
			unsigned := trial%2 == 1
			zp, lo, hi := int32(r.IntN(256)-128), int32(-128), int32(127)
			if unsigned {
				zp, lo, hi = int32(r.IntN(256)), 0, 255
			}
			if trial%5 == 0 {
				lo, hi = lo+int32(r.IntN(40)), hi-int32(r.IntN(40))
			}
			q, err := NewRequantizer(bias, mult, shift, zp, lo, hi)
			if err != nil {
				t.Fatal(err)
			}
			c0 := r.IntN(c)
			acc := make([]int32, c-c0)
			for i := range acc {
				acc[i] = interestingInt32(r)
			}
			got := make([]int32, len(acc))
			if unsigned {
				d := make([]uint8, len(acc))
				if err := Requantize(q, d, acc, c0); err != nil {
					t.Fatal(err)
				}
				for i, v := range d {
					got[i] = int32(v)
				}
			} else {
				d := make([]int8, len(acc))
				if err := Requantize(q, d, acc, c0); err != nil {
					t.Fatal(err)
				}
				for i, v := range d {
					got[i] = int32(v)
				}
			}
			for i, a := range acc {
				ch := c0 + i
				x := a
				if bias != nil {
					x += bias[ch]
				}
				want := fixedpoint.MultiplyByQuantizedMultiplier(x, mult[ch], shift[ch]) + zp
				want = min(max(want, lo), hi)
				if got[i] != want {
					t.Fatalf("channel %d: sum %d bias %v mult %d shift %d zp %d: got %d, want %d", ch, a, bias != nil, mult[ch], shift[ch], zp, got[i], want)
				}
			}
		}
	})
}

func TestRequantizerErrors(t *testing.T) {
	if _, err := NewRequantizer(nil, []int32{1}, []int{0, 1}, 0, -128, 127); err == nil {
		t.Error("mismatched lengths: no error")
	}
	if _, err := NewRequantizer(nil, []int32{-1}, []int{0}, 0, -128, 127); err == nil {
		t.Error("negative multiplier: no error")
	}
	if _, err := NewRequantizer(nil, []int32{1}, []int{31}, 0, -128, 127); err == nil {
		t.Error("shift 31: no error")
	}
	if _, err := NewRequantizer(nil, []int32{1}, []int{0}, 0, 5, 4); err == nil {
		t.Error("empty range: no error")
	}
	q, err := NewRequantizer(nil, []int32{1 << 30, 1 << 30}, []int{0, 0}, 0, -128, 127)
	if err != nil {
		t.Fatal(err)
	}
	if err := Requantize(q, make([]int8, 2), make([]int32, 2), 1); err == nil {
		t.Error("channels past the end: no error")
	}
	if err := Requantize(q, make([]int8, 1), make([]int32, 2), 0); err == nil {
		t.Error("short destination: no error")
	}
	if err := Requantize(q, make([]uint8, 2), make([]int32, 2), 0); err == nil {
		t.Error("int8 range into uint8: no error")
	}
}

// TestRequantizerHandWorked checks sums whose results were worked out by
// hand from gemmlowp's two roundings: SaturatingRoundingDoublingHighMul
// takes ties up (-1.5 becomes -1), RoundingDivideByPOT takes them away from
// zero (-0.5 becomes -1). Nine channels, so that eight run in the vector
// kernel and one in the scalar loop.
func TestRequantizerHandWorked(t *testing.T) {
	const half = 1 << 30 // the multiplier 0.5
	cases := []struct {
		acc, mult int32
		shift     int
		want      int32
	}{
		{-3, half, 0, -1},                           // -1.5: tie up
		{3, half, 0, 2},                             // 1.5: tie up
		{-1, half, -1, 0},                           // -0.5 then 0 / 2
		{-4, half, -2, -1},                          // -2 exact, then -0.5: away from zero
		{4, half, -2, 1},                            // 0.5: away from zero
		{-6, half, -2, -1},                          // -3 exact, then -0.75
		{3, half, 2, 6},                             // 3 * 4 * 0.5
		{math.MinInt32, math.MaxInt32, -31, -1},     // -(2^31-1) / 2^31
		{math.MaxInt32, math.MaxInt32, -31, 1},      // (2^31-2) / 2^31, rounded
		{math.MinInt32 + 1, math.MaxInt32, -31, -1}, // -(2^31-2) / 2^31
		{12345, 0, 30, 0},                           // a zero multiplier
	}
	eachRequant(t, func(t *testing.T) {
		for _, c := range cases {
			mult, shift, acc := make([]int32, 9), make([]int, 9), make([]int32, 9)
			for i := range acc {
				mult[i], shift[i], acc[i] = c.mult, c.shift, c.acc
			}
			q, err := NewRequantizer(nil, mult, shift, 0, -128, 127)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]int8, 9)
			if err := Requantize(q, got, acc, 0); err != nil {
				t.Fatal(err)
			}
			for i, g := range got {
				if int32(g) != c.want {
					t.Errorf("sum %d, multiplier %d, shift %d, lane %d: got %d, want %d", c.acc, c.mult, c.shift, i, g, c.want)
				}
			}
		}
	})
}

// TestRequantizerLimits runs every pairing of extreme multipliers and shifts
// with sums at the int32 limits, around powers of two (the ties) and where
// adding the bias or shifting left wraps, against the scalar definition, over
// runs of every length from 1 to 19 channels.
func TestRequantizerLimits(t *testing.T) {
	mults := []int32{0, 1, 1 << 30, 1<<30 + 1, math.MaxInt32 - 1, math.MaxInt32}
	shifts := []int{-31, -30, -17, -2, -1, 0, 1, 2, 15, 29, 30}
	var sums []int32
	for _, v := range []int32{0, 1, 2, 3, 5, 6, 7, math.MaxInt32 - 1, math.MaxInt32} {
		sums = append(sums, v, -v)
	}
	sums = append(sums, math.MinInt32)
	for e := 1; e < 31; e += 3 {
		for d := int32(-1); d <= 1; d++ {
			sums = append(sums, int32(1)<<e+d, -(int32(1)<<e + d))
		}
	}
	var mult []int32
	var shift []int
	for _, m := range mults {
		for _, s := range shifts {
			mult, shift = append(mult, m), append(shift, s)
		}
	}
	channels := len(mult)
	biases := map[string][]int32{"none": nil, "extreme": make([]int32, channels)}
	for i := range biases["extreme"] {
		biases["extreme"][i] = []int32{math.MinInt32, math.MaxInt32, -1, 7}[i%4]
	}
	eachRequant(t, func(t *testing.T) {
		for name, bias := range biases {
			for _, unsigned := range []bool{false, true} {
				zp, lo, hi := int32(-128), int32(-128), int32(127)
				if unsigned {
					zp, lo, hi = 255, 0, 255
				}
				q, err := NewRequantizer(bias, mult, shift, zp, lo, hi)
				if err != nil {
					t.Fatal(err)
				}
				for si := range sums {
					n := 1 + si%19
					c0 := (si * 7) % (channels - n + 1)
					acc := make([]int32, n)
					for i := range acc {
						acc[i] = sums[(si+i)%len(sums)]
					}
					got := make([]int32, n)
					if unsigned {
						d := make([]uint8, n)
						err = Requantize(q, d, acc, c0)
						for i, v := range d {
							got[i] = int32(v)
						}
					} else {
						d := make([]int8, n)
						err = Requantize(q, d, acc, c0)
						for i, v := range d {
							got[i] = int32(v)
						}
					}
					if err != nil {
						t.Fatal(err)
					}
					for i, a := range acc {
						ch := c0 + i
						if bias != nil {
							a += bias[ch]
						}
						want := min(max(fixedpoint.MultiplyByQuantizedMultiplier(a, mult[ch], shift[ch])+zp, lo), hi)
						if got[i] != want {
							t.Fatalf("bias %s, unsigned %v: sum %d channel %d (multiplier %d, shift %d): got %d, want %d",
								name, unsigned, acc[i], ch, mult[ch], shift[ch], got[i], want)
						}
					}
				}
			}
		}
	})
}
