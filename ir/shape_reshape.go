package ir

import (
	"errors"
	"fmt"
	"slices"
)

// Shapes of ops that rearrange elements without computing new ones: the
// reshape family, transposes, tiling and the space/depth/batch shuffles, and
// ops whose output shape is an input's values (FILL, BROADCAST_TO, resizes).

func init() {
	registerShape(reshapeShape, Reshape)
	registerShape(squeezeShape, Squeeze)
	registerShape(expandDimsShape, ExpandDims)
	registerShape(transposeShape, Transpose)
	registerShape(shapeShape, Shape)
	registerShape(rankShape, Rank)
	registerShape(fillShape, Fill)
	registerShape(tileShape, Tile)
	registerShape(broadcastToShape, BroadcastTo)
	registerShape(spaceToDepthShape, SpaceToDepth)
	registerShape(depthToSpaceShape, DepthToSpace)
	registerShape(spaceToBatchShape, SpaceToBatchND)
	registerShape(batchToSpaceShape, BatchToSpaceND)
	registerShape(resizeShape, ResizeBilinear, ResizeNearestNeighbor)
}

// reshapeShape follows TFLite: a rank-1 shape input wins over the options'
// new_shape; new_shape [0] is a legacy spelling of a scalar; one -1 entry
// takes what is left of the element count (0 when the input is empty and the
// rest is not).
func reshapeShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	var s []int
	if st := optArg(in, 1); st != nil && len(st.Shape) == 1 {
		if s, err = values(in, 1, "shape"); err != nil {
			return nil, err
		}
	} else if o, ok := op.Options.(*ReshapeOptions); ok && o != nil && o.NewShape != nil {
		s = slices.Clone(o.NewShape)
		if len(s) == 1 && s[0] == 0 {
			s = []int{}
		}
	} else {
		return nil, errors.New("no shape: neither a rank-1 input 1 (shape) nor new_shape in the options")
	}
	if err := resolveReshape(x, s); err != nil {
		return nil, err
	}
	return one(s), nil
}

// resolveReshape replaces a -1 in s (in place) and checks the element counts.
func resolveReshape(x, s []int) error {
	inElems, inNonZero := 1, 1
	for _, d := range x {
		inElems *= d
		if d != 0 {
			inNonZero *= d
		}
	}
	stretch, outElems, outNonZero := -1, 1, 1
	for i, d := range s {
		switch {
		case d == -1:
			if stretch >= 0 {
				return fmt.Errorf("shape %v has more than one -1", s)
			}
			stretch = i
			continue
		case d < 0:
			return fmt.Errorf("shape %v has negative dimension %d", s, i)
		case d != 0:
			if outNonZero > maxElements/d {
				return fmt.Errorf("shape %v has too many elements", s)
			}
			outNonZero *= d
		}
		outElems *= d
	}
	if stretch >= 0 {
		if inElems == 0 && outElems != 0 {
			s[stretch] = 0
		} else {
			s[stretch] = inNonZero / outNonZero
		}
		outElems *= s[stretch]
	}
	if outElems != inElems {
		return fmt.Errorf("input 0 (input) %v has %d elements, the new shape %v has %d", x, inElems, s, outElems)
	}
	return nil
}

// squeezeShape drops the listed dimensions (each must be 1), or every 1 when
// none are listed.
func squeezeShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := optionsOr(op, &SqueezeOptions{})
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	drop := make([]bool, len(x))
	if len(o.SqueezeDims) == 0 {
		for i, d := range x {
			drop[i] = d == 1
		}
	}
	for _, a := range o.SqueezeDims {
		r, err := resolveAxis(a, len(x), "squeeze dimension")
		if err != nil {
			return nil, err
		}
		if x[r] != 1 {
			return nil, fmt.Errorf("squeeze dimension %d of input 0 (input) %v is %d, not 1", a, x, x[r])
		}
		drop[r] = true
	}
	out := []int{}
	for i, d := range x {
		if !drop[i] {
			out = append(out, d)
		}
	}
	return one(out), nil
}

// expandDimsShape inserts a 1 at the axis given by input 1 (negative counts
// from the end of the output).
func expandDimsShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	a, err := scalarValue(in, 1, "axis")
	if err != nil {
		return nil, err
	}
	axis, err := resolveAxis(a, len(x)+1, "input 1 (axis): axis")
	if err != nil {
		return nil, err
	}
	return one(slices.Insert(slices.Clone(x), axis, 1)), nil
}

func transposeShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	perm, err := countedValues(in, 1, "perm", len(x))
	if err != nil {
		return nil, err
	}
	seen := make([]bool, len(x))
	out := make([]int, len(x))
	for i, p := range perm {
		if p < 0 || p >= len(x) || seen[p] {
			return nil, fmt.Errorf("input 1 (perm) %v is not a permutation of 0..%d", perm, len(x)-1)
		}
		seen[p] = true
		out[i] = x[p]
	}
	return one(out), nil
}

func shapeShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	return one([]int{len(x)}), nil
}

func rankShape(op *Op, in []*Tensor) ([][]int, error) {
	if _, err := arg(in, 0, "input"); err != nil {
		return nil, err
	}
	return one([]int{}), nil
}

