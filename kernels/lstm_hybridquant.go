package kernels

import (
	"math"
)

// The on-the-fly input quantization and the integer matrix-vector products of
// TFLite's hybrid (dynamic-range) sequence kernels, after
// PortableSymmetricQuantizeFloats, PortableAsymmetricQuantizeFloats and the
// int8 PortableMatrixBatchVectorMultiplyAccumulate in
// reference/portable_tensor_utils.cc.

// seqQuantizeSymmetric quantizes v to [-127, 127] with scale max|v|/127 and
// returns that scale (1 for an all-zero vector).
func seqQuantizeSymmetric(v []float32, q []int8) float32 {
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	r := max(float32(math.Abs(float64(lo))), float32(math.Abs(float64(hi))))
	if r == 0 {
		clear(q)
		return 1
	}
	inv := 127 / r
	for i, x := range v {
		y := int32(math.Round(float64(x * inv)))
		q[i] = int8(min(max(y, -127), 127))
	}
	return r / 127
}

// seqQuantizeAsymmetric quantizes v to [-128, 127] over the range [min(v,0),
// max(v,0)] and returns the scale and zero point, computed in double as
// TFLite does.
func seqQuantizeAsymmetric(v []float32, q []int8) (float32, int32) {
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	rmin, rmax := math.Min(0, float64(lo)), math.Max(0, float64(hi))
	if rmin == rmax {
		clear(q)
		return 1, 0
	}
	const qmin, qmax = -128.0, 127.0
	scale := (rmax - rmin) / (qmax - qmin)
	zpFromMin := qmin - rmin/scale
	zpFromMax := qmax - rmax/scale
	zpFromMinErr := math.Abs(qmin) + math.Abs(rmin/scale)
	zpFromMaxErr := math.Abs(qmax) + math.Abs(rmax/scale)
	zpDouble := zpFromMax
	if zpFromMinErr < zpFromMaxErr {
		zpDouble = zpFromMin
	}
	var zp int32
	switch {
	case zpDouble <= qmin:
		zp = qmin
	case zpDouble >= qmax:
		zp = qmax
	default:
		zp = int32(math.Round(zpDouble))
	}
	sf := float32(scale)
	inv := 1 / sf
	for i, x := range v {
		y := int32(math.Round(float64(float32(zp) + float32(x*inv))))
		q[i] = int8(min(max(y, -128), 127))
	}
	return sf, zp
}

// seqBatchQuantize quantizes each of the nb rows of n values in v into q,
// recording each row's scale in sf and (asymmetric only) zero point in zp.
func seqBatchQuantize(v []float32, nb, n int, q []int8, sf []float32, zp []int32, asym bool) {
	for b := range nb {
		row, qr := v[b*n:(b+1)*n], q[b*n:(b+1)*n]
		if asym {
			sf[b], zp[b] = seqQuantizeAsymmetric(row, qr)
		} else {
			sf[b] = seqQuantizeSymmetric(row, qr)
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
