package ir

import (
	"fmt"
	"slices"
)

// Shapes of convolutions, pools and matrix products (NHWC layouts, TFLite's
// weight layouts).

func init() {
	registerShape(conv2DShape, Conv2D)
	registerShape(depthwiseConv2DShape, DepthwiseConv2D)
	registerShape(transposeConvShape, TransposeConv)
	registerShape(pool2DShape, AveragePool2D, MaxPool2D, L2Pool2D)
	registerShape(fullyConnectedShape, FullyConnected)
	registerShape(batchMatMulShape, BatchMatMul)
}

func checkStrides(h, w int) error {
	if h < 1 || w < 1 {
		return fmt.Errorf("strides %dx%d must be positive", h, w)
	}
	return nil
}

func dilations(h, w int) (int, int, error) {
	if h == 0 {
		h = 1
	}
	if w == 0 {
		w = 1
	}
	if h < 1 || w < 1 {
		return 0, 0, fmt.Errorf("dilations %dx%d must be positive", h, w)
	}
	return h, w, nil
}

// checkBias checks an optional bias input against the output channel count.
func checkBias(in []*Tensor, i, channels int) error {
	b := optArg(in, i)
	if b == nil {
		return nil
	}
	if n := b.NumElements(); n != channels {
		return fmt.Errorf("input %d (bias) has %d elements (shape %v), expected %d", i, n, b.Shape, channels)
	}
	return nil
}

func conv2DShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := options[Conv2DOptions](op)
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "input", 4)
	if err != nil {
		return nil, err
	}
	f, err := shapeOf(in, 1, "filter", 4)
	if err != nil {
		return nil, err
	}
	if f[3] == 0 || x[3]%f[3] != 0 {
		return nil, fmt.Errorf("input 0 (input) has %d channels, not a multiple of the %d of input 1 (filter) %v", x[3], f[3], f)
	}
	return convOutput(in, x, f[1], f[2], f[0], o.Padding, o.StrideH, o.StrideW, o.DilationH, o.DilationW)
}

// convOutput checks strides, dilations and bias and returns the NHWC output
// shape of a convolution with a kh x kw window and the given channels.
func convOutput(in []*Tensor, x []int, kh, kw, channels int, p Padding, sh, sw, dh, dw int) ([][]int, error) {
	if err := checkStrides(sh, sw); err != nil {
		return nil, err
	}
	dh, dw, err := dilations(dh, dw)
	if err != nil {
		return nil, err
	}
	if err := checkBias(in, 2, channels); err != nil {
		return nil, err
	}
	return one([]int{x[0],
		ConvOutputSize(p, x[1], kh, sh, dh),
		ConvOutputSize(p, x[2], kw, sw, dw),
		channels}), nil
}

func depthwiseConv2DShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := options[DepthwiseConv2DOptions](op)
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "input", 4)
	if err != nil {
		return nil, err
	}
	f, err := shapeOf(in, 1, "filter", 4)
	if err != nil {
		return nil, err
	}
	if f[0] != 1 {
		return nil, fmt.Errorf("input 1 (filter) has shape %v, expected [1, height, width, channels]", f)
	}
	// TFLite takes the output channels from the filter and does not check
	// depth_multiplier, which some converters leave inconsistent.
	if x[3] == 0 || f[3]%x[3] != 0 {
		return nil, fmt.Errorf("input 1 (filter) has %d channels, not a multiple of the %d of input 0 (input)", f[3], x[3])
	}
	return convOutput(in, x, f[1], f[2], f[3], o.Padding, o.StrideH, o.StrideW, o.DilationH, o.DilationW)
}

