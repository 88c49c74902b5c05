package fixedpoint

import "testing"

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
