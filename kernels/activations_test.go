package kernels

import (
	"math"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestActivationsFloat(t *testing.T) {
	ln3 := float32(math.Log(3))
	ewRunUnaryCases(t, []ewUnaryCase{
		{ir.Relu, nil, []float32{-1, 0, 2.5}, []float64{0, 0, 2.5}},
		{ir.Relu6, nil, []float32{-1, 3, 7}, []float64{0, 3, 6}},
		{ir.ReluN1To1, nil, []float32{-2, 0.5, 2}, []float64{-1, 0.5, 1}},
		{ir.Relu0To1, nil, []float32{-2, 0.5, 2}, []float64{0, 0.5, 1}},
		{ir.LeakyRelu, &ir.LeakyReluOptions{Alpha: 0.2}, []float32{-5, 0, 3}, []float64{-1, 0, 3}},
		// x·relu6(x+3)/6: flat zero below -3, identity above 3, x(x+3)/6 between.
		{ir.HardSwish, nil, []float32{-4, -3, -1, 0, 1, 3, 4}, []float64{0, 0, -1.0 / 3, 0, 2.0 / 3, 3, 4}},
		// 1/(1+e^-x): ln 3 gives 3/4; far out it saturates to 1 or follows e^x.
		{ir.Logistic, nil, []float32{0, ln3, -ln3, 20, -20}, []float64{0.5, 0.75, 0.25, 1, math.Exp(-20) / (1 + math.Exp(-20))}},
		{ir.Tanh, nil, []float32{0, float32(math.Atanh(0.5)), -30}, []float64{0, 0.5, -1}},
		// Exact GELU is x·Φ(x): Φ(1) = 0.8413447460685429, Φ(2) = 0.9772498680518208.
		{ir.Gelu, nil, []float32{0, 1, -1, 2}, []float64{0, 0.8413447460685429, -0.15865525393145707, 2 * 0.9772498680518208}},
		{ir.Gelu, &ir.GeluOptions{Approximate: true}, []float32{0, 1, -1}, []float64{0, 0.8411919906082768, -0.15880800939172324}},
		{ir.Elu, nil, []float32{-1, 0, 2, -50}, []float64{math.Exp(-1) - 1, 0, 2, -1}},
	}, 1e-6)
}

// TestHardSwishProperties checks the float hard-swish against its defining
// pieces on a dense ramp.
func TestHardSwishProperties(t *testing.T) {
	x := ewRamp(97, -8, 8)
	out := ewOut(ir.Float32, []int{97})
	ewMustRun(t, ewNode(ir.HardSwish, nil, []*ir.Tensor{ewF32([]int{97}, x...)}, out))
	for i, v := range x {
		var want float64
		switch {
		case v <= -3:
			want = 0
		case v >= 3:
			want = float64(v)
		default:
			want = float64(v) * (float64(v) + 3) / 6
		}
		if !ewClose(float64(out.Float32s()[i]), want, 1e-6) {
			t.Errorf("hard_swish(%v) = %v, want %v", v, out.Float32s()[i], want)
		}
	}
}

func TestPreluFloat(t *testing.T) {
	// NHWC input 1x2x2x3 with one alpha per channel.
	in := []float32{-1, -2, -3, 1, 2, 3, -4, 5, -6, 0, -0.5, 7}
	alpha := []float32{0.1, 0.2, 0.3}
	out := ewOut(ir.Float32, []int{1, 2, 2, 3})
	ewMustRun(t, ewNode(ir.PRelu, nil, []*ir.Tensor{ewF32([]int{1, 2, 2, 3}, in...), ewF32([]int{1, 1, 3}, alpha...)}, out))
	ewCheckF32(t, "PRELU", out.Float32s(), []float64{-0.1, -0.4, -0.9, 1, 2, 3, -0.4, 5, -1.8, 0, -0.1, 7}, 1e-6)

	// Alpha as a full tensor (no broadcast).
	out = ewOut(ir.Float32, []int{2})
	ewMustRun(t, ewNode(ir.PRelu, nil, []*ir.Tensor{ewF32([]int{2}, -1, -1), ewF32([]int{2}, 0.5, 2)}, out))
	ewCheckF32(t, "PRELU full alpha", out.Float32s(), []float64{-0.5, -2}, 0)

	// Alpha must broadcast to the input, not the other way round.
	if err := ewRun(t, ewNode(ir.PRelu, nil, []*ir.Tensor{ewF32([]int{3}, 1, 2, 3), ewF32([]int{2, 3}, 1, 2, 3, 4, 5, 6)}, ewOut(ir.Float32, []int{3}))); err == nil {
		t.Error("PRELU accepted an alpha larger than its input")
	}
}
