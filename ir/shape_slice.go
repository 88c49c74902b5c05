package ir

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Shapes of ops that join, split, select from or pad tensors.

func init() {
	registerShape(concatenationShape, Concatenation)
	registerShape(splitShape, Split)
	registerShape(splitVShape, SplitV)
	registerShape(packShape, Pack)
	registerShape(unpackShape, Unpack)
	registerShape(sliceShape, Slice)
	registerShape(stridedSliceShape, StridedSlice)
	registerShape(gatherShape, Gather)
	registerShape(gatherNDShape, GatherND)
	registerShape(padShape, Pad, PadV2, MirrorPad)
	registerShape(topKShape, TopKV2)
}

func concatenationShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := options[ConcatenationOptions](op)
	if err != nil {
		return nil, err
	}
	first, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	axis, err := resolveAxis(o.Axis, len(first), "axis")
	if err != nil {
		return nil, err
	}
	out := slices.Clone(first)
	for i := 1; i < len(in); i++ {
		s, err := shapeOf(in, i, "input", len(first))
		if err != nil {
			return nil, err
		}
		for d := range s {
			if d != axis && s[d] != first[d] {
				return nil, fmt.Errorf("input %d has shape %v, input 0 has %v: they differ outside axis %d", i, s, first, axis)
			}
		}
		out[axis] += s[axis]
	}
	return one(out), nil
}

// splitParts returns n copies of x with dimension axis set to each size.
func splitParts(x []int, axis int, sizes []int) [][]int {
	out := make([][]int, len(sizes))
	for i, s := range sizes {
		out[i] = slices.Clone(x)
		out[i][axis] = s
	}
	return out
}

// splitInputs reads the value's shape and the axis of SPLIT or SPLIT_V and
// checks num_splits (when the options give it) against the outputs.
func splitInputs(op *Op, in []*Tensor, valueIdx, axisIdx, numSplits int) (x []int, n, axis int, err error) {
	if x, err = shapeOf(in, valueIdx, "input"); err != nil {
		return nil, 0, 0, err
	}
	n = len(op.Outputs)
	if numSplits >= 0 && numSplits != n {
		return nil, 0, 0, fmt.Errorf("num_splits is %d but the op has %d outputs", numSplits, n)
	}
	a, err := scalarValue(in, axisIdx, "axis")
	if err != nil {
		return nil, 0, 0, err
	}
	axis, err = resolveAxis(a, len(x), fmt.Sprintf("input %d (axis): axis", axisIdx))
	return x, n, axis, err
}

// splitShape is SPLIT: input 0 is the axis, input 1 the value, split into
// as many equal parts as the op has outputs.
func splitShape(op *Op, in []*Tensor) ([][]int, error) {
	numSplits := -1
	if o, ok := op.Options.(*SplitOptions); ok && o != nil {
		numSplits = o.NumSplits
	}
	x, n, axis, err := splitInputs(op, in, 1, 0, numSplits)
	if err != nil {
		return nil, err
	}
	if n == 0 || x[axis]%n != 0 {
		return nil, fmt.Errorf("dimension %d of input 1 (input) %v is not a multiple of the %d splits", axis, x, n)
	}
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = x[axis] / n
	}
	return splitParts(x, axis, sizes), nil
}

// splitVShape is SPLIT_V: input 0 the value, input 1 the sizes (one may be
// -1, taking the rest), input 2 the axis.
func splitVShape(op *Op, in []*Tensor) ([][]int, error) {
	numSplits := -1
	if o, ok := op.Options.(*SplitVOptions); ok && o != nil {
		numSplits = o.NumSplits
	}
	x, n, axis, err := splitInputs(op, in, 0, 2, numSplits)
	if err != nil {
		return nil, err
	}
	sizes, err := countedValues(in, 1, "size_splits", n)
	if err != nil {
		return nil, err
	}
	sizes = slices.Clone(sizes)
	rest, sum := -1, 0
	for i, s := range sizes {
		switch {
		case s == -1 && rest < 0:
			rest = i
		case s < 0:
			return nil, fmt.Errorf("input 1 (size_splits) %v: entry %d is %d (only one -1 is allowed)", sizes, i, s)
		default:
			sum += s
		}
	}
	if rest >= 0 {
		if sum > x[axis] {
			return nil, fmt.Errorf("input 1 (size_splits) %v adds up to more than dimension %d of input 0 (input) %v", sizes, axis, x)
		}
		sizes[rest] = x[axis] - sum
	} else if sum != x[axis] {
		return nil, fmt.Errorf("input 1 (size_splits) %v adds up to %d, dimension %d of input 0 (input) %v is %d", sizes, sum, axis, x, x[axis])
	}
	return splitParts(x, axis, sizes), nil
}

func packShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := options[PackOptions](op)
	if err != nil {
		return nil, err
	}
	first, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	if o.ValuesCount != len(in) {
		return nil, fmt.Errorf("values_count is %d but the op has %d inputs", o.ValuesCount, len(in))
	}
	for i := 1; i < len(in); i++ {
		s, err := shapeOf(in, i, "input")
		if err != nil {
			return nil, err
		}
		if !slices.Equal(s, first) {
			return nil, fmt.Errorf("input %d has shape %v, input 0 has %v", i, s, first)
		}
	}
	axis, err := resolveAxis(o.Axis, len(first)+1, "axis")
	if err != nil {
		return nil, err
	}
	return one(slices.Insert(slices.Clone(first), axis, len(in))), nil
}

func unpackShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := options[UnpackOptions](op)
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	axis, err := resolveAxis(o.Axis, len(x), "axis")
	if err != nil {
		return nil, err
	}
	n := len(op.Outputs)
	if o.Num != n || x[axis] != n {
		return nil, fmt.Errorf("num is %d, the op has %d outputs and dimension %d of input 0 (input) %v is %d: all three must agree", o.Num, n, axis, x, x[axis])
	}
	part := slices.Delete(slices.Clone(x), axis, axis+1)
	out := make([][]int, n)
	for i := range out {
		out[i] = slices.Clone(part)
	}
	return out, nil
}

// sliceShape is SLICE: input 1 the begin, input 2 the size (-1 meaning up to
// the end) of every dimension.
func sliceShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	begin, err := countedValues(in, 1, "begin", len(x))
	if err != nil {
		return nil, err
	}
	size, err := countedValues(in, 2, "size", len(x))
	if err != nil {
		return nil, err
	}
	out := make([]int, len(x))
	for i, d := range x {
		b, s := begin[i], size[i]
		if s == -1 {
			s = d - b
		}
		if b < 0 || s < 0 || b > d || s > d-b {
			return nil, fmt.Errorf("begin %d and size %d in dimension %d are outside input 0 (input) %v", begin[i], size[i], i, x)
		}
		out[i] = s
	}
	return one(out), nil
}

// StridedSliceParams is a STRIDED_SLICE resolved against its input's shape
// the way TFLite resolves it: the ellipsis expanded, new axes inserted into
// the input shape as 1s, masks and negative indices applied.
type StridedSliceParams struct {
	// InputShape is the input shape with a 1 for every new axis.
	InputShape []int
	// Start, Stop and Stride give, for each dimension of InputShape, the
	// first index and the bound the iteration stops at (exclusive: it runs
	// while index < Stop for a positive stride, index > Stop for a negative
	// one).
	Start, Stop, Stride []int
	// Shrink marks dimensions that are dropped from the output.
	Shrink []bool
	// OutputShape is the op's output shape.
	OutputShape []int
}

