package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func naiveFC(in []float32, batch, inSize int, w []float32, units int, bias []float32, act ir.Activation) []float64 {
	out := make([]float64, batch*units)
	for b := 0; b < batch; b++ {
		for u := 0; u < units; u++ {
			s := 0.0
			if bias != nil {
				s = float64(bias[u])
			}
			for i := 0; i < inSize; i++ {
				s += float64(in[b*inSize+i]) * float64(w[u*inSize+i])
			}
			out[b*units+u] = clamp64(s, act)
		}
	}
	return out
}

func TestFullyConnectedHandWorked(t *testing.T) {
	// [1 2 3] times weights rows [1 0 -1] and [2 2 2], bias [0.5 -20], RELU.
	in := tensorF32([]int{1, 3}, []float32{1, 2, 3})
	w := tensorF32([]int{2, 3}, []float32{1, 0, -1, 2, 2, 2})
	bias := tensorF32([]int{2}, []float32{0.5, -20})
	out := activation(ir.Float32, []int{1, 2})
	op := &ir.Op{Type: ir.FullyConnected, Options: &ir.FullyConnectedOptions{Activation: ir.ActRelu}}
	runKernel(t, op, []*ir.Tensor{in, w, bias}, []*ir.Tensor{out}, 1)
	checkClose(t, "fc", out.Float32s(), []float64{0, 0}, 0) // -1.5 and -8 clamp to 0
	op.Options = &ir.FullyConnectedOptions{}
	runKernel(t, op, []*ir.Tensor{in, w, bias}, []*ir.Tensor{out}, 1)
	checkClose(t, "fc", out.Float32s(), []float64{-1.5, -8}, 0)
}

func TestFullyConnectedMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	cases := []struct {
		inShape  []int
		units    int
		outShape []int
		bias     bool
		act      ir.Activation
	}{
		{[]int{1, 10}, 7, []int{1, 7}, true, ir.ActNone},
		{[]int{2, 3, 16}, 20, []int{2, 3, 20}, false, ir.ActRelu}, // keep_num_dims
		{[]int{4, 2, 8}, 5, []int{8, 5}, true, ir.ActRelu6},       // batch flattening: 64 / 8 = 8 rows
		{[]int{37, 300}, 129, []int{37, 129}, true, ir.ActNone},
		{[]int{1, 1024}, 1001, []int{1, 1001}, true, ir.ActNone},
	}
	for i, c := range cases {
		for threads := 1; threads <= 2; threads++ {
			inSize := c.inShape[len(c.inShape)-1]
			if i == 2 {
				inSize = 8
			}
			batch := ir.NumElements(c.inShape) / inSize
			in, w := randVec(r, batch*inSize), randVec(r, c.units*inSize)
			ins := []*ir.Tensor{tensorF32(c.inShape, in), tensorF32([]int{c.units, inSize}, w)}
			var bias []float32
			if c.bias {
				bias = randVec(r, c.units)
				ins = append(ins, tensorF32([]int{c.units}, bias))
			}
			out := activation(ir.Float32, c.outShape)
			op := &ir.Op{Type: ir.FullyConnected, Options: &ir.FullyConnectedOptions{Activation: c.act, KeepNumDims: len(c.outShape) > 2}}
			runKernel(t, op, ins, []*ir.Tensor{out}, threads)
			checkClose(t, "fc", out.Float32s(), naiveFC(in, batch, inSize, w, c.units, bias, c.act), 1e-5)
		}
	}
}

func TestFullyConnectedRejectsBadShapes(t *testing.T) {
	op := &ir.Op{Type: ir.FullyConnected, Options: &ir.FullyConnectedOptions{}}
	in := tensorF32([]int{2, 5}, make([]float32, 10))
	if err := tryKernel(op, []*ir.Tensor{in, tensorF32([]int{3, 4}, make([]float32, 12))}, []*ir.Tensor{activation(ir.Float32, []int{2, 3})}, 1); err == nil {
		t.Error("input of 10 elements in rows of 4 accepted")
	}
	if err := tryKernel(op, []*ir.Tensor{in, tensorF32([]int{3, 5}, make([]float32, 15))}, []*ir.Tensor{activation(ir.Float32, []int{2, 4})}, 1); err == nil {
		t.Error("output of the wrong size accepted")
	}
}
