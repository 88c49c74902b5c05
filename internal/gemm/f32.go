package gemm

import (
	"fmt"
	"sync"
)

// Cache blocking: a packed block of the left operand (mcF32 rows by kcF32
// depth, 96 KiB) stays in L2 while each packed right-operand panel (kcF32 by
// nr, 4 to 16 KiB) stays in L1.
const (
	kcF32 = 256
	mcF32 = 96
)

// microF32 is a float32 micro-kernel: it multiplies an mr-row panel of the
// packed left operand by an nr-column panel of the packed right operand over
// kc steps, and stores (or, with add, adds) the mr by nr result into c with
// row stride ldc.
type microF32 struct {
	mr, nr int
	full   func(kc int, a, b, c []float32, ldc int, add bool)
	// row multiplies one unpacked row of the left operand (stride 1) by a
	// packed panel: the kernel for matrix-vector shapes and edge rows.
	row func(kc int, a, b, c []float32, add bool)
}

// kernelF32 is the micro-kernel used by panels packed from now on. It is
// chosen once, by CPU features, in one place (cpu*.go); tests switch it to
// run the same cases over every implementation.
var kernelF32 = &goF32

// PackedF32 is the right operand of a float32 multiply, B (K by N), packed in
// panels of nr columns: panel p holds B[k][p*nr+j] at p*K*nr + k*nr + j, with
// columns past N zero.
type PackedF32 struct {
	K, N int
	kern *microF32
	data []float32
}

// PackF32 packs b (K by N) for multiplication; dst is reused when it is large
// enough, so repacking a changing operand does not allocate. The weights of
// TFLite's convolutions and fully-connected layers, [N][K] row-major, are the
// Matrix{Rows: K, Cols: N, RowStride: 1, ColStride: K}.
func PackF32(dst *PackedF32, b Matrix[float32]) (*PackedF32, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	if dst == nil {
		dst = &PackedF32{}
	}
	kern := kernelF32
	nr := kern.nr
	panels := (b.Cols + nr - 1) / nr
	size := panels * b.Rows * nr
	if cap(dst.data) < size {
		dst.data = make([]float32, size)
	}
	dst.data = dst.data[:size]
	dst.K, dst.N, dst.kern = b.Rows, b.Cols, kern
	for p := 0; p < panels; p++ {
		panel := dst.data[p*b.Rows*nr : (p+1)*b.Rows*nr]
		cols := min(nr, b.Cols-p*nr)
		for k := 0; k < b.Rows; k++ {
			src := b.Off + k*b.RowStride + p*nr*b.ColStride
			out := panel[k*nr : k*nr+nr]
			for j := 0; j < cols; j++ {
				out[j] = b.Data[src+j*b.ColStride]
			}
			clear(out[cols:])
		}
	}
	return dst, nil
}

// Epilogue is applied to each output element once its sum is complete:
// c = clamp(c + Bias[j], Min, Max). Bias may be nil.
type Epilogue struct {
	Bias     []float32
	Min, Max float32
}

// Engine runs the multiplies of one op in one interpreter: it owns the
// per-thread packing buffers, so a kernel makes one at Prepare and Eval then
// allocates nothing. Its methods must not be called concurrently.
type Engine struct {
	threads int
	done    sync.WaitGroup
	parts   []partScratch

	// the multiply in flight, read by the parts
	a   LHS[float32]
	b   *PackedF32
	c   []float32
	ldc int
	ep  Epilogue
	byN bool
}

type partScratch struct {
	packA []float32
	tile  []float32
}

// NewEngine makes an engine that splits each multiply over up to threads
// goroutines.
func NewEngine(threads int) *Engine {
	threads = max(1, min(threads, maxWorkers+1))
	return &Engine{threads: threads, parts: make([]partScratch, threads)}
}

// Reserve sizes the engine's buffers for left operands of up to m rows and
// depth k, so that no multiply of that size allocates. A kernel calls it at
// Prepare; a larger multiply later grows the buffers itself.
func (e *Engine) Reserve(m, k int) {
	size := min(mcF32, m+16) * min(kcF32, max(k, 1))
	for i := range e.parts {
		if len(e.parts[i].packA) < size {
			e.parts[i].packA = make([]float32, size)
		}
		if e.parts[i].tile == nil {
			e.parts[i].tile = make([]float32, 16*32)
		}
	}
}

// ScratchBytes is the memory the engine's buffers hold.
func (e *Engine) ScratchBytes() int {
	n := 0
	for _, p := range e.parts {
		n += 4 * (len(p.packA) + len(p.tile))
	}
	return n
}

// Bytes is the memory the packed operand holds.
func (p *PackedF32) Bytes() int { return 4 * cap(p.data) }

// Threads is the most goroutines the engine uses.
func (e *Engine) Threads() int { return e.threads }