// transposeConvShape takes the output shape from input 0 (TFLite's layout:
// output_shape, weights, input, optional bias).
func transposeConvShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := options[TransposeConvOptions](op)
	if err != nil {
		return nil, err
	}
	if err := checkStrides(o.StrideH, o.StrideW); err != nil {
		return nil, err
	}
	w, err := shapeOf(in, 1, "weights", 4)
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 2, "input", 4)
	if err != nil {
		return nil, err
	}
	if x[3] != w[3] {
		return nil, fmt.Errorf("input 2 (input) has %d channels, input 1 (weights) %v expects %d", x[3], w, w[3])
	}
	if err := checkBias(in, 3, w[0]); err != nil {
		return nil, err
	}
	s, err := countedValues(in, 0, "output_shape", 4)
	if err != nil {
		return nil, err
	}
	if err := checkDims(s, "input 0 (output_shape)"); err != nil {
		return nil, err
	}
	if s[0] != x[0] || s[3] != w[0] {
		return nil, fmt.Errorf("input 0 (output_shape) is %v, expected batch %d and %d channels", s, x[0], w[0])
	}
	return one(s), nil
}

func pool2DShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := options[Pool2DOptions](op)
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "input", 4)
	if err != nil {
		return nil, err
	}
	if err := checkStrides(o.StrideH, o.StrideW); err != nil {
		return nil, err
	}
	if o.FilterHeight < 1 || o.FilterWidth < 1 {
		return nil, fmt.Errorf("filter %dx%d must be positive", o.FilterHeight, o.FilterWidth)
	}
	return one([]int{x[0],
		ConvOutputSize(o.Padding, x[1], o.FilterHeight, o.StrideH, 1),
		ConvOutputSize(o.Padding, x[2], o.FilterWidth, o.StrideW, 1),
		x[3]}), nil
}

// fullyConnectedShape flattens the input to [batch, weights[1]] unless
// keep_num_dims asks to keep its leading dimensions.
func fullyConnectedShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := optionsOr(op, &FullyConnectedOptions{})
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in, 0, "input")
	if err != nil {
		return nil, err
	}
	w, err := shapeOf(in, 1, "weights", 2)
	if err != nil {
		return nil, err
	}
	units, depth := w[0], w[1]
	if err := checkBias(in, 2, units); err != nil {
		return nil, err
	}
	if o.KeepNumDims {
		if len(x) == 0 || x[len(x)-1] != depth {
			return nil, fmt.Errorf("input 0 (input) has shape %v, its last dimension must be the %d of input 1 (weights) %v", x, depth, w)
		}
		s := slices.Clone(x)
		s[len(s)-1] = units
		return one(s), nil
	}
	n := NumElements(x)
	if depth == 0 || n%depth != 0 {
		return nil, fmt.Errorf("input 0 (input) has %d elements (shape %v), not a multiple of the %d of input 1 (weights) %v", n, x, depth, w)
	}
	return one([]int{n / depth, units}), nil
}

// batchMatMulShape broadcasts the batch dimensions of both operands and
// multiplies their last two, each transposed when adj_x/adj_y say so.
func batchMatMulShape(op *Op, in []*Tensor) ([][]int, error) {
	o, err := optionsOr(op, &BatchMatMulOptions{})
	if err != nil {
		return nil, err
	}
	a, err := rankBetween(in, 0, "lhs", 2, 5)
	if err != nil {
		return nil, err
	}
	b, err := rankBetween(in, 1, "rhs", 2, 5)
	if err != nil {
		return nil, err
	}
	m, ka := a[len(a)-2], a[len(a)-1]
	if o.AdjX {
		m, ka = ka, m
	}
	kb, n := b[len(b)-2], b[len(b)-1]
	if o.AdjY {
		kb, n = n, kb
	}
	if ka != kb {
		return nil, fmt.Errorf("input 0 (lhs) %v and input 1 (rhs) %v have inner dimensions %d and %d (adj_x=%v, adj_y=%v)", a, b, ka, kb, o.AdjX, o.AdjY)
	}
	batch, err := BroadcastShapes(a[:len(a)-2], b[:len(b)-2])
	if err != nil {
		return nil, fmt.Errorf("batch dimensions: %v", err)
	}
	return one(append(batch, m, n)), nil
}
