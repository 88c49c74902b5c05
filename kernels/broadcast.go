package kernels

import (
	"fmt"
	"slices"
)

// maxWalkRank bounds the rank of the shapes a stridedWalk handles. TFLite's
// broadcasting ops accept at most 6 dimensions; a little headroom costs nothing.
const maxWalkRank = 8

// stridedWalk visits an iteration space in row-major order together with two
// operands whose shapes broadcast to it (NumPy rules, right-aligned, a
// dimension of 1 repeats). Init precomputes everything from the shapes, so a
// walk allocates nothing. Adjacent dimensions that every operand treats alike
// (both broadcast or both real) are merged, so that same-shape operands are
// one long contiguous row and a per-channel operand is rows of channels.
//
// Elementwise binary ops walk (output; input1, input2). Reductions walk
// (input; input, output-with-reduced-dims-as-1), so that the second operand's
// stride is zero along the reduced dimensions.
type stridedWalk struct {
	total  int // elements in the iteration space
	rank   int // merged rank, at least 1
	dims   [maxWalkRank]int
	strA   [maxWalkRank]int
	strB   [maxWalkRank]int
	inner  int // dims[rank-1]: the length of one row
	innerA int // stride of operand A along a row: 0 (broadcast) or 1
	innerB int // stride of operand B along a row: 0 (broadcast) or 1
}

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
	r := len(space)
	if r > maxWalkRank {
		return fmt.Errorf("rank %d exceeds the supported %d", r, maxWalkRank)
	}
	if !broadcastable(a, space) || !broadcastable(b, space) {
		// Copies keep the callers' (possibly stack) shapes from escaping.
		return fmt.Errorf("shapes %v and %v do not broadcast to %v", slices.Clone(a), slices.Clone(b), slices.Clone(space))
	}
	// spans says whether an operand really spans dimension i (as opposed to
	// repeating along it).
	spans := func(s []int, i int) bool {
		j := i - (r - len(s))
		return j >= 0 && s[j] != 1
	}
	*w = stridedWalk{total: 1}
	var realA, realB [maxWalkRank]bool
	n := 0
	for i, d := range space {
		w.total *= d
		if d == 1 {
			continue // contributes nothing to any index
		}
		ra, rb := spans(a, i), spans(b, i)
		if n > 0 && realA[n-1] == ra && realB[n-1] == rb {
			w.dims[n-1] *= d
			continue
		}
		w.dims[n], realA[n], realB[n] = d, ra, rb
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
	sa, sb := 1, 1
	for i := n - 1; i >= 0; i-- {
		if realA[i] {
			w.strA[i] = sa
			sa *= w.dims[i]
		}
		if realB[i] {
			w.strB[i] = sb
			sb *= w.dims[i]
		}
	}
	w.inner, w.innerA, w.innerB = w.dims[n-1], w.strA[n-1], w.strB[n-1]
	return nil
}

// rows calls fn once per row of w.inner elements, with the row's offset in
// the iteration space and the offsets of the two operands' first elements.
// Along a row, operand A advances by w.innerA and B by w.innerB.
func (w *stridedWalk) rows(fn func(o, a, b int)) {
	if w.total == 0 {
		return
	}
	var idx [maxWalkRank]int
	a, b := 0, 0
	last := w.rank - 2
	for o := 0; o < w.total; o += w.inner {
		fn(o, a, b)
		for d := last; d >= 0; d-- {
			a += w.strA[d]
			b += w.strB[d]
			if idx[d]++; idx[d] < w.dims[d] {
				break
			}
			idx[d] = 0
			a -= w.strA[d] * w.dims[d]
			b -= w.strB[d] * w.dims[d]
		}
	}
}
