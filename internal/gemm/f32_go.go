package gemm

// The pure-Go float32 micro-kernels: the fallback on every target without an
// assembly kernel, and the reference the assembly kernels are tested against.
// A 4x4 block of accumulators stays in registers; each product is rounded to
// float32 before it is added (the conversion stops Go from fusing the
// multiply-add on some targets and not others).

var goF32 = microF32{mr: 4, nr: 4, full: goFullF32x4x4, row: goRowF32x4}

func goFullF32x4x4(kc int, a, b, c []float32, ldc int, add bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	a = a[:kc*4]
	b = b[:kc*4]
	for i := 0; i < len(a) && i < len(b); i += 4 {
		pa := (*[4]float32)(a[i:])
		pb := (*[4]float32)(b[i:])
		a0, a1, a2, a3 := pa[0], pa[1], pa[2], pa[3]
		b0, b1, b2, b3 := pb[0], pb[1], pb[2], pb[3]
		c00 += float32(a0 * b0)
		c01 += float32(a0 * b1)
		c02 += float32(a0 * b2)
		c03 += float32(a0 * b3)
		c10 += float32(a1 * b0)
		c11 += float32(a1 * b1)
		c12 += float32(a1 * b2)
		c13 += float32(a1 * b3)
		c20 += float32(a2 * b0)
		c21 += float32(a2 * b1)
		c22 += float32(a2 * b2)
		c23 += float32(a2 * b3)
		c30 += float32(a3 * b0)
		c31 += float32(a3 * b1)
		c32 += float32(a3 * b2)
		c33 += float32(a3 * b3)
	}
	var r *[4]float32
	r = (*[4]float32)(c[0*ldc:])
	if add {
		r[0] += c00
		r[1] += c01
		r[2] += c02
		r[3] += c03
	} else {
		r[0], r[1], r[2], r[3] = c00, c01, c02, c03
	}
	r = (*[4]float32)(c[1*ldc:])
	if add {
		r[0] += c10
		r[1] += c11
		r[2] += c12
		r[3] += c13
	} else {
		r[0], r[1], r[2], r[3] = c10, c11, c12, c13
	}
	r = (*[4]float32)(c[2*ldc:])
	if add {
		r[0] += c20
		r[1] += c21
		r[2] += c22
		r[3] += c23
	} else {
		r[0], r[1], r[2], r[3] = c20, c21, c22, c23
	}
	r = (*[4]float32)(c[3*ldc:])
	if add {
		r[0] += c30
		r[1] += c31
		r[2] += c32
		r[3] += c33
	} else {
		r[0], r[1], r[2], r[3] = c30, c31, c32, c33
	}
}

func goRowF32x4(kc int, a, b, c []float32, add bool) {
	var c0, c1, c2, c3 float32
	a = a[:kc]
	b = b[:kc*4]
	for k, av := range a {
		pb := (*[4]float32)(b[k*4:])
		c0 += float32(av * pb[0])
		c1 += float32(av * pb[1])
		c2 += float32(av * pb[2])
		c3 += float32(av * pb[3])
	}
	r := (*[4]float32)(c)
	if add {
		r[0] += c0
		r[1] += c1
		r[2] += c2
		r[3] += c3
	} else {
		r[0], r[1], r[2], r[3] = c0, c1, c2, c3
	}
}
