package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// Activations: RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1, LEAKY_RELU, PRELU,
// HARD_SWISH, LOGISTIC, TANH, GELU, ELU. Float paths are here, integer ones
// in activations_quant.go.

func init() {
	reg := func(t ir.OpType, p func(k *unaryKernel, n *Node, in, out *ir.Tensor) error) {
		Register(t, func() Kernel { return &unaryKernel{prepare: p} })
	}
	reg(ir.Relu, prepareReluFamily)
	reg(ir.Relu6, prepareReluFamily)
	reg(ir.ReluN1To1, prepareReluFamily)
	reg(ir.Relu0To1, prepareReluFamily)
	reg(ir.LeakyRelu, prepareLeakyRelu)
	reg(ir.HardSwish, prepareHardSwish)
	reg(ir.Logistic, prepareLogistic)
	reg(ir.Tanh, prepareTanh)
	reg(ir.Gelu, prepareGelu)
	reg(ir.Elu, prepareElu)
	Register(ir.PRelu, func() Kernel { return &preluKernel{} })
}

// reluBounds are the real-valued clamp bounds of the RELU family.
func reluBounds(t ir.OpType) (lo, hi float32) {
	switch t {
	case ir.Relu6:
		return 0, 6
	case ir.ReluN1To1:
		return -1, 1
	case ir.Relu0To1:
		return 0, 1
	}
	return 0, float32(math.Inf(1))
}

func prepareReluFamily(k *unaryKernel, n *Node, in, out *ir.Tensor) error {
	if err := sameType(n, in, out); err != nil {
		return err
	}
	lo, hi := reluBounds(n.Op.Type)
	if in.Type == ir.Float32 {
		k.eval = func(n *Node) error {
			y := n.Out[0].Float32s()
			copy(y, n.In[0].Float32s())
			clampRow(y, lo, hi)
			return nil
		}
		return nil
	}
	return k.prepareQuantRelu(n, in, out, lo, hi)
}

func prepareLeakyRelu(k *unaryKernel, n *Node, in, out *ir.Tensor) error {
	if err := sameType(n, in, out); err != nil {
		return err
	}
	var alpha float32
	if o, ok := n.Op.Options.(*ir.LeakyReluOptions); ok {
		alpha = o.Alpha
	}
	if in.Type == ir.Float32 {
		k.eval = mapFloat32(func(x float32) float32 {
			if x > 0 {
				return x
			}
			return x * alpha
		})
		return nil
	}
	if k.prepareQuantXNN(n, in, out, alpha) {
		return nil
	}
	return k.prepareQuantLeakyRelu(n, in, out, alpha)
}

func prepareHardSwish(k *unaryKernel, n *Node, in, out *ir.Tensor) error {
	if err := sameType(n, in, out); err != nil {
		return err
	}
	if in.Type == ir.Float32 {
		k.eval = mapFloat32(hardSwishF32)
		return nil
	}
	return k.prepareQuantHardSwish(n, in, out)
}

// hardSwishF32 is x * relu6(x + 3) / 6, in float32 as TFLite computes it.
func hardSwishF32(x float32) float32 {
	return x * min(6, max(0, x+3)) / 6
}

func prepareLogistic(k *unaryKernel, n *Node, in, out *ir.Tensor) error {
	if err := sameType(n, in, out); err != nil {
		return err
	}
	if in.Type == ir.Float32 {
		k.eval = mapFloat32(logisticF32)
		return nil
	}
	if k.prepareQuantXNN(n, in, out, 0) {
		return nil
	}
	return k.prepareQuantLogistic(n, in, out)
}

// logisticF32 is TFLite's reference float logistic, with its cutoffs beyond
// which 1/(1+exp(-x)) rounds to 1 (above) or equals exp(x) (below).
func logisticF32(x float32) float32 {
	const cutoffUpper, cutoffLower = 16.619047164916992188, -9
	switch {
	case x > cutoffUpper:
		return 1
	case x < cutoffLower:
		return float32(math.Exp(float64(x)))
	}
	return float32(1 / (1 + math.Exp(-float64(x))))
}

