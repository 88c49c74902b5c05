package ir

import (
	"fmt"
	"slices"
)

// Helpers shared by the shape functions. Their errors name the input by index
// and role ("input 1 (shape) has 3 elements, expected 4"), since InferShapes
// prefixes only the op's name.

// arg returns input i, or an error naming it when it is absent.
func arg(in []*Tensor, i int, role string) (*Tensor, error) {
	if i >= len(in) || in[i] == nil {
		return nil, fmt.Errorf("input %d (%s) is missing", i, role)
	}
	return in[i], nil
}

// optArg returns input i, or nil when it is absent.
func optArg(in []*Tensor, i int) *Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}

// shapeOf returns input i's shape, checking that it is present and, when
// ranks is not empty, that its rank is one of ranks.
func shapeOf(in []*Tensor, i int, role string, ranks ...int) ([]int, error) {
	t, err := arg(in, i, role)
	if err != nil {
		return nil, err
	}
	if len(ranks) > 0 && !slices.Contains(ranks, len(t.Shape)) {
		want := fmt.Sprint(ranks[0])
		if len(ranks) > 1 {
			want = fmt.Sprintf("one of %v", ranks)
		}
		return nil, fmt.Errorf("input %d (%s) has rank %d (shape %v), expected %s", i, role, len(t.Shape), t.Shape, want)
	}
	return t.Shape, nil
}

// rankBetween checks that input i has at least lo and at most hi dimensions.
func rankBetween(in []*Tensor, i int, role string, lo, hi int) ([]int, error) {
	s, err := shapeOf(in, i, role)
	if err != nil {
		return nil, err
	}
	if len(s) < lo || len(s) > hi {
		return nil, fmt.Errorf("input %d (%s) has rank %d (shape %v), expected %d to %d", i, role, len(s), s, lo, hi)
	}
	return s, nil
}

// values returns the integer values of input i, ErrNeedsValues (wrapped) when
// they are not known yet, or an error when the input is not an integer tensor.
func values(in []*Tensor, i int, role string) ([]int, error) {
	t, err := arg(in, i, role)
	if err != nil {
		return nil, err
	}
	if t.Data == nil {
		return nil, fmt.Errorf("input %d (%s): %w", i, role, ErrNeedsValues)
	}
	if t.Type != Int32 && t.Type != Int64 && t.Type != Int16 && t.Type != Int8 && t.Type != Uint8 && t.Type != Uint16 && t.Type != Uint32 {
		return nil, fmt.Errorf("input %d (%s) has type %v, expected an integer type", i, role, t.Type)
	}
	n := t.NumElements()
	if want, _ := t.Type.ByteSize(n); n < 0 || len(t.Data) < want {
		return nil, fmt.Errorf("input %d (%s) has %d bytes of data for shape %v", i, role, len(t.Data), t.Shape)
	}
	v, _ := IntValues(t.Type, t.Data)
	return v[:n], nil
}

// countedValues is values with a check of the element count.
func countedValues(in []*Tensor, i int, role string, n int) ([]int, error) {
	v, err := values(in, i, role)
	if err != nil {
		return nil, err
	}
	if len(v) != n {
		return nil, fmt.Errorf("input %d (%s) has %d elements, expected %d", i, role, len(v), n)
	}
	return v, nil
}

// scalarValue returns the single value of input i (a scalar or a
// one-element tensor).
func scalarValue(in []*Tensor, i int, role string) (int, error) {
	v, err := countedValues(in, i, role, 1)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// resolveAxis maps a possibly negative axis into [0, rank), naming what it is
// in the error.
func resolveAxis(axis, rank int, what string) (int, error) {
	a := axis
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, fmt.Errorf("%s %d is out of range for rank %d", what, axis, rank)
	}
	return a, nil
}

// options returns op's options as *T, or an error when they are missing or of
// another type.
func options[T any](op *Op) (*T, error) {
	o, ok := op.Options.(*T)
	if !ok || o == nil {
		var z T
		return nil, fmt.Errorf("options are %T, expected *%T", op.Options, z)
	}
	return o, nil
}

// optionsOr returns op's options as *T, or def when the op has none.
func optionsOr[T any](op *Op, def *T) (*T, error) {
	if op.Options == nil {
		return def, nil
	}
	return options[T](op)
}

// one wraps a single output shape.
func one(s []int) [][]int { return [][]int{s} }

// sameAsInput0 returns input 0's shape for every output (elementwise unary ops).
func sameAsInput0(op *Op, in []*Tensor) ([][]int, error) {
	s, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	out := make([][]int, len(op.Outputs))
	for i := range out {
		out[i] = slices.Clone(s)
	}
	return out, nil
}

// checkDims reports a dimension that is negative or makes the element count
// overflow, which a computed shape (from values in a file) can contain.
func checkDims(s []int, what string) error {
	for i, d := range s {
		if d < 0 {
			return fmt.Errorf("%s %v has negative dimension %d", what, s, i)
		}
	}
	if NumElements(s) < 0 {
		return fmt.Errorf("%s %v has too many elements", what, s)
	}
	return nil
}

// BroadcastShapes returns the shape that TFLite's broadcasting gives operands
// of the given shapes: shapes are aligned at their last dimension, and each
// pair of dimensions must be equal or one of them 1 (a 1 against a 0 gives 0).
func BroadcastShapes(shapes ...[]int) ([]int, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			o := out[off+i]
			switch {
			case o == d || d == 1:
			case o == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("shapes %v cannot be broadcast together (dimension %d: %d against %d)", shapes, off+i-rank, o, d)
			}
		}
	}
	return out, nil
}

// ConvOutputSize is the output extent of a convolution or pool along one
// spatial dimension, as TFLite computes it: SAME gives ceil(in/stride), VALID
// gives the number of whole (dilated) windows. A stride below 1 gives 0.
func ConvOutputSize(p Padding, in, filter, stride, dilation int) int {
	if stride < 1 {
		return 0
	}
	if dilation < 1 {
		dilation = 1
	}
	eff := (filter-1)*dilation + 1
	if p == PaddingSame {
		return (in + stride - 1) / stride
	}
	return max(0, (in+stride-eff)/stride)
}

// ConvPadding is the padding TFLite applies before the first row (or column)
// of a window sweep that gives out outputs, and the extra padding after it (0
// or 1) when the total is odd. TFLite computes it the same way for both
// padding schemes; VALID outputs need none.
func ConvPadding(in, filter, stride, dilation, out int) (before, extra int) {
	if dilation < 1 {
		dilation = 1
	}
	eff := (filter-1)*dilation + 1
	total := max(0, (out-1)*stride+eff-in)
	return total / 2, total % 2
}
