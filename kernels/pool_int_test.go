package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestPoolIntHandWorked(t *testing.T) {
	// int8 2x2 average, SAME, stride 1, over [-3 -2; 2 5]: the window sums
	// are 2, 3, 7, 5 over 4, 2, 2, 1 elements; -0.5 rounds away from zero.
	in := quantAct(ir.Int8, []int{1, 2, 2, 1}, 1, 0)
	copy(in.Int8s(), []int8{-3, -2, 2, 5})
	in2 := quantAct(ir.Int8, []int{1, 2, 2, 1}, 1, 0)
	copy(in2.Int8s(), []int8{-3, -2, -2, -5})
	out := quantAct(ir.Int8, []int{1, 2, 2, 1}, 1, 0)
	runKernel(t, poolOp(ir.AveragePool2D, ir.PaddingSame, 2, 2, 1, 1, ir.ActNone), []*ir.Tensor{in}, []*ir.Tensor{out}, 1)
	// 2/4 = 0.5 -> 1; 3/2 = 1.5 -> 2; 7/2 = 3.5 -> 4; 5/1 = 5
	if got, want := fmt.Sprint(out.Int8s()), "[1 2 4 5]"; got != want {
		t.Errorf("average pool = %v, want %v", got, want)
	}
	runKernel(t, poolOp(ir.AveragePool2D, ir.PaddingSame, 2, 2, 1, 1, ir.ActNone), []*ir.Tensor{in2}, []*ir.Tensor{out}, 1)
	// -12/4 = -3; -7/2 = -3.5 -> -4; -7/2 -> -4; -5
	if got, want := fmt.Sprint(out.Int8s()), "[-3 -4 -4 -5]"; got != want {
		t.Errorf("average pool = %v, want %v", got, want)
	}
	runKernel(t, poolOp(ir.MaxPool2D, ir.PaddingSame, 2, 2, 1, 1, ir.ActRelu), []*ir.Tensor{in2}, []*ir.Tensor{out}, 1)
	if got, want := fmt.Sprint(out.Int8s()), "[0 0 0 0]"; got != want { // RELU clamps at the zero point
		t.Errorf("max pool with RELU = %v, want %v", got, want)
	}
}

func TestPoolIntMatchesTFLite(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	var oracle []oracleCase
	for _, typ := range []ir.DataType{ir.Int8, ir.Uint8, ir.Int16} {
		for _, op := range []ir.OpType{ir.AveragePool2D, ir.MaxPool2D} {
			func(name string) {
				lo, hi, zp := -128, 127, int64(-5)
				switch typ {
				case ir.Uint8:
					lo, hi, zp = 0, 255, 120
				case ir.Int16:
					lo, hi, zp = -32768, 32767, 0
				}
				in := quantTensor(r, typ, []int{1, 9, 8, 3}, []float32{0.1}, []int64{zp}, 0, lo, hi, true)
				oh, ow := ir.ConvOutputSize(ir.PaddingSame, 9, 3, 2, 1), ir.ConvOutputSize(ir.PaddingSame, 8, 3, 2, 1)
				out := quantAct(typ, []int{1, oh, ow, 3}, 0.1, zp)
				oracle = append(oracle, oracleCase{name, poolOp(op, ir.PaddingSame, 3, 3, 2, 2, ir.ActRelu6), []*ir.Tensor{in}, out})
			}(fmt.Sprintf("%v_%v", typ, op))
		}
	}
	matchOracle(t, 0, oracle...)
}
