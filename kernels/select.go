package kernels

import (
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// SELECT and SELECT_V2: output = condition ? x : y, element by element. x, y
// and the output share any fixed-size type, whose elements are moved as bytes
// (TFLite ignores their quantization too). SELECT_V2 broadcasts all three
// inputs; SELECT needs x and y of one shape and a condition of that shape, a
// scalar, or a vector along x's first dimension (TFLite's RankOneSelect).

func init() {
	Register(ir.Select, func() Kernel { return &selectKernel{} })
	Register(ir.SelectV2, func() Kernel { return &selectKernel{v2: true} })
}

type selectKernel struct {
	v2    bool
	walk  stridedWalk // (output; condition, x, y)
	esize int
	row   func(o, c, x, y []byte, sc, sx, sy int)
}

func (k *selectKernel) Prepare(n *Node) error {
	if err := checkArity(n, 3, 3, 1); err != nil {
		return err
	}
	cond, x, y, out := n.In[0], n.In[1], n.In[2], n.Out[0]
	if cond.Type != ir.Bool {
		return nodeErr(n, "condition %q is %v, want bool", cond.Name, cond.Type)
	}
	es, err := sameTypes(n, x, y, out)
	if err != nil {
		return err
	}
	condShape := cond.Shape
	if k.v2 {
		want, err := ir.BroadcastShapes(cond.Shape, x.Shape, y.Shape)
		if err != nil {
			return nodeErr(n, "%v", err)
		}
		if err := checkShape(n, out, want); err != nil {
			return err
		}
	} else {
		if !slices.Equal(x.Shape, y.Shape) {
			return nodeErr(n, "x %q shape %v and y %q shape %v differ", x.Name, x.Shape, y.Name, y.Shape)
		}
		if err := checkShape(n, out, x.Shape); err != nil {
			return err
		}
		switch {
		case slices.Equal(cond.Shape, x.Shape), len(cond.Shape) == 0:
		case len(cond.Shape) == 1 && len(x.Shape) > 0 && cond.Shape[0] == x.Shape[0]:
			// One condition per slice along the first dimension: a column
			// that broadcasts over the other dimensions.
			condShape = make([]int, len(x.Shape))
			for i := range condShape {
				condShape[i] = 1
			}
			condShape[0] = cond.Shape[0]
		default:
			return nodeErr(n, "condition %q shape %v is neither x's shape %v, a scalar, nor [%d]", cond.Name, cond.Shape, x.Shape, firstDim(x.Shape))
		}
	}
	warnQuantMismatch(n, x, out)
	warnQuantMismatch(n, y, out)
	if err := k.walk.init3(out.Shape, condShape, x.Shape, y.Shape); err != nil {
		return nodeErr(n, "%v", err)
	}
	k.esize = es
	switch es {
	case 1:
		k.row = selectRow[[1]byte]
	case 2:
		k.row = selectRow[[2]byte]
	case 4:
		k.row = selectRow[[4]byte]
	case 8:
		k.row = selectRow[[8]byte]
	default:
		k.row = selectRow[[16]byte]
	}
	return nil
}

func firstDim(s []int) int {
	if len(s) == 0 {
		return 1
	}
	return s[0]
}

func (k *selectKernel) Eval(n *Node) error {
	c, x, y, o := n.In[0].Data, n.In[1].Data, n.In[2].Data, n.Out[0].Data
	w := &k.walk
	es := k.esize
	w.rows3(func(oi, ci, xi, yi int) {
		k.row(o[oi*es:(oi+w.inner)*es], c[ci:], x[xi*es:], y[yi*es:], w.innerA, w.innerB, w.innerC)
	})
	return nil
}

// selectRow fills one row of elements of type E; sc, sx, sy are the
// operands' strides along it (0 or 1).
func selectRow[E [1]byte | [2]byte | [4]byte | [8]byte | [16]byte](o, c, x, y []byte, sc, sx, sy int) {
	d, xs, ys := elems[E](o), elems[E](x), elems[E](y)
	for i := range d {
		if c[i*sc] != 0 {
			d[i] = xs[i*sx]
		} else {
			d[i] = ys[i*sy]
		}
	}
}