// MulF32 computes C = A·B, then the epilogue, where C (M by N) starts at c[0]
// with row stride ldc.
func (e *Engine) MulF32(a LHS[float32], b *PackedF32, c []float32, ldc int, ep Epilogue) error {
	m, k := a.rows(), a.depth()
	if k != b.K {
		return fmt.Errorf("gemm: left operand depth %d does not match right operand depth %d", k, b.K)
	}
	if m == 0 || b.N == 0 {
		return nil
	}
	if ldc < b.N || len(c) < (m-1)*ldc+b.N {
		return fmt.Errorf("gemm: output of %d elements (row stride %d) is too small for %dx%d", len(c), ldc, m, b.N)
	}
	if ep.Bias != nil && len(ep.Bias) < b.N {
		return fmt.Errorf("gemm: bias has %d elements for %d columns", len(ep.Bias), b.N)
	}
	e.Reserve(m, k)
	e.a, e.b, e.c, e.ldc, e.ep = a, b, c, ldc, ep
	kern := b.kern
	// Split rows when there are enough for every part to run whole panels;
	// otherwise (matrix-vector shapes) split the columns.
	parts := e.threads
	flops := m * b.N * k
	if flops < 1<<15 {
		parts = 1
	}
	e.byN = m < parts*kern.mr*4
	if e.byN {
		parts = min(parts, (b.N+kern.nr-1)/kern.nr)
	}
	Parallel(e, parts, &e.done)
	e.a, e.b, e.c, e.ep.Bias = nil, nil, nil, nil
	return nil
}

// RunPart is one thread's share of the multiply in flight.
func (e *Engine) RunPart(part, parts int) {
	m := e.a.rows()
	kern := e.b.kern
	i0, i1, j0, j1 := 0, m, 0, e.b.N
	if e.byN {
		j0, j1 = Split(e.b.N, kern.nr, part, parts)
	} else {
		i0, i1 = Split(m, kern.mr, part, parts)
	}
	if i0 < i1 && j0 < j1 {
		e.blockF32(&e.parts[part], i0, i1, j0, j1)
	}
}

// blockF32 computes rows [i0, i1) and columns [j0, j1) of C; j0 is a
// multiple of nr.
func (e *Engine) blockF32(s *partScratch, i0, i1, j0, j1 int) {
	b, kern := e.b, e.b.kern
	mr, nr, K := kern.mr, kern.nr, b.K
	for pc := 0; pc < K; pc += kcF32 {
		kc := min(kcF32, K-pc)
		add := pc > 0
		last := pc+kc == K
		for ic := i0; ic < i1; ic += mcF32 {
			mc := min(mcF32, i1-ic)
			full := mc / mr * mr
			if full > 0 {
				e.a.pack(s.packA, ic, full, pc, kc, mr)
			}
			for jr := j0; jr < j1; jr += nr {
				bp := b.data[(jr/nr)*K*nr+pc*nr : (jr/nr)*K*nr+(pc+kc)*nr]
				cols := min(nr, j1-jr)
				for ir := 0; ir < full; ir += mr {
					ap := s.packA[ir*kc : (ir+mr)*kc]
					off := (ic+ir)*e.ldc + jr
					if cols == nr {
						kern.full(kc, ap, bp, e.c[off:], e.ldc, add)
					} else {
						kern.full(kc, ap, bp, s.tile, nr, false)
						mergeTile(e.c[off:], e.ldc, s.tile, nr, mr, cols, add)
					}
					if last {
						e.epilogue(ic+ir, mr, jr, cols)
					}
				}
			}
			// Rows left over after whole panels go one by one, unpacked.
			for i := ic + full; i < ic+mc; i++ {
				row := e.rowF32(s, i, pc, kc)
				for jr := j0; jr < j1; jr += nr {
					bp := b.data[(jr/nr)*K*nr+pc*nr : (jr/nr)*K*nr+(pc+kc)*nr]
					cols := min(nr, j1-jr)
					off := i*e.ldc + jr
					if cols == nr {
						kern.row(kc, row, bp, e.c[off:off+nr], add)
					} else {
						kern.row(kc, row, bp, s.tile[:nr], false)
						mergeTile(e.c[off:], e.ldc, s.tile, nr, 1, cols, add)
					}
					if last {
						e.epilogue(i, 1, jr, cols)
					}
				}
			}
		}
	}
}

// rowF32 returns row i, depth [k0, k0+kc) of A as a contiguous slice (packed
// with mr = 1 into the part's buffer).
func (e *Engine) rowF32(s *partScratch, i, k0, kc int) []float32 {
	buf := s.packA[:kc]
	e.a.pack(buf, i, 1, k0, kc, 1)
	return buf
}

func mergeTile(c []float32, ldc int, tile []float32, ldt, rows, cols int, add bool) {
	for r := 0; r < rows; r++ {
		dst := c[r*ldc : r*ldc+cols]
		src := tile[r*ldt : r*ldt+cols]
		if add {
			for j, v := range src {
				dst[j] += v
			}
		} else {
			copy(dst, src)
		}
	}
}

func (e *Engine) epilogue(i0, rows, j0, cols int) {
	lo, hi := e.ep.Min, e.ep.Max
	for r := 0; r < rows; r++ {
		dst := e.c[(i0+r)*e.ldc+j0 : (i0+r)*e.ldc+j0+cols]
		if e.ep.Bias != nil {
			bias := e.ep.Bias[j0 : j0+cols]
			for j := range dst {
				dst[j] += bias[j]
			}
		}
		for j, v := range dst {
			dst[j] = min(max(v, lo), hi)
		}
	}
}
