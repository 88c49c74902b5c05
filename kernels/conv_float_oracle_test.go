package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// The float kernels against TFLite on one-op models (the naive-formula tests
// check the definitions; these check that the definitions are TFLite's).
func TestFloatKernelsMatchTFLite(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	cases := map[string]func() (*ir.Op, []*ir.Tensor, *ir.Tensor){
		"conv_same_stride2_dilated": func() (*ir.Op, []*ir.Tensor, *ir.Tensor) {
			op := &ir.Op{Type: ir.Conv2D, Options: &ir.Conv2DOptions{Padding: ir.PaddingSame, StrideH: 2, StrideW: 1, DilationH: 1, DilationW: 2, Activation: ir.ActRelu6}}
			in := actF32([]int{1, 9, 8, 3}, randVec(r, 9*8*3))
			oh, ow := ir.ConvOutputSize(ir.PaddingSame, 9, 3, 2, 1), ir.ConvOutputSize(ir.PaddingSame, 8, 3, 1, 2)
			return op, []*ir.Tensor{in, tensorF32([]int{4, 3, 3, 3}, randVec(r, 4*27)), tensorF32([]int{4}, randVec(r, 4))}, activation(ir.Float32, []int{1, oh, ow, 4})
		},
		"depthwise_mult2": func() (*ir.Op, []*ir.Tensor, *ir.Tensor) {
			op := &ir.Op{Type: ir.DepthwiseConv2D, Options: &ir.DepthwiseConv2DOptions{Padding: ir.PaddingSame, StrideH: 2, StrideW: 2, DepthMultiplier: 2, DilationH: 1, DilationW: 1}}
			in := actF32([]int{1, 7, 7, 3}, randVec(r, 7*7*3))
			return op, []*ir.Tensor{in, tensorF32([]int{1, 3, 3, 6}, randVec(r, 54)), tensorF32([]int{6}, randVec(r, 6))}, activation(ir.Float32, []int{1, 4, 4, 6})
		},
		"transpose_conv_valid": func() (*ir.Op, []*ir.Tensor, *ir.Tensor) {
			op := &ir.Op{Type: ir.TransposeConv, Options: &ir.TransposeConvOptions{Padding: ir.PaddingValid, StrideH: 2, StrideW: 2}}
			in := actF32([]int{1, 3, 4, 2}, randVec(r, 24))
			return op, []*ir.Tensor{int32Tensor([]int{4}, []int32{1, 7, 9, 3}), tensorF32([]int{3, 3, 3, 2}, randVec(r, 54)), in}, activation(ir.Float32, []int{1, 7, 9, 3})
		},
		"fully_connected_keep_dims": func() (*ir.Op, []*ir.Tensor, *ir.Tensor) {
			op := &ir.Op{Type: ir.FullyConnected, Options: &ir.FullyConnectedOptions{KeepNumDims: true, Activation: ir.ActRelu}}
			in := actF32([]int{2, 3, 10}, randVec(r, 60))
			return op, []*ir.Tensor{in, tensorF32([]int{7, 10}, randVec(r, 70)), tensorF32([]int{7}, randVec(r, 7))}, activation(ir.Float32, []int{2, 3, 7})
		},
		"average_pool_same": func() (*ir.Op, []*ir.Tensor, *ir.Tensor) {
			return poolOp(ir.AveragePool2D, ir.PaddingSame, 3, 2, 2, 2, ir.ActNone), []*ir.Tensor{actF32([]int{1, 7, 5, 3}, randVec(r, 105))}, activation(ir.Float32, []int{1, 4, 3, 3})
		},
		"l2_pool_same": func() (*ir.Op, []*ir.Tensor, *ir.Tensor) {
			return poolOp(ir.L2Pool2D, ir.PaddingSame, 3, 3, 2, 2, ir.ActNone), []*ir.Tensor{actF32([]int{1, 7, 5, 3}, randVec(r, 105))}, activation(ir.Float32, []int{1, 4, 3, 3})
		},
		"batch_matmul_broadcast": func() (*ir.Op, []*ir.Tensor, *ir.Tensor) {
			op := &ir.Op{Type: ir.BatchMatMul, Options: &ir.BatchMatMulOptions{AdjY: true}}
			return op, []*ir.Tensor{actF32([]int{2, 1, 3, 4}, randVec(r, 24)), actF32([]int{3, 5, 4}, randVec(r, 60))}, activation(ir.Float32, []int{2, 3, 3, 5})
		},
	}
	var oracle []oracleCase
	for name, build := range cases {
		func(name string) {
			op, ins, out := build()
			oracle = append(oracle, oracleCase{name, op, ins, out})
		}(name)
	}
	matchOracle(t, 1e-5, oracle...)
}
