package kernels

// Float32 AVERAGE_POOL_2D under XNNPACKKernels sums in the order of
// XNNPACK's scalar pooling micro-kernels (the TFLite oracle's WebAssembly
// build). A window that covers the whole (padded) input is a global average
// pool: the "7p7x" kernel adds the pixels in row-major order, seven at a
// time in a fixed tree, and scales by 1/(H*W). Any other window goes column
// by column (the dwconv indirection order) through the "9p8x" kernel, nine
// elements and then eight at a time, padded positions reading zeros, and
// scales by 1/count, count being the window's in-bounds elements (with SAME
// padding; with VALID padding every window is whole).

type xnnAvgPool struct {
	global bool
	rows   [][]float32 // the window's input pixels, or zero where it is padded
	zero   []float32
	buf    []float32
}

func (k *pool2D) prepareAvgF32XNN() {
	w := k.win
	padH := (w.outH-1)*w.strideH + w.kh - w.inH
	padW := (w.outW-1)*w.strideW + w.kw - w.inW
	x := &k.xnn
	x.global = w.inH+max(padH, 0) == w.kh && w.inW+max(padW, 0) == w.kw
	x.rows = make([][]float32, max(9, w.kh*w.kw, w.inH*w.inW))
	x.zero = make([]float32, w.inC)
	x.buf = make([]float32, w.inC)
	k.eval = k.evalAvgF32XNN
}

func (k *pool2D) evalAvgF32XNN(n *Node) error {
	in, out, w, x := n.In[0].Float32s(), n.Out[0].Float32s(), k.win, &k.xnn
	c := w.inC
	if x.global {
		rows := x.rows[:w.inH*w.inW]
		for b := 0; b < w.batch; b++ {
			for i := range rows {
				rows[i] = in[(b*len(rows)+i)*c:][:c]
			}
			scale := 1 / float32(len(rows))
			xnnGlobalAvg(rows, x.zero, x.buf, out[b*c:(b+1)*c], scale, k.lo, k.hi)
		}
		return nil
	}
	return k.forEachWindow(n, func(b, y0, y1, x0, x1, o int) {
		rows := x.rows[:w.kh*w.kw]
		oy, ox := o/c/w.outW%w.outH, o/c%w.outW
		t := 0
		for kx := 0; kx < w.kw; kx++ {
			ix := ox*w.strideW - w.padLeft + kx
			for ky := 0; ky < w.kh; ky++ {
				iy := oy*w.strideH - w.padTop + ky
				rows[t] = x.zero
				if iy >= y0 && iy < y1 && ix >= x0 && ix < x1 {
					rows[t] = in[((b*w.inH+iy)*w.inW+ix)*c:][:c]
				}
				t++
			}
		}
		mult := 1 / float32((y1-y0)*(x1-x0))
		xnnWindowAvg(rows, x.zero, x.buf, out[o:o+c], mult, k.lo, k.hi)
	})
}

// row returns rows[i], or zero past the end.
func row(rows [][]float32, i int, zero []float32) []float32 {
	if i < len(rows) {
		return rows[i]
	}
	return zero
}

// xnnGlobalAvg is XNNPACK's gavgpool 7x / 7p7x: the first seven rows summed
// as ((r0+r1)+r6) + ((r2+r3)+(r4+r5)), then each further seven added with the
// running sum a as ((r0+r1)+(r2+r3)) + ((r4+r5)+(r6+a)), missing rows zero.
func xnnGlobalAvg(rows [][]float32, zero, buf, dst []float32, scale, lo, hi float32) {
	r := func(i int) []float32 { return row(rows, i, zero) }
	if len(rows) <= 7 {
		i0, i1, i2, i3, i4, i5, i6 := r(0), r(1), r(2), r(3), r(4), r(5), r(6)
		for c := range dst {
			s := ((i0[c] + i1[c]) + i6[c]) + ((i2[c] + i3[c]) + (i4[c] + i5[c]))
			dst[c] = min(max(s*scale, lo), hi)
		}
		return
	}
	i0, i1, i2, i3, i4, i5, i6 := r(0), r(1), r(2), r(3), r(4), r(5), r(6)
	for c := range buf {
		buf[c] = ((i0[c] + i1[c]) + i6[c]) + ((i2[c] + i3[c]) + (i4[c] + i5[c]))
	}
	next := 7
	for ; len(rows)-next > 7; next += 7 {
		i0, i1, i2, i3, i4, i5, i6 := r(next), r(next+1), r(next+2), r(next+3), r(next+4), r(next+5), r(next+6)
		for c := range buf {
			buf[c] = ((i0[c] + i1[c]) + (i2[c] + i3[c])) + ((i4[c] + i5[c]) + (i6[c] + buf[c]))
		}
	}
	i0, i1, i2, i3, i4, i5, i6 = r(next), r(next+1), r(next+2), r(next+3), r(next+4), r(next+5), r(next+6)
	for c := range dst {
		s := ((i0[c] + i1[c]) + (i2[c] + i3[c])) + ((i4[c] + i5[c]) + (i6[c] + buf[c]))
		dst[c] = min(max(s*scale, lo), hi)
	}
}

// xnnWindowAvg is XNNPACK's avgpool / pavgpool 9x / 9p8x: the first nine
// elements summed as ((r2+r3)+(r4+r5)) + (((r0+r1)+r8)+(r6+r7)), then each
// further eight with the running sum a as ((r2+r3)+(r4+r5)) +
// (((r0+r1)+a)+(r6+r7)), missing elements zero.
func xnnWindowAvg(rows [][]float32, zero, buf, dst []float32, mult, lo, hi float32) {
	r := func(i int) []float32 { return row(rows, i, zero) }
	i0, i1, i2, i3, i4, i5, i6, i7, i8 := r(0), r(1), r(2), r(3), r(4), r(5), r(6), r(7), r(8)
	if len(rows) <= 9 {
		for c := range dst {
			s := ((i2[c] + i3[c]) + (i4[c] + i5[c])) + (((i0[c] + i1[c]) + i8[c]) + (i6[c] + i7[c]))
			dst[c] = min(max(s*mult, lo), hi)
		}
		return
	}
	for c := range buf {
		buf[c] = ((i2[c] + i3[c]) + (i4[c] + i5[c])) + (((i0[c] + i1[c]) + i8[c]) + (i6[c] + i7[c]))
	}
	next := 9
	for ; len(rows)-next > 8; next += 8 {
		i0, i1, i2, i3, i4, i5, i6, i7 := r(next), r(next+1), r(next+2), r(next+3), r(next+4), r(next+5), r(next+6), r(next+7)
		for c := range buf {
			buf[c] = ((i2[c] + i3[c]) + (i4[c] + i5[c])) + (((i0[c] + i1[c]) + buf[c]) + (i6[c] + i7[c]))
		}
	}
	i0, i1, i2, i3, i4, i5, i6, i7 = r(next), r(next+1), r(next+2), r(next+3), r(next+4), r(next+5), r(next+6), r(next+7)
	for c := range dst {
		s := ((i2[c] + i3[c]) + (i4[c] + i5[c])) + (((i0[c] + i1[c]) + buf[c]) + (i6[c] + i7[c]))
		dst[c] = min(max(s*mult, lo), hi)
	}
}
