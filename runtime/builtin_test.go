package runtime

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// Ops whose weights are computed at run time (graph inputs here) rather than
// constants: the kernels must read them at every Invoke, although all their
// inputs have data by then (kernels.Node's comment explains the trap).
func TestComputedWeights(t *testing.T) {
	t.Run("BATCH_MATMUL", func(t *testing.T) {
		b := newGraph()
		x := b.tensor("x", ir.Float32, 2, 2)
		y := b.tensor("y", ir.Float32, 2, 2)
		z := b.tensor("z", ir.Float32, 2, 2)
		b.builtin(ir.BatchMatMul, &ir.BatchMatMulOptions{}, []int{x, y}, z)
		it := mustNew(t, b.model([]int{x, y}, []int{z}))
		fill(it.Input(0), 1, 2, 3, 4)
		fill(it.Input(1), 5, 6, 7, 8)
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		// [1 2; 3 4] x [5 6; 7 8] = [19 22; 43 50]
		wantFloats(t, it.Output(0).Float32s(), 19, 22, 43, 50)
		fill(it.Input(1), 1, 0, 0, 1)
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		wantFloats(t, it.Output(0).Float32s(), 1, 2, 3, 4)
	})
	t.Run("CONV_2D", func(t *testing.T) {
		b := newGraph()
		x := b.tensor("x", ir.Float32, 1, 2, 2, 1)
		f := b.tensor("filter", ir.Float32, 1, 1, 1, 1)
		y := b.tensor("y", ir.Float32, 1, 2, 2, 1)
		b.builtin(ir.Conv2D, &ir.Conv2DOptions{Padding: ir.PaddingValid, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}, []int{x, f, -1}, y)
		it := mustNew(t, b.model([]int{x, f}, []int{y}))
		fill(it.Input(0), 1, 2, 3, 4)
		for _, w := range []float32{3, -2} {
			fill(it.Input(1), w)
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			wantFloats(t, it.Output(0).Float32s(), w, 2*w, 3*w, 4*w)
		}
	})
}
