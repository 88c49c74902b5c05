package gemm

import "fmt"

// Elem is an element type the engine multiplies.
type Elem interface {
	~float32 | ~int8 | ~uint8 | ~int16
}

// Matrix describes a strided matrix: element (i, j) is
// Data[Off + i*RowStride + j*ColStride].
type Matrix[T Elem] struct {
	Data                 []T
	Off                  int
	Rows, Cols           int
	RowStride, ColStride int
}

func (m *Matrix[T]) check() error {
	if m.Rows < 0 || m.Cols < 0 {
		return fmt.Errorf("gemm: negative matrix size %dx%d", m.Rows, m.Cols)
	}
	if m.Rows == 0 || m.Cols == 0 {
		return nil
	}
	last := m.Off + (m.Rows-1)*m.RowStride + (m.Cols-1)*m.ColStride
	if m.Off < 0 || m.RowStride < 0 || m.ColStride < 0 || last >= len(m.Data) {
		return fmt.Errorf("gemm: %dx%d matrix with strides %d,%d at offset %d exceeds its %d elements",
			m.Rows, m.Cols, m.RowStride, m.ColStride, m.Off, len(m.Data))
	}
	return nil
}

// LHS is a left operand, A (M by K): a dense Matrix or a convolution's im2col
// view of its input (Conv). The engine packs it a block at a time.
type LHS[T Elem] interface {
	rows() int
	depth() int
	// pack writes rows [i0, i0+rows) and depth [k0, k0+kc) into dst as
	// panels of mr rows: panel q holds A[i0+q*mr+r][k0+k] at q*kc*mr+k*mr+r.
	// rows is a multiple of mr.
	pack(dst []T, i0, rows, k0, kc, mr int)
}

func (m *Matrix[T]) rows() int  { return m.Rows }
func (m *Matrix[T]) depth() int { return m.Cols }

func (m *Matrix[T]) pack(dst []T, i0, rows, k0, kc, mr int) {
	for r := 0; r < rows; r++ {
		out := dst[(r/mr)*kc*mr+r%mr:]
		src := m.Off + (i0+r)*m.RowStride + k0*m.ColStride
		if m.ColStride == 1 {
			if mr == 1 {
				copy(out[:kc], m.Data[src:src+kc])
				continue
			}
			for k, v := range m.Data[src : src+kc] {
				out[k*mr] = v
			}
			continue
		}
		for k := 0; k < kc; k++ {
			out[k*mr] = m.Data[src+k*m.ColStride]
		}
	}
}

// Conv is the im2col view of a convolution's NHWC input as a left operand:
// row (b, oy, ox) holds, for each filter tap (ky, kx) in order and each
// channel c of the group, the input at
// (b, oy*StrideH-PadTop+ky*DilationH, ox*StrideW-PadLeft+kx*DilationW,
// ChanOff+c), or Pad where that lies outside the image. Its columns are thus
// in the order of TFLite's filter layout [out][kh][kw][in], and it is never
// materialized: the engine gathers it block by block.
type Conv[T Elem] struct {
	In                   []T
	Batch, InH, InW, InC int
	ChanOff, Chans       int // the channels of the group a multiply reads
	KH, KW               int
	StrideH, StrideW     int
	DilationH, DilationW int
	PadTop, PadLeft      int
	OutH, OutW           int
	Pad                  T // the value outside the image (the zero point, for integers)
}

// Check reports whether the geometry is consistent with In.
func (g *Conv[T]) Check() error {
	for _, d := range []int{g.Batch, g.InH, g.InW, g.InC, g.Chans, g.KH, g.KW, g.StrideH, g.StrideW, g.DilationH, g.DilationW, g.OutH, g.OutW} {
		if d <= 0 {
			return fmt.Errorf("gemm: convolution geometry has a non-positive size: %+v", *g)
		}
	}
	if g.ChanOff < 0 || g.ChanOff+g.Chans > g.InC {
		return fmt.Errorf("gemm: channels [%d, %d) outside the input's %d", g.ChanOff, g.ChanOff+g.Chans, g.InC)
	}
	if len(g.In) < g.Batch*g.InH*g.InW*g.InC {
		return fmt.Errorf("gemm: convolution input has %d elements, want %d", len(g.In), g.Batch*g.InH*g.InW*g.InC)
	}
	return nil
}

func (g *Conv[T]) rows() int  { return g.Batch * g.OutH * g.OutW }
func (g *Conv[T]) depth() int { return g.KH * g.KW * g.Chans }

func (g *Conv[T]) pack(dst []T, i0, rows, k0, kc, mr int) {
	pixels := g.OutH * g.OutW
	for r := 0; r < rows; r++ {
		out := dst[(r/mr)*kc*mr+r%mr:]
		m := i0 + r
		b, p := m/pixels, m%pixels
		iy0 := (p/g.OutW)*g.StrideH - g.PadTop
		ix0 := (p%g.OutW)*g.StrideW - g.PadLeft
		tap, c := k0/g.Chans, k0%g.Chans
		ky, kx := tap/g.KW, tap%g.KW
		for k := 0; k < kc; {
			run := min(g.Chans-c, kc-k)
			iy, ix := iy0+ky*g.DilationH, ix0+kx*g.DilationW
			seg := out[k*mr : (k+run-1)*mr+1]
			if iy < 0 || iy >= g.InH || ix < 0 || ix >= g.InW {
				for j := 0; j < run; j++ {
					seg[j*mr] = g.Pad
				}
			} else {
				src := ((b*g.InH+iy)*g.InW+ix)*g.InC + g.ChanOff + c
				in := g.In[src : src+run]
				if mr == 1 {
					copy(seg, in)
				} else {
					for j, v := range in {
						seg[j*mr] = v
					}
				}
			}
			k += run
			c = 0
			if kx++; kx == g.KW {
				kx = 0
				ky++
			}
		}
	}
}
