package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func poolOp(t ir.OpType, p ir.Padding, fh, fw, sh, sw int, act ir.Activation) *ir.Op {
	return &ir.Op{Type: t, Options: &ir.Pool2DOptions{Padding: p, FilterHeight: fh, FilterWidth: fw, StrideH: sh, StrideW: sw, Activation: act}}
}

func TestPoolsHandWorked(t *testing.T) {
	// 2x2 image [1 2; 3 4], 2x2 window, stride 1, SAME: the padding falls
	// after the image, and only in-bounds elements count.
	in := tensorF32([]int{1, 2, 2, 1}, []float32{1, 2, 3, 4})
	cases := []struct {
		op   ir.OpType
		want []float64
	}{
		{ir.AveragePool2D, []float64{2.5, 3, 3.5, 4}},
		{ir.MaxPool2D, []float64{4, 4, 4, 4}},
		{ir.L2Pool2D, []float64{math.Sqrt(30.0 / 4), math.Sqrt(20.0 / 2), math.Sqrt(25.0 / 2), 4}},
	}
	for _, c := range cases {
		out := activation(ir.Float32, []int{1, 2, 2, 1})
		runKernel(t, poolOp(c.op, ir.PaddingSame, 2, 2, 1, 1, ir.ActNone), []*ir.Tensor{in}, []*ir.Tensor{out}, 1)
		checkClose(t, c.op.String(), out.Float32s(), c.want, 1e-6)
	}
	// RELU_N1_TO_1 clamps the average.
	out := activation(ir.Float32, []int{1, 1, 1, 1})
	runKernel(t, poolOp(ir.AveragePool2D, ir.PaddingValid, 2, 2, 2, 2, ir.ActReluN1To1), []*ir.Tensor{in}, []*ir.Tensor{out}, 1)
	checkClose(t, "avg relu_n1_to_1", out.Float32s(), []float64{1}, 0)
}

// naivePool applies reduce to the in-bounds elements of each window.
func naivePool(in []float32, n, h, w, c, fh, fw, sh, sw, pt, pl, oh, ow int, reduce func([]float64) float64) []float64 {
	out := make([]float64, 0, n*oh*ow*c)
	for b := 0; b < n; b++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				for ch := 0; ch < c; ch++ {
					var vals []float64
					for ky := 0; ky < fh; ky++ {
						for kx := 0; kx < fw; kx++ {
							iy, ix := y*sh-pt+ky, x*sw-pl+kx
							if iy >= 0 && iy < h && ix >= 0 && ix < w {
								vals = append(vals, float64(in[((b*h+iy)*w+ix)*c+ch]))
							}
						}
					}
					out = append(out, reduce(vals))
				}
			}
		}
	}
	return out
}

func TestPoolsMatchDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	maxOf := func(v []float64) float64 {
		m := math.Inf(-1)
		for _, x := range v {
			m = math.Max(m, x)
		}
		return m
	}
	l2 := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x * x
		}
		return math.Sqrt(s / float64(len(v)))
	}
	reducers := map[ir.OpType]func([]float64) float64{ir.AveragePool2D: mean, ir.MaxPool2D: maxOf, ir.L2Pool2D: l2}
	n, h, w, c := 2, 9, 8, 5
	in := randVec(r, n*h*w*c)
	for op, reduce := range reducers {
		for _, g := range [][4]int{{3, 3, 2, 2}, {2, 3, 1, 2}, {4, 4, 3, 3}} {
			for _, p := range []ir.Padding{ir.PaddingSame, ir.PaddingValid} {
				oh, pt := outputGeometry(p, h, g[0], g[2], 1)
				ow, pl := outputGeometry(p, w, g[1], g[3], 1)
				out := activation(ir.Float32, []int{n, oh, ow, c})
				runKernel(t, poolOp(op, p, g[0], g[1], g[2], g[3], ir.ActNone), []*ir.Tensor{tensorF32([]int{n, h, w, c}, in)}, []*ir.Tensor{out}, 1)
				checkClose(t, op.String(), out.Float32s(), naivePool(in, n, h, w, c, g[0], g[1], g[2], g[3], pt, pl, oh, ow, reduce), 1e-5)
			}
		}
	}
}
