package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// eachKernelF32 runs f once per float32 micro-kernel this target has, so the
// assembly kernels and the pure-Go fallback pass the same tests.
func eachKernelF32(t *testing.T, f func(t *testing.T)) {
	for _, k := range availableF32() {
		t.Run(k.name, func(t *testing.T) {
			saved := kernelF32
			kernelF32 = k.kern
			defer func() { kernelF32 = saved }()
			f(t)
		})
	}
}

func randF32(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

// naiveMatMul is the definition: C[i][j] = sum over k of A[i][k]*B[k][j],
// accumulated in float64.
func naiveMatMul(a, b Matrix[float32]) []float64 {
	c := make([]float64, a.Rows*b.Cols)
	for i := 0; i < a.Rows; i++ {
		for j := 0; j < b.Cols; j++ {
			var s float64
			for k := 0; k < a.Cols; k++ {
				s += float64(a.Data[a.Off+i*a.RowStride+k*a.ColStride]) * float64(b.Data[b.Off+k*b.RowStride+j*b.ColStride])
			}
			c[i*b.Cols+j] = s
		}
	}
	return c
}

func closeTo(got float32, want float64, k int) bool {
	// Float32 accumulation of k products of magnitude <= 1.
	return math.Abs(float64(got)-want) <= 1e-6*float64(k)+1e-5
}

func TestMulF32MatchesDefinition(t *testing.T) {
	eachKernelF32(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		shapes := [][3]int{{1, 1, 1}, {1, 7, 3}, {5, 3, 2}, {4, 4, 4}, {7, 9, 13}, {16, 300, 17}, {33, 513, 40},
			{200, 27, 32}, {1, 1024, 100}, {3, 5, 1}, {97, 260, 6}}
		for _, sh := range shapes {
			m, k, n := sh[0], sh[1], sh[2]
			for _, transA := range []bool{false, true} {
				a := Matrix[float32]{Data: randF32(r, m*k+3), Off: 3, Rows: m, Cols: k, RowStride: k, ColStride: 1}
				if transA {
					a.RowStride, a.ColStride = 1, m
				}
				// B given as TFLite weights, [N][K].
				b := Matrix[float32]{Data: randF32(r, k*n), Rows: k, Cols: n, RowStride: 1, ColStride: k}
				bias := randF32(r, n)
				want := naiveMatMul(a, b)
				pb, err := PackF32(nil, b)
				if err != nil {
					t.Fatal(err)
				}
				for threads := 1; threads <= 3; threads++ {
					e := NewEngine(threads)
					ldc := n + 2
					c := make([]float32, m*ldc)
					for i := range c {
						c[i] = 99 // the gaps between rows must stay untouched
					}
					lo, hi := float32(-0.5), float32(1.5)
					if err := e.MulF32(&a, pb, c, ldc, Epilogue{Bias: bias, Min: lo, Max: hi}); err != nil {
						t.Fatal(err)
					}
					for i := 0; i < m; i++ {
						for j := 0; j < ldc; j++ {
							got := c[i*ldc+j]
							if j >= n {
								if got != 99 {
									t.Fatalf("%v threads %d: wrote outside C at (%d,%d)", sh, threads, i, j)
								}
								continue
							}
							w := math.Min(math.Max(want[i*n+j]+float64(bias[j]), float64(lo)), float64(hi))
							if !closeTo(got, w, k) {
								t.Fatalf("%v transA=%v threads %d: C[%d][%d] = %v, want %v", sh, transA, threads, i, j, got, w)
							}
						}
					}
				}
			}
		}
	})
}

// naiveConv is the seven-loop definition of a grouped, strided, dilated,
// padded convolution over NHWC input with [out][kh][kw][in/groups] filters.
func naiveConv(g *Conv[float32], groups int, filter []float32, outC int) []float64 {
	out := make([]float64, g.Batch*g.OutH*g.OutW*outC)
	perGroup := outC / groups
	for b := 0; b < g.Batch; b++ {
		for oy := 0; oy < g.OutH; oy++ {
			for ox := 0; ox < g.OutW; ox++ {
				for oc := 0; oc < outC; oc++ {
					grp := oc / perGroup
					var s float64
					for ky := 0; ky < g.KH; ky++ {
						for kx := 0; kx < g.KW; kx++ {
							iy := oy*g.StrideH - g.PadTop + ky*g.DilationH
							ix := ox*g.StrideW - g.PadLeft + kx*g.DilationW
							if iy < 0 || iy >= g.InH || ix < 0 || ix >= g.InW {
								continue
							}
							for c := 0; c < g.Chans; c++ {
								in := g.In[((b*g.InH+iy)*g.InW+ix)*g.InC+grp*g.Chans+c]
								w := filter[((oc*g.KH+ky)*g.KW+kx)*g.Chans+c]
								s += float64(in) * float64(w)
							}
						}
					}
					out[((b*g.OutH+oy)*g.OutW+ox)*outC+oc] = s
				}
			}
		}
	}
	return out
}

