package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The vector loops' implementations agree bit for bit with the Go loops,
// which are checked against float64 arithmetic written out here; row widths
// that are and are not multiples of eight, and values landing exactly on an
// activation's bounds, are included.

func randVec(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * scale)
	}
	return v
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func closeTo(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestVectorLoops(t *testing.T) {
	for _, c := range []int{4, 8, 20, 24, 96} {
		rng := rand.New(rand.NewPCG(uint64(c), 3))
		rows := 37
		x := randVec(rng, rows*c, 2)
		dy := randVec(rng, rows*c, 1)
		a := &bnAffine{scale: randVec(rng, c, 1), shift: randVec(rng, c, 1), mean: randVec(rng, c, 1),
			k: randVec(rng, c, 1), mdz: randVec(rng, c, 0.1), q: randVec(rng, c, 0.1), lo: 0, hi: 2}
		// put some affine outputs exactly on the bounds
		a.scale[0], a.shift[0] = 1, 0
		x[0], x[c] = 0, 2
		x0 := x[:c]

		// independent float64 expectations for the Go loops
		wantSum, wantSq := make([]float64, c), make([]float64, c)
		wantY := make([]float64, rows*c)
		wantSdz, wantSdzx := make([]float64, c), make([]float64, c)
		wantDx := make([]float64, rows*c)
		for r := range rows {
			for j := range c {
				i := r*c + j
				d := float64(x[i]) - float64(x0[j])
				wantSum[j] += d
				wantSq[j] += d * d
				v := float64(x[i])*float64(a.scale[j]) + float64(a.shift[j])
				wantY[i] = math.Min(math.Max(v, 0), 2)
				g := float64(dy[i])
				if !(v > 0 && v < 2) {
					g = 0
				}
				xm := float64(x[i]) - float64(a.mean[j])
				wantSdz[j] += g
				wantSdzx[j] += g * xm
				wantDx[i] = float64(a.k[j]) * (g - float64(a.mdz[j]) - xm*float64(a.q[j]))
			}
		}

		var ref struct{ sum, sq, y, sdz, sdzx, dx, dxAdd, acc, prod []float32 }
		for n, impl := range vecImpls() {
			sum, sq := make([]float32, c), make([]float32, c)
			impl.bnSums(x, c, x0, sum, sq)
			y := make([]float32, rows*c)
			impl.affineClamp(x, y, c, a.scale, a.shift, a.lo, a.hi)
			sdz, sdzx := make([]float32, c), make([]float32, c)
			impl.bnGradSums(x, dy, c, a, sdz, sdzx)
			dx := make([]float32, rows*c)
			for i := range dx {
				dx[i] = float32(math.NaN()) // stale values are overwritten
			}
			impl.bnGradApply(x, dy, dx, c, a, false)
			dxAdd := append([]float32(nil), dy...)
			impl.bnGradApply(x, dy, dxAdd, c, a, true)
			acc := append([]float32(nil), x[:c+3]...)
			impl.mulAdd(acc, dy[:c+3], x[1:c+4])
			prod := make([]float32, c+3)
			impl.mul(prod, dy[:c+3], x[1:c+4])

			if n == 0 {
				ref.sum, ref.sq, ref.y, ref.sdz, ref.sdzx, ref.dx, ref.dxAdd, ref.acc, ref.prod = sum, sq, y, sdz, sdzx, dx, dxAdd, acc, prod
			}
			if impl.name == "go" {
				closeTo(t, "sum", sum, wantSum, 1e-5)
				closeTo(t, "sq", sq, wantSq, 1e-5)
				closeTo(t, "y", y, wantY, 1e-6)
				closeTo(t, "sdz", sdz, wantSdz, 1e-5)
				closeTo(t, "sdzx", sdzx, wantSdzx, 1e-5)
				closeTo(t, "dx", dx, wantDx, 1e-5)
				for i := range acc {
					p := float64(dy[i]) * float64(x[i+1])
					want := float64(x[i]) + p
					if math.Abs(float64(acc[i])-want) > 1e-5*(1+math.Abs(want)) {
						t.Fatalf("c=%d: mulAdd[%d] = %v, want %v", c, i, acc[i], want)
					}
					if math.Abs(float64(prod[i])-p) > 1e-6*math.Abs(p) {
						t.Fatalf("c=%d: mul[%d] = %v, want %v", c, i, prod[i], p)
					}
				}
				for i := range dxAdd {
					want := float64(dy[i]) + wantDx[i]
					if math.Abs(float64(dxAdd[i])-want) > 1e-5*(1+math.Abs(want)) {
						t.Fatalf("c=%d: dx added [%d] = %v, want %v", c, i, dxAdd[i], want)
					}
				}
			}
			sameBits(t, impl.name+" sum", sum, ref.sum)
			sameBits(t, impl.name+" sq", sq, ref.sq)
			sameBits(t, impl.name+" y", y, ref.y)
			sameBits(t, impl.name+" sdz", sdz, ref.sdz)
			sameBits(t, impl.name+" sdzx", sdzx, ref.sdzx)
			sameBits(t, impl.name+" dx", dx, ref.dx)
			sameBits(t, impl.name+" dx added", dxAdd, ref.dxAdd)
			sameBits(t, impl.name+" mulAdd", acc, ref.acc)
			sameBits(t, impl.name+" mul", prod, ref.prod)
		}
		if y := ref.y; y[0] != 0 || y[c] != 2 {
			t.Fatalf("c=%d: values on the bounds clamp to %v and %v, want 0 and 2", c, y[0], y[c])
		}
	}
}

func TestVectorLoopsHaveGoTwin(t *testing.T) {
	impls := vecImpls()
	if impls[len(impls)-1].name != "go" {
		t.Fatalf("the Go loops must be among the implementations, got %q last", impls[len(impls)-1].name)
	}
	t.Logf("vector loops in use: %s", vec.name)
}

// matMul over the three stride patterns training uses (X·Wᵀ with Wᵀ copied,
// dZ·W, and dZᵀ·X summed over rows), with edges of rows and columns that
// the vector tiles do not cover, against float64 sums and across
// implementations bit for bit.
func TestMatMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for _, tc := range []struct {
		name             string
		rows, cols, n    int
		aT, aM, ldb, ldc int
	}{
		{"rows-major A", 12, 32, 20, 1, 20, 32, 32},
		{"edges", 10, 27, 33, 1, 35, 27, 29},
		{"transposed A", 16, 24, 50, 16, 1, 24, 24},
		{"transposed A edges", 7, 9, 5, 9, 1, 9, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := randVec(rng, (tc.n-1)*tc.aT+(tc.rows-1)*tc.aM+1, 1)
			b := randVec(rng, (tc.n-1)*tc.ldb+tc.cols, 1)
			init := randVec(rng, (tc.rows-1)*tc.ldc+tc.cols, 1)
			for _, add := range []bool{false, true} {
				var ref []float32
				for _, impl := range vecImpls() {
					c := append([]float32(nil), init...)
					x := &mmArgs{n: tc.n, a: a, aT: tc.aT, aM: tc.aM, b: b, ldb: tc.ldb, c: c, ldc: tc.ldc,
						rows: tc.rows, cols: tc.cols, add: add}
					impl.matMul(x, 0, tc.rows)
					for m := range tc.rows {
						for j := range tc.ldc {
							i := m*tc.ldc + j
							if i >= len(c) {
								break
							}
							var want float64
							if j >= tc.cols {
								want = float64(init[i]) // the stride's gap is left alone
							} else {
								for k := range tc.n {
									want += float64(a[k*tc.aT+m*tc.aM]) * float64(b[k*tc.ldb+j])
								}
								if add {
									want += float64(init[i])
								}
							}
							if math.Abs(float64(c[i])-want) > 1e-5*(1+math.Abs(want)) {
								t.Fatalf("%s add=%v: C[%d][%d] = %v, want %v", impl.name, add, m, j, c[i], want)
							}
						}
					}
					if ref == nil {
						ref = c
					}
					sameBits(t, impl.name+" C", c, ref)
				}
			}
		})
	}
}
