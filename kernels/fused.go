package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// activationRange returns the clamp bounds of a fused activation for float
// outputs; tanh and sign-bit are not clamps and are rejected.
func activationRange(a ir.Activation) (lo, hi float32, err error) {
	switch a {
	case ir.ActNone:
		return float32(math.Inf(-1)), float32(math.Inf(1)), nil
	case ir.ActRelu:
		return 0, float32(math.Inf(1)), nil
	case ir.ActRelu6:
		return 0, 6, nil
	case ir.ActReluN1To1:
		return -1, 1, nil
	}
	return 0, 0, fmt.Errorf("fused activation %v is not supported", a)
}

// clampF32 applies a fused activation's bounds in place.
func clampF32(v []float32, lo, hi float32) {
	for i, x := range v {
		if x < lo {
			v[i] = lo
		} else if x > hi {
			v[i] = hi
		}
	}
}
