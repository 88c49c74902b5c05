package gemm

import (
	"fmt"
	"sync"
	"unsafe"
)

// The integer multiply: 8-bit (or int16) left operand, 8-bit packed right
// operand, exact sums in int32 (or int64 for int16 activations, whose sums
// can leave int32). Zero points are handled outside the inner loop: the raw
// sum of products is corrected with the left operand's row sums and the
// right operand's column sums,
//
//	sum (a-za)(b-zb) = sum ab - zb*rowsum(a) - za*colsum(b) + K*za*zb,
//
// which is exact in wrapping int32 arithmetic whenever the true result fits,
// as TFLite's accumulators require. Finished sums go to an IntOutput, which
// requantizes them, block by block, while they are in cache.

// AElem and BElem are the operand element types of the integer multiply
// (int16 by int16 only with int64 sums, for int16 BATCH_MATMUL);
// Acc is its accumulator.
type (
	AElem interface{ ~int8 | ~uint8 | ~int16 }
	BElem interface{ ~int8 | ~uint8 | ~int16 }
	Acc   interface{ ~int32 | ~int64 }
)

// Cache blocking of the integer multiply: the sums of an mcInt by ncInt block
// are kept in the part's buffer across the depth loop.
const (
	kcInt = 512
	mcInt = 64
	ncInt = 256
	mrInt = 4
	nrInt = 4
)

// PackedInt is the right operand of an integer multiply, packed in panels of
// nrInt columns like PackedF32, with its column sums.
type PackedInt[B BElem] struct {
	K, N    int
	data    []B
	colSums []int32
	// wide is the int8 operand again, widened to int16 in k pairs for the
	// assembly kernel (see int_wide.go); nil when that kernel is not used.
	wide []int16
}

// PackInt packs b (K by N), reusing dst's memory when it is large enough.
func PackInt[B BElem](dst *PackedInt[B], b Matrix[B]) (*PackedInt[B], error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	if dst == nil {
		dst = &PackedInt[B]{}
	}
	panels := (b.Cols + nrInt - 1) / nrInt
	size := panels * b.Rows * nrInt
	if cap(dst.data) < size {
		dst.data = make([]B, size)
	}
	if cap(dst.colSums) < panels*nrInt {
		dst.colSums = make([]int32, panels*nrInt)
	}
	dst.data, dst.colSums = dst.data[:size], dst.colSums[:panels*nrInt]
	dst.K, dst.N = b.Rows, b.Cols
	clear(dst.colSums)
	for p := 0; p < panels; p++ {
		panel := dst.data[p*b.Rows*nrInt : (p+1)*b.Rows*nrInt]
		cols := min(nrInt, b.Cols-p*nrInt)
		sums := dst.colSums[p*nrInt : p*nrInt+nrInt]
		for k := 0; k < b.Rows; k++ {
			src := b.Off + k*b.RowStride + p*nrInt*b.ColStride
			out := panel[k*nrInt : k*nrInt+nrInt]
			for j := 0; j < cols; j++ {
				v := b.Data[src+j*b.ColStride]
				out[j] = v
				sums[j] += int32(v)
			}
			clear(out[cols:])
		}
	}
	dst.wide = packWide(dst.wide, b)
	return dst, nil
}

// ColSums returns the sum over K of each column of the packed operand.
func (p *PackedInt[B]) ColSums() []int32 { return p.colSums[:p.N] }

// IntOutput receives finished sums: rows [i0, i0+rows) and columns
// [j0, j0+cols) of the product, element (r, c) at acc[r*ld+c]. Calls for
// different blocks may run concurrently.
type IntOutput[S Acc] interface {
	StoreInt(i0, j0, rows, cols int, acc []S, ld int)
}

// ZeroPoints are the offsets subtracted from the operands: AZero from every
// element of the left operand, or ARow[i] from row i when ARow is set (the
// per-row offsets of activations quantized on the fly), and BZero from every
// element of the right operand.
type ZeroPoints struct {
	AZero int32
	ARow  []int32
	BZero int32
}

