package fixedpoint

import "math"

// Lookup tables: TFLite runs int8/uint8 LOGISTIC and TANH (and several other
// elementwise ops) through a 256-entry table computed in float at prepare, and
// int16 SOFTMAX (among others) through a 513-entry table read with linear
// interpolation. These functions build and read the tables exactly as
// TFLite's LUTPopulate and LUTLookup (kernels/internal/common.h) do.

// LUTSizeInt16 is the length of an int16 table: 512 segments and the end
// point of the last one.
const LUTSizeInt16 = 513

// LUTPopulateInt8 fills lut with f applied to every int8 input, quantized to
// the output parameters, in float32 arithmetic as TFLite does. The table is
// indexed by the input's bits: lut[uint8(x)].
func LUTPopulateInt8(inputScale float32, inputZeroPoint int32, outputScale float32, outputZeroPoint int32, f func(float32) float32, lut *[256]int8) {
	lutPopulate8(inputScale, inputZeroPoint, outputScale, outputZeroPoint, f, lut)
}

// LUTPopulateUint8 is LUTPopulateInt8 for uint8 tensors, indexed by lut[x].
func LUTPopulateUint8(inputScale float32, inputZeroPoint int32, outputScale float32, outputZeroPoint int32, f func(float32) float32, lut *[256]uint8) {
	lutPopulate8(inputScale, inputZeroPoint, outputScale, outputZeroPoint, f, lut)
}

func lutPopulate8[T int8 | uint8](inputScale float32, inputZeroPoint int32, outputScale float32, outputZeroPoint int32, f func(float32) float32, lut *[256]T) {
	lo, hi := int32(0), int32(255)
	var signedProbe T
	if signedProbe--; signedProbe < 0 {
		lo, hi = -128, 127
	}
	inverseScale := 1 / outputScale
	for v := lo; v <= hi; v++ {
		dequantized := inputScale * float32(v-inputZeroPoint)
		rescaled := roundHalfAway32(f(dequantized) * inverseScale)
		quantized := saturateFloat32ToInt32(rescaled + float32(outputZeroPoint))
		lut[uint8(T(v))] = T(min(max(quantized, lo), hi))
	}
}

// LUTPopulateInt16 fills an int16 table for f over the whole int16 input
// range, in float32 arithmetic: each entry is the sample at the start of its
// segment, nudged by half the error that linear interpolation would make at
// the segment's midpoint.
func LUTPopulateInt16(inputScale float32, inputZeroPoint int32, outputScale float32, outputZeroPoint int32, f func(float32) float32, lut *[LUTSizeInt16]int16) {
	lutPopulate16(inputScale, inputZeroPoint, outputScale, outputZeroPoint, f, lut)
}

// LUTPopulateInt16Float64 is LUTPopulateInt16 in float64 arithmetic, the form
// TFLite keeps for int16 SOFTMAX's exp and 1/(1+x) tables.
func LUTPopulateInt16Float64(inputScale float64, inputZeroPoint int32, outputScale float64, outputZeroPoint int32, f func(float64) float64, lut *[LUTSizeInt16]int16) {
	lutPopulate16(inputScale, inputZeroPoint, outputScale, outputZeroPoint, f, lut)
}

func lutPopulate16[F float32 | float64](inputScale F, inputZeroPoint int32, outputScale F, outputZeroPoint int32, f func(F) F, lut *[LUTSizeInt16]int16) {
	const steps = LUTSizeInt16 - 1
	// Every product below is converted to F before it is added, so that no
	// target fuses it into a multiply-add TFLite does not do.
	inputMin := F(inputScale * F(math.MinInt16-inputZeroPoint))
	inputMax := F(inputScale * F(math.MaxInt16-inputZeroPoint))
	outputMin := F(outputScale * F(math.MinInt16-outputZeroPoint))
	outputMax := F(outputScale * F(math.MaxInt16-outputZeroPoint))
	step := (inputMax - inputMin) / steps
	halfStep := step / 2
	scaleInv := F(65536) / (outputMax - outputMin)
	clampToTable := func(v F) int16 { return int16(min(max(v, math.MinInt16), math.MaxInt16)) }
	for i := range steps {
		at := inputMin + F(F(i)*step)
		val := f(at)
		valMid := f(at + halfStep)
		valNext := f(inputMin + F(F(i+1)*step))
		sample := roundHalfAway(F(val * scaleInv))
		midInterp := roundHalfAway((F(valNext*scaleInv) + sample) / 2)
		midExact := roundHalfAway(F(valMid * scaleInv))
		bias := roundHalfAway((midInterp - midExact) / 2)
		lut[i] = clampToTable(sample - bias)
	}
	lut[steps] = clampToTable(roundHalfAway(F(f(inputMax) * scaleInv)))
}

