package fixedpoint

import (
	"math"
	"testing"
)

func TestQFormatBasics(t *testing.T) {
	if One(0) != math.MaxInt32 || One(3) != 1<<28 || One16(0) != math.MaxInt16 || One16(3) != 1<<12 {
		t.Error("One is wrong")
	}
	if ConstantPOT(0, -3) != 1<<28 || ConstantPOT(5, -2) != 1<<24 {
		t.Error("ConstantPOT is wrong")
	}
	if got := Rescale(1<<28, 3, 0); got != math.MaxInt32 { // 1.0 does not fit Q0
		t.Errorf("Rescale(1.0 Q3 -> Q0) = %d", got)
	}
	if got := Rescale(1<<20, 3, 0); got != 1<<23 {
		t.Errorf("Rescale(2^-8 Q3 -> Q0) = %d", got)
	}
	if got := Rescale(-5, 0, 1); got != -3 { // -2.5 rounds away from zero
		t.Errorf("Rescale(-5, 0, 1) = %d", got)
	}
	if got := Rescale16(1<<12, 3, 0); got != math.MaxInt16 {
		t.Errorf("Rescale16(1.0 Q3 -> Q0) = %d", got)
	}
	for _, tc := range []struct {
		x    float64
		bits int
		want int32
	}{
		{0.5, 0, 1 << 30}, {1, 0, math.MaxInt32}, {-1, 0, math.MinInt32}, {1.5, 3, 3 << 27}, {-32, 5, -(1 << 31)},
	} {
		if got := FromFloat64(tc.x, tc.bits); got != tc.want {
			t.Errorf("FromFloat64(%v, %d) = %d, want %d", tc.x, tc.bits, got, tc.want)
		}
	}
	if ToFloat64(3<<27, 3) != 1.5 || ToFloat64(math.MinInt32, 0) != -1 {
		t.Error("ToFloat64 is wrong")
	}
}