func prepareTanh(k *unaryKernel, n *Node, in, out *ir.Tensor) error {
	if err := sameType(n, in, out); err != nil {
		return err
	}
	if in.Type == ir.Float32 {
		k.eval = mapFloat32(func(x float32) float32 { return float32(math.Tanh(float64(x))) })
		return nil
	}
	return k.prepareQuantTanh(n, in, out)
}

func prepareGelu(k *unaryKernel, n *Node, in, out *ir.Tensor) error {
	if err := sameType(n, in, out); err != nil {
		return err
	}
	f, f32 := geluExact, geluExactF32
	if o, ok := n.Op.Options.(*ir.GeluOptions); ok && o.Approximate {
		f, f32 = geluApproximate, geluApproximateF32
	}
	if in.Type == ir.Float32 {
		k.eval = mapFloat32(func(x float32) float32 { return float32(f(float64(x))) })
		return nil
	}
	return k.prepareQuantLUT(n, in, out, f32)
}

// geluExact is 0.5·x·(1+erf(x/√2)), written with erfc as TFLite does, which
// keeps precision for large negative x.
func geluExact(x float64) float64 {
	return 0.5 * x * math.Erfc(-x*(1/math.Sqrt2))
}

// geluApproximate is the tanh form 0.5·x·(1+tanh(√(2/π)·(x+0.044715·x³))).
func geluApproximate(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}

func prepareElu(k *unaryKernel, n *Node, in, out *ir.Tensor) error {
	if err := sameType(n, in, out); err != nil {
		return err
	}
	if in.Type == ir.Float32 {
		k.eval = mapFloat32(func(x float32) float32 { return float32(eluF64(float64(x))) })
		return nil
	}
	if in.Type != ir.Int8 {
		return unsupported(n, in.Type.String()) // TFLite has int8 ELU only
	}
	if k.prepareQuantXNN(n, in, out, 0) {
		return nil
	}
	return k.prepareQuantLUT(n, in, out, eluF32)
}

func eluF64(x float64) float64 {
	if x < 0 {
		return math.Expm1(x)
	}
	return x
}

// preluKernel is PRELU: x >= 0 ? x : x·alpha, with alpha broadcast to the
// input's shape (usually one alpha per channel).
type preluKernel struct {
	walk stridedWalk
	eval func(n *Node) error
	q    quantBinary
}

func (k *preluKernel) Prepare(n *Node) error {
	in, alpha := n.Input(0), n.Input(1)
	if in == nil || alpha == nil || len(n.Out) < 1 || n.Out[0] == nil {
		return fmt.Errorf("%s needs 2 inputs and 1 output", n.Op.Name())
	}
	out := n.Out[0]
	if in.Type != alpha.Type || out.Type != in.Type {
		return unsupported(n, fmt.Sprintf("input type %v, alpha type %v, output type %v", in.Type, alpha.Type, out.Type))
	}
	if !sameShape(in.Shape, out.Shape) {
		return fmt.Errorf("%s: output shape %v differs from input shape %v", n.Op.Name(), out.Shape, in.Shape)
	}
	if !broadcastable(alpha.Shape, in.Shape) {
		return fmt.Errorf("%s: alpha shape %v does not broadcast to input shape %v", n.Op.Name(), alpha.Shape, in.Shape)
	}
	if err := k.walk.init(out.Shape, in.Shape, alpha.Shape); err != nil {
		return fmt.Errorf("%s: %v", n.Op.Name(), err)
	}
	if in.Type == ir.Float32 {
		k.eval = walkBinary(&k.walk, ir.AsFloat32, preluRow, false, 0, 0, nil)
		return nil
	}
	return k.prepareQuant(n, in, alpha, out)
}

func (k *preluKernel) Eval(n *Node) error { return k.eval(n) }

func preluRow(o, a, b []float32, sa, sb int) {
	f := func(x, alpha float32) float32 {
		if x >= 0 {
			return x
		}
		return x * alpha
	}
	switch {
	case sa == 1 && sb == 1:
		rowVV(o, a, b, f)
	case sa == 1:
		rowVS(o, a, b[0], f)
	default:
		rowSV(o, a[0], b, sb, f)
	}
}
