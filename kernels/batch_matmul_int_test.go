package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestBatchMatMulQuantizedMatchesTFLite(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	cases := []struct {
		typ        ir.DataType
		a, b, out  []int
		adjX, adjY bool
		constRHS   bool
		asym       bool
	}{
		{ir.Int8, []int{2, 5, 12}, []int{2, 12, 7}, []int{2, 5, 7}, false, false, true, false},
		{ir.Int8, []int{3, 9, 6}, []int{3, 8, 9}, []int{3, 6, 8}, true, true, false, false},
		{ir.Int16, []int{2, 4, 10}, []int{10, 6}, []int{2, 4, 6}, false, false, true, false},
		{ir.Float32, []int{2, 3, 16}, []int{16, 5}, []int{2, 3, 5}, false, false, true, false},
		{ir.Float32, []int{3, 16}, []int{5, 16}, []int{3, 5}, false, true, true, true},
	}
	var oracle []oracleCase
	for i, c := range cases {
		func(name string) {
			var lhs, rhs, out *ir.Tensor
			switch c.typ {
			case ir.Int8:
				lhs = quantTensor(r, ir.Int8, c.a, []float32{0.05}, []int64{4}, 0, -128, 127, true)
				rhs = quantTensor(r, ir.Int8, c.b, []float32{0.03}, []int64{-2}, 0, -128, 127, !c.constRHS)
				out = quantAct(ir.Int8, c.out, 0.2, 1)
			case ir.Int16:
				lhs = quantTensor(r, ir.Int16, c.a, []float32{0.002}, []int64{0}, 0, -32768, 32767, true)
				rhs = quantTensor(r, ir.Int16, c.b, []float32{0.001}, []int64{0}, 0, -32768, 32767, !c.constRHS)
				out = quantAct(ir.Int16, c.out, 0.01, 0)
			case ir.Float32:
				lhs = actF32(c.a, randVec(r, ir.NumElements(c.a)))
				rhs = quantTensor(r, ir.Int8, c.b, []float32{0.02}, []int64{0}, 0, -127, 127, false)
				out = activation(ir.Float32, c.out)
			}
			op := &ir.Op{Type: ir.BatchMatMul, Options: &ir.BatchMatMulOptions{AdjX: c.adjX, AdjY: c.adjY, AsymmetricQuantizeInputs: c.asym}}
			oracle = append(oracle, oracleCase{name, op, []*ir.Tensor{lhs, rhs}, out})
		}(fmt.Sprintf("%d_%v", i, c.typ))
	}
	matchOracle(t, 1e-5, oracle...)
}