// LUTLookupInt16 reads an int16 table: the top 9 bits of x pick the segment
// and the low 7 interpolate linearly, rounding half up.
func LUTLookupInt16(x int16, lut *[LUTSizeInt16]int16) int16 {
	index := 256 + int(x>>7)
	offset := int32(x & 0x7f)
	base := lut[index]
	slope := lut[index+1] - base // wraps in int16, as in TFLite
	return base + int16((int32(slope)*offset+64)>>7)
}

// LogisticInt16 is TFLite's reference int16 LOGISTIC for one element: the
// input is multiplied by inputMultiplier / 2^inputLeftShift so that one real
// unit is 3*2^12 steps, then sigmoid is interpolated in a 256-entry table of
// sigmoid(i/24). A zero inputMultiplier stands for a power-of-two input scale
// and means 3 << inputLeftShift. The result is in Q0.15.
func LogisticInt16(x int16, inputMultiplier int32, inputLeftShift int) int16 {
	in := scaleInt16ActivationInput(x, inputMultiplier, inputLeftShift)
	result := sigmoidTableInterpolate(in, 9, 0x7FFF<<10)
	if in >= 0 {
		result += 1 << 9
	} else {
		result = 1<<(16+9) - result + 1<<9 - 1
	}
	return int16(result >> 10)
}

// TanhInt16 is TFLite's reference int16 TANH for one element, using
// tanh(x) = 2*sigmoid(2x) - 1 on the same table as LogisticInt16. The result
// is in Q0.15.
func TanhInt16(x int16, inputMultiplier int32, inputLeftShift int) int16 {
	in := scaleInt16ActivationInput(x, inputMultiplier, inputLeftShift)
	result := int32(sigmoidTableInterpolate(in, 8, 0xFFFF<<8))
	if in >= 0 {
		result = result - 1<<(14+9) + 1<<(9-2)
	} else {
		result = -result + 1<<(14+9) + 1<<(9-2) - 1
	}
	return int16(result >> (9 - 1))
}

// sigmoidTableInterpolate interpolates sigmoidTable at |in|, whose low
// fracBits bits fall between entries; past the table it returns saturated.
func sigmoidTableInterpolate(in int32, fracBits uint, saturated uint32) uint32 {
	abs := uint32(in)
	if in < 0 {
		abs = uint32(-in)
	}
	i := abs >> fracBits
	if i >= 255 {
		return saturated
	}
	lo, hi := uint32(sigmoidTable[i]), uint32(sigmoidTable[i+1])
	return lo<<fracBits + (abs&(1<<fracBits-1))*(hi-lo)
}

// scaleInt16ActivationInput rescales an int16 LOGISTIC/TANH input so that
// 3*2^12 steps are one input unit (the table spans [-10.7, 10.7]).
func scaleInt16ActivationInput(x int16, multiplier int32, leftShift int) int32 {
	if multiplier == 0 {
		multiplier, leftShift = 3<<leftShift, 0
	}
	round := int32(0)
	if leftShift > 0 {
		round = 1 << (leftShift - 1)
	}
	return (int32(x)*multiplier + round) >> leftShift
}

func roundHalfAway[F float32 | float64](x F) F { return F(math.Round(float64(x))) }

func roundHalfAway32(x float32) float32 { return roundHalfAway(x) }

// saturateFloat32ToInt32 converts like C++'s static_cast where that is
// defined, and saturates where it is not (out of range); NaN gives 0.
func saturateFloat32ToInt32(x float32) int32 {
	switch {
	case x != x:
		return 0
	case x >= 1<<31:
		return math.MaxInt32
	case x < -(1 << 31):
		return math.MinInt32
	}
	return int32(x)
}

// sigmoidTable is TFLite's sigmoid_table_uint16: sigmoid(i/24) in Q0.16 for
// i = 0..255, as TFLite tabulates it (entries sit up to one step above the
// nearest value, favouring interpolation; the last is 65535).
var sigmoidTable = [256]uint16{
	32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149,
	40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369,
	47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169,
	53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
	57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
	60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302,
	62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
	63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
	64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786,
	64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
	65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
	65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
	65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
	65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
	65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
	65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
	65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522,
	65523, 65523, 65524, 65524, 65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528,
	65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531,
	65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
	65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
	65534, 65534, 65534, 65535,
}