// ResolveStridedSlice computes StridedSliceParams from the input shape, the
// begin, end and strides values and the op's options. It reproduces TFLite's
// strided_slice kernel (ResizeOutputTensor and BuildStridedSliceParams).
func ResolveStridedSlice(input, begin, end, strides []int, o *StridedSliceOptions) (*StridedSliceParams, error) {
	n := len(begin)
	if len(end) != n || len(strides) != n {
		return nil, fmt.Errorf("begin, end and strides have %d, %d and %d elements; they must be equal", n, len(end), len(strides))
	}
	if n > 31 {
		return nil, fmt.Errorf("%d indices; at most 31 are supported", n)
	}
	bit := func(mask int32, i int) bool { return i >= 0 && i < 32 && uint32(mask)&(uint32(1)<<i) != 0 }

	// New axes outside the ellipsis add dimensions.
	numAddAxis := 0
	for i := range n {
		if !bit(o.EllipsisMask, i) && bit(o.NewAxisMask, i) {
			numAddAxis++
		}
	}
	rank := len(input)
	dims := rank + numAddAxis
	isEllipsis := make([]bool, dims)
	isNewAxis := make([]bool, dims)
	ellipsisStart, expanded := dims, 0
	for i := 0; i < dims; {
		if bit(o.EllipsisMask, i) {
			ellipsisStart = i
			stop := max(i+1, min(i+1+numAddAxis+rank-n, dims))
			expanded = stop - ellipsisStart - 1
			for ; i < stop; i++ {
				isEllipsis[i] = true
			}
			continue
		}
		isNewAxis[i] = bit(o.NewAxisMask, i-expanded)
		i++
	}

	p := &StridedSliceParams{
		InputShape: make([]int, dims),
		Start:      make([]int, dims),
		Stop:       make([]int, dims),
		Stride:     make([]int, dims),
		Shrink:     make([]bool, dims),
	}
	beginMask := make([]bool, dims)
	endMask := make([]bool, dims)
	addedEllipsis, addedAxes := 0, 0
	inputDim := func(i int) (int, error) {
		if j := i - addedAxes; j >= 0 && j < rank {
			return input[j], nil
		}
		return 0, fmt.Errorf("the masks address more dimensions than the input %v has", input)
	}
	for i := range dims {
		var err error
		p.Stride[i] = 1
		switch {
		case isEllipsis[i]:
			addedEllipsis = max(0, i-ellipsisStart)
			beginMask[i], endMask[i] = true, true
			p.InputShape[i], err = inputDim(i)
		case isNewAxis[i]:
			p.Stop[i] = 1
			p.InputShape[i] = 1
			addedAxes++
		case i >= n+expanded:
			beginMask[i], endMask[i] = true, true
			p.InputShape[i], err = inputDim(i)
		default:
			j := i - addedEllipsis
			p.Start[i], p.Stop[i], p.Stride[i] = begin[j], end[j], strides[j]
			beginMask[i] = bit(o.BeginMask, j)
			endMask[i] = bit(o.EndMask, j)
			p.Shrink[i] = bit(o.ShrinkAxisMask, j)
			p.InputShape[i], err = inputDim(i)
		}
		if err != nil {
			return nil, err
		}
	}

	clamp := func(v, lo, hi int) int { return max(lo, min(v, hi)) }
	out := []int{}
	for i := range dims {
		stride, size := p.Stride[i], p.InputShape[i]
		if stride == 0 {
			return nil, fmt.Errorf("stride %d is 0", i)
		}
		if stride <= math.MinInt32 || stride > math.MaxInt32 {
			return nil, fmt.Errorf("stride %d (%d) is out of range", i, stride)
		}
		// Start and stop as TFLite's StartForAxis and EndForAxis give them.
		start := p.Start[i]
		if start < 0 {
			start += size
		}
		if stride > 0 {
			start = clamp(start, 0, size)
		} else {
			start = clamp(start, -1, size-1)
		}
		if beginMask[i] {
			start = 0
			if stride < 0 {
				start = size - 1
			}
		}
		var stop int
		if p.Shrink[i] {
			stop = start + 1
			if start >= size {
				stop = start
			}
		} else {
			stop = p.Stop[i]
			if o.Offset {
				stop += start
			}
			if stop < 0 {
				stop += size
			}
			if stride > 0 {
				stop = clamp(stop, 0, size)
			} else {
				stop = clamp(stop, -1, size-1)
			}
			if endMask[i] {
				stop = size
				if stride < 0 {
					stop = -1
				}
			}
		}
		p.Start[i], p.Stop[i] = start, stop
		if p.Shrink[i] {
			continue
		}
		// With offset, TFLite sizes the output from the end values alone.
		extent := stop - start
		if o.Offset {
			extent = size
			if i < n {
				extent = end[i]
			}
		}
		var d int
		switch {
		case (extent < 0) != (stride < 0):
			d = 0
		case stride < 0:
			d = (extent+1)/stride + 1
		case extent == 0:
			d = 0
		default:
			d = (extent-1)/stride + 1
		}
		if d < 0 || d > math.MaxInt32 {
			return nil, fmt.Errorf("output dimension %d overflows", i)
		}
		out = append(out, d)
	}
	p.OutputShape = out
	return p, nil
}

func stridedSliceShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := optionsOr(op, &StridedSliceOptions{})
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	for i, role := range []string{"", "begin", "end", "strides"} {
		if i > 0 {
			if _, err := shapeOf(in, i, role, 1); err != nil {
				return nil, err
			}
		}
	}
	strides, err := values(in, 3, "strides")
	if err != nil {
		return nil, err
	}
	begin, err := values(in, 1, "begin")
	if err != nil && !(o.Offset && errors.Is(err, ErrNeedsValues)) {
		return nil, err
	}
	end, err := values(in, 2, "end")
	if err != nil {
		return nil, err
	}
	if begin == nil {
		// With offset the output shape depends only on end and strides.
		begin = make([]int, len(end))
	}
	p, err := ResolveStridedSlice(x, begin, end, strides, o)
	if err != nil {
		return nil, err
	}
	return one(p.OutputShape), nil
}

// gatherShape is params.shape[:axis] + indices.shape[batch_dims:] +
// params.shape[axis+1:].
func gatherShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := optionsOr(op, &GatherOptions{})
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "params")
	if err != nil {
		return nil, err
	}
	idx, err := shapeOf(in, 1, "indices")
	if err != nil {
		return nil, err
	}
	axis, err := resolveAxis(o.Axis, len(x), "axis")
	if err != nil {
		return nil, err
	}
	bd := o.BatchDims
	if bd < 0 {
		bd += len(idx)
	}
	if bd < 0 || bd > axis || bd > len(idx) {
		return nil, fmt.Errorf("batch_dims %d must be in [0, min(axis %d, rank of input 1 (indices) %d)]", o.BatchDims, axis, len(idx))
	}
	for i := range bd {
		if x[i] != idx[i] {
			return nil, fmt.Errorf("batch dimension %d differs: input 0 (params) %v, input 1 (indices) %v", i, x, idx)
		}
	}
	out := slices.Clone(x[:axis])
	out = append(out, idx[bd:]...)
	return one(append(out, x[axis+1:]...)), nil
}

func gatherNDShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "params")
	if err != nil {
		return nil, err
	}
	idx, err := shapeOf(in, 1, "indices")
	if err != nil {
		return nil, err
	}
	if len(x) < 1 || len(idx) < 1 || idx[len(idx)-1] > len(x) {
		return nil, fmt.Errorf("input 1 (indices) %v does not index input 0 (params) %v", idx, x)
	}
	out := slices.Clone(idx[:len(idx)-1])
	return one(append(out, x[idx[len(idx)-1]:]...)), nil
}

// padShape adds the [rank, 2] paddings of input 1 to each dimension.
func padShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	ps, err := shapeOf(in, 1, "paddings", 2)
	if err != nil {
		return nil, err
	}
	if ps[0] != len(x) || ps[1] != 2 {
		return nil, fmt.Errorf("input 1 (paddings) has shape %v, expected [%d 2] for input 0 (input) %v", ps, len(x), x)
	}
	pads, err := values(in, 1, "paddings")
	if err != nil {
		return nil, err
	}
	out := make([]int, len(x))
	for i, d := range x {
		b, a := pads[2*i], pads[2*i+1]
		if b < 0 || a < 0 {
			return nil, fmt.Errorf("input 1 (paddings) %v has a negative entry", pads)
		}
		if op.Type == MirrorPad {
			limit := d - 1 // REFLECT excludes the border
			if o, ok := op.Options.(*MirrorPadOptions); ok && o != nil && o.Mode == MirrorSymmetric {
				limit = d
			}
			if b > limit || a > limit {
				return nil, fmt.Errorf("input 1 (paddings) %v: padding of dimension %d exceeds %d for input 0 (input) %v", pads, i, limit, x)
			}
		}
		out[i] = d + b + a
	}
	return one(out), checkDims(out, "output")
}

func topKShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	if len(x) < 1 {
		return nil, errors.New("input 0 (input) is a scalar, expected rank 1 or more")
	}
	k, err := scalarValue(in, 1, "k")
	if err != nil {
		return nil, err
	}
	if k < 0 || k > x[len(x)-1] {
		return nil, fmt.Errorf("input 1 (k) is %d, outside [0, %d]", k, x[len(x)-1])
	}
	s := slices.Clone(x)
	s[len(s)-1] = k
	return [][]int{s, slices.Clone(s)}, nil
}
