package onnx

import (
	"fmt"
	"slices"

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
	bd := n.int("batch_dims", 0)
	if n.err != nil {
		return nil
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
	if bd < 0 || bd >= len(is) || bd >= len(xs) || !slices.Equal(xs[:bd], is[:bd]) {
		return fmt.Errorf("batch_dims %d does not fit data %v and indices %v (their first batch_dims dimensions must agree)", bd, xs, is)
	}
	if len(is) == 0 || bd+is[len(is)-1] > len(xs) {
		return fmt.Errorf("indices %v: the last dimension plus batch_dims %d must be at most the rank %d of data", is, bd, len(xs))
	}
	depth := is[len(is)-1]
	if it, err = c.nonNegativeIndices(idx, it, func(i int) int { return bd + i%depth }, xs); err != nil {
		return err
	}
	if bd > 0 {
		if it, err = n.batchCoordinates(it, is, bd); err != nil {
			return err
		}
	}
	t, err := c.emit1(ir.GatherND, nil, []int{xt, it}, n.outName(0), c.dtype(x))
	if err != nil {
		return err
	}
	n.set(0, t, nil)
	return nil
}

// batchCoordinates turns GatherND's indices with batch_dims bd into indices
// over the whole of data, which TFLite's GATHER_ND (it has no batch
// dimensions) takes: each index tuple gets its own position along the bd
// batch dimensions in front.
func (n *node) batchCoordinates(it int, is []int, bd int) (int, error) {
	c := n.c
	outer := is[:len(is)-1]
	count := ir.NumElements(outer)
	if err := checkGenerated(count*bd, "GatherND's batch coordinates"); err != nil {
		return 0, err
	}
	grid := make([]int32, 0, count*bd)
	pos := make([]int, len(outer))
	for range count {
		for _, p := range pos[:bd] {
			grid = append(grid, int32(p))
		}
		for a := len(pos) - 1; a >= 0; a-- {
			if pos[a]++; pos[a] < outer[a] {
				break
			}
			pos[a] = 0
		}
	}
	gt := c.constant(c.tmpName("batch_coordinates"), ir.Int32, append(slices.Clone(outer), bd), ir.Int32Bytes(grid))
	it32, err := c.castTensor(it, ir.Int32, c.tmpName("indices_int32"))
	if err != nil {
		return 0, err
	}
	return c.emit1(ir.Concatenation, &ir.ConcatenationOptions{Axis: len(is) - 1}, []int{gt, it32}, c.tmpName("full_indices"), ir.Int32)
}
