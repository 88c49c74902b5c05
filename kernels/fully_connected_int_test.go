package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// Hybrid weights quantized per channel are left out: the oracle's TFLite
// build returns only the bias for them (see
// TestFullyConnectedHybridPerChannel).
func TestFullyConnectedQuantizedMatchesTFLite(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	cases := []struct {
		in         ir.DataType
		batch      int
		inSize     int
		units      int
		perChannel bool
		asym       bool
		act        ir.Activation
	}{
		{ir.Int8, 3, 40, 17, false, false, ir.ActRelu},
		{ir.Uint8, 2, 33, 9, false, false, ir.ActNone},
		{ir.Int16, 2, 50, 11, false, false, ir.ActNone},
		{ir.Float32, 3, 37, 13, false, false, ir.ActNone},
		{ir.Float32, 2, 29, 8, false, true, ir.ActRelu},
	}
	var oracle []oracleCase
	for i, c := range cases {
		func(name string) {
			wScales := []float32{0.01 + 0.02*r.Float32()}
			if c.perChannel {
				wScales = make([]float32, c.units)
				for j := range wScales {
					wScales[j] = 0.005 + 0.03*r.Float32()
				}
			}
			wzp := make([]int64, len(wScales))
			var in, w, bias, out *ir.Tensor
			inScale := float32(0.04)
			switch c.in {
			case ir.Int8:
				in = quantTensor(r, ir.Int8, []int{c.batch, c.inSize}, []float32{inScale}, []int64{7}, 0, -128, 127, true)
				w = quantTensor(r, ir.Int8, []int{c.units, c.inSize}, wScales, wzp, 0, -127, 127, false)
				bias = quantTensor(r, ir.Int32, []int{c.units}, scaled(inScale, wScales), wzp, 0, -3000, 3000, false)
				out = quantAct(ir.Int8, []int{c.batch, c.units}, 0.3, -10)
			case ir.Uint8:
				in = quantTensor(r, ir.Uint8, []int{c.batch, c.inSize}, []float32{inScale}, []int64{128}, 0, 0, 255, true)
				w = quantTensor(r, ir.Uint8, []int{c.units, c.inSize}, wScales, []int64{140}, 0, 0, 255, false)
				bias = quantTensor(r, ir.Int32, []int{c.units}, scaled(inScale, wScales), wzp, 0, -3000, 3000, false)
				out = quantAct(ir.Uint8, []int{c.batch, c.units}, 0.6, 120)
			case ir.Int16:
				inScale = 0.002
				in = quantTensor(r, ir.Int16, []int{c.batch, c.inSize}, []float32{inScale}, []int64{0}, 0, -32768, 32767, true)
				w = quantTensor(r, ir.Int8, []int{c.units, c.inSize}, wScales, wzp, 0, -127, 127, false)
				bias = quantTensor(r, ir.Int64, []int{c.units}, scaled(inScale, wScales), wzp, 0, -1<<20, 1<<20, false)
				out = quantAct(ir.Int16, []int{c.batch, c.units}, 0.05, 0)
			case ir.Float32:
				in = actF32([]int{c.batch, c.inSize}, randVec(r, c.batch*c.inSize))
				w = quantTensor(r, ir.Int8, []int{c.units, c.inSize}, wScales, wzp, 0, -127, 127, false)
				bias = tensorF32([]int{c.units}, randVec(r, c.units))
				out = activation(ir.Float32, []int{c.batch, c.units})
			}
			op := &ir.Op{Type: ir.FullyConnected, Options: &ir.FullyConnectedOptions{Activation: c.act, AsymmetricQuantizeInputs: c.asym}}
			oracle = append(oracle, oracleCase{name, op, []*ir.Tensor{in, w, bias}, out})
		}(fmt.Sprintf("%d_%v", i, c.in))
	}
	matchOracle(t, 1e-5, oracle...)
}

// TestFullyConnectedHybridPerChannel checks hybrid weights quantized per
// channel against the float product with the dequantized weights: quantizing
// each input row to int8 moves every input by at most half its step, so each
// output may differ by at most half a step times the sum of the row's
// |weights|. (The oracle's TFLite build ignores per-channel scales in this
// kernel and returns only the bias; newer TFLite applies them, as here.)
func TestFullyConnectedHybridPerChannel(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	const batch, inSize, units = 3, 40, 9
	for _, asym := range []bool{false, true} {
		in := randVec(r, batch*inSize)
		scales := make([]float32, units)
		for i := range scales {
			scales[i] = 0.002 + 0.02*r.Float32()
		}
		w := quantTensor(r, ir.Int8, []int{units, inSize}, append([]float32(nil), scales...), make([]int64, units), 0, -127, 127, false)
		bias := randVec(r, units)
		out := activation(ir.Float32, []int{batch, units})
		op := &ir.Op{Type: ir.FullyConnected, Options: &ir.FullyConnectedOptions{AsymmetricQuantizeInputs: asym}}
		runKernel(t, op, []*ir.Tensor{actF32([]int{batch, inSize}, in), w, tensorF32([]int{units}, bias)}, []*ir.Tensor{out}, 1)
		wq := w.Int8s()
		for b := 0; b < batch; b++ {
			row := in[b*inSize : (b+1)*inSize]
			lo, hi := 0.0, 0.0
			for _, v := range row {
				lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
			}
			step := math.Max(-lo, hi) / 127
			if asym {
				step = (hi - lo) / 255
			}
			for u := 0; u < units; u++ {
				want, absW := float64(bias[u]), 0.0
				for i, v := range row {
					wv := float64(wq[u*inSize+i]) * float64(scales[u])
					want += float64(v) * wv
					absW += math.Abs(wv)
				}
				if got := float64(out.Float32s()[b*units+u]); math.Abs(got-want) > step/2*absW+1e-5 {
					t.Errorf("asymmetric %v, row %d unit %d: %v, want %v within %v", asym, b, u, got, want, step/2*absW)
				}
			}
		}
	}
}