// gemmlowp checks each of its constants against the real it stands for; so
// do we, independently of the code that uses them.
func TestConstantsAreTheirReals(t *testing.T) {
	q0 := func(x float64) int32 { return int32(math.Round(x * (1 << 31))) }
	q2 := func(x float64) int32 { return int32(math.Round(x * (1 << 29))) }
	fourthRoot2 := math.Sqrt(math.Sqrt(2))
	tests := []struct {
		name string
		got  int32
		want int32
	}{
		{"exp(-1/8)", 1895147668, q0(math.Exp(-1.0 / 8))},
		{"1/3", 715827883, q0(1.0 / 3)},
		{"48/17 (Q2)", 1515870810, q2(48.0 / 17)},
		{"-32/17 (Q2)", -1010580540, q2(-32.0 / 17)},
		{"log(2)", 1488522236, q0(math.Log(2))},
		{"sqrt(sqrt(1/2))", 1805811301, q0(math.Sqrt(math.Sqrt(0.5)))},
		{"sqrt(1/2)", 1518500250, q0(math.Sqrt(0.5))},
		{"alpha_n", 117049297, q0(11.0 / 240 * fourthRoot2)},
		{"alpha_d", 127690142, q0(1.0 / 20 * fourthRoot2)},
		{"alpha_i", 1057819769, q0(2/fourthRoot2 - fourthRoot2)},
		{"alpha_f", 638450708, q0(1.0 / 4 * fourthRoot2)},
	}
	for _, b := range expBarrel {
		tests = append(tests, struct {
			name string
			got  int32
			want int32
		}{"exp(-2^k)", b.multiplier, q0(math.Exp(-math.Ldexp(1, b.exponent)))})
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("constant %s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}

// Exact values worked through gemmlowp's formulas step by step (exact
// integer arithmetic, each product rounded as SaturatingRoundingDoublingHighMul
// rounds).
func TestExpExactValues(t *testing.T) {
	// exp on [-1/4, 0) at a = -1/8 (raw -2^28): x = a + 1/8 = 0, so every
	// power of x is 0 and the result is the constant term exp(-1/8).
	if got := ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(-(1 << 28)); got != 1895147668 {
		t.Errorf("exp_interval(-1/8) = %d, want 1895147668", got)
	}
	// a = -1/4 (raw -2^29):
	//   x  = -2^29 + 2^28            = -268435456
	//   x2 = srdhm(x, x)             = 2^56/2^31          = 33554432
	//   x3 = srdhm(x2, x)            = -2^53/2^31         = -4194304
	//   x4 = srdhm(x2, x2)           = 2^50/2^31          = 524288
	//   x4/4 = rdbpot(x4, 2)         = 131072
	//   (x4/4 + x3) * 1/3            = srdhm(-4063232, 715827883)
	//                                = -1354410.667 -> -1354411
	//   tail = rdbpot(-1354411 + 33554432, 1) = 16100010.5 -> 16100011
	//   c*(x + tail) = srdhm(1895147668, -252335445) = -222685249
	//   result = 1895147668 - 222685249 = 1672462419
	// exp(-1/4) * 2^31 = 1672461946.7: off by 472 (2.2e-7), inside gemmlowp's 3e-7.
	if got := ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(-(1 << 29)); got != 1672462419 {
		t.Errorf("exp_interval(-1/4) = %d, want 1672462419", got)
	}
	// The same input through exp_on_negative_values in Q5 (raw -2^24): a mod
	// 1/4 is 0, so the interval sees -1/4 and no barrel bit is set.
	if got := ExpOnNegativeValues(-(1 << 24), 5); got != 1672462419 {
		t.Errorf("exp(-1/4 in Q5) = %d, want 1672462419", got)
	}
	// -1/8 in Q5 (raw -2^23): a & (2^24-1) = 2^23, minus 1/4 is -2^23, which
	// rescaled to Q0 is -2^28: the interval's exact case above.
	if got := ExpOnNegativeValues(-(1 << 23), 5); got != 1895147668 {
		t.Errorf("exp(-1/8 in Q5) = %d, want 1895147668", got)
	}
	// -1 in Q5 (raw -2^26): a mod 1/4 is 0 again (interval gives exp(-1/4)),
	// and the remainder 3*2^24 sets the bits for 1/4 and 1/2:
	//   srdhm(1672462419, 1672461947) = 1302515042   (times exp(-1/4))
	//   srdhm(1302515042, 1302514674) = 790015308    (times exp(-1/2))
	// exp(-1) * 2^31 = 790015084.4.
	if got := ExpOnNegativeValues(-(1 << 26), 5); got != 790015308 {
		t.Errorf("exp(-1 in Q5) = %d, want 790015308", got)
	}
	if got := ExpOnNegativeValues(0, 5); got != math.MaxInt32 {
		t.Errorf("exp(0) = %d, want MaxInt32", got)
	}
	// Below -32 the result is clamped to zero (integer bits > 5 only).
	if got := ExpOnNegativeValues(math.MinInt32, 6); got != 0 {
		t.Errorf("exp(-64 in Q6) = %d, want 0", got)
	}
}

func TestNewtonRaphsonExactValues(t *testing.T) {
	// 1/(1+0): half denominator (0 + MaxInt32 + 1)/2 = 2^30; x0 = 48/17 - 32/17/2
	// = 1010580540 (Q2); the three steps add 59445916, 3702512 and 12856 to
	// reach exactly 2^30 (2.0 in Q2), which as Q1 is 1.0 and saturates in Q0.
	if got := OneOverOnePlusXForXIn01(0); got != math.MaxInt32 {
		t.Errorf("1/(1+0) = %d, want MaxInt32", got)
	}
	// 1/(1+1/2): x0 = 757935405; steps add -44584436, 2468344, 8568 to reach
	// 715827881 (Q2), doubled to Q0: 1431655762 (exact: 1431655765.3).
	if got := OneOverOnePlusXForXIn01(1 << 30); got != 1431655762 {
		t.Errorf("1/(1+1/2) = %d, want 1431655762", got)
	}
	// (1-1/2)/(1+1/2): the same x, (715827881 - 2^29) * 4 = 715827876 (exact 715827882.7).
	if got := OneMinusXOverOnePlusXForXIn01(1 << 30); got != 715827876 {
		t.Errorf("(1-1/2)/(1+1/2) = %d, want 715827876", got)
	}
}

func TestLogisticTanhAtZeroAndSymmetry(t *testing.T) {
	if Logistic(0, 4) != 1<<30 || Logistic16(0, 3) != 1<<14 {
		t.Error("logistic(0) is not one half")
	}
	if Tanh(0, 4) != 0 || Tanh16(0, 3) != 0 {
		t.Error("tanh(0) is not zero")
	}
	for _, a := range []int32{1, 12345, 1 << 20, 1 << 27, math.MaxInt32} {
		// gemmlowp defines logistic(-a) as One - logistic(a), tanh(-a) as -tanh(a).
		if Logistic(-a, 4) != math.MaxInt32-Logistic(a, 4) {
			t.Errorf("logistic(-%d) != 1 - logistic(%d)", a, a)
		}
		if Tanh(-a, 4) != -Tanh(a, 4) {
			t.Errorf("tanh(-%d) != -tanh(%d)", a, a)
		}
	}
}

// Error bounds from gemmlowp's own tests (test_fixedpoint.cc), over its test
// values: 3e-7 for exp, 6e-9 for (1-x)/(1+x), 1.5e-7 for tanh. Logistic is
// 1/(1+exp(-x)) and inherits exp's bound.
func TestTranscendentalErrorBounds(t *testing.T) {
	vals := sampleInt32s()
	maxErr := func(name string, bound float64, f func(a int32) (got, want float64, ok bool)) {
		t.Helper()
		worst, at := 0.0, int32(0)
		for _, a := range vals {
			got, want, ok := f(a)
			if !ok {
				continue
			}
			if e := math.Abs(got - want); e > worst {
				worst, at = e, a
			}
		}
		if worst >= bound {
			t.Errorf("%s: error %.3g at raw %d, bound %.3g", name, worst, at, bound)
		}
	}
	maxErr("exp_interval", 3e-7, func(a int32) (float64, float64, bool) {
		// gemmlowp maps each test value into [-1/4, 0).
		aq := RoundingDivideByPOT(a, 3) - 1<<28
		return ToFloat64(ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(aq), 0), math.Exp(ToFloat64(aq, 0)), true
	})
	for bits := 0; bits <= 6; bits++ {
		maxErr("exp", 3e-7, func(a int32) (float64, float64, bool) {
			return ToFloat64(ExpOnNegativeValues(a, bits), 0), math.Exp(ToFloat64(a, bits)), a < 0
		})
		maxErr("logistic", 3e-7, func(a int32) (float64, float64, bool) {
			return ToFloat64(Logistic(a, bits), 0), 1 / (1 + math.Exp(-ToFloat64(a, bits))), true
		})
		if bits > 0 {
			maxErr("tanh", 1.5e-7, func(a int32) (float64, float64, bool) {
				return ToFloat64(Tanh(a, bits), 0), math.Tanh(ToFloat64(a, bits)), true
			})
		}
	}
	maxErr("(1-x)/(1+x)", 6e-9, func(a int32) (float64, float64, bool) {
		x := ToFloat64(a, 0)
		return ToFloat64(OneMinusXOverOnePlusXForXIn01(a), 0), (1 - x) / (1 + x), a > 0
	})
	maxErr("1/(1+x)", 6e-9, func(a int32) (float64, float64, bool) {
		x := ToFloat64(a, 0)
		return ToFloat64(OneOverOnePlusXForXIn01(a), 0), 1 / (1 + x), a > 0
	})
}

// The int16 forms keep 15 fractional bits (one unit is 3.05e-5) and round
// every constant to 16 bits. exp stays within 4 units. The Newton-Raphson
// division runs in Q2, whose step is 4 units, and is rescaled to Q0 by a
// factor of 2 (logistic) or 4 (tanh): bounds of 8 and 16 units. (Bit
// exactness is checked against TFLite's goldens in golden_test.go.)
func TestTranscendentalErrorBounds16(t *testing.T) {
	const unit = 1.0 / 32768
	worst := map[string]float64{}
	for bits := 0; bits <= 6; bits++ {
		for raw := math.MinInt16; raw <= math.MaxInt16; raw += 7 {
			a := int16(raw)
			x := float64(a) / float64(int32(1)<<(15-bits))
			if a < 0 {
				e := math.Abs(float64(ExpOnNegativeValues16(a, bits))*unit - math.Exp(x))
				worst["exp"] = max(worst["exp"], e)
			}
			worst["logistic"] = max(worst["logistic"], math.Abs(float64(Logistic16(a, bits))*unit-1/(1+math.Exp(-x))))
			if bits > 0 {
				worst["tanh"] = max(worst["tanh"], math.Abs(float64(Tanh16(a, bits))*unit-math.Tanh(x)))
			}
		}
	}
	bounds := map[string]float64{"exp": 4 * unit, "logistic": 8 * unit, "tanh": 16 * unit}
	for name, bound := range bounds {
		if worst[name] > bound {
			t.Errorf("int16 %s: worst error %.3g (%.2f units), bound %.2f units", name, worst[name], worst[name]/unit, bound/unit)
		}
	}
}

func TestGetReciprocal(t *testing.T) {
	// 3.0 in Q12 is raw 3 << 19, with 11 leading zeros: shifted left by 11 it
	// is 1.5 in Q1, so 1/3 = 1/(1+0.5) * 2^-(12-11): the significand is 2/3
	// in Q0 and numBitsOverUnit is 1.
	raw := int32(3) << 19
	recip, over := GetReciprocal(raw, 12)
	if over != 1 {
		t.Errorf("GetReciprocal(3 in Q12) numBitsOverUnit = %d, want 1", over)
	}
	if got, want := ToFloat64(recip, 0), 2.0/3; math.Abs(got-want) > 6e-9 {
		t.Errorf("GetReciprocal(3 in Q12) = %v, want %v", got, want)
	}
}

func TestLogXForXGreaterThanOrEqualTo1(t *testing.T) {
	for _, x := range []float64{1, 1.5, 2, math.E, 10, 100, 1000, 1 << 20} {
		raw := FromFloat64(x, 21)
		got := ToFloat64(LogXForXGreaterThanOrEqualTo1(raw, 21, 5), 5)
		if want := math.Log(ToFloat64(raw, 21)); math.Abs(got-want) > 1e-6 {
			t.Errorf("log(%v) = %v, want %v", x, got, want)
		}
	}
}

func TestGetInvSqrtQuantizedMultiplierExp(t *testing.T) {
	if m, s := GetInvSqrtQuantizedMultiplierExp(1, -1); m != math.MaxInt32 || s != 0 {
		t.Errorf("invsqrt(1) = (%d, %d), want (MaxInt32, 0)", m, s)
	}
	if m, s := GetInvSqrtQuantizedMultiplierExp(0, -1); m != math.MaxInt32 || s != 0 {
		t.Errorf("invsqrt(0) = (%d, %d), want (MaxInt32, 0)", m, s)
	}
	for _, in := range []int32{2, 3, 4, 100, 12345, 1 << 20, 1<<29 + 7, math.MaxInt32} {
		m, s := GetInvSqrtQuantizedMultiplierExp(in, -1)
		// With reverseShift -1 the value is m * 2^s / 2^31. TFLite's five
		// Newton steps from x = 1 leave a relative error of 1.24e-6 at the
		// worst normalized input 1/4 (x = 1.375, 1.7375, 1.9506, 1.99818,
		// 1.9999975 toward 2); the bound adds room for Q3 rounding.
		got := float64(m) * math.Ldexp(1, s-31)
		want := 1 / math.Sqrt(float64(in))
		if rel := math.Abs(got-want) / want; rel > 1.5e-6 {
			t.Errorf("invsqrt(%d) = %v, want %v (relative error %.2g)", in, got, want, rel)
		}
	}
}