func fillShape(op *Op, in []*Tensor) ([][]int, error) {
	if _, err := shapeOf(in, 0, "dims", 1); err != nil {
		return nil, err
	}
	if v, err := arg(in, 1, "value"); err != nil {
		return nil, err
	} else if v.NumElements() != 1 {
		return nil, fmt.Errorf("input 1 (value) has shape %v, expected a scalar", v.Shape)
	}
	s, err := values(in, 0, "dims")
	if err != nil {
		return nil, err
	}
	return one(s), checkDims(s, "input 0 (dims)")
}

func tileShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	m, err := countedValues(in, 1, "multiples", len(x))
	if err != nil {
		return nil, err
	}
	out := make([]int, len(x))
	for i, d := range x {
		if m[i] < 0 {
			return nil, fmt.Errorf("input 1 (multiples) %v has a negative entry", m)
		}
		out[i] = d * m[i]
	}
	return one(out), checkDims(out, "output")
}

func broadcastToShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	if _, err := shapeOf(in, 1, "shape", 1); err != nil {
		return nil, err
	}
	s, err := values(in, 1, "shape")
	if err != nil {
		return nil, err
	}
	if err := checkDims(s, "input 1 (shape)"); err != nil {
		return nil, err
	}
	if b, err := BroadcastShapes(x, s); err != nil || !slices.Equal(b, s) {
		return nil, fmt.Errorf("input 0 (input) %v cannot be broadcast to %v", x, s)
	}
	return one(s), nil
}

func spaceToDepthShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := options[SpaceToDepthOptions](op)
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "input", 4)
	if err != nil {
		return nil, err
	}
	b := o.BlockSize
	if b < 1 || x[1]%b != 0 || x[2]%b != 0 {
		return nil, fmt.Errorf("block size %d does not divide the height and width of input 0 (input) %v", b, x)
	}
	return one([]int{x[0], x[1] / b, x[2] / b, x[3] * b * b}), nil
}

func depthToSpaceShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := options[DepthToSpaceOptions](op)
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "input", 4)
	if err != nil {
		return nil, err
	}
	b := o.BlockSize
	if b < 1 || x[3]%(b*b) != 0 {
		return nil, fmt.Errorf("block size %d squared does not divide the %d channels of input 0 (input) %v", b, x[3], x)
	}
	return one([]int{x[0], x[1] * b, x[2] * b, x[3] / (b * b)}), nil
}

// blockAndPairs reads the block shape (input 1) and the [M, 2] paddings or
// crops (input 2) of SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND.
func blockAndPairs(in []*Tensor, x []int, pairsRole string) (block, pairs []int, err error) {
	bs, err := shapeOf(in, 1, "block_shape", 1)
	if err != nil {
		return nil, nil, err
	}
	m := bs[0]
	if m < 1 || m > len(x)-1 {
		return nil, nil, fmt.Errorf("input 1 (block_shape) has %d elements, input 0 (input) %v allows 1 to %d", m, x, len(x)-1)
	}
	if block, err = values(in, 1, "block_shape"); err != nil {
		return nil, nil, err
	}
	if pairs, err = countedValues(in, 2, pairsRole, 2*m); err != nil {
		return nil, nil, err
	}
	for i, b := range block {
		if b < 1 {
			return nil, nil, fmt.Errorf("input 1 (block_shape) %v: entry %d is not positive", block, i)
		}
	}
	for _, p := range pairs {
		if p < 0 {
			return nil, nil, fmt.Errorf("input 2 (%s) %v has a negative entry", pairsRole, pairs)
		}
	}
	return block, pairs, nil
}

func spaceToBatchShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := rankBetween(in, 0, "input", 2, 6)
	if err != nil {
		return nil, err
	}
	block, pads, err := blockAndPairs(in, x, "paddings")
	if err != nil {
		return nil, err
	}
	out := slices.Clone(x)
	for i, b := range block {
		p := x[1+i] + pads[2*i] + pads[2*i+1]
		if p%b != 0 {
			return nil, fmt.Errorf("padded dimension %d of input 0 (input) %v is %d, not a multiple of block %d", 1+i, x, p, b)
		}
		out[1+i] = p / b
		out[0] *= b
	}
	return one(out), checkDims(out, "output")
}

func batchToSpaceShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := rankBetween(in, 0, "input", 2, 6)
	if err != nil {
		return nil, err
	}
	block, crops, err := blockAndPairs(in, x, "crops")
	if err != nil {
		return nil, err
	}
	out := slices.Clone(x)
	prod := 1
	for i, b := range block {
		prod *= b
		out[1+i] = x[1+i]*b - crops[2*i] - crops[2*i+1]
		if out[1+i] < 0 {
			return nil, fmt.Errorf("input 2 (crops) %v crop more than dimension %d of input 0 (input) %v holds", crops, 1+i, x)
		}
	}
	if x[0]%prod != 0 {
		return nil, fmt.Errorf("batch %d of input 0 (input) %v is not a multiple of the block size product %d", x[0], x, prod)
	}
	out[0] = x[0] / prod
	return one(out), nil
}

// resizeShape takes the new height and width from input 1.
func resizeShape(op *Op, in []*Tensor) ([][]int, error) {
	x, err := shapeOf(in, 0, "input", 4)
	if err != nil {
		return nil, err
	}
	hw, err := countedValues(in, 1, "size", 2)
	if err != nil {
		return nil, err
	}
	if hw[0] < 1 || hw[1] < 1 {
		return nil, fmt.Errorf("input 1 (size) %v must be positive", hw)
	}
	return one([]int{x[0], hw[0], hw[1], x[3]}), nil
}
