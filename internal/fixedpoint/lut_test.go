package fixedpoint

import (
	"math"
	"testing"
)

func sigmoid32(x float32) float32 { return 1 / (1 + float32(math.Exp(float64(-x)))) }

func TestLUTPopulateInt8Logistic(t *testing.T) {
	// Input scale 1/16, zero point 0; output scale 1/256, zero point -128:
	// entry = round(sigmoid(v/16) * 256) - 128, clamped to int8.
	var lut [256]int8
	LUTPopulateInt8(1.0/16, 0, 1.0/256, -128, sigmoid32, &lut)
	tests := []struct{ in, want int8 }{
		{0, 0},       // sigmoid(0) = 0.5 -> 128 - 128
		{16, 59},     // sigmoid(1) = 0.7310586 -> 187.15 -> 187 - 128
		{-16, -59},   // sigmoid(-1) = 0.2689414 -> 68.85 -> 69 - 128
		{127, 127},   // sigmoid(7.94) * 256 = 255.91 -> 256 - 128, clamped
		{-128, -128}, // sigmoid(-8) * 256 = 0.086 -> 0 - 128
	}
	for _, tc := range tests {
		if got := lut[uint8(tc.in)]; got != tc.want {
			t.Errorf("int8 logistic LUT[%d] = %d, want %d", tc.in, got, tc.want)
		}
	}
	var lutU [256]uint8
	LUTPopulateUint8(1.0/16, 128, 1.0/256, 0, sigmoid32, &lutU)
	if lutU[128] != 128 || lutU[144] != 187 || lutU[255] != 255 || lutU[0] != 0 {
		t.Errorf("uint8 logistic LUT: [128]=%d [144]=%d [255]=%d [0]=%d, want 128 187 255 0", lutU[128], lutU[144], lutU[255], lutU[0])
	}
}

func TestLUTLookupInt16(t *testing.T) {
	var lut [LUTSizeInt16]int16
	lut[255], lut[256], lut[257] = -100, 0, 128
	tests := []struct{ x, want int16 }{
		{0, 0},     // segment 256, offset 0
		{64, 64},   // slope 128: (128*64 + 64) >> 7 = 64.5 -> 64
		{1, 1},     // (128 + 64) >> 7 = 1.5 -> 1
		{127, 127}, // (128*127 + 64) >> 7 = 127.5 -> 127
		// -1 is segment 255 at offset 127: -100 + (100*127 + 64) >> 7 = -100 + 99.7 -> -1
		{-1, -1},
		{-128, -100}, // segment 255, offset 0
	}
	for _, tc := range tests {
		if got := LUTLookupInt16(tc.x, &lut); got != tc.want {
			t.Errorf("LUTLookupInt16(%d) = %d, want %d", tc.x, got, tc.want)
		}
	}
	// The largest and smallest inputs stay inside the table.
	lut[0], lut[1], lut[511], lut[512] = -32768, -32000, 32000, 32767
	if got := LUTLookupInt16(math.MinInt16, &lut); got != -32768 {
		t.Errorf("LUTLookupInt16(min) = %d", got)
	}
	if got := LUTLookupInt16(math.MaxInt16, &lut); got != 32000+int16((767*127+64)>>7) {
		t.Errorf("LUTLookupInt16(max) = %d", got)
	}
}

// interpolationBound is the error, in units of 1/32768, of linear
// interpolation over segments of width h for a function whose second
// derivative is at most f2 (h^2/8 * f2), plus one unit for rounding the
// table and the interpolated value.
func interpolationBound(h, f2 float64) float64 { return h*h/8*f2*32768 + 1 }

// The int16 SOFTMAX exp table: inputs [-10, 0] over the int16 range, outputs
// [-1, 1], in float64.
func softmaxExpLUT() *[LUTSizeInt16]int16 {
	var lut [LUTSizeInt16]int16
	LUTPopulateInt16Float64(10.0/65535, 32767, 2.0/65535, 0, math.Exp, &lut)
	return &lut
}

func TestLUTPopulateInt16SoftmaxExp(t *testing.T) {
	lut := softmaxExpLUT()
	// Worked by hand (step 10/512, output unit 1/32768):
	// lut[0]: exp(-10)*32768 = 1.488 -> 1; the next sample 1.517 and the
	// midpoint 1.502 -> 2; interpolated midpoint round((1.517+1)/2) = 1,
	// error -1, bias round(-0.5) = -1: 1 - (-1) = 2.
	// lut[511]: exp(-0.01953)*32768 = 32134.2 -> 32134; midpoint 32449.6 ->
	// 32450; interpolated round((32768+32134)/2) = 32451; bias round(0.5) = 1.
	// lut[512]: exp(0)*32768 = 32768, clamped to 32767.
	if lut[0] != 2 || lut[511] != 32133 || lut[512] != 32767 {
		t.Errorf("exp LUT [0]=%d [511]=%d [512]=%d, want 2 32133 32767", lut[0], lut[511], lut[512])
	}
	// Read through the interpolation, every input lands within the
	// interpolation bound of exp (bar the clamp of 1.0 to 32767). The lookup splits the 65536 raw
	// inputs into 512 segments of 128 while the table spreads [-10, 0] over
	// 512 segments, so raw x stands for -10 + (x+32768) * 10/65536 (not
	// exactly the quantized value, which is 65535 steps wide).
	worst := 0.0
	for x := math.MinInt16; x <= math.MaxInt16; x++ {
		real := -10 + float64(x+32768)*10/65536
		want := min(math.Exp(real)*32768, 32767)
		worst = max(worst, math.Abs(float64(LUTLookupInt16(int16(x), lut))-want))
	}
	if bound := interpolationBound(10.0/512, 1); worst > bound {
		t.Errorf("exp LUT lookup is off by up to %.2f units, want at most %.2f", worst, bound)
	}
}

