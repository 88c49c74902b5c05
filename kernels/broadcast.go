package kernels

import (
	"fmt"
	"slices"
)

// maxWalkRank bounds the rank of the shapes a stridedWalk handles. TFLite's
// broadcasting ops accept at most 6 dimensions; a little headroom costs nothing.
const maxWalkRank = 8

// stridedWalk visits an iteration space in row-major order together with two
// or three operands whose shapes broadcast to it (NumPy rules, right-aligned,
// a dimension of 1 repeats). Init precomputes everything from the shapes, so
// a walk allocates nothing. Adjacent dimensions that every operand treats
// alike (each either broadcast or real along both) are merged, so that
// same-shape operands are one long contiguous row and a per-channel operand
// is rows of channels.
//
// Elementwise binary ops walk (output; input1, input2). Reductions walk
// (input; input, output-with-reduced-dims-as-1), so that the second operand's
// stride is zero along the reduced dimensions. SELECT_V2 walks (output;
// condition, x, y) with init3 and rows3.
type stridedWalk struct {
	total  int // elements in the iteration space
	rank   int // merged rank, at least 1
	dims   [maxWalkRank]int
	str    [maxWalkOperands][maxWalkRank]int // per operand, its stride along each merged dimension
	inner  int                               // dims[rank-1]: the length of one row
	innerA int                               // stride of operand A along a row: 0 (broadcast) or 1
	innerB int                               // stride of operand B along a row: 0 (broadcast) or 1
	innerC int                               // stride of operand C along a row (three-operand walks)
}

// maxWalkOperands is how many operands a walk carries besides the space.
const maxWalkOperands = 3

// broadcastable reports whether shape a broadcasts to shape out.
func broadcastable(a, out []int) bool {
	if len(a) > len(out) {
		return false
	}
	off := len(out) - len(a)
	for i, d := range a {
		if d != out[off+i] && d != 1 {
			return false
		}
	}
	return true
}

// init plans a walk of space with operands a and b, which must broadcast to it.
func (w *stridedWalk) init(space, a, b []int) error {
	return w.init3(space, a, b, nil)
}

// init3 plans a walk with a third operand c as well; a nil c (a scalar
// shape) repeats everywhere and changes nothing in a two-operand walk.
func (w *stridedWalk) init3(space, a, b, c []int) error {
	r := len(space)
	if r > maxWalkRank {
		return fmt.Errorf("rank %d exceeds the supported %d", r, maxWalkRank)
	}
	if !broadcastable(a, space) || !broadcastable(b, space) || !broadcastable(c, space) {
		// Copies keep the callers' (possibly stack) shapes from escaping.
		if c == nil {
			return fmt.Errorf("shapes %v and %v do not broadcast to %v", slices.Clone(a), slices.Clone(b), slices.Clone(space))
		}
		return fmt.Errorf("shapes %v, %v and %v do not broadcast to %v", slices.Clone(a), slices.Clone(b), slices.Clone(c), slices.Clone(space))
	}
	operands := [maxWalkOperands][]int{a, b, c}
	// spans says whether an operand really spans dimension i (as opposed to
	// repeating along it).
	spans := func(s []int, i int) bool {
		j := i - (r - len(s))
		return j >= 0 && s[j] != 1
	}
	*w = stridedWalk{total: 1}
	var real [maxWalkRank][maxWalkOperands]bool
	n := 0
	for i, d := range space {
		w.total *= d
		if d == 1 {
			continue // contributes nothing to any index
		}
		var ri [maxWalkOperands]bool
		for k, s := range operands {
			ri[k] = spans(s, i)
		}
		if n > 0 && real[n-1] == ri {
			w.dims[n-1] *= d
			continue
		}
		w.dims[n], real[n] = d, ri
		n++
	}
	if w.total == 0 {
		n = 0
	}
	if n == 0 { // a single element (or none)
		n = 1
		w.dims[0] = min(w.total, 1)
	}
	w.rank = n
	for k := range operands {
		s := 1
		for i := n - 1; i >= 0; i-- {
			if real[i][k] {
				w.str[k][i] = s
				s *= w.dims[i]
			}
		}
	}
	w.inner = w.dims[n-1]
	w.innerA, w.innerB, w.innerC = w.str[0][n-1], w.str[1][n-1], w.str[2][n-1]
	return nil
}

// rows calls fn once per row of w.inner elements, with the row's offset in
// the iteration space and the offsets of the two operands' first elements.
// Along a row, operand A advances by w.innerA and B by w.innerB.
func (w *stridedWalk) rows(fn func(o, a, b int)) {
	w.rows3(func(o, a, b, _ int) { fn(o, a, b) })
}

// rows3 is rows for a three-operand walk; operand C advances by w.innerC
// along a row.
func (w *stridedWalk) rows3(fn func(o, a, b, c int)) {
	if w.total == 0 {
		return
	}
	var idx [maxWalkRank]int
	var off [maxWalkOperands]int
	last := w.rank - 2
	for o := 0; o < w.total; o += w.inner {
		fn(o, off[0], off[1], off[2])
		for d := last; d >= 0; d-- {
			for k := range off {
				off[k] += w.str[k][d]
			}
			if idx[d]++; idx[d] < w.dims[d] {
				break
			}
			idx[d] = 0
			for k := range off {
				off[k] -= w.str[k][d] * w.dims[d]
			}
		}
	}
}
