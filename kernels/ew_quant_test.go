package kernels

import (
	"math"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

func ewI8(shape []int, scale float32, zp int64, v ...int8) *ir.Tensor {
	return ewQuant(&ir.Tensor{Name: "i8", Type: ir.Int8, Shape: shape, HasRank: true, Data: ir.Int8Bytes(v)}, scale, zp)
}

func ewU8(shape []int, scale float32, zp int64, v ...uint8) *ir.Tensor {
	return ewQuant(&ir.Tensor{Name: "u8", Type: ir.Uint8, Shape: shape, HasRank: true, Data: append([]byte(nil), v...)}, scale, zp)
}

func ewI16(shape []int, scale float32, v ...int16) *ir.Tensor {
	return ewQuant(&ir.Tensor{Name: "i16", Type: ir.Int16, Shape: shape, HasRank: true, Data: ir.Int16Bytes(v)}, scale, 0)
}

// TestQuantAddRounding works ADD through by hand where the exact result is a
// tie: inputs on scale 1, output on scale 2, so 1+0 is 0.5 output steps.
// Multipliers: each input 1/(2·1) = 0.5 = 2^30·2^-31 (shift 0), the output
// 2/(2^20·2) = 2^-20 = 2^30·2^-31·2^-19. 1<<20 halves to 2^19, which the
// output stage takes to 2^-1: TFLite's default double rounding sends
// ±0.5 away from zero, the single rounding of XNNPACK sends it up.
func TestQuantAddRounding(t *testing.T) {
	for _, c := range []struct {
		r    fixedpoint.Rounding
		want []int8
	}{
		{fixedpoint.DoubleRounding, []int8{1, -1, 3}},
		{fixedpoint.SingleRounding, []int8{1, 0, 3}},
	} {
		out := ewQuant(ewOut(ir.Int8, []int{3}), 2, 0)
		n := ewNode(ir.Add, &ir.AddOptions{}, []*ir.Tensor{ewI8([]int{3}, 1, 0, 1, -1, 2), ewI8([]int{3}, 1, 0, 0, 0, 3)}, out)
		n.Ctx.Rounding = c.r
		ewMustRun(t, n)
		ewCheckInts(t, "ADD "+c.r.String(), out.Int8s(), c.want)
	}
}

func TestQuantHandValues(t *testing.T) {
	// MUL: 1.5·2.5 = 3.75 = 15 steps of 0.25, -2·2.5 = -20 steps
	// (multiplier exactly 1).
	out := ewQuant(ewOut(ir.Int8, []int{2}), 0.25, 0)
	ewMustRun(t, ewNode(ir.Mul, &ir.MulOptions{}, []*ir.Tensor{ewI8([]int{2}, 0.5, 0, 3, -4), ewI8([]int{2}, 0.5, 0, 5, 5)}, out))
	ewCheckInts(t, "MUL int8", out.Int8s(), []int8{15, -20})

	// RELU6 uint8, input (q-10)·0.1, output q·0.05: 12 clamps to 6 = 120
	// steps, 0.5 is 10 steps, -0.5 clamps to 0.
	out = ewQuant(ewOut(ir.Uint8, []int{3}), 0.05, 0)
	ewMustRun(t, ewNode(ir.Relu6, nil, []*ir.Tensor{ewU8([]int{3}, 0.1, 10, 130, 15, 5)}, out))
	ewCheckInts(t, "RELU6 uint8", out.Data, []uint8{120, 10, 0})

	// LOGISTIC int8 on input scale 1/16: σ(0) = 0.5 is 128/256, σ(1) =
	// 0.7311 rounds to 187/256, σ(-8) = 0.0003 to 0; minus the -128 offset.
	out = ewQuant(ewOut(ir.Int8, []int{3}), 1.0/256, -128)
	ewMustRun(t, ewNode(ir.Logistic, nil, []*ir.Tensor{ewI8([]int{3}, 1.0/16, 0, 0, 16, -128)}, out))
	ewCheckInts(t, "LOGISTIC int8", out.Int8s(), []int8{0, 59, -128})

	// int16 ADD, power-of-two path: input 2 (scale 2^-15) is shifted right
	// by 3 onto the output scale 2^-12 with rounding half away from zero:
	// 12/8 = 1.5 gives 2, -12/8 gives -2; 32767+100 saturates.
	out16 := ewQuant(ewOut(ir.Int16, []int{3}), 1.0/4096, 0)
	ewMustRun(t, ewNode(ir.Add, &ir.AddOptions{PotScaleInt16: true}, []*ir.Tensor{
		ewI16([]int{3}, 1.0/4096, 100, 100, 32767), ewI16([]int{3}, 1.0/32768, 12, -12, 800)}, out16))
	ewCheckInts(t, "ADD int16 pot", out16.Int16s(), []int16{102, 98, 32767})

	// int16 SUB, power-of-two path with the first input shifted: 100/8 =
	// 12.5 rounds to 13, minus 50.
	out16 = ewQuant(ewOut(ir.Int16, []int{1}), 1.0/4096, 0)
	ewMustRun(t, ewNode(ir.Sub, &ir.SubOptions{PotScaleInt16: true}, []*ir.Tensor{
		ewI16([]int{1}, 1.0/32768, 100), ewI16([]int{1}, 1.0/4096, 50)}, out16))
	ewCheckInts(t, "SUB int16 pot", out16.Int16s(), []int16{-37})

	// MAXIMUM compares stored integers.
	out = ewQuant(ewOut(ir.Int8, []int{2}), 0.1, 0)
	ewMustRun(t, ewNode(ir.Maximum, nil, []*ir.Tensor{ewI8([]int{2}, 0.1, 0, -5, 7), ewI8([]int{1}, 0.1, 0, 3)}, out))
	ewCheckInts(t, "MAXIMUM int8", out.Int8s(), []int8{3, 7})
}

// TestQuantSoftmaxUniform: a row of equal logits is 1/4 each, 64 steps of
// 1/256 above the -128 zero point, in both of TFLite's implementations.
func TestQuantSoftmaxUniform(t *testing.T) {
	for _, ks := range []KernelSet{BuiltinKernels, ReferenceKernels} {
		out := ewQuant(ewOut(ir.Int8, []int{2, 4}), 1.0/256, -128)
		n := ewNode(ir.Softmax, &ir.SoftmaxOptions{Beta: 1}, []*ir.Tensor{ewI8([]int{2, 4}, 0.1, 0, 7, 7, 7, 7, -100, -100, -100, -100)}, out)
		n.Ctx.Kernels = ks
		ewMustRun(t, n)
		ewCheckInts(t, "SOFTMAX uniform "+ks.String(), out.Int8s(), []int8{-64, -64, -64, -64, -64, -64, -64, -64})
	}
}

// TestQuantSoftmaxNearExact: both implementations of 8-bit SOFTMAX and
// LOG_SOFTMAX stay within one step of the exactly rounded result, which is
// what each is built to approximate.
func TestQuantSoftmaxNearExact(t *testing.T) {
	const depth = 16
	x := make([]int8, 3*depth)
	for i := range x {
		x[i] = int8((i*53 + 11) % 256)
	}
	for _, ks := range []KernelSet{BuiltinKernels, ReferenceKernels} {
		for _, log := range []bool{false, true} {
			typ, outS, outZ := ir.Softmax, float32(1.0/256), int64(-128)
			if log {
				typ, outS, outZ = ir.LogSoftmax, 16.0/256, 127
			}
			out := ewQuant(ewOut(ir.Int8, []int{3, depth}), outS, outZ)
			n := ewNode(typ, &ir.SoftmaxOptions{Beta: 1}, []*ir.Tensor{ewI8([]int{3, depth}, 0.05, 0, x...)}, out)
			n.Ctx.Kernels = ks
			ewMustRun(t, n)
			for r := 0; r < 3; r++ {
				row := x[r*depth : (r+1)*depth]
				var sum float64
				for _, v := range row {
					sum += math.Exp(0.05 * float64(v))
				}
				for i, v := range row {
					real := math.Exp(0.05*float64(v)) / sum
					if log {
						real = math.Log(real)
					}
					want := math.Max(-128, math.Min(127, math.Round(real/float64(outS))+float64(outZ)))
					if got := float64(out.Int8s()[r*depth+i]); math.Abs(got-want) > 1 {
						t.Errorf("%v %v: row %d element %d is %v, exact %v", typ, ks, r, i, got, want)
					}
				}
			}
		}
	}
}

// TestQuantMeanHandValues: means of 1.5 and -1.5. TFLite's float
// requantization (its builtin general MEAN) rounds half away from zero; the
// fixed-point ones (reference MEAN, and the 4-D height-width MEAN) multiply
// by exactly 0.5 = 2^30·2^-31, so SaturatingRoundingDoublingHighMul does the
// rounding, and it rounds ties up: -1.5 becomes -1. XNNPACK's mean (TFLite's
// 4-D height-width MEAN under XNNPACKKernels) scales in float32 and rounds
// ties to even: 1.5 and -1.5 become 2 and -2.
func TestQuantMeanHandValues(t *testing.T) {
	for _, c := range []struct {
		ks       KernelSet
		general  []int8
		heightWd []int8
	}{
		{BuiltinKernels, []int8{2, -2}, []int8{2, -1}},
		{ReferenceKernels, []int8{2, -1}, []int8{2, -1}},
		{XNNPACKKernels, []int8{2, -2}, []int8{2, -2}}, // XNNPACK: float32, ties to even
	} {
		out := ewQuant(ewOut(ir.Int8, []int{2}), 1, 0)
		n := ewNode(ir.Mean, &ir.ReducerOptions{}, []*ir.Tensor{ewI8([]int{2, 2}, 1, 0, 1, 2, -1, -2), ewI32([]int{1}, 1)}, out)
		n.Ctx.Kernels = c.ks
		ewMustRun(t, n)
		ewCheckInts(t, "MEAN "+c.ks.String(), out.Int8s(), c.general)

		out = ewQuant(ewOut(ir.Int8, []int{1, 1, 1, 2}), 1, 0)
		n = ewNode(ir.Mean, &ir.ReducerOptions{KeepDims: true}, []*ir.Tensor{ewI8([]int{1, 2, 1, 2}, 1, 0, 1, -1, 2, -2), ewI32([]int{2}, 1, 2)}, out)
		n.Ctx.Kernels = c.ks
		ewMustRun(t, n)
		ewCheckInts(t, "MEAN height-width "+c.ks.String(), out.Int8s(), c.heightWd)
	}
	// Empty axes copy the stored integers, whatever the scales.
	out := ewQuant(ewOut(ir.Uint8, []int{3}), 0.5, 7)
	ewMustRun(t, ewNode(ir.Sum, &ir.ReducerOptions{}, []*ir.Tensor{ewU8([]int{3}, 0.1, 0, 1, 2, 250), ewI32([]int{0})}, out))
	ewCheckInts(t, "SUM no axes", out.Data, []uint8{1, 2, 250})
}

// TestQuantL2NormNearExact: [3, 4] normalizes to [0.6, 0.8], i.e. 76.8 and
// 102.4 steps of 1/128; [-6, 0] to [-1, 0], and -1 is the lowest int8.
func TestQuantL2NormNearExact(t *testing.T) {
	out := ewQuant(ewOut(ir.Int8, []int{2, 2}), 1.0/128, 0)
	ewMustRun(t, ewNode(ir.L2Normalization, &ir.L2NormOptions{}, []*ir.Tensor{ewI8([]int{2, 2}, 0.3, 1, 4, 5, -5, 1)}, out))
	want := []float64{76.8, 102.4, -128, 0}
	for i, w := range want {
		if got := float64(out.Int8s()[i]); math.Abs(got-w) > 1 {
			t.Errorf("L2_NORMALIZATION int8 [%d] = %v, want %v ± 1", i, got, w)
		}
	}
}

func TestQuantErrors(t *testing.T) {
	i8 := func(sc float32, zp int64) *ir.Tensor { return ewI8([]int{2}, sc, zp, 1, 2) }
	cases := []struct {
		name string
		n    *Node
		want string
	}{
		{"int16 zero point", ewNode(ir.Add, &ir.AddOptions{}, []*ir.Tensor{ewQuant(ewI16([]int{1}, 0.1, 5), 0.1, 3), ewI16([]int{1}, 0.1, 5)}, ewQuant(ewOut(ir.Int16, []int{1}), 0.1, 0)), "zero point 3"},
		{"no quantization", ewNode(ir.Mul, &ir.MulOptions{}, []*ir.Tensor{i8(0.1, 0), {Name: "plain", Type: ir.Int8, Shape: []int{2}, Data: []byte{1, 2}}}, ewQuant(ewOut(ir.Int8, []int{2}), 0.1, 0)), `"plain"`},
		{"bad scale", ewNode(ir.Add, &ir.AddOptions{}, []*ir.Tensor{i8(0.1, 0), i8(-1, 0)}, ewQuant(ewOut(ir.Int8, []int{2}), 0.1, 0)), "scale"},
		{"logistic output scale", ewNode(ir.Logistic, nil, []*ir.Tensor{i8(0.1, 0)}, ewQuant(ewOut(ir.Int8, []int{2}), 1.0/128, -128)), "1/256"},
		{"softmax output zero point", ewNode(ir.Softmax, &ir.SoftmaxOptions{Beta: 1}, []*ir.Tensor{i8(0.1, 0)}, ewQuant(ewOut(ir.Int8, []int{2}), 1.0/256, -127)), "zero point -128"},
		{"log softmax output", ewNode(ir.LogSoftmax, nil, []*ir.Tensor{i8(0.1, 0)}, ewQuant(ewOut(ir.Int8, []int{2}), 1.0/256, 127)), "scale 1/16"},
		{"l2norm output", ewNode(ir.L2Normalization, nil, []*ir.Tensor{i8(0.1, 0)}, ewQuant(ewOut(ir.Int8, []int{2}), 1.0/256, 0)), "1/128"},
		{"int16 hard swish", ewNode(ir.HardSwish, nil, []*ir.Tensor{ewI16([]int{1}, 0.1, 1)}, ewQuant(ewOut(ir.Int16, []int{1}), 0.1, 0)), "does not support int16"},
		{"uint8 squared difference", ewNode(ir.SquaredDifference, nil, []*ir.Tensor{ewU8([]int{1}, 0.1, 0, 1), ewU8([]int{1}, 0.1, 0, 1)}, ewQuant(ewOut(ir.Uint8, []int{1}), 0.1, 0)), "does not support uint8"},
		{"int16 tanh output", ewNode(ir.Tanh, nil, []*ir.Tensor{ewI16([]int{1}, 1.0/4096, 1)}, ewQuant(ewOut(ir.Int16, []int{1}), 1.0/4096, 0)), "2^-15"},
		{"reduce max params", ewNode(ir.ReduceMax, nil, []*ir.Tensor{i8(0.1, 0), ewI32([]int{1}, 0)}, ewQuant(ewOut(ir.Int8, nil), 0.2, 0)), "same quantization"},
		{"pot shifts", ewNode(ir.Add, &ir.AddOptions{PotScaleInt16: true}, []*ir.Tensor{ewI16([]int{1}, 1.0/32768, 1), ewI16([]int{1}, 1.0/16384, 1)}, ewQuant(ewOut(ir.Int16, []int{1}), 1.0/4096, 0)), "power-of-two"},
	}
	for _, c := range cases {
		err := ewRun(t, c.n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