// IntMul runs the integer multiplies of one op in one interpreter (see
// Engine, its float32 counterpart).
type IntMul[A AElem, B BElem, S Acc] struct {
	threads int
	done    sync.WaitGroup
	parts   []intScratch[A, S]

	a    LHS[A]
	b    *PackedInt[B]
	zp   ZeroPoints
	out  IntOutput[S]
	byN  bool
	wide bool // the multiply in flight runs on the assembly kernel
}

type intScratch[A AElem, S Acc] struct {
	packA   []A
	acc     []S
	rowSums []S
	wideA   []int16 // the packed block widened for the assembly kernel
}

// NewIntMul makes an integer multiply engine for up to threads goroutines.
func NewIntMul[A AElem, B BElem, S Acc](threads int) *IntMul[A, B, S] {
	threads = max(1, min(threads, maxWorkers+1))
	return &IntMul[A, B, S]{threads: threads, parts: make([]intScratch[A, S], threads)}
}

// Reserve sizes the engine's buffers for left operands of up to m rows and
// depth k (see Engine.Reserve).
func (m *IntMul[A, B, S]) Reserve(rows, k int) {
	mc := min(mcInt, (rows+mrInt-1)/mrInt*mrInt)
	for i := range m.parts {
		p := &m.parts[i]
		if len(p.packA) < (mc+1)*min(kcInt, max(k, 1)) {
			p.packA = make([]A, (mc+1)*min(kcInt, max(k, 1)))
		}
		if len(p.acc) < mc*ncInt {
			p.acc, p.rowSums = make([]S, mc*ncInt), make([]S, mc)
		}
		if m.wideOK() && len(p.wideA) < mc*(min(kcInt, max(k, 1))+1) {
			p.wideA = make([]int16, mc*(min(kcInt, max(k, 1))+1))
		}
	}
}

// ScratchBytes is the memory the engine's buffers hold.
func (m *IntMul[A, B, S]) ScratchBytes() int {
	var a A
	var s S
	n := 0
	for _, p := range m.parts {
		n += len(p.packA)*int(unsafe.Sizeof(a)) + (len(p.acc)+len(p.rowSums))*int(unsafe.Sizeof(s))
	}
	return n
}

// Bytes is the memory the packed operand holds.
func (p *PackedInt[B]) Bytes() int {
	var b B
	return cap(p.data)*int(unsafe.Sizeof(b)) + 4*cap(p.colSums)
}

// Threads is the most goroutines the engine uses.
func (m *IntMul[A, B, S]) Threads() int { return m.threads }

// Mul computes sum over k of (A[i][k]-za)(B[k][j]-zb) for every i, j and
// hands the sums to out.
func (m *IntMul[A, B, S]) Mul(a LHS[A], b *PackedInt[B], zp ZeroPoints, out IntOutput[S]) error {
	rows, k := a.rows(), a.depth()
	if k != b.K {
		return fmt.Errorf("gemm: left operand depth %d does not match right operand depth %d", k, b.K)
	}
	if zp.ARow != nil && len(zp.ARow) < rows {
		return fmt.Errorf("gemm: %d row zero points for %d rows", len(zp.ARow), rows)
	}
	if rows == 0 || b.N == 0 {
		return nil
	}
	m.Reserve(rows, k)
	m.a, m.b, m.zp, m.out = a, b, zp, out
	parts := m.threads
	if rows*b.N*k < 1<<15 {
		parts = 1
	}
	m.wide = m.wideOK() && b.wide != nil
	m.byN = rows < parts*mrInt*4
	if m.byN {
		parts = min(parts, (b.N+m.nr()-1)/m.nr())
	}
	Parallel(m, parts, &m.done)
	m.a, m.b, m.out, m.zp.ARow = nil, nil, nil, nil
	return nil
}

// RunPart is one thread's share of the multiply in flight.
func (m *IntMul[A, B, S]) RunPart(part, parts int) {
	i0, i1, j0, j1 := 0, m.a.rows(), 0, m.b.N
	if m.byN {
		j0, j1 = Split(m.b.N, m.nr(), part, parts)
	} else {
		i0, i1 = Split(i1, mrInt, part, parts)
	}
	if i0 < i1 && j0 < j1 {
		m.block(&m.parts[part], i0, i1, j0, j1)
	}
}

