package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Benchmarks report GFLOP/s (2*M*N*K per multiply) for the shapes the
// kernels produce: a 1x1 convolution (a plain matrix product over pixels), a
// 3x3 convolution gathered by im2col, and a fully-connected layer on one row,
// each beside a naive triple loop on the same shape.

func reportGFLOPs(b *testing.B, m, n, k int) {
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func benchMatMul(b *testing.B, m, n, k, threads int) {
	r := rand.New(rand.NewPCG(1, 1))
	a := Matrix[float32]{Data: randF32(r, m*k), Rows: m, Cols: k, RowStride: k, ColStride: 1}
	pb, _ := PackF32(nil, Matrix[float32]{Data: randF32(r, k*n), Rows: k, Cols: n, RowStride: 1, ColStride: k})
	c := make([]float32, m*n)
	e := NewEngine(threads)
	inf := float32(math.Inf(1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.MulF32(&a, pb, c, n, Epilogue{Min: -inf, Max: inf})
	}
	reportGFLOPs(b, m, n, k)
}

func benchConv3x3(b *testing.B, hw, cin, cout, threads int) {
	r := rand.New(rand.NewPCG(1, 1))
	g := &Conv[float32]{In: randF32(r, hw*hw*cin), Batch: 1, InH: hw, InW: hw, InC: cin, Chans: cin, KH: 3, KW: 3,
		StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: hw, OutW: hw}
	k := 9 * cin
	pb, _ := PackF32(nil, Matrix[float32]{Data: randF32(r, k*cout), Rows: k, Cols: cout, RowStride: 1, ColStride: k})
	c := make([]float32, hw*hw*cout)
	e := NewEngine(threads)
	inf := float32(math.Inf(1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.MulF32(g, pb, c, cout, Epilogue{Min: -inf, Max: inf})
	}
	reportGFLOPs(b, hw*hw, cout, k)
}

// naiveLoop is the textbook i-j-k triple loop over row-major A and [N][K]
// weights, the baseline the engine is compared with.
func naiveLoop(a, w, c []float32, m, n, k int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += a[i*k+p] * w[j*k+p]
			}
			c[i*n+j] = s
		}
	}
}

func benchNaive(b *testing.B, m, n, k int) {
	r := rand.New(rand.NewPCG(1, 1))
	a, w, c := randF32(r, m*k), randF32(r, k*n), make([]float32, m*n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		naiveLoop(a, w, c, m, n, k)
	}
	reportGFLOPs(b, m, n, k)
}

// 1x1 convolution, 28x28 pixels, 128 -> 128 channels (MobileNet-like).
func BenchmarkConv1x1F32(b *testing.B)         { benchMatMul(b, 784, 128, 128, 1) }
func BenchmarkConv1x1F32Threads2(b *testing.B) { benchMatMul(b, 784, 128, 128, 2) }
func BenchmarkConv1x1Naive(b *testing.B)       { benchNaive(b, 784, 128, 128) }

// 3x3 convolution, 28x28 pixels, 64 -> 64 channels, im2col on the fly.
func BenchmarkConv3x3F32(b *testing.B)         { benchConv3x3(b, 28, 64, 64, 1) }
func BenchmarkConv3x3F32Threads2(b *testing.B) { benchConv3x3(b, 28, 64, 64, 2) }
func BenchmarkConv3x3Naive(b *testing.B)       { benchNaive(b, 784, 64, 576) }

// Fully-connected, one row, 1024 -> 1000 (a classifier head).
func BenchmarkFCF32(b *testing.B)         { benchMatMul(b, 1, 1000, 1024, 1) }
func BenchmarkFCF32Threads2(b *testing.B) { benchMatMul(b, 1, 1000, 1024, 2) }
func BenchmarkFCNaive(b *testing.B)       { benchNaive(b, 1, 1000, 1024) }

// Fully-connected, a batch of 64 rows, 512 -> 512.
func BenchmarkFCBatchF32(b *testing.B)   { benchMatMul(b, 64, 512, 512, 1) }
func BenchmarkFCBatchNaive(b *testing.B) { benchNaive(b, 64, 512, 512) }