func TestConvLHSMatchesDefinition(t *testing.T) {
	eachKernelF32(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		cases := []struct {
			g      Conv[float32]
			groups int
			outC   int
		}{
			{Conv[float32]{Batch: 1, InH: 5, InW: 5, InC: 3, KH: 3, KW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: 5, OutW: 5}, 1, 8},
			{Conv[float32]{Batch: 2, InH: 9, InW: 7, InC: 6, KH: 3, KW: 2, StrideH: 2, StrideW: 3, DilationH: 2, DilationW: 1, PadTop: 0, PadLeft: 1, OutH: 3, OutW: 3}, 2, 10},
			{Conv[float32]{Batch: 1, InH: 16, InW: 16, InC: 40, KH: 3, KW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: 16, OutW: 16}, 1, 19},
		}
		for ci, tc := range cases {
			g := tc.g
			g.Chans = g.InC / tc.groups
			g.In = randF32(r, g.Batch*g.InH*g.InW*g.InC)
			filter := randF32(r, tc.outC*g.KH*g.KW*g.Chans)
			want := naiveConv(&g, tc.groups, filter, tc.outC)
			perGroup := tc.outC / tc.groups
			K := g.KH * g.KW * g.Chans
			for threads := 1; threads <= 2; threads++ {
				e := NewEngine(threads)
				got := make([]float32, len(want))
				for grp := 0; grp < tc.groups; grp++ {
					gg := g
					gg.ChanOff = grp * g.Chans
					if err := gg.Check(); err != nil {
						t.Fatal(err)
					}
					w := Matrix[float32]{Data: filter, Off: grp * perGroup * K, Rows: K, Cols: perGroup, RowStride: 1, ColStride: K}
					pb, err := PackF32(nil, w)
					if err != nil {
						t.Fatal(err)
					}
					inf := float32(math.Inf(1))
					if err := e.MulF32(&gg, pb, got[grp*perGroup:], tc.outC, Epilogue{Min: -inf, Max: inf}); err != nil {
						t.Fatal(err)
					}
				}
				for i := range want {
					if !closeTo(got[i], want[i], K) {
						t.Fatalf("case %d threads %d: out[%d] = %v, want %v", ci, threads, i, got[i], want[i])
					}
				}
			}
		}
	})
}

func TestMulF32Errors(t *testing.T) {
	b := Matrix[float32]{Data: make([]float32, 6), Rows: 2, Cols: 3, RowStride: 3, ColStride: 1}
	pb, err := PackF32(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	a := Matrix[float32]{Data: make([]float32, 6), Rows: 2, Cols: 3, RowStride: 3, ColStride: 1}
	e := NewEngine(1)
	if err := e.MulF32(&a, pb, make([]float32, 6), 3, Epilogue{}); err == nil {
		t.Error("depth mismatch (3 vs 2) accepted")
	}
	a.Cols = 2
	if err := e.MulF32(&a, pb, make([]float32, 5), 3, Epilogue{}); err == nil {
		t.Error("output too small accepted")
	}
	if _, err := PackF32(nil, Matrix[float32]{Data: make([]float32, 5), Rows: 2, Cols: 3, RowStride: 3, ColStride: 1}); err == nil {
		t.Error("matrix larger than its data accepted")
	}
}

func TestMulF32DoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	a := Matrix[float32]{Data: randF32(r, 64*100), Rows: 64, Cols: 100, RowStride: 100, ColStride: 1}
	pb, _ := PackF32(nil, Matrix[float32]{Data: randF32(r, 100*30), Rows: 100, Cols: 30, RowStride: 1, ColStride: 100})
	c := make([]float32, 64*30)
	e := NewEngine(2)
	ep := Epilogue{Min: -1, Max: 1}
	allocs := testing.AllocsPerRun(20, func() {
		if err := e.MulF32(&a, pb, c, 30, ep); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("MulF32 allocated %v times per call", allocs)
	}
}
