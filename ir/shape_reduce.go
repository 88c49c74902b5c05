package ir

import "fmt"

// Shapes of reductions and arg-reductions, whose axes come from an input.

func init() {
	registerShape(reduceShape, Mean, Sum, ReduceMax, ReduceMin, ReduceProd, ReduceAny, ReduceAll)
	registerShape(argReduceShape, ArgMax, ArgMin)
}

// reduceShape drops (or, with keep_dims, sets to 1) every axis listed in
// input 1; axes may be negative and repeated, as in TFLite.
func reduceShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := optionsOr(op, &ReducerOptions{})
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	if t, err := arg(in, 1, "axis"); err != nil {
		return nil, err
	} else if len(t.Shape) > 1 {
		return nil, fmt.Errorf("input 1 (axis) has rank %d (shape %v), expected 0 or 1", len(t.Shape), t.Shape)
	}
	axes, err := values(in, 1, "axis")
	if err != nil {
		return nil, err
	}
	reduced := make([]bool, len(x))
	for _, a := range axes {
		r, err := resolveAxis(a, len(x), "input 1 (axis): axis")
		if err != nil {
			return nil, err
		}
		reduced[r] = true
	}
	out := []int{}
	for i, d := range x {
		switch {
		case !reduced[i]:
			out = append(out, d)
		case o.KeepDims:
			out = append(out, 1)
		}
	}
	return one(out), nil
}

// argReduceShape drops the one axis given by input 1.
func argReduceShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	a, err := scalarValue(in, 1, "axis")
	if err != nil {
		return nil, err
	}
	axis, err := resolveAxis(a, len(x), "input 1 (axis): axis")
	if err != nil {
		return nil, err
	}
	out := make([]int, 0, len(x)-1)
	out = append(out, x[:axis]...)
	return one(append(out, x[axis+1:]...)), nil
}
