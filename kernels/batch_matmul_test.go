package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// naiveBatchMatMul broadcasts by index arithmetic over the padded batch
// dimensions and multiplies with the adjoint flags applied element by element.
func naiveBatchMatMul(a []float32, ash []int, b []float32, bsh []int, adjX, adjY bool) ([]float64, []int) {
	ra, rb := len(ash), len(bsh)
	m, k := ash[ra-2], ash[ra-1]
	if adjX {
		m, k = k, m
	}
	n := bsh[rb-1]
	if adjY {
		n = bsh[rb-2]
	}
	rank := max(ra, rb)
	dim := func(s []int, i int) int {
		if j := i - (rank - len(s)); j >= 0 && j < len(s)-2 {
			return s[j]
		}
		return 1
	}
	var outShape []int
	for i := 0; i < rank-2; i++ {
		outShape = append(outShape, max(dim(ash, i), dim(bsh, i)))
	}
	batches := ir.NumElements(outShape)
	out := make([]float64, 0, batches*m*n)
	idx := make([]int, rank-2)
	for ob := 0; ob < batches; ob++ {
		// decode ob into idx
		rem := ob
		for i := rank - 3; i >= 0; i-- {
			idx[i] = rem % outShape[i]
			rem /= outShape[i]
		}
		ia, ib := 0, 0
		for i := 0; i < rank-2; i++ {
			ia = ia*dim(ash, i) + idx[i]%dim(ash, i)
			ib = ib*dim(bsh, i) + idx[i]%dim(bsh, i)
		}
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				s := 0.0
				for p := 0; p < k; p++ {
					av := a[ia*m*k+i*k+p]
					if adjX {
						av = a[ia*m*k+p*m+i]
					}
					bv := b[ib*k*n+p*n+j]
					if adjY {
						bv = b[ib*k*n+j*k+p]
					}
					s += float64(av) * float64(bv)
				}
				out = append(out, s)
			}
		}
	}
	return out, append(outShape, m, n)
}

func TestBatchMatMulHandWorked(t *testing.T) {
	// [[1 2] [3 4]] times [[5 6] [7 8]] = [[19 22] [43 50]]
	a := tensorF32([]int{2, 2}, []float32{1, 2, 3, 4})
	b := tensorF32([]int{2, 2}, []float32{5, 6, 7, 8})
	out := activation(ir.Float32, []int{2, 2})
	runKernel(t, &ir.Op{Type: ir.BatchMatMul, Options: &ir.BatchMatMulOptions{}}, []*ir.Tensor{a, b}, []*ir.Tensor{out}, 1)
	checkClose(t, "bmm", out.Float32s(), []float64{19, 22, 43, 50}, 0)
	// adj_y: b read transposed, [[5 7] [6 8]]: [[19 22]...] becomes [[17 23] [39 53]]
	runKernel(t, &ir.Op{Type: ir.BatchMatMul, Options: &ir.BatchMatMulOptions{AdjY: true}}, []*ir.Tensor{a, b}, []*ir.Tensor{out}, 1)
	checkClose(t, "bmm adj_y", out.Float32s(), []float64{17, 23, 39, 53}, 0)
}

func TestBatchMatMulMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	cases := []struct {
		a, b       []int
		adjX, adjY bool
		constRHS   bool
	}{
		{[]int{3, 4, 5}, []int{3, 5, 6}, false, false, true},
		{[]int{2, 1, 4, 5}, []int{3, 6, 5}, false, true, false},
		{[]int{5, 4}, []int{2, 2, 5, 7}, true, false, true},
		{[]int{1, 2, 3, 9, 17}, []int{3, 11, 9}, true, true, false},
		{[]int{2, 40, 33}, []int{33, 50}, false, false, true},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			av, bv := randVec(r, ir.NumElements(c.a)), randVec(r, ir.NumElements(c.b))
			want, outShape := naiveBatchMatMul(av, c.a, bv, c.b, c.adjX, c.adjY)
			rhs := tensorF32(c.b, bv)
			if !c.constRHS {
				rhs = activation(ir.Float32, c.b)
				copy(rhs.Float32s(), bv)
			}
			out := activation(ir.Float32, outShape)
			op := &ir.Op{Type: ir.BatchMatMul, Options: &ir.BatchMatMulOptions{AdjX: c.adjX, AdjY: c.adjY}}
			runKernel(t, op, []*ir.Tensor{tensorF32(c.a, av), rhs}, []*ir.Tensor{out}, 2)
			checkClose(t, "bmm", out.Float32s(), want, 1e-5)
		})
	}
}

func TestBatchMatMulRejectsBadShapes(t *testing.T) {
	op := &ir.Op{Type: ir.BatchMatMul, Options: &ir.BatchMatMulOptions{}}
	if err := tryKernel(op, []*ir.Tensor{tensorF32([]int{2, 3}, make([]float32, 6)), tensorF32([]int{4, 2}, make([]float32, 8))},
		[]*ir.Tensor{activation(ir.Float32, []int{2, 2})}, 1); err == nil {
		t.Error("contracted sizes 3 and 4 accepted")
	}
	if err := tryKernel(op, []*ir.Tensor{tensorF32([]int{2, 2, 3}, make([]float32, 12)), tensorF32([]int{3, 3, 2}, make([]float32, 18))},
		[]*ir.Tensor{activation(ir.Float32, []int{3, 2, 2})}, 1); err == nil {
		t.Error("batch dimensions 2 and 3 accepted")
	}
}
