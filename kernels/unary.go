package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// Elementwise unary math: ABS, NEG, SQRT, RSQRT, EXP, LOG, SQUARE. Float32
// results are computed in float64 and rounded once, which is what C's
// single-precision functions aim for; results are compared with a tolerance.

func init() {
	for _, t := range []ir.OpType{ir.Abs, ir.Neg, ir.Sqrt, ir.Rsqrt, ir.Exp, ir.Log, ir.Square} {
		Register(t, func() Kernel { return &unaryKernel{prepare: prepareUnaryMath} })
	}
}

// unaryKernel is a one-input, one-output op whose prepare function picks an
// Eval for the dtypes; the activations share it.
type unaryKernel struct {
	prepare func(k *unaryKernel, n *Node, in, out *ir.Tensor) error
	eval    func(n *Node) error
	q       quantUnary // the quantized activations' parameters and tables
}

func (k *unaryKernel) Prepare(n *Node) error {
	in, out, err := checkUnaryIO(n)
	if err != nil {
		return err
	}
	return k.prepare(k, n, in, out)
}

func (k *unaryKernel) Eval(n *Node) error { return k.eval(n) }

// checkUnaryIO checks that n has one input and one output of the same shape.
func checkUnaryIO(n *Node) (in, out *ir.Tensor, err error) {
	in = n.Input(0)
	if in == nil || len(n.Out) < 1 || n.Out[0] == nil {
		return nil, nil, fmt.Errorf("%s needs 1 input and 1 output", n.Op.Name())
	}
	out = n.Out[0]
	if !sameShape(in.Shape, out.Shape) {
		return nil, nil, fmt.Errorf("%s: output shape %v differs from input shape %v", n.Op.Name(), out.Shape, in.Shape)
	}
	return in, out, nil
}

// sameType is the usual check that an op's output has its input's type.
func sameType(n *Node, in, out *ir.Tensor) error {
	if in.Type != out.Type {
		return unsupported(n, fmt.Sprintf("input type %v with output type %v", in.Type, out.Type))
	}
	return nil
}

func prepareUnaryMath(k *unaryKernel, n *Node, in, out *ir.Tensor) error {
	if err := sameType(n, in, out); err != nil {
		return err
	}
	switch in.Type {
	case ir.Float32:
		var f func(float64) float64
		switch n.Op.Type {
		case ir.Abs:
			f = math.Abs
		case ir.Neg:
			f = func(x float64) float64 { return -x }
		case ir.Sqrt:
			f = math.Sqrt
		case ir.Rsqrt:
			f = func(x float64) float64 { return 1 / math.Sqrt(x) }
		case ir.Exp:
			f = math.Exp
		case ir.Log:
			f = math.Log
		case ir.Square:
			// In float32, as TFLite squares.
			k.eval = mapFloat32(func(x float32) float32 { return x * x })
			return nil
		}
		k.eval = mapFloat32(func(x float32) float32 { return float32(f(float64(x))) })
		return nil
	case ir.Int32:
		switch n.Op.Type {
		case ir.Abs:
			k.eval = mapInts(ir.AsInt32, func(x int32) int32 { return max(x, -x) })
			return nil
		case ir.Neg:
			k.eval = mapInts(ir.AsInt32, func(x int32) int32 { return -x })
			return nil
		}
	case ir.Int8, ir.Int16:
		if n.Op.Type == ir.Abs {
			return prepareAbsInt(k, n, in, out)
		}
	case ir.Int64:
		if n.Op.Type == ir.Neg {
			k.eval = mapInts(ir.AsInt64, func(x int64) int64 { return -x })
			return nil
		}
	}
	return unsupported(n, in.Type.String())
}

// mapFloat32 returns an Eval applying f to every element.
func mapFloat32(f func(float32) float32) func(n *Node) error {
	return func(n *Node) error {
		in, out := n.In[0].Float32s(), n.Out[0].Float32s()
		in = in[:len(out)]
		for i, x := range in {
			out[i] = f(x)
		}
		return nil
	}
}

// mapInts returns an Eval applying f to every element of an integer tensor.
func mapInts[T int8 | uint8 | int16 | int32 | int64](view func([]byte) []T, f func(T) T) func(n *Node) error {
	return func(n *Node) error {
		in, out := view(n.In[0].Data), view(n.Out[0].Data)
		in = in[:len(out)]
		for i, x := range in {
			out[i] = f(x)
		}
		return nil
	}
}
