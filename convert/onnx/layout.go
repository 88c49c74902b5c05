package onnx

import "slices"

// Layouts. A converted value keeps ONNX's logical dimensions but may be held
// in another physical order: perm[i] is the logical axis that physical axis i
// holds (nil means the identity). Convolutions and pools want NHWC
// (perm [0,2,3,1] for a 4-D NCHW value); elementwise ops take whatever they
// get; axis attributes are remapped through perm; and only ops that depend on
// the order of elements in memory (Reshape, Flatten, MatMul) ask for the
// identity, which costs a TRANSPOSE where the order really differs.

func identityPerm(rank int) []int {
	p := make([]int, rank)
	for i := range p {
		p[i] = i
	}
	return p
}

func isIdentity(p []int) bool {
	for i, v := range p {
		if v != i {
			return false
		}
	}
	return true
}

func invertPerm(p []int) []int {
	inv := make([]int, len(p))
	for i, v := range p {
		inv[v] = i
	}
	return inv
}

// channelsLast is the physical order of a channels-first value with its
// channels moved last: [0, 2, 3, ..., 1].
func channelsLast(rank int) []int {
	if rank < 3 {
		return identityPerm(rank)
	}
	p := []int{0}
	for i := 2; i < rank; i++ {
		p = append(p, i)
	}
	return append(p, 1)
}

// physicalShape is the shape of a value with logical shape s held in order perm.
func physicalShape(s, perm []int) []int {
	out := make([]int, len(s))
	for i, a := range perm {
		out[i] = s[a]
	}
	return out
}

// logicalShape is the inverse of physicalShape.
func logicalShape(phys, perm []int) []int {
	out := make([]int, len(phys))
	for i, a := range perm {
		out[a] = phys[i]
	}
	return out
}

// physicalAxis is the physical position of logical axis a under perm.
func physicalAxis(perm []int, a int) int { return slices.Index(perm, a) }

// dropAxes removes the logical axes in drop from perm and renumbers the
// rest, for ops that remove dimensions (reductions, Squeeze).
func dropAxes(perm []int, drop []bool) []int {
	newIndex := make([]int, len(drop))
	n := 0
	for a, d := range drop {
		if !d {
			newIndex[a] = n
			n++
		}
	}
	out := make([]int, 0, n)
	for _, a := range perm {
		if !drop[a] {
			out = append(out, newIndex[a])
		}
	}
	return out
}
