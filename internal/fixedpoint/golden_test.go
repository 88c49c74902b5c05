package fixedpoint

import (
	"math"
	"testing"
)

// Goldens published in TFLite's tensor_utils_test.cc (the uKernels
// QuantSigmoidTest and QuantTanh{0,3,4}Test cases): the integer LSTM applies
// gemmlowp's int16 logistic to Q3.12 inputs and tanh to Q0.15, Q3.12 and
// Q4.11 inputs, with Q0.15 outputs.
func TestInt16LSTMActivationGoldens(t *testing.T) {
	sigmoidIn := []int16{
		-10500, 1398, -6963, -7404, 485, -5401, -1757, -7668, -19248, -9692,
		-24249, -17923, -15840, -10026, 5249, -89, 1787, -16178, -6691, -19524,
		-13439, -24048, -1123, 32767, -17267, -3378, 823, 11482, -11139, 7508,
	}
	sigmoidOut := []int16{
		2339, 19152, 5063, 4617, 17350, 6917, 12921, 4371, 299, 2813,
		89, 409, 673, 2605, 25646, 16207, 19904, 615, 5353, 273,
		1187, 91, 14153, 32756, 475, 9983, 18026, 30898, 2023, 28246,
	}
	for i, x := range sigmoidIn {
		if got := Logistic16(x, 3); got != sigmoidOut[i] {
			t.Errorf("Logistic16(%d, Q3.12) = %d, want %d", x, got, sigmoidOut[i])
		}
	}
	tanhIn := []int16{
		-145, 899, -176, -35, 264, 289, 8, 27, -37, -1310,
		-120, 127, -16, 106, 370, -583, -299, 93, -548, 548,
		653, -29, -53, 1058, -52, -164, -149, -635, 201, -1297,
	}
	tanh0Out := []int16{
		-136, 904, -176, -40, 260, 292, 8, 28, -44, -1304,
		-120, 120, -24, 112, 376, -576, -308, 88, -544, 544,
		652, -32, -60, 1056, -56, -156, -144, -636, 192, -1300,
	}
	tanh3Out := []int16{
		-1156, 7076, -1412, -276, 2104, 2308, 64, 220, -288, -10132,
		-964, 1016, -120, 844, 2944, -4640, -2392, 736, -4352, 4352,
		5180, -232, -428, 8276, -412, -1308, -1196, -5044, 1612, -10044,
	}
	for i, x := range tanhIn {
		if got := Tanh16(x, 0); got != tanh0Out[i] {
			t.Errorf("Tanh16(%d, Q0.15) = %d, want %d", x, got, tanh0Out[i])
		}
		if got := Tanh16(x, 3); got != tanh3Out[i] {
			t.Errorf("Tanh16(%d, Q3.12) = %d, want %d", x, got, tanh3Out[i])
		}
	}
	tanh4In := []int16{
		-5, 163, -31, -5, 54, 90, 1, 2, -4, -42, -8, 29, 0, 47, 150,
		-26, -36, 9, -73, 25, 14, -2, -1, 29, -10, -12, -18, -29, 51, -92,
	}
	tanh4Out := []int16{
		-76, 2596, -496, -76, 856, 1436, 24, 36, -64, -672,
		-120, 456, 0, 752, 2400, -412, -576, 148, -1168, 400,
		216, -36, -24, 456, -164, -192, -292, -456, 820, -1476,
	}
	for i, x := range tanh4In {
		if got := Tanh16(x, 4); got != tanh4Out[i] {
			t.Errorf("Tanh16(%d, Q4.11) = %d, want %d", x, got, tanh4Out[i])
		}
	}
}

