package kernels

// The per-row input quantization and the integer matrix-vector products of
// TFLite's hybrid (dynamic-range) sequence kernels, after BatchQuantizeFloats
// and the int8 PortableMatrixBatchVectorMultiplyAccumulate in
// reference/portable_tensor_utils.cc.

// seqBatchQuantize quantizes each of the nb rows of n values in v into q,
// recording each row's scale in sf and (asymmetric only) zero point in zp.
func seqBatchQuantize(v []float32, nb, n int, q []int8, sf []float32, zp []int32, asym bool) {
	for b := range nb {
		row, qr := v[b*n:(b+1)*n], q[b*n:(b+1)*n]
		if asym {
			sf[b], zp[b] = AsymmetricQuantizeFloats(row, qr)
		} else {
			sf[b] = SymmetricQuantizeFloats(row, qr)
		}
	}
}

// seqHybridMatVecAcc adds w (rows x cols int8) times each quantized vector in q,
// scaled by the vector's sf (already multiplied by the weight scale), to
// acc (nb x rows). With zero points (zp non-nil) it subtracts
// rowSums[row]*zp[b], the asymmetric input's offset.
func seqHybridMatVecAcc(w []int8, rows, cols int, q []int8, sf []float32, nb int, acc []float32, zp, rowSums []int32) {
	for b := range nb {
		qb := q[b*cols : (b+1)*cols]
		ab := acc[b*rows : (b+1)*rows]
		scale := sf[b]
		for r := range rows {
			var dot int32
			for j, x := range w[r*cols : (r+1)*cols] {
				dot += int32(x) * int32(qb[j])
			}
			if zp != nil {
				dot -= rowSums[r] * zp[b]
			}
			ab[r] += float32(float32(dot) * scale)
		}
	}
}

// seqRowSums returns the sum of each row of w.
func seqRowSums(w []int8, rows, cols int) []int32 {
	out := make([]int32, rows)
	for r := range rows {
		for _, x := range w[r*cols : (r+1)*cols] {
			out[r] += int32(x)
		}
	}
	return out
}
