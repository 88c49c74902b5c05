package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// ARG_MAX and ARG_MIN along one axis (the second input, a 1-element int32 or
// int64 tensor), with int32 or int64 output. Ties go to the lowest index, as
// in TFLite, which replaces its candidate only on a strict comparison.

func init() {
	Register(ir.ArgMax, func() Kernel { return &argMinMaxKernel{} })
	Register(ir.ArgMin, func() Kernel { return &argMinMaxKernel{} })
}

type argMinMaxKernel struct {
	axisKnown              bool
	outer, axisSize, inner int
	eval                   func(n *Node, outer, axisSize, inner int)
}

func (k *argMinMaxKernel) Prepare(n *Node) error {
	in, axis := n.Input(0), n.Input(1)
	if in == nil || axis == nil || len(n.Out) < 1 || n.Out[0] == nil {
		return fmt.Errorf("%s needs 2 inputs (data, axis) and 1 output", n.Op.Name())
	}
	out := n.Out[0]
	if axis.Type != ir.Int32 && axis.Type != ir.Int64 {
		return fmt.Errorf("%s: axis must be int32 or int64, not %v", n.Op.Name(), axis.Type)
	}
	if ir.NumElements(axis.Shape) != 1 {
		return fmt.Errorf("%s: axis must hold exactly one value, has shape %v", n.Op.Name(), axis.Shape)
	}
	isMax := n.Op.Type == ir.ArgMax
	var err error
	switch out.Type {
	case ir.Int32:
		k.eval, err = argMinMaxEval[int32](in.Type, ir.AsInt32, isMax)
	case ir.Int64:
		k.eval, err = argMinMaxEval[int64](in.Type, ir.AsInt64, isMax)
	default:
		return unsupported(n, "output type "+out.Type.String())
	}
	if err != nil {
		return unsupported(n, err.Error())
	}
	k.axisKnown = axis.Data != nil
	if k.axisKnown {
		return k.plan(n)
	}
	return nil
}

// plan resolves the axis and checks the output shape (the input's without
// the axis) without allocating.
func (k *argMinMaxKernel) plan(n *Node) error {
	in, out := n.In[0], n.Out[0]
	rank := len(in.Shape)
	a := axisAt(n.In[1], 0)
	if a < -rank || a >= rank {
		return fmt.Errorf("%s: axis %d is out of range for input rank %d", n.Op.Name(), a, rank)
	}
	if a < 0 {
		a += rank
	}
	ok := len(out.Shape) == rank-1
	k.outer, k.inner = 1, 1
	for d, size := range in.Shape {
		switch {
		case d < a:
			k.outer *= size
			ok = ok && out.Shape[d] == size
		case d > a:
			k.inner *= size
			ok = ok && out.Shape[d-1] == size
		}
	}
	k.axisSize = in.Shape[a]
	if !ok {
		return fmt.Errorf("%s: output shape %v, want input shape %v without axis %d", n.Op.Name(), out.Shape, in.Shape, a)
	}
	if k.axisSize == 0 && k.outer*k.inner > 0 {
		return fmt.Errorf("%s: axis %d of input shape %v is empty", n.Op.Name(), a, in.Shape)
	}
	return nil
}

func (k *argMinMaxKernel) Eval(n *Node) error {
	if !k.axisKnown {
		if err := k.plan(n); err != nil {
			return err
		}
	}
	k.eval(n, k.outer, k.axisSize, k.inner)
	return nil
}

// argMinMaxEval picks the loop for an input type (TFLite's: float32, int8,
// uint8, int32, bool; int16 and int64 too, which cost nothing more).
func argMinMaxEval[I int32 | int64](t ir.DataType, view func([]byte) []I, isMax bool) (func(n *Node, outer, axisSize, inner int), error) {
	switch t {
	case ir.Float32:
		return argLoop(ir.AsFloat32, view, isMax), nil
	case ir.Int8:
		return argLoop(ir.AsInt8, view, isMax), nil
	case ir.Uint8, ir.Bool:
		return argLoop(asUint8, view, isMax), nil
	case ir.Int16:
		return argLoop(ir.AsInt16, view, isMax), nil
	case ir.Int32:
		return argLoop(ir.AsInt32, view, isMax), nil
	case ir.Int64:
		return argLoop(ir.AsInt64, view, isMax), nil
	}
	return nil, fmt.Errorf("input type %v", t)
}

// argLoop returns the loop for one input and one index type. It keeps the
// running best of each inner position as its index in the output, re-reading
// the value from the input, so it needs no scratch memory and reads the
// input in order.
func argLoop[T number, I int32 | int64](inView func([]byte) []T, outView func([]byte) []I, isMax bool) func(n *Node, outer, axisSize, inner int) {
	return func(n *Node, outer, axisSize, inner int) {
		in, out := inView(n.In[0].Data), outView(n.Out[0].Data)
		for o := 0; o < outer; o++ {
			best := out[o*inner : (o+1)*inner]
			fill(best, 0)
			base := in[o*axisSize*inner : (o+1)*axisSize*inner]
			for i := 1; i < axisSize; i++ {
				row := base[i*inner : (i+1)*inner]
				for j, v := range row {
					b := base[int(best[j])*inner+j]
					if isMax && v > b || !isMax && v < b {
						best[j] = I(i)
					}
				}
			}
		}
	}
}
