// Package fixedpoint is the integer arithmetic TFLite specifies for quantized
// kernels: quantized multipliers, rounding, and fixed-point transcendental
// functions.
package fixedpoint

// Rounding selects how MultiplyByQuantizedMultiplier rounds.
type Rounding int

const (
	// DoubleRounding is TFLite's default: SaturatingRoundingDoublingHighMul
	// followed by RoundingDivideByPOT (two roundings). TFLite's reference
	// kernels and TFLite Micro use it.
	DoubleRounding Rounding = iota
	// SingleRounding rounds once, as TFLite built with TFLITE_SINGLE_ROUNDING
	// and XNNPACK do.
	SingleRounding
)

func (r Rounding) String() string {
	if r == SingleRounding {
		return "single"
	}
	return "double"
}
