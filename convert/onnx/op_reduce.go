package onnx

import (
	"fmt"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// Reductions, arg-reductions and softmax: axes remap to the physical order,
// so reducing a channels-last value needs no transpose.

func init() {
	register(handler{conv: convReduce}, "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
		"ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp")
	register(handler{conv: convArgMax}, "ArgMax", "ArgMin")
	register(handler{conv: convSoftmax}, "Softmax", "LogSoftmax")
}

// reduce adds a reduction of x over logical axes.
func (n *node) reduce(typ ir.OpType, x *value, axes []int, keep bool, name string) (*value, error) {
	c := n.c
	r := c.rank(x)
	drop := make([]bool, r)
	phys := make([]int, 0, len(axes))
	for _, a := range axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r {
			return nil, fmt.Errorf("axis out of range in %v for rank %d", axes, r)
		}
		if !drop[a] {
			drop[a] = true
			phys = append(phys, physicalAxis(x.perm, a))
		}
	}
	slices.Sort(phys)
	at := c.constInt32(c.tmpName("axes"), phys)
	t, err := c.emit1(typ, &ir.ReducerOptions{KeepDims: keep}, []int{x.t, at}, name, c.dtype(x))
	if err != nil {
		return nil, err
	}
	if keep {
		return &value{t: t, perm: x.perm}, nil
	}
	return &value{t: t, perm: dropAxes(x.perm, drop)}, nil
}

func convReduce(n *node) error {
	c := n.c
	x := n.need(0, "data")
	keep := n.int("keepdims", 1) != 0
	since := 18
	if n.OpType == "ReduceSum" {
		since = 13
	}
	axes, given := n.axesInput(1, since)
	if n.err != nil {
		return nil
	}
	if !given || len(axes) == 0 {
		if n.int("noop_with_empty_axes", 0) != 0 {
			n.set(0, x.t, x.perm)
			return nil
		}
		axes = identityPerm(c.rank(x))
	}
	name := n.outName(0)
	tmp := c.tmpName("reduced")
	var v *value
	var err error
	switch n.OpType {
	case "ReduceMean":
		v, err = n.reduce(ir.Mean, x, axes, keep, name)
	case "ReduceSum":
		v, err = n.reduce(ir.Sum, x, axes, keep, name)
	case "ReduceMax":
		v, err = n.reduce(ir.ReduceMax, x, axes, keep, name)
	case "ReduceMin":
		v, err = n.reduce(ir.ReduceMin, x, axes, keep, name)
	case "ReduceProd":
		v, err = n.reduce(ir.ReduceProd, x, axes, keep, name)
	case "ReduceSumSquare", "ReduceL2":
		sq, err2 := n.binary(ir.Mul, x, x, c.tmpName("squared"))
		if err2 != nil {
			return err2
		}
		if n.OpType == "ReduceSumSquare" {
			v, err = n.reduce(ir.Sum, sq, axes, keep, name)
		} else if v, err = n.reduce(ir.Sum, sq, axes, keep, tmp); err == nil {
			v, err = n.unary(ir.Sqrt, nil, v, name)
		}
	case "ReduceL1":
		a, err2 := n.unary(ir.Abs, nil, x, c.tmpName("abs"))
		if err2 != nil {
			return err2
		}
		v, err = n.reduce(ir.Sum, a, axes, keep, name)
	case "ReduceLogSum":
		if v, err = n.reduce(ir.Sum, x, axes, keep, tmp); err == nil {
			v, err = n.unary(ir.Log, nil, v, name)
		}
	case "ReduceLogSumExp":
		// log(sum(exp(x - m))) + m with m the maximum, so exp cannot overflow.
		m, err2 := n.reduce(ir.ReduceMax, x, axes, true, c.tmpName("max"))
		if err2 != nil {
			return err2
		}
		d, err2 := n.binary(ir.Sub, x, m, c.tmpName("shifted"))
		if err2 != nil {
			return err2
		}
		if d, err = n.unary(ir.Exp, nil, d, c.tmpName("exp")); err != nil {
			return err
		}
		if v, err = n.reduce(ir.Sum, d, axes, keep, tmp); err != nil {
			return err
		}
		if v, err = n.unary(ir.Log, nil, v, c.tmpName("log")); err != nil {
			return err
		}
		if !keep {
			if m, err = n.reduce(ir.ReduceMax, x, axes, false, c.tmpName("max_dropped")); err != nil {
				return err
			}
		}
		v, err = n.binary(ir.Add, v, m, name)
	}
	if err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}