// Goldens published in TFLite's quantization_util_test.cc.
func TestQuantizationUtilGoldens(t *testing.T) {
	type ms struct {
		m int32
		s int
	}
	check := func(name string, arg float64, got ms, err error, want ms) {
		t.Helper()
		if err != nil || got != want {
			t.Errorf("%s(%v) = (%d, %d, %v), want (%d, %d)", name, arg, got.m, got.s, err, want.m, want.s)
		}
	}
	for _, tc := range []struct {
		x    float64
		want ms
	}{
		{0.25, ms{1073741824, -1}},
		{0.50 - 5e-9, ms{2147483627, -1}},
		{0.50 - 1e-10, ms{1073741824, 0}},
		{0.50, ms{1073741824, 0}},
		{0.75, ms{1610612736, 0}},
		{1 - 1e-9, ms{2147483646, 0}},
	} {
		m, s, err := QuantizeMultiplierSmallerThanOneExp(tc.x)
		check("QuantizeMultiplierSmallerThanOneExp", tc.x, ms{m, s}, err, tc.want)
	}
	for _, bad := range []float64{-0.1, 0, 1 - 1e-15, 1 - 1e-17, 1} {
		// TFLite dies here: either the shift turns positive or the check fails.
		if m, s, err := QuantizeMultiplierSmallerThanOneExp(bad); err == nil {
			t.Errorf("QuantizeMultiplierSmallerThanOneExp(%v) = (%d, %d) with no error", bad, m, s)
		}
	}
	for _, tc := range []struct {
		x    float64
		want ms
	}{
		{1 + 1e-11, ms{1073741824, 1}},
		{1.25, ms{1342177280, 1}},
		{1.50, ms{1610612736, 1}},
		{1.75, ms{1879048192, 1}},
		{2 - 1e-9, ms{2147483647, 1}},
		{2 - 1e-11, ms{1073741824, 2}},
		{2, ms{1073741824, 2}},
	} {
		m, s, err := QuantizeMultiplierGreaterThanOne(tc.x)
		check("QuantizeMultiplierGreaterThanOne", tc.x, ms{m, s}, err, tc.want)
	}
	for _, tc := range []struct {
		x    float64
		want ms
	}{
		{math.Ldexp(1, -31), ms{1073741824, -30}},
		{math.Ldexp(1, -32), ms{1073741824, -31}},
		{math.Ldexp(float64(float32(0.99)), -32), ms{0, 0}},
		{math.Ldexp(1, -33), ms{0, 0}},
		{-4, ms{-1073741824, 3}}, {-0.125, ms{-1073741824, -2}}, {0, ms{0, 0}},
		{0.125, ms{1073741824, -2}}, {1, ms{1073741824, 1}}, {4, ms{1073741824, 3}},
	} {
		m, s, err := QuantizeMultiplier(tc.x)
		check("QuantizeMultiplier", tc.x, ms{m, s}, err, tc.want)
	}
	for _, tc := range []struct {
		in   int32
		want ms
	}{
		{0, ms{math.MaxInt32, 0}}, {1, ms{math.MaxInt32, 0}},
		{2, ms{1518498372, 0}}, {3, ms{1239850284, 0}}, {4, ms{1073741828, 0}},
		{100, ms{214748363, 0}}, {10000, ms{343597361, 4}}, {1000000, ms{274877901, 7}},
		{100000000, ms{219902323, 10}}, {1 << 30, ms{268435457, 12}}, {math.MaxInt32, ms{189812531, 12}},
	} {
		m, s := GetInvSqrtQuantizedMultiplierExp(tc.in, 1)
		check("GetInvSqrtQuantizedMultiplierExp", float64(tc.in), ms{m, s}, nil, tc.want)
	}
	for _, tc := range []struct {
		beta, scale float64
		bits        int
		want        ms
	}{
		{1, 16, 4, ms{2147483647, 31}}, {1, 8, 4, ms{1073741824, 31}},
		{2, 16, 5, ms{2147483647, 31}}, {2, 8, 5, ms{1073741824, 31}},
	} {
		m, s, err := PreprocessSoftmaxScaling(tc.beta, tc.scale, tc.bits)
		check("PreprocessSoftmaxScaling", tc.beta*tc.scale, ms{m, s}, err, tc.want)
	}
	for _, tc := range []struct{ bits, shift, want int }{{4, 27, 15}, {3, 27, 14}, {3, 28, 7}, {4, 2, 503316480}} {
		if got := CalculateInputRadius(tc.bits, tc.shift, 31); got != tc.want {
			t.Errorf("CalculateInputRadius(%d, %d) = %d, want %d", tc.bits, tc.shift, got, tc.want)
		}
	}
	quantAndMultiply := func(x int32, real float64) int32 {
		m, s, err := QuantizeMultiplier(real)
		if err != nil {
			t.Fatal(err)
		}
		return MultiplyByQuantizedMultiplier(x, m, s)
	}
	for _, tc := range []struct {
		x    int32
		real float64
		want int32
	}{
		{0, 0.1, 0}, {1, 0, 0},
		{10000, 0.00097656, 10}, {10000, -0.00097656, -10}, {-10000, 0.00097656, -10}, {-10000, -0.00097656, 10},
		{math.MinInt32, 0.00001, -21475}, {math.MinInt32, -0.00001, 21475},
		{math.MaxInt32, 0.00001, 21475}, {math.MaxInt32, -0.00001, -21475},
	} {
		if got := quantAndMultiply(tc.x, tc.real); got != tc.want {
			t.Errorf("MultiplyByQuantizedMultiplier(%d, %v) = %d, want %d", tc.x, tc.real, got, tc.want)
		}
	}
	// MaxInt32 * MaxInt32 / 2^34, rounded: (2^31-1)^2 / 2^34 = 268435455.75 -> 268435456.
	if got := MultiplyByQuantizedMultiplier(math.MaxInt32, math.MaxInt32, -3); got != 268435456 {
		t.Errorf("MultiplyByQuantizedMultiplier(max, max, -3) = %d, want 268435456", got)
	}
	if got := MultiplyByQuantizedMultiplier(-math.MaxInt32, math.MaxInt32, -3); got != -268435456 {
		t.Errorf("MultiplyByQuantizedMultiplier(-max, max, -3) = %d, want -268435456", got)
	}
	quantAndMultiply64 := func(x int64, real float64) int32 {
		m, s, err := QuantizeMultiplier(real)
		if err != nil {
			t.Fatal(err)
		}
		return MultiplyByQuantizedMultiplierInt64(x, m, s)
	}
	for _, tc := range []struct {
		x    int64
		real float64
		want int32
	}{
		{0, 0.1, 0}, {1, 0, 0}, {10000, 0.00097656, 10}, {-10000, 0.00097656, -10},
		{-(1 << 47), 0.00001, -1407385600}, {(1 << 47) - 1, 0.00001, 1407385600},
	} {
		if got := quantAndMultiply64(tc.x, tc.real); got != tc.want {
			t.Errorf("MultiplyByQuantizedMultiplierInt64(%d, %v) = %d, want %d", tc.x, tc.real, got, tc.want)
		}
	}
	if got := MultiplyByQuantizedMultiplierInt64((1<<47)-1, math.MaxInt32, -31); got != 65534 {
		t.Errorf("MultiplyByQuantizedMultiplierInt64(2^47-1, max, -31) = %d, want 65534", got)
	}
	if got := MultiplyByQuantizedMultiplierInt64(-((1 << 47) - 1), math.MaxInt32, -31); got != -65534 {
		t.Errorf("MultiplyByQuantizedMultiplierInt64(-(2^47-1), max, -31) = %d, want -65534", got)
	}
}
