package train

// Vector loops of the training passes: batch normalization's sums and
// affine steps over rows of channels, and the multiply-adds of depthwise
// convolutions. Each has a pure-Go form here and, where the CPU allows, an
// assembly twin (vec_amd64.s) chosen once in vec_amd64.go; the twins compute
// the same float32 operations in the same order (products rounded before
// they are added, never fused), so they agree bit for bit and tests run the
// same cases over both.

// vecImpl is one implementation of the vector loops. Row loops take x as
// rows of c channels (len(x) a multiple of c) and per-channel slices of c
// values.
type vecImpl struct {
	name string
	// bnSums adds to sum[j] and sq[j], for every row r, d and d² with
	// d = x[r][j] − x0[j].
	bnSums func(x []float32, c int, x0, sum, sq []float32)
	// affineClamp writes y[r][j] = clamp(x[r][j]·scale[j] + shift[j]):
	// lo unless above lo, then hi unless below hi.
	affineClamp func(x, y []float32, c int, scale, shift []float32, lo, hi float32)
	// bnGradSums adds to sdz[j] and sdzx[j] the masked gradient g and
	// g·(x−mean[j]), where g is dy where lo < x·scale+shift < hi, else 0.
	bnGradSums func(x, dy []float32, c int, a *bnAffine, sdz, sdzx []float32)
	// bnGradApply writes (or with add, adds) into dx
	// k·((g − mdz) − (x − mean)·q), with g masked as in bnGradSums.
	bnGradApply func(x, dy, dx []float32, c int, a *bnAffine, add bool)
	// mulAdd adds a[i]·b[i] to dst[i]; mul writes it there.
	mulAdd, mul func(dst, a, b []float32)
	// mm4 computes 4 rows and w columns (8, or a multiple of 16) of a
	// matMul, from row m0 and column j0; nil where only the Go loops run.
	mm4 func(x *mmArgs, m0, j0, w int)
}

// mmArgs describe a product of strided operands, C = A·B (or C += A·B):
// A[m][t] = a[t·aT + m·aM], B[t][j] = b[t·ldb + j], C[m][j] = c[m·ldc + j]
// for m < rows, j < cols, t < n. Each element's products are rounded, then
// added in t order to a sum that starts at zero, which is added to C last.
// The strides let one loop serve X·Wᵀ, dZ·W and dZᵀ·X on row-major
// activations without packing them first.
type mmArgs struct {
	n          int
	a          []float32
	aT, aM     int
	b          []float32
	ldb        int
	c          []float32
	ldc        int
	rows, cols int
	add        bool
}

// matMul computes rows [m0, m1) of x's product: 4-row tiles of 16 and 8
// columns on the vector loops when there are any, the rest in Go.
func (v *vecImpl) matMul(x *mmArgs, m0, m1 int) {
	m := m0
	if v.mm4 != nil && x.n > 0 {
		for ; m+4 <= m1; m += 4 {
			j := x.cols &^ 15
			if j > 0 {
				v.mm4(x, m, 0, j)
			}
			if j+8 <= x.cols {
				v.mm4(x, m, j, 8)
				j += 8
			}
			goMatMul(x, m, m+4, j, x.cols)
		}
	}
	goMatMul(x, m, m1, 0, x.cols)
}

// canMatMul reports whether matMul runs rows×cols products on vector loops
// throughout (no Go edges).
func (v *vecImpl) canMatMul(rows, cols int) bool {
	return v.mm4 != nil && rows%4 == 0 && cols%8 == 0
}

func goMatMul(x *mmArgs, m0, m1, j0, j1 int) {
	for m := m0; m < m1; m++ {
		out := x.c[m*x.ldc:]
		for j := j0; j < j1; j++ {
			var acc float32
			for t := range x.n {
				acc += float32(x.a[t*x.aT+m*x.aM] * x.b[t*x.ldb+j])
			}
			if x.add {
				out[j] += acc
			} else {
				out[j] = acc
			}
		}
	}
}

// bnAffine holds a batch norm's per-channel values for the backward loops.
type bnAffine struct {
	scale, shift, mean []float32 // the forward affine step and the batch mean
	k, mdz, q          []float32 // γ/σ, mean(dz) and mean(dz·x̂)/σ
	lo, hi             float32   // the activation's bounds
}

// vec is the implementation in use, chosen at init (vec_amd64.go).
var vec = &goVec

var goVec = vecImpl{
	name:        "go",
	bnSums:      goBNSums,
	affineClamp: goAffineClamp,
	bnGradSums:  goBNGradSums,
	bnGradApply: goBNGradApply,
	mulAdd:      goMulAdd,
	mul:         goMul,
}

func goBNSums(x []float32, c int, x0, sum, sq []float32) {
	x0, sum, sq = x0[:c], sum[:c], sq[:c]
	for r := 0; r+c <= len(x); r += c {
		for j, v := range x[r : r+c] {
			d := v - x0[j]
			sum[j] += d
			sq[j] += float32(d * d)
		}
	}
}

func goAffineClamp(x, y []float32, c int, scale, shift []float32, lo, hi float32) {
	scale, shift = scale[:c], shift[:c]
	for r := 0; r+c <= len(x); r += c {
		yr := y[r : r+c]
		for j, v := range x[r : r+c] {
			v = float32(v*scale[j]) + shift[j]
			if !(v > lo) {
				v = lo
			}
			if !(v < hi) {
				v = hi
			}
			yr[j] = v
		}
	}
}

func goBNGradSums(x, dy []float32, c int, a *bnAffine, sdz, sdzx []float32) {
	scale, shift, mean := a.scale[:c], a.shift[:c], a.mean[:c]
	sdz, sdzx = sdz[:c], sdzx[:c]
	for r := 0; r+c <= len(x); r += c {
		dr := dy[r : r+c]
		for j, v := range x[r : r+c] {
			t := float32(v*scale[j]) + shift[j]
			g := dr[j]
			if !(t > a.lo && t < a.hi) {
				g = 0
			}
			sdz[j] += g
			sdzx[j] += float32(g * (v - mean[j]))
		}
	}
}

func goBNGradApply(x, dy, dx []float32, c int, a *bnAffine, add bool) {
	scale, shift, mean := a.scale[:c], a.shift[:c], a.mean[:c]
	k, mdz, q := a.k[:c], a.mdz[:c], a.q[:c]
	for r := 0; r+c <= len(x); r += c {
		dr, out := dy[r:r+c], dx[r:r+c]
		for j, v := range x[r : r+c] {
			t := float32(v*scale[j]) + shift[j]
			g := dr[j]
			if !(t > a.lo && t < a.hi) {
				g = 0
			}
			d := float32(k[j] * ((g - mdz[j]) - float32((v-mean[j])*q[j])))
			if add {
				out[j] += d
			} else {
				out[j] = d
			}
		}
	}
}

func goMulAdd(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i, v := range a {
		dst[i] += float32(v * b[i])
	}
}

func goMul(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i, v := range a {
		dst[i] = v * b[i]
	}
}
