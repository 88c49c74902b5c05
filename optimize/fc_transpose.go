package optimize

import (
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// FoldTransposeIntoFullyConnected removes a TRANSPOSE feeding (through an
// optional RESHAPE) a FULLY_CONNECTED with constant weights (float, or
// integer quantized per tensor or per row), by permuting the weights'
// columns instead. The transpose must keep the batch
// axis first and the fully-connected op must see one row per batch item.
// This is the channels-last model's "flatten then dense" head: the
// converter transposes back to channels-first before flattening, and this
// pass moves that transpose into the weights.
func FoldTransposeIntoFullyConnected(m *ir.Model) (int, error) {
	total := 0
	for _, g := range m.Graphs {
		prod := g.Producers()
		cons := g.Consumers()
		for _, fc := range g.Ops {
			if fc.Type != ir.FullyConnected || len(fc.Inputs) < 2 || fc.Inputs[0] < 0 {
				continue
			}
			if o, _ := fc.Options.(*ir.FullyConnectedOptions); o != nil && o.KeepNumDims {
				continue
			}
			w := constTensor(g, fc.Inputs[1])
			if w == nil || w.Type.Size() == 0 || len(w.Shape) != 2 || (w.Quant.PerAxis() && w.Quant.Axis != 0) {
				continue
			}
			fcIdx := slices.Index(g.Ops, fc)
			z := fc.Inputs[0]
			var reshape *ir.Op
			t := z
			if pi := prod[z]; pi >= 0 && g.Ops[pi].Type == ir.Reshape && soleConsumer(g, cons, z) == fcIdx {
				reshape = g.Ops[pi]
				t = reshape.Inputs[0]
			}
			pi := prod[t]
			if pi < 0 || g.Ops[pi].Type != ir.Transpose {
				continue
			}
			reader := fcIdx
			if reshape != nil {
				reader = slices.Index(g.Ops, reshape)
			}
			if soleConsumer(g, cons, t) != reader {
				continue
			}
			tr := g.Ops[pi]
			perm, ok := intConst(g, input(tr, 1))
			x := g.Tensors[tr.Inputs[0]]
			if !ok || len(perm) != len(x.Shape) || len(perm) < 2 || perm[0] != 0 || !sameQuant(x, g.Tensors[t]) {
				continue
			}
			depth := ir.NumElements(x.Shape[1:])
			if w.Shape[1] != depth {
				continue
			}
			if reshape != nil && !slices.Equal(g.Tensors[z].Shape, []int{x.Shape[0], depth}) {
				continue
			}
			nw := w.Clone()
			nw.Data = permuteColumns(w.Data, w.Type.Size(), w.Shape[0], x.Shape[1:], perm)
			fc.Inputs[1] = g.AddTensor(nw)
			if reshape != nil {
				reshape.Inputs[0] = tr.Inputs[0]
			} else {
				fc.Inputs[0] = tr.Inputs[0]
			}
			total++
			prod, cons = g.Producers(), g.Consumers()
		}
	}
	return total, nil
}

// permuteColumns reorders the columns of w (units rows of elements of es
// bytes) from the flattened order of a tensor transposed by perm to the
// flattened order of the tensor before it, whose per-item shape is inner
// (perm includes the batch axis 0).
func permuteColumns(w []byte, es, units int, inner, perm []int) []byte {
	depth := len(w) / es / units
	r := len(inner)
	// Shape and strides of the transposed item, per its own axes.
	tShape := make([]int, r)
	for a := range r {
		tShape[a] = inner[perm[a+1]-1]
	}
	tStride := make([]int, r)
	acc := 1
	for a := r - 1; a >= 0; a-- {
		tStride[a] = acc
		acc *= tShape[a]
	}
	// Where each source axis lands in the transposed item.
	dst := make([]int, r)
	for a := range r {
		dst[perm[a+1]-1] = a
	}
	src := make([]int, depth) // column of source index k in w
	idx := make([]int, r)
	for k := range depth {
		col := 0
		for i := range r {
			col += idx[i] * tStride[dst[i]]
		}
		src[k] = col
		for d := r - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < inner[d] {
				break
			}
			idx[d] = 0
		}
	}
	out := make([]byte, len(w))
	for u := range units {
		row := w[u*depth*es : (u+1)*depth*es]
		o := out[u*depth*es : (u+1)*depth*es]
		for k, col := range src {
			copy(o[k*es:(k+1)*es], row[col*es:(col+1)*es])
		}
	}
	return out
}
