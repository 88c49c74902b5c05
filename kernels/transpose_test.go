package kernels

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestTransposeHand(t *testing.T) {
	// [[1 2 3] [4 5 6]] transposed.
	out := mvOut(ir.Float32, []int{3, 2})
	mvMustRun(t, ir.Transpose, nil, []*ir.Tensor{mvF32([]int{2, 3}, mvSeq(6)...), mvI32([]int{2}, 1, 0)}, out)
	mvEqualF32(t, "2-d", out.Float32s(), 1, 4, 2, 5, 3, 6)

	// x[a][b][c] = 100a + 10b + c with shape [2 3 2], perm [2 0 1]:
	// out[c][a][b] = x[a][b][c].
	x := []int16{0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121}
	o16 := mvOut(ir.Int16, []int{2, 2, 3})
	mvMustRun(t, ir.Transpose, nil, []*ir.Tensor{mvI16([]int{2, 3, 2}, x...), mvI64([]int{3}, 2, 0, 1)}, o16)
	mvEqual(t, "3-d int16", o16.Int16s(), 0, 10, 20, 100, 110, 120, 1, 11, 21, 101, 111, 121)
}

// naiveTranspose is the definition: out[i] = in[perm⁻¹-mapped index].
func naiveTranspose(shape []int, data []int64, perm []int) []int64 {
	outShape := make([]int, len(perm))
	for i, p := range perm {
		outShape[i] = shape[p]
	}
	inStride := rowMajorStrides(shape)
	out := make([]int64, len(data))
	idx := make([]int, len(perm))
	for o := range out {
		rem := o
		for d := len(outShape) - 1; d >= 0; d-- {
			idx[d] = rem % outShape[d]
			rem /= outShape[d]
		}
		src := 0
		for d, p := range perm {
			src += idx[d] * inStride[p]
		}
		out[o] = data[src]
	}
	return out
}

// Every permutation of random 1- to 5-d shapes, for every element size.
func TestTransposeAllPermutations(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for rank := 1; rank <= 5; rank++ {
		for iter := 0; iter < 4; iter++ {
			shape := make([]int, rank)
			for d := range shape {
				shape[d] = 1 + rng.Intn(4)
			}
			data := make([]int64, product(shape))
			for i := range data {
				data[i] = rng.Int63()
			}
			for _, perm := range permutations(rank) {
				want := naiveTranspose(shape, data, perm)
				outShape := make([]int, rank)
				for i, p := range perm {
					outShape[i] = shape[p]
				}
				p32 := make([]int32, rank)
				for i, p := range perm {
					p32[i] = int32(p)
				}
				for _, dt := range []ir.DataType{ir.Int8, ir.Int16, ir.Float32, ir.Int64} {
					es := dt.Size()
					in := mvTensor(dt, shape, make([]byte, len(data)*es))
					for i, v := range data {
						for b := 0; b < es; b++ {
							in.Data[i*es+b] = byte(v >> (8 * b))
						}
					}
					out := mvOut(dt, outShape)
					mvMustRun(t, ir.Transpose, nil, []*ir.Tensor{in, mvI32([]int{rank}, p32...)}, out)
					for i, v := range want {
						for b := 0; b < es; b++ {
							if out.Data[i*es+b] != byte(v>>(8*b)) {
								t.Fatalf("%v shape %v perm %v: element %d differs", dt, shape, perm, i)
							}
						}
					}
				}
			}
		}
	}
}

func permutations(n int) [][]int {
	if n == 1 {
		return [][]int{{0}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			out = append(out, slices.Insert(slices.Clone(p), i, n-1))
		}
	}
	return out
}

func TestTransposeErrors(t *testing.T) {
	in := mvF32([]int{2, 3}, mvSeq(6)...)
	for _, perm := range [][]int32{{0, 0}, {0, 2}, {-1, 0}} {
		if err := mvRun(t, ir.Transpose, nil, []*ir.Tensor{in, mvI32([]int{2}, perm...)}, mvOut(ir.Float32, []int{3, 2})); err == nil {
			t.Errorf("perm %v accepted", perm)
		}
	}
	if err := mvRun(t, ir.Transpose, nil, []*ir.Tensor{in, mvI32([]int{2}, 1, 0)}, mvOut(ir.Float32, []int{2, 3})); err == nil {
		t.Error("an output of the untransposed shape was accepted")
	}
	if err := mvRun(t, ir.Transpose, nil, []*ir.Tensor{in, mvI32([]int{2}, 1, 0)}, mvOut(ir.Int32, []int{3, 2})); err == nil {
		t.Error("an output of another type was accepted")
	}
}
