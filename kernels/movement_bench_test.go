package kernels

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// Benchmarks of the movement kernels on typical vision-model sizes; the
// reported MB/s counts the bytes written.

func mvBench(b *testing.B, n *Node) {
	k, err := mvPrepare(b, n)
	if err != nil {
		b.Fatal(err)
	}
	bytes := 0
	for _, o := range n.Out {
		bytes += len(o.Data)
	}
	b.SetBytes(int64(bytes))
	b.ResetTimer()
	for range b.N {
		if err := k.Eval(n); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransposeNHWCToNCHW(b *testing.B) {
	in := mvWave(1, 1, 56, 56, 64)
	mvBench(b, mvNode(ir.Transpose, nil, []*ir.Tensor{in, mvI32([]int{4}, 0, 3, 1, 2)}, mvOut(ir.Float32, []int{1, 64, 56, 56})))
}

func BenchmarkTransposeInt8Last2(b *testing.B) {
	in := mvIntWave(ir.Int8, 1, -128, 127, 1, 64, 64, 64)
	mvBench(b, mvNode(ir.Transpose, nil, []*ir.Tensor{in, mvI32([]int{4}, 0, 1, 3, 2)}, mvOut(ir.Int8, []int{1, 64, 64, 64})))
}

func BenchmarkConcatChannels(b *testing.B) {
	mvBench(b, mvNode(ir.Concatenation, &ir.ConcatenationOptions{Axis: 3}, []*ir.Tensor{mvWave(1, 1, 28, 28, 96), mvWave(2, 1, 28, 28, 32)}, mvOut(ir.Float32, []int{1, 28, 28, 128})))
}

func BenchmarkPadImage(b *testing.B) {
	mvBench(b, mvNode(ir.Pad, nil, []*ir.Tensor{mvWave(1, 1, 112, 112, 32), mvI32([]int{4, 2}, 0, 0, 1, 1, 1, 1, 0, 0)}, mvOut(ir.Float32, []int{1, 114, 114, 32})))
}

func BenchmarkStridedSliceChannels(b *testing.B) {
	mvBench(b, mvNode(ir.StridedSlice, nil, []*ir.Tensor{mvWave(1, 1, 56, 56, 64), mvI32([]int{4}, 0, 0, 0, 16), mvI32([]int{4}, 1, 56, 56, 48), mvI32([]int{4}, 1, 1, 1, 1)}, mvOut(ir.Float32, []int{1, 56, 56, 32})))
}

func BenchmarkResizeBilinearFloat(b *testing.B) {
	mvBench(b, mvNode(ir.ResizeBilinear, &ir.ResizeBilinearOptions{HalfPixelCenters: true}, []*ir.Tensor{mvWave(1, 1, 64, 64, 32), mvI32([]int{2}, 128, 128)}, mvOut(ir.Float32, []int{1, 128, 128, 32})))
}

func BenchmarkResizeBilinearInt8(b *testing.B) {
	in := mvIntWave(ir.Int8, 1, -128, 127, 1, 64, 64, 32)
	mvBench(b, mvNode(ir.ResizeBilinear, &ir.ResizeBilinearOptions{HalfPixelCenters: true}, []*ir.Tensor{in, mvI32([]int{2}, 128, 128)}, mvOut(ir.Int8, []int{1, 128, 128, 32})))
}

func BenchmarkResizeNearest(b *testing.B) {
	mvBench(b, mvNode(ir.ResizeNearestNeighbor, nil, []*ir.Tensor{mvWave(1, 1, 64, 64, 32), mvI32([]int{2}, 128, 128)}, mvOut(ir.Float32, []int{1, 128, 128, 32})))
}

func BenchmarkGatherRows(b *testing.B) {
	idx := make([]int32, 256)
	for i := range idx {
		idx[i] = int32((i * 37) % 1000)
	}
	mvBench(b, mvNode(ir.Gather, nil, []*ir.Tensor{mvWave(1, 1000, 64), mvI32([]int{256}, idx...)}, mvOut(ir.Float32, []int{256, 64})))
}

func BenchmarkCastUint8ToFloat(b *testing.B) {
	in := mvIntWave(ir.Uint8, 1, 0, 255, 1, 224, 224, 3)
	mvBench(b, mvNode(ir.Cast, nil, []*ir.Tensor{in}, mvOut(ir.Float32, []int{1, 224, 224, 3})))
}

func BenchmarkQuantizeFloatToInt8(b *testing.B) {
	mvBench(b, mvNode(ir.Quantize, nil, []*ir.Tensor{mvWave(1, 1, 224, 224, 3)}, mvQ(mvOut(ir.Int8, []int{1, 224, 224, 3}), 0.03, -1)))
}

func BenchmarkDequantizeInt8(b *testing.B) {
	in := mvQ(mvIntWave(ir.Int8, 1, -128, 127, 1, 224, 224, 3), 0.03, -1)
	mvBench(b, mvNode(ir.Dequantize, nil, []*ir.Tensor{in}, mvOut(ir.Float32, []int{1, 224, 224, 3})))
}