func convArgMax(n *node) error {
	c := n.c
	x := n.need(0, "data")
	keep := n.int("keepdims", 1) != 0
	if n.err != nil {
		return nil
	}
	r := c.rank(x)
	axis := n.axis(n.int("axis", 0), r, "axis")
	if n.err != nil {
		return nil
	}
	pa := physicalAxis(x.perm, axis)
	last := n.int("select_last_index", 0) != 0
	src := x.t
	dim := c.shape(x)[axis]
	if last {
		// TFLite finds the first extreme: search the reversed axis, then
		// count the index from the end.
		rev := make([]int, dim)
		for i := range rev {
			rev[i] = dim - 1 - i
		}
		var err error
		if src, err = c.emit1(ir.Gather, &ir.GatherOptions{Axis: pa}, []int{x.t, c.constInt32(c.tmpName("reverse"), rev)}, c.tmpName("reversed"), c.dtype(x)); err != nil {
			return err
		}
	}
	at := c.constant(c.tmpName("axis"), ir.Int32, []int{1}, ir.Int32Bytes([]int32{int32(pa)}))
	typ, opts := ir.ArgMax, ir.Options(&ir.ArgMaxOptions{OutputType: ir.Int64})
	if n.OpType == "ArgMin" {
		typ, opts = ir.ArgMin, &ir.ArgMinOptions{OutputType: ir.Int64}
	}
	name := n.outName(0)
	if keep || last {
		name = c.tmpName("argmax")
	}
	t, err := c.emit1(typ, opts, []int{src, at}, name, ir.Int64)
	if err != nil {
		return err
	}
	if last {
		top := c.constant(c.tmpName("last_index"), ir.Int64, []int{}, ir.Int64Bytes([]int64{int64(dim - 1)}))
		lastName := n.outName(0)
		if keep {
			lastName = c.tmpName("from_end")
		}
		if t, err = c.emit1(ir.Sub, &ir.SubOptions{PotScaleInt16: true}, []int{top, t}, lastName, ir.Int64); err != nil {
			return err
		}
	}
	drop := make([]bool, r)
	drop[axis] = true
	if !keep {
		n.set(0, t, dropAxes(x.perm, drop))
		return nil
	}
	phys := slices.Clone(c.tensor(x.t).Shape)
	phys[pa] = 1
	if t, err = c.reshape(t, phys, n.outName(0)); err != nil {
		return err
	}
	n.set(0, t, x.perm)
	return nil
}

// convSoftmax normalizes over one axis (opset 13 on) or over the flattened
// axes from axis on (before 13). TFLite's SOFTMAX works on the last physical
// axis, so the softmax runs wherever the normalized axes are last, after a
// transpose only when they are not.
func convSoftmax(n *node) error {
	c := n.c
	x := n.need(0, "input")
	if n.err != nil {
		return nil
	}
	r := c.rank(x)
	def := -1
	if c.opset < 13 {
		def = 1
	}
	axis := n.axis(n.int("axis", def), r, "axis")
	if n.err != nil {
		return nil
	}
	typ, opts := ir.Softmax, ir.Options(&ir.SoftmaxOptions{Beta: 1})
	if n.OpType == "LogSoftmax" {
		typ, opts = ir.LogSoftmax, nil
	}
	if c.opset >= 13 || axis == r-1 {
		perm := x.perm
		if physicalAxis(perm, axis) != r-1 {
			perm = slices.DeleteFunc(slices.Clone(perm), func(a int) bool { return a == axis })
			perm = append(perm, axis)
		}
		t, err := c.materialize(x, perm)
		if err != nil {
			return err
		}
		if t, err = c.emit1(typ, opts, []int{t}, n.outName(0), c.dtype(x)); err != nil {
			return err
		}
		n.set(0, t, perm)
		return nil
	}
	// Before opset 13: the axes from axis on form one normalized row. When
	// they are the trailing physical axes (in any order: the result does not
	// depend on it), the row is contiguous as held.
	perm := x.perm
	tail := slices.Clone(perm[axis:])
	slices.Sort(tail)
	if !slices.Equal(tail, identityPerm(r)[axis:]) {
		perm = identityPerm(r)
	}
	t, err := c.materialize(x, perm)
	if err != nil {
		return err
	}
	phys := c.tensor(t).Shape
	rows := ir.NumElements(phys[:axis])
	if t, err = c.reshape(t, []int{rows, ir.NumElements(phys[axis:])}, c.tmpName("rows")); err != nil {
		return err
	}
	if t, err = c.emit1(typ, opts, []int{t}, c.tmpName("normalized"), c.dtype(x)); err != nil {
		return err
	}
	if t, err = c.reshape(t, phys, n.outName(0)); err != nil {
		return err
	}
	n.set(0, t, perm)
	return nil
}
