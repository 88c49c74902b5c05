package kernels

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// ewBench prepares n once and times its Eval.
func ewBench(b *testing.B, n *Node, bytesPerRun int) {
	f, _ := LookupOp(n.Op)
	k := f()
	if err := k.Prepare(n); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(bytesPerRun))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := k.Eval(n); err != nil {
			b.Fatal(err)
		}
	}
}

// A residual ADD of two MobileNet-sized activations.
func BenchmarkAddFloat32SameShape(b *testing.B) {
	s := []int{1, 56, 56, 64}
	x := ewF32(s, ewRamp(ir.NumElements(s), -1, 1)...)
	n := ewNode(ir.Add, &ir.AddOptions{Activation: ir.ActRelu}, []*ir.Tensor{x, x}, ewOut(ir.Float32, s))
	ewBench(b, n, 3*4*ir.NumElements(s))
}

// A per-channel MUL (a folded scale).
func BenchmarkMulFloat32PerChannel(b *testing.B) {
	s := []int{1, 56, 56, 64}
	x := ewF32(s, ewRamp(ir.NumElements(s), -1, 1)...)
	c := ewF32([]int{64}, ewRamp(64, 0.5, 2)...)
	n := ewNode(ir.Mul, nil, []*ir.Tensor{x, c}, ewOut(ir.Float32, s))
	ewBench(b, n, 2*4*ir.NumElements(s))
}

// The global average pool at the end of MobileNetV2.
func BenchmarkMeanFloat32HW(b *testing.B) {
	s := []int{1, 7, 7, 1280}
	x := ewF32(s, ewRamp(ir.NumElements(s), -1, 1)...)
	n := ewNode(ir.Mean, &ir.ReducerOptions{KeepDims: true}, []*ir.Tensor{x, ewI32([]int{2}, 1, 2)}, ewOut(ir.Float32, []int{1, 1, 1, 1280}))
	ewBench(b, n, 4*ir.NumElements(s))
}

func BenchmarkSoftmaxFloat32(b *testing.B) {
	s := []int{1, 1001}
	x := ewF32(s, ewRamp(1001, -5, 5)...)
	n := ewNode(ir.Softmax, &ir.SoftmaxOptions{Beta: 1}, []*ir.Tensor{x}, ewOut(ir.Float32, s))
	ewBench(b, n, 4*1001)
}

// The int8 residual ADD of a quantized MobileNet (TFLite's general path).
func BenchmarkAddInt8SameShape(b *testing.B) {
	s := []int{1, 56, 56, 64}
	x := ewQuant(ewOut(ir.Int8, s), 0.05, -3)
	for i := range x.Data {
		x.Data[i] = byte(i * 7)
	}
	out := ewQuant(ewOut(ir.Int8, s), 0.08, 2)
	n := ewNode(ir.Add, &ir.AddOptions{}, []*ir.Tensor{x, x}, out)
	ewBench(b, n, 3*ir.NumElements(s))
}

// An int8 activation, which runs as a 256-entry table.
func BenchmarkHardSwishInt8(b *testing.B) {
	s := []int{1, 56, 56, 64}
	x := ewQuant(ewOut(ir.Int8, s), 0.05, -3)
	out := ewQuant(ewOut(ir.Int8, s), 0.04, -20)
	ewBench(b, ewNode(ir.HardSwish, nil, []*ir.Tensor{x}, out), 2*ir.NumElements(s))
}

// The classifier head of a quantized MobileNet.
func BenchmarkSoftmaxInt8(b *testing.B) {
	s := []int{1, 1001}
	x := ewQuant(ewOut(ir.Int8, s), 0.1, 3)
	out := ewQuant(ewOut(ir.Int8, s), 1.0/256, -128)
	ewBench(b, ewNode(ir.Softmax, &ir.SoftmaxOptions{Beta: 1}, []*ir.Tensor{x}, out), 2*1001)
}