// The same shapes on the pure-Go micro-kernel (the fallback of every other
// target), beside the default (assembly where the CPU has it).
func pureGo(b *testing.B, f func(*testing.B)) {
	saved := kernelF32
	kernelF32 = &goF32
	defer func() { kernelF32 = saved }()
	f(b)
}

func BenchmarkConv1x1F32PureGo(b *testing.B) { pureGo(b, BenchmarkConv1x1F32) }
func BenchmarkConv3x3F32PureGo(b *testing.B) { pureGo(b, BenchmarkConv3x3F32) }
func BenchmarkFCF32PureGo(b *testing.B)      { pureGo(b, BenchmarkFCF32) }

// The integer multiply on a 1x1-convolution shape (int8, with zero points),
// on the default kernel and on the generic Go one.
func BenchmarkConv1x1Int8PureGo(b *testing.B) {
	useWide = false
	defer func() { useWide = true }()
	BenchmarkConv1x1Int8(b)
}

func BenchmarkConv1x1Int8(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const m, n, k = 784, 128, 128
	a := Matrix[int8]{Data: randInts[int8](r, m*k, -128, 127), Rows: m, Cols: k, RowStride: k, ColStride: 1}
	pb, _ := PackInt(nil, Matrix[int8]{Data: randInts[int8](r, k*n, -127, 127), Rows: k, Cols: n, RowStride: 1, ColStride: k})
	out := &collect[int32]{c: make([]int32, m*n), n: n}
	e := NewIntMul[int8, int8, int32](1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Mul(&a, pb, ZeroPoints{AZero: 3}, out)
	}
	b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
}

// A 3x3 depthwise layer of MobileNetV2 on int8 (28x28 output pixels, 192
// channels, stride 1, the interior of each row as one call) and the
// requantization of its sums, on the default kernels and the pure-Go ones.
const dwHW, dwC = 28, 192

func benchDepthwiseInt8(b *testing.B, asm bool) {
	saved := useDepthwiseAsm
	useDepthwiseAsm = asm && saved
	defer func() { useDepthwiseAsm = saved }()
	r := rand.New(rand.NewPCG(1, 1))
	const inW = dwHW + 2
	in := randInts[int8](r, inW*inW*dwC, -128, 127)
	filter := make([]int32, 9*dwC)
	for i := range filter {
		filter[i] = int32(r.IntN(255) - 127)
	}
	acc := make([]int32, dwHW*dwC)
	w := DepthwiseWindow{Channels: dwC, Rows: 3, Cols: 3, InRowStride: inW * dwC, InColStride: dwC,
		FilterRowStride: 3 * dwC, Pixels: dwHW, InPixelStride: dwC}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for y := 0; y < dwHW; y++ {
			w.InOffset = y * inW * dwC
			if err := DepthwiseInt(&w, in, filter, -3, acc); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(2*9*dwHW*dwHW*dwC*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
}

func BenchmarkDepthwiseInt8(b *testing.B)       { benchDepthwiseInt8(b, true) }
func BenchmarkDepthwiseInt8PureGo(b *testing.B) { benchDepthwiseInt8(b, false) }

func benchRequantInt8(b *testing.B, asm bool) {
	saved := useRequantAsm
	useRequantAsm = asm && saved
	defer func() { useRequantAsm = saved }()
	r := rand.New(rand.NewPCG(1, 1))
	bias, mult, shift := make([]int32, dwC), make([]int32, dwC), make([]int, dwC)
	for c := range dwC {
		bias[c] = int32(r.IntN(20001) - 10000)
		mult[c], shift[c] = 1<<30+int32(r.IntN(1<<30)), -7-r.IntN(4)
	}
	q, err := NewRequantizer(bias, mult, shift, -5, -128, 127)
	if err != nil {
		b.Fatal(err)
	}
	acc := make([]int32, dwHW*dwHW*dwC)
	for i := range acc {
		acc[i] = int32(r.IntN(1<<17) - 1<<16)
	}
	out := make([]int8, len(acc))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for p := 0; p < len(acc); p += dwC {
			if err := Requantize(q, out[p:p+dwC], acc[p:p+dwC], 0); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(acc))*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gsums/s")
}

func BenchmarkRequantInt8(b *testing.B)       { benchRequantInt8(b, true) }
func BenchmarkRequantInt8PureGo(b *testing.B) { benchRequantInt8(b, false) }
