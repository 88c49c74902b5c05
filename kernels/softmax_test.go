package kernels

import (
	"math"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestSoftmaxFloat(t *testing.T) {
	// Rows of a 2x3 tensor: [1,2,3] and the same shifted by 1000, which only
	// works if the max is subtracted before exponentiating.
	out := ewOut(ir.Float32, []int{2, 3})
	ewMustRun(t, ewNode(ir.Softmax, &ir.SoftmaxOptions{Beta: 1}, []*ir.Tensor{ewF32([]int{2, 3}, 1, 2, 3, 1001, 1002, 1003)}, out))
	p := []float64{0.09003057317038046, 0.24472847105479767, 0.6652409557748219}
	ewCheckF32(t, "SOFTMAX", out.Float32s(), append(p, p...), 1e-6)

	// beta scales the logits: [0, 1] with beta ln 3 gives e^0 : e^ln3 = 1 : 3.
	out = ewOut(ir.Float32, []int{1, 2})
	ewMustRun(t, ewNode(ir.Softmax, &ir.SoftmaxOptions{Beta: float32(math.Log(3))}, []*ir.Tensor{ewF32([]int{1, 2}, 0, 1)}, out))
	ewCheckF32(t, "SOFTMAX beta", out.Float32s(), []float64{0.25, 0.75}, 1e-6)

	// Property: each row of a wide 4-D softmax sums to 1 and keeps order.
	x := ewRamp(2*3*5*16, -20, 20)
	out = ewOut(ir.Float32, []int{2, 3, 5, 16})
	ewMustRun(t, ewNode(ir.Softmax, &ir.SoftmaxOptions{Beta: 0.7}, []*ir.Tensor{ewF32([]int{2, 3, 5, 16}, x...)}, out))
	y := out.Float32s()
	for r := 0; r < len(y)/16; r++ {
		var s float64
		for c := 0; c < 16; c++ {
			s += float64(y[r*16+c])
			for d := 0; d < 16; d++ {
				if x[r*16+c] < x[r*16+d] && y[r*16+c] > y[r*16+d] {
					t.Fatalf("row %d: softmax does not keep the order of %v and %v", r, x[r*16+c], x[r*16+d])
				}
			}
		}
		if math.Abs(s-1) > 1e-5 {
			t.Errorf("row %d sums to %v", r, s)
		}
	}
}

func TestLogSoftmaxFloat(t *testing.T) {
	out := ewOut(ir.Float32, []int{2, 3})
	ewMustRun(t, ewNode(ir.LogSoftmax, nil, []*ir.Tensor{ewF32([]int{2, 3}, 1, 2, 3, -997, -998, -999)}, out))
	ewCheckF32(t, "LOG_SOFTMAX", out.Float32s(), []float64{
		-2.4076059644443806, -1.4076059644443804, -0.4076059644443804,
		-0.4076059644443804, -1.4076059644443804, -2.4076059644443806,
	}, 1e-5)
}

func TestL2NormFloat(t *testing.T) {
	out := ewOut(ir.Float32, []int{3, 3})
	ewMustRun(t, ewNode(ir.L2Normalization, &ir.L2NormOptions{}, []*ir.Tensor{ewF32([]int{3, 3}, 3, 4, 0, 0, 0, 0, -6, 8, 0)}, out))
	// An all-zero row stays zero: the norm is floored at 1e-6, not divided by.
	ewCheckF32(t, "L2_NORMALIZATION", out.Float32s(), []float64{0.6, 0.8, 0, 0, 0, 0, -0.6, 0.8, 0}, 1e-6)

	// A tiny vector is divided by the floor 1e-6 rather than its norm.
	out = ewOut(ir.Float32, []int{2})
	ewMustRun(t, ewNode(ir.L2Normalization, nil, []*ir.Tensor{ewF32([]int{2}, 3e-8, 4e-8)}, out))
	ewCheckF32(t, "L2_NORMALIZATION floor", out.Float32s(), []float64{0.03, 0.04}, 1e-6)

	if err := ewRun(t, ewNode(ir.L2Normalization, &ir.L2NormOptions{Activation: ir.ActRelu}, []*ir.Tensor{ewF32([]int{2}, 1, 2)}, ewOut(ir.Float32, []int{2}))); err == nil {
		t.Error("L2_NORMALIZATION accepted a fused activation, which TFLite rejects")
	}
}