func (m *IntMul[A, B, S]) block(s *intScratch[A, S], i0, i1, j0, j1 int) {
	K, b := m.b.K, m.b
	for jc := j0; jc < j1; jc += ncInt {
		nc := min(ncInt, j1-jc)
		for ic := i0; ic < i1; ic += mcInt {
			mc := min(mcInt, i1-ic)
			padded := (mc + mrInt - 1) / mrInt * mrInt
			clear(s.rowSums[:mc])
			for pc := 0; pc < K; pc += kcInt {
				kc := min(kcInt, K-pc)
				m.packBlock(s, ic, mc, padded, pc, kc)
				if m.wide {
					m.blockWide(s, padded, pc, kc, jc, nc)
					continue
				}
				for jr := 0; jr < nc; jr += nrInt {
					p := (jc + jr) / nrInt
					bp := b.data[p*K*nrInt+pc*nrInt : p*K*nrInt+(pc+kc)*nrInt]
					for ir := 0; ir < padded; ir += mrInt {
						microInt(kc, s.packA[ir*kc:(ir+mrInt)*kc], bp, s.acc[ir*ncInt+jr:], ncInt, pc > 0)
					}
				}
			}
			m.correct(s, ic, mc, jc, nc)
			m.out.StoreInt(ic, jc, mc, nc, s.acc, ncInt)
		}
	}
}

// packBlock packs rows [ic, ic+mc) of the left operand, the rows up to
// padded filled with zeros, and adds their sums to the block's row sums.
func (m *IntMul[A, B, S]) packBlock(s *intScratch[A, S], ic, mc, padded, pc, kc int) {
	full := mc / mrInt * mrInt
	if full > 0 {
		m.a.pack(s.packA, ic, full, pc, kc, mrInt)
	}
	if full < mc {
		// The last, partial panel: pack its rows one by one beside it, then
		// interleave them with zero rows.
		tail := s.packA[full*kc : padded*kc]
		clear(tail)
		for r := full; r < mc; r++ {
			row := s.packA[padded*kc : padded*kc+kc]
			m.a.pack(row, ic+r, 1, pc, kc, 1)
			for k, v := range row {
				tail[k*mrInt+r-full] = v
			}
		}
	}
	if m.zp.BZero == 0 {
		return
	}
	for q := 0; q < padded; q += mrInt {
		panel := s.packA[q*kc : (q+mrInt)*kc]
		for r := 0; r < mrInt && q+r < mc; r++ {
			var sum S
			for k := r; k < len(panel); k += mrInt {
				sum += S(panel[k])
			}
			s.rowSums[q+r] += sum
		}
	}
}

// correct turns the raw sums of a block into sums of zero-point-offset
// products.
func (m *IntMul[A, B, S]) correct(s *intScratch[A, S], ic, mc, jc, nc int) {
	zb, K := S(m.zp.BZero), S(m.b.K)
	cols := m.b.colSums[jc : jc+nc]
	for r := 0; r < mc; r++ {
		za := S(m.zp.AZero)
		if m.zp.ARow != nil {
			za = S(m.zp.ARow[ic+r])
		}
		if za == 0 && zb == 0 {
			continue
		}
		rowCorr := zb*s.rowSums[r] - K*za*zb
		acc := s.acc[r*ncInt : r*ncInt+nc]
		for j, cs := range cols {
			acc[j] -= rowCorr + za*S(cs)
		}
	}
}

// microInt multiplies an mrInt-row packed panel of A by an nrInt-column
// packed panel of B over kc steps into c (row stride ldc), adding when add.
func microInt[A AElem, B BElem, S Acc](kc int, a []A, b []B, c []S, ldc int, add bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 S
	a = a[:kc*4]
	b = b[:kc*4]
	for i := 0; i < len(a) && i < len(b); i += 4 {
		pa := (*[4]A)(a[i:])
		pb := (*[4]B)(b[i:])
		a0, a1, a2, a3 := S(pa[0]), S(pa[1]), S(pa[2]), S(pa[3])
		b0, b1, b2, b3 := S(pb[0]), S(pb[1]), S(pb[2]), S(pb[3])
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	rows := [4][4]S{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}}
	for r := range rows {
		dst := (*[4]S)(c[r*ldc:])
		if add {
			for j := range dst {
				dst[j] += rows[r][j]
			}
		} else {
			*dst = rows[r]
		}
	}
}