func TestLUTPopulateInt16Float32(t *testing.T) {
	// tanh with input scale 8/32768 and output scale 1/32768: the float32
	// table read back tracks tanh within the interpolation bound (on the lookup's grid, as
	// above: raw x stands for -8 + (x+32768) * (8*65535/32768)/65536).
	var lut [LUTSizeInt16]int16
	tanh32 := func(x float32) float32 { return float32(math.Tanh(float64(x))) }
	LUTPopulateInt16(8.0/32768, 0, 1.0/32768, 0, tanh32, &lut)
	worst := 0.0
	for x := math.MinInt16; x <= math.MaxInt16; x++ {
		lo, span := 8.0/32768*-32768, 8.0/32768*65535
		want := max(min(math.Tanh(lo+float64(x+32768)*span/65536)*32768, 32767), -32768)
		worst = max(worst, math.Abs(float64(LUTLookupInt16(int16(x), &lut))-want))
	}
	// |tanh''| peaks at 4/(3*sqrt(3)) = 0.770.
	if bound := interpolationBound(8.0*65535/32768/512, 0.770); worst > bound {
		t.Errorf("tanh LUT lookup is off by up to %.2f units, want at most %.2f", worst, bound)
	}
}

func TestSigmoidTable(t *testing.T) {
	// sigmoidTable holds sigmoid(i/24) in Q0.16, each entry within 1.5 steps
	// above the exact value, non-decreasing, and ending at 65535.
	for i, v := range sigmoidTable {
		exact := 65536 / (1 + math.Exp(-float64(i)/24))
		if d := float64(v) - exact; d < -0.5 || d > 1.5 {
			t.Errorf("sigmoidTable[%d] = %d, exact %.3f", i, v, exact)
		}
		if i > 0 && v < sigmoidTable[i-1] {
			t.Errorf("sigmoidTable decreases at %d", i)
		}
	}
	if sigmoidTable[0] != 32768 || sigmoidTable[255] != 65535 {
		t.Error("sigmoidTable ends are wrong")
	}
}

func TestLogisticTanhInt16Reference(t *testing.T) {
	// Power-of-two input scale 2^-12 (multiplier 0, shift 0: the input is
	// multiplied by 3, so 12288 steps are one unit).
	tests := []struct {
		x        int16
		logistic int16
		tanh     int16
	}{
		// in = 0: logistic (32768<<9 + 512) >> 10 = 16384; tanh (32768<<8 - 2^23 + 128) >> 8 = 0.
		{0, 16384, 0},
		// in = -3, abs 3, segment 0, fraction 3: logistic 2^25 - (32768<<9 + 3*683) + 511 = 16775678,
		// >> 10 = 16382 (sigmoid(-2^-12) * 32768 = 16382.0); tanh -(32768<<8 + 2049) + 2^23 + 127
		// = -1922, >> 8 = -8 (tanh(-2^-12) * 32768 = -8.0).
		{-1, 16382, -8},
		// in = 3: logistic (32768<<9 + 2049 + 512) >> 10 = 16386; tanh (2049 + 128) >> 8 = 8.
		{1, 16386, 8},
	}
	for _, tc := range tests {
		if got := LogisticInt16(tc.x, 0, 0); got != tc.logistic {
			t.Errorf("LogisticInt16(%d) = %d, want %d", tc.x, got, tc.logistic)
		}
		if got := TanhInt16(tc.x, 0, 0); got != tc.tanh {
			t.Errorf("TanhInt16(%d) = %d, want %d", tc.x, got, tc.tanh)
		}
	}
	// Over the whole range (scale 2^-12, inputs within ±8) both track the
	// real functions within 2 units of Q0.15.
	worstL, worstT := 0.0, 0.0
	for x := math.MinInt16; x <= math.MaxInt16; x++ {
		real := float64(x) / 4096
		worstL = max(worstL, math.Abs(float64(LogisticInt16(int16(x), 0, 0))-32768/(1+math.Exp(-real))))
		worstT = max(worstT, math.Abs(float64(TanhInt16(int16(x), 0, 0))-max(min(32768*math.Tanh(real), 32767), -32768)))
	}
	if worstL > 2 || worstT > 2 {
		t.Errorf("int16 reference logistic/tanh off by %.2f / %.2f units, want at most 2", worstL, worstT)
	}
	// A general (non power of two) multiplier: 3*4096*scale*2^shift with
	// scale 1/1000: multiplier 12.288 doubled 11 times to 25165 (truncated),
	// shift 11. x = 1000 is 1.0: sigmoid(1) * 32768 = 23955.
	if got := LogisticInt16(1000, 25165, 11); got < 23953 || got > 23957 {
		t.Errorf("LogisticInt16(1.0) = %d, want about 23955", got)
	}
}
