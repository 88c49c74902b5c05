package optimize

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// permuteColumns on a [1,2,3] item transposed to [3,1,2]... checked by hand:
// with inner [2,3] and perm [0,2,1] the transposed item is [3,2], so source
// element (i,j) (flat 3i+j) sits at transposed flat 2j+i.
func TestPermuteColumns(t *testing.T) {
	w := ir.Float32Bytes([]float32{0, 1, 2, 3, 4, 5}) // one unit, columns in transposed order
	got := ir.AsFloat32(permuteColumns(w, 4, 1, []int{2, 3}, []int{0, 2, 1}))
	// source k=3i+j takes column 2j+i: k=0->0, 1->2, 2->4, 3->1, 4->3, 5->5.
	wantFloats(t, "permuted", got, 0, 2, 4, 1, 3, 5)
}

func TestFoldTransposeIntoFullyConnected(t *testing.T) {
	b := newGraph()
	x := b.input("x", 1, 2, 2, 3) // NHWC
	tr := b.op(ir.Transpose, nil, []int{1, 3, 2, 2}, x, b.i32("perm", []int{4}, 0, 3, 1, 2))
	flat := b.op(ir.Reshape, nil, []int{1, 12}, tr, b.i32("shape", []int{2}, 1, 12))
	w := make([]float32, 12)
	for i := range w {
		w[i] = float32(i)
	}
	fc := b.op(ir.FullyConnected, &ir.FullyConnectedOptions{}, []int{1, 1}, flat, b.f32("w", []int{1, 12}, w...), -1)
	m := b.model(fc)
	if n := mustRun(t, m, FoldTransposeIntoFullyConnected); n != 1 {
		t.Fatalf("%d rewrites, want 1", n)
	}
	mustRun(t, m, RemoveDead)
	g := m.Graphs[0]
	wantOps(t, g, ir.Reshape, ir.FullyConnected)
	// NHWC element (h,w,c) was NCHW column c*4 + h*2 + w.
	var want []float32
	for h := range 2 {
		for wi := range 2 {
			for c := range 3 {
				want = append(want, float32(c*4+h*2+wi))
			}
		}
	}
	wantFloats(t, "weights", g.Tensors[g.Ops[1].Inputs[1]].Float32s(), want...)
}
