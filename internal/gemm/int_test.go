package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// collect stores every finished block into a dense matrix.
type collect[S Acc] struct {
	c []S
	n int
}

func (o *collect[S]) StoreInt(i0, j0, rows, cols int, acc []S, ld int) {
	for r := 0; r < rows; r++ {
		copy(o.c[(i0+r)*o.n+j0:][:cols], acc[r*ld:][:cols])
	}
}

func randInts[T AElem](r *rand.Rand, n int, lo, hi int) []T {
	v := make([]T, n)
	for i := range v {
		v[i] = T(lo + r.IntN(hi-lo+1))
	}
	return v
}

// checkIntMul compares the engine with the definition, sum of
// (a - za)(b - zb) in int64, for one shape.
func checkIntMul[A AElem, B BElem, S Acc](t *testing.T, r *rand.Rand, m, k, n int, a []A, b []B, zp ZeroPoints, threads int) {
	t.Helper()
	am := Matrix[A]{Data: a, Rows: m, Cols: k, RowStride: k, ColStride: 1}
	bm := Matrix[B]{Data: b, Rows: k, Cols: n, RowStride: 1, ColStride: k} // [N][K] weights
	pb, err := PackInt(nil, bm)
	if err != nil {
		t.Fatal(err)
	}
	e := NewIntMul[A, B, S](threads)
	out := &collect[S]{c: make([]S, m*n), n: n}
	if err := e.Mul(&am, pb, zp, out); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < m; i++ {
		za := int64(zp.AZero)
		if zp.ARow != nil {
			za = int64(zp.ARow[i])
		}
		for j := 0; j < n; j++ {
			var s int64
			for p := 0; p < k; p++ {
				s += (int64(a[i*k+p]) - za) * (int64(b[j*k+p]) - int64(zp.BZero))
			}
			if int64(out.c[i*n+j]) != s {
				t.Fatalf("%dx%dx%d threads %d: C[%d][%d] = %d, want %d", m, k, n, threads, i, j, out.c[i*n+j], s)
			}
		}
	}
}

func TestIntMulMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	shapes := [][3]int{{1, 1, 1}, {3, 7, 5}, {4, 4, 4}, {17, 33, 9}, {70, 600, 13}, {5, 100, 300}, {130, 64, 260}}
	for _, sh := range shapes {
		m, k, n := sh[0], sh[1], sh[2]
		for threads := 1; threads <= 2; threads++ {
			t.Run(fmt.Sprintf("%v/%d", sh, threads), func(t *testing.T) {
				// int8 activations with a zero point, symmetric int8 weights,
				// on the assembly kernel (where there is one) and the generic one
				for _, wide := range []bool{true, false} {
					useWide = wide
					checkIntMul[int8, int8, int32](t, r, m, k, n, randInts[int8](r, m*k, -128, 127), randInts[int8](r, k*n, -128, 127),
						ZeroPoints{AZero: -5, BZero: 3}, threads)
				}
				useWide = true
				// uint8 both sides, both offset
				checkIntMul[uint8, uint8, int32](t, r, m, k, n, randInts[uint8](r, m*k, 0, 255), randInts[uint8](r, k*n, 0, 255),
					ZeroPoints{AZero: 128, BZero: 131}, threads)
				// per-row offsets (activations quantized on the fly)
				rows := make([]int32, m)
				for i := range rows {
					rows[i] = int32(r.IntN(255) - 128)
				}
				checkIntMul[int8, int8, int32](t, r, m, k, n, randInts[int8](r, m*k, -128, 127), randInts[int8](r, k*n, -127, 127),
					ZeroPoints{ARow: rows}, threads)
				// int16 activations into int64 sums
				checkIntMul[int16, int8, int64](t, r, m, k, n, randInts[int16](r, m*k, -32768, 32767), randInts[int8](r, k*n, -127, 127),
					ZeroPoints{}, threads)
				// int16 by int16 (BATCH_MATMUL) into int64 sums
				checkIntMul[int16, int16, int64](t, r, m, k, n, randInts[int16](r, m*k, -32768, 32767), randInts[int16](r, k*n, -32768, 32767),
					ZeroPoints{}, threads)
			})
		}
	}
}

func TestIntMulConvPadsWithZeroPoint(t *testing.T) {
	// A 3x3 SAME convolution of a uint8 image whose zero point is 100: the
	// padding must contribute nothing, so with the image all 100 every sum
	// is 0.
	g := &Conv[uint8]{Batch: 1, InH: 4, InW: 4, InC: 2, Chans: 2, KH: 3, KW: 3, StrideH: 1, StrideW: 1,
		DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: 4, OutW: 4, Pad: 100}
	g.In = make([]uint8, 32)
	for i := range g.In {
		g.In[i] = 100
	}
	w := make([]uint8, 3*18)
	for i := range w {
		w[i] = uint8(i * 7)
	}
	pb, _ := PackInt(nil, Matrix[uint8]{Data: w, Rows: 18, Cols: 3, RowStride: 1, ColStride: 18})
	out := &collect[int32]{c: make([]int32, 16*3), n: 3}
	if err := NewIntMul[uint8, uint8, int32](1).Mul(g, pb, ZeroPoints{AZero: 100, BZero: 3}, out); err != nil {
		t.Fatal(err)
	}
	for i, v := range out.c {
		if v != 0 {
			t.Fatalf("sum %d = %d, want 0", i, v)
		}
	}
}

func TestIntMulDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	a := Matrix[int8]{Data: randInts[int8](r, 64*100, -128, 127), Rows: 64, Cols: 100, RowStride: 100, ColStride: 1}
	pb, _ := PackInt(nil, Matrix[int8]{Data: randInts[int8](r, 100*30, -127, 127), Rows: 100, Cols: 30, RowStride: 1, ColStride: 100})
	out := &collect[int32]{c: make([]int32, 64*30), n: 30}
	e := NewIntMul[int8, int8, int32](2)
	allocs := testing.AllocsPerRun(20, func() {
		if err := e.Mul(&a, pb, ZeroPoints{AZero: 3}, out); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Mul allocated %v times per call", allocs)
	}
}
