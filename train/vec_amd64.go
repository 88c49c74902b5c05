//go:build amd64 && !purego

package train

import "golang.org/x/sys/cpu"

// The AVX2 twins of the vector loops (vec_amd64.s), eight channels at a
// time; rows whose width is not a multiple of eight, and the tail of a
// mulAdd, go to the Go loops.

//go:noescape
func bnSumsAVX2(x *float32, rows, c int, x0, sum, sq *float32)

//go:noescape
func affineClampAVX2(x, y *float32, rows, c int, scale, shift *float32, lo, hi float32)

//go:noescape
func bnGradSumsAVX2(x, dy *float32, rows, c int, scale, shift, mean *float32, lo, hi float32, sdz, sdzx *float32)

//go:noescape
func bnGradApplyAVX2(x, dy, dx *float32, rows, c int, scale, shift, mean, k, mdz, q *float32, lo, hi float32, add bool)

//go:noescape
func mulAddAVX2(dst, a, b *float32, n int)

//go:noescape
func mulAVX2(dst, a, b *float32, n int)

//go:noescape
func mmF32x4x16(n int, a *float32, aT, aM int, b *float32, ldb int, c *float32, ldc int, cols int, add bool)

//go:noescape
func mmF32x4x8(n int, a *float32, aT, aM int, b *float32, ldb int, c *float32, ldc int, add bool)

// rowsOf returns how many whole rows of c channels x holds, or 0 when the
// assembly cannot take them (c not a multiple of 8, or no rows).
func rowsOf(x []float32, c int) int {
	if c <= 0 || c%8 != 0 {
		return 0
	}
	return len(x) / c
}

var avx2Vec = vecImpl{
	name: "avx2",
	bnSums: func(x []float32, c int, x0, sum, sq []float32) {
		rows := rowsOf(x, c)
		if rows == 0 {
			goBNSums(x, c, x0, sum, sq)
			return
		}
		_, _, _ = x0[c-1], sum[c-1], sq[c-1]
		bnSumsAVX2(&x[0], rows, c, &x0[0], &sum[0], &sq[0])
	},
	affineClamp: func(x, y []float32, c int, scale, shift []float32, lo, hi float32) {
		rows := rowsOf(x, c)
		if rows == 0 {
			goAffineClamp(x, y, c, scale, shift, lo, hi)
			return
		}
		_, _, _ = y[rows*c-1], scale[c-1], shift[c-1]
		affineClampAVX2(&x[0], &y[0], rows, c, &scale[0], &shift[0], lo, hi)
	},
	bnGradSums: func(x, dy []float32, c int, a *bnAffine, sdz, sdzx []float32) {
		rows := rowsOf(x, c)
		if rows == 0 {
			goBNGradSums(x, dy, c, a, sdz, sdzx)
			return
		}
		_, _, _, _, _, _ = dy[rows*c-1], a.scale[c-1], a.shift[c-1], a.mean[c-1], sdz[c-1], sdzx[c-1]
		bnGradSumsAVX2(&x[0], &dy[0], rows, c, &a.scale[0], &a.shift[0], &a.mean[0], a.lo, a.hi, &sdz[0], &sdzx[0])
	},
	bnGradApply: func(x, dy, dx []float32, c int, a *bnAffine, add bool) {
		rows := rowsOf(x, c)
		if rows == 0 {
			goBNGradApply(x, dy, dx, c, a, add)
			return
		}
		_, _ = dy[rows*c-1], dx[rows*c-1]
		_, _, _, _, _, _ = a.scale[c-1], a.shift[c-1], a.mean[c-1], a.k[c-1], a.mdz[c-1], a.q[c-1]
		bnGradApplyAVX2(&x[0], &dy[0], &dx[0], rows, c, &a.scale[0], &a.shift[0], &a.mean[0],
			&a.k[0], &a.mdz[0], &a.q[0], a.lo, a.hi, add)
	},
	mulAdd: func(dst, a, b []float32) {
		n := len(dst) &^ 7
		if n > 0 {
			_, _ = a[n-1], b[n-1]
			mulAddAVX2(&dst[0], &a[0], &b[0], n)
		}
		if n < len(dst) {
			goMulAdd(dst[n:], a[n:], b[n:])
		}
	},
	mul: func(dst, a, b []float32) {
		n := len(dst) &^ 7
		if n > 0 {
			_, _ = a[n-1], b[n-1]
			mulAVX2(&dst[0], &a[0], &b[0], n)
		}
		if n < len(dst) {
			goMul(dst[n:], a[n:], b[n:])
		}
	},
	mm4: func(x *mmArgs, m0, j0, w int) {
		a, b, c := x.a[m0*x.aM:], x.b[j0:], x.c[m0*x.ldc+j0:]
		// the last elements the tiles read and write
		_, _, _ = a[(x.n-1)*x.aT+3*x.aM], b[(x.n-1)*x.ldb+w-1], c[3*x.ldc+w-1]
		if w%16 == 0 {
			mmF32x4x16(x.n, &a[0], x.aT, x.aM, &b[0], x.ldb, &c[0], x.ldc, w, x.add)
		} else {
			mmF32x4x8(x.n, &a[0], x.aT, x.aM, &b[0], x.ldb, &c[0], x.ldc, x.add)
		}
	},
}

func init() {
	if cpu.X86.HasAVX2 {
		vec = &avx2Vec
	}
}

// vecImpls lists the implementations this machine can run, for tests.
func vecImpls() []*vecImpl {
	if cpu.X86.HasAVX2 {
		return []*vecImpl{&avx2Vec, &goVec}
	}
	return []*vecImpl{&goVec}
}
