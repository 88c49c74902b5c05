package onnx

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// CumSum maps to CUMSUM along the physical axis, so it keeps its input's
// layout; GatherND maps to GATHER_ND on the input in ONNX order, since its
// index tuples name logical dimensions.

func init() {
	register(handler{conv: convCumSum}, "CumSum")
	register(handler{conv: convGatherND}, "GatherND")
}

func convCumSum(n *node) error {
	c := n.c
	x := n.need(0, "x")
	axes := n.constInts(1, "axis")
	if n.err != nil {
		return nil
	}
	if len(axes) != 1 {
		return fmt.Errorf("input 1 (axis, %q) holds %d values; CumSum takes one", n.Inputs[1], len(axes))
	}
	axis := n.axis(axes[0], c.rank(x), "axis")
	if n.err != nil {
		return nil
	}
	// TFLite's CUMSUM takes its axis as an int32 scalar.
	at := c.constant(c.tmpName("axis"), ir.Int32, []int{}, ir.Int32Bytes([]int32{int32(physicalAxis(x.perm, axis))}))
	opts := &ir.CumsumOptions{Exclusive: n.int("exclusive", 0) != 0, Reverse: n.int("reverse", 0) != 0}
	t, err := c.emit1(ir.Cumsum, opts, []int{x.t, at}, n.outName(0), c.dtype(x))
	if err != nil {
		return err
	}
	n.set(0, t, x.perm)
	return nil
}

func convGatherND(n *node) error {
	c := n.c
	x, idx := n.need(0, "data"), n.need(1, "indices")
	if n.err != nil {
		return nil
	}
	if bd := n.int("batch_dims", 0); bd != 0 {
		return fmt.Errorf("batch_dims %d: TFLite's GATHER_ND has no batch dimensions; liteforge converts batch_dims 0", bd)
	}
	xt, err := c.plain(x)
	if err != nil {
		return err
	}
	it, err := c.plain(idx)
	if err != nil {
		return err
	}
	xs, is := c.shape(x), c.shape(idx)
	if len(is) == 0 || is[len(is)-1] > len(xs) {
		return fmt.Errorf("indices %v: the last dimension must be at most the rank %d of data", is, len(xs))
	}
	depth := is[len(is)-1]
	if it, err = c.nonNegativeIndices(idx, it, func(i int) int { return i % depth }, xs); err != nil {
		return err
	}
	t, err := c.emit1(ir.GatherND, nil, []int{xt, it}, n.outName(0), c.dtype(x))
	if err != nil {
		return err
	}
	n.set(0, t, nil)
	return nil
}
