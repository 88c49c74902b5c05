package ir

import (
	"fmt"
	"slices"
)

// Shapes of elementwise ops: unary ops keep their input's shape, binary ops
// broadcast their operands as TFLite does.

func init() {
	registerShape(sameAsInput0,
		// math and activations
		Abs, Neg, Sqrt, Rsqrt, Exp, Log, Square, Sin, Cos, Floor, Ceil, Round, Sign,
		Relu, Relu6, ReluN1To1, Relu0To1, LeakyRelu, HardSwish, Logistic, Tanh, Gelu, Elu,
		LogicalNot,
		// normalizations along the last dimension
		Softmax, LogSoftmax, L2Normalization, LocalResponseNormalization,
		// type conversions
		Quantize, Dequantize, Cast, FakeQuant, ZerosLike,
		// ops with an axis input that keep the shape
		Cumsum, ReverseV2,
		// TFLite's SELECT with a rank-1 condition still gives the shape of x
	)
	registerShape(binaryShape,
		Add, Sub, Mul, Div, SquaredDifference, Maximum, Minimum, Pow, FloorDiv, FloorMod, Atan2,
		Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual, LogicalAnd, LogicalOr,
		PRelu, BitwiseXor, RightShift)
	registerShape(selectShape, Select)
	registerShape(selectV2Shape, SelectV2)
	registerShape(addNShape, AddN)
}

func binaryShape(op *Op, in []*Tensor) ([][]int, error) {
	a, err := shapeOf(in, 0, "x")
	if err != nil {
		return nil, err
	}
	b, err := shapeOf(in, 1, "y")
	if err != nil {
		return nil, err
	}
	if slices.Equal(a, b) {
		return one(slices.Clone(a)), nil
	}
	s, err := BroadcastShapes(a, b)
	if err != nil {
		return nil, fmt.Errorf("input 0 (x) and input 1 (y): %v", err)
	}
	return one(s), nil
}

// selectShape is TFLite's SELECT: x and y have the same shape, and the
// condition either that shape too, a scalar, or rank 1 matching their first
// dimension.
func selectShape(op *Op, in []*Tensor) ([][]int, error) {
	c, err := shapeOf(in, 0, "condition")
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 1, "x")
	if err != nil {
		return nil, err
	}
	y, err := shapeOf(in, 2, "y")
	if err != nil {
		return nil, err
	}
	if !slices.Equal(x, y) {
		return nil, fmt.Errorf("input 1 (x) %v and input 2 (y) %v differ", x, y)
	}
	if !slices.Equal(c, x) && len(c) != 0 && !(len(c) == 1 && len(x) > 0 && c[0] == x[0]) {
		return nil, fmt.Errorf("input 0 (condition) %v is neither a scalar nor matches %v or its first dimension", c, x)
	}
	return one(slices.Clone(x)), nil
}

func selectV2Shape(op *Op, in []*Tensor) ([][]int, error) {
	var shapes [][]int
	for i, role := range []string{"condition", "x", "y"} {
		s, err := shapeOf(in, i, role)
		if err != nil {
			return nil, err
		}
		shapes = append(shapes, s)
	}
	s, err := BroadcastShapes(shapes...)
	if err != nil {
		return nil, err
	}
	return one(s), nil
}

func addNShape(op *Op, in []*Tensor) ([][]int, error) {
	first, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
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
	return one(slices.Clone(first)), nil
}
