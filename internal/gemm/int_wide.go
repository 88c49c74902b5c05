package gemm

import "unsafe"

// The int8 multiply's assembly path: both operands are widened to int16 and
// interleaved in k pairs so that one VPMADDWD multiplies a pair of A by
// eight pairs of B and adds them into int32 lanes (exact: two int8 products
// cannot leave int32). B is widened once, when packed; A block by block.
// Zero points, row and column sums and the output stage are the generic
// path's.

const nrWide = 16

// useWide lets tests run the generic kernel where the assembly one exists.
var useWide = true

// wideOK reports whether this engine's types use the assembly kernel: int8
// by int8 into int32, on a CPU that has it.
func (m *IntMul[A, B, S]) wideOK() bool {
	var a A
	var b B
	var s S
	_, a8 := any(a).(int8)
	_, b8 := any(b).(int8)
	_, s32 := any(s).(int32)
	return useWide && dotI16x4x16 != nil && a8 && b8 && s32
}

// nr is the column panel width of the multiply in flight.
func (m *IntMul[A, B, S]) nr() int {
	if m.wide {
		return nrWide
	}
	return nrInt
}

// packWide widens an int8 operand into panels of 16 columns, each
// [ceil(K/2)][16][2] int16, zero past K and N; nil for other types or when
// the assembly kernel is not in use.
func packWide[B BElem](dst []int16, b Matrix[B]) []int16 {
	bs, ok := any(b.Data).([]int8)
	if !ok || !useWide || dotI16x4x16 == nil {
		return nil
	}
	kp := (b.Rows + 1) / 2
	panels := (b.Cols + nrWide - 1) / nrWide
	size := panels * kp * nrWide * 2
	if cap(dst) < size {
		dst = make([]int16, size)
	}
	dst = dst[:size]
	clear(dst)
	for p := 0; p < panels; p++ {
		panel := dst[p*kp*nrWide*2:]
		for j := 0; j < nrWide && p*nrWide+j < b.Cols; j++ {
			col := b.Off + (p*nrWide+j)*b.ColStride
			for k := 0; k < b.Rows; k++ {
				panel[(k/2)*nrWide*2+j*2+k%2] = int16(bs[col+k*b.RowStride])
			}
		}
	}
	return dst
}

// blockWide multiplies the packed block of A (padded rows, depth [pc,
// pc+kc)) by columns [jc, jc+nc) of B into the part's sums.
func (m *IntMul[A, B, S]) blockWide(s *intScratch[A, S], padded, pc, kc, jc, nc int) {
	a8 := unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(s.packA))), len(s.packA))
	acc := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(s.acc))), len(s.acc))
	kp := (kc + 1) / 2
	for q := 0; q < padded/mrInt; q++ {
		src := a8[q*kc*mrInt : (q+1)*kc*mrInt]
		dst := s.wideA[q*kp*mrInt*2 : (q+1)*kp*mrInt*2]
		for k := 0; k < kc; k++ {
			row := src[k*mrInt : k*mrInt+mrInt]
			base := (k/2)*mrInt*2 + k%2
			for r, v := range row {
				dst[base+r*2] = int16(v)
			}
		}
		if kc%2 == 1 {
			for r := 0; r < mrInt; r++ {
				dst[(kp-1)*mrInt*2+r*2+1] = 0
			}
		}
	}
	Kp := (m.b.K + 1) / 2
	for jr := 0; jr < nc; jr += nrWide {
		p := (jc + jr) / nrWide
		bp := m.b.wide[(p*Kp+pc/2)*nrWide*2:]
		for ir := 0; ir < padded; ir += mrInt {
			dotI16x4x16(kp, s.wideA[ir/mrInt*kp*mrInt*2:], bp, acc[ir*ncInt+jr:], ncInt, pc > 0)
		}
	}
}
