package runtime

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/kernels"
)

// Kernels for the tests. Custom ops ("lf_*") test the runtime's machinery
// independently of the real kernels; the builtin fallbacks are registered
// only while the real kernel of that type has not landed, and compute the
// same thing, so the tests' hand-worked expectations hold for both.

func init() {
	kernels.RegisterCustom("lf_scale2", func() kernels.Kernel { return &scaleKernel{} })
	kernels.RegisterCustom("lf_add", func() kernels.Kernel { return &addKernel{} })
	kernels.RegisterCustom("lf_fail", func() kernels.Kernel { return &failKernel{} })
	kernels.RegisterCustom("lf_accumulate", func() kernels.Kernel { return &accumulateKernel{} })
	kernels.RegisterCustom("lf_reshape", func() kernels.Kernel { return &customReshapeKernel{} })
	kernels.RegisterCustom("lf_context", func() kernels.Kernel { return &contextKernel{} })
	kernels.RegisterCustom("lf_int8_copy", func() kernels.Kernel { return &copyKernel{} })
	kernels.RegisterCustom("lf_warn", func() kernels.Kernel { return &warnKernel{} })

	fallback(ir.Add, func() kernels.Kernel { return &addKernel{} })
	fallback(ir.Reshape, func() kernels.Kernel { return &copyKernel{} })
	fallback(ir.Dequantize, func() kernels.Kernel { return &dequantizeF16Kernel{} })
	fallback(ir.Shape, func() kernels.Kernel { return &shapeKernel{} })
}

func fallback(t ir.OpType, f kernels.Factory) {
	if _, ok := kernels.Lookup(t); !ok {
		kernels.Register(t, f)
	}
}

// sameShape is a Shaper giving every output input 0's shape.
type sameShape struct{}

func (sameShape) OutputShapes(n *kernels.Node) ([][]int, error) {
	out := make([][]int, len(n.Out))
	for i := range out {
		out[i] = slices.Clone(n.In[0].Shape)
	}
	return out, nil
}

// scaleKernel doubles a float32 tensor.
type scaleKernel struct{ sameShape }

func (*scaleKernel) Prepare(n *kernels.Node) error {
	if n.In[0].Type != ir.Float32 {
		return errors.New("float32 only")
	}
	return nil
}

func (*scaleKernel) Eval(n *kernels.Node) error {
	x, y := n.In[0].Float32s(), n.Out[0].Float32s()
	for i, v := range x {
		y[i] = 2 * v
	}
	return nil
}

// addKernel adds two float32 tensors of one shape, or a tensor and a
// one-element tensor.
type addKernel struct{ sameShape }

func (*addKernel) Prepare(n *kernels.Node) error {
	a, b := n.In[0], n.In[1]
	if a.Type != ir.Float32 || b.Type != ir.Float32 {
		return errors.New("float32 only")
	}
	if !slices.Equal(a.Shape, b.Shape) && b.NumElements() != 1 {
		return fmt.Errorf("shapes %v and %v", a.Shape, b.Shape)
	}
	return nil
}

func (*addKernel) Eval(n *kernels.Node) error {
	a, b, y := n.In[0].Float32s(), n.In[1].Float32s(), n.Out[0].Float32s()
	for i := range y {
		if len(b) == 1 {
			y[i] = a[i] + b[0]
		} else {
			y[i] = a[i] + b[i]
		}
	}
	return nil
}

type failKernel struct{ sameShape }

func (*failKernel) Prepare(*kernels.Node) error { return nil }
func (*failKernel) Eval(*kernels.Node) error    { return errors.New("boom") }

// accumulateKernel adds input 0 to the variable input 1 and outputs the sum,
// which it also stores back into the variable.
type accumulateKernel struct{ sameShape }

func (*accumulateKernel) Prepare(*kernels.Node) error { return nil }
func (*accumulateKernel) Eval(n *kernels.Node) error {
	x, st, y := n.In[0].Float32s(), n.In[1].Float32s(), n.Out[0].Float32s()
	for i := range y {
		st[i] += x[i]
		y[i] = st[i]
	}
	return nil
}

// customReshapeKernel is RESHAPE as a custom op: its shape needs the values
// of input 1, so its Shaper returns ir.ErrNeedsValues until they are known.
type customReshapeKernel struct{ copyKernel }

func (*customReshapeKernel) OutputShapes(n *kernels.Node) ([][]int, error) {
	if n.In[1].Data == nil {
		return nil, ir.ErrNeedsValues
	}
	v, _ := ir.IntValues(n.In[1].Type, n.In[1].Data)
	return [][]int{v}, nil
}

// copyKernel copies input 0's bytes to output 0 (RESHAPE, or an identity).
type copyKernel struct{ sameShape }

func (*copyKernel) Prepare(n *kernels.Node) error {
	if a, b := n.In[0], n.Out[0]; a.NumElements() != b.NumElements() {
		return fmt.Errorf("%v elements into %v", a.Shape, b.Shape)
	}
	return nil
}

func (*copyKernel) Eval(n *kernels.Node) error {
	copy(n.Out[0].Data, n.In[0].Data)
	return nil
}

// contextKernel writes the interpreter settings it sees (threads, rounding)
// into its float32 output, so tests can check what reaches kernels.
type contextKernel struct{}

func (*contextKernel) OutputShapes(*kernels.Node) ([][]int, error) { return [][]int{{2}}, nil }
func (*contextKernel) Prepare(*kernels.Node) error                 { return nil }
func (*contextKernel) Eval(n *kernels.Node) error {
	y := n.Out[0].Float32s()
	y[0], y[1] = float32(n.Ctx.Threads), float32(n.Ctx.Rounding)
	return nil
}

// warnKernel warns at every Prepare and Eval: the interpreter must pass each
// distinct message on once.
type warnKernel struct{ copyKernel }

func (*warnKernel) Prepare(n *kernels.Node) error {
	n.Ctx.Warn("model quirk in op %d", n.Index)
	return nil
}
func (*warnKernel) Eval(n *kernels.Node) error {
	n.Ctx.Warn("model quirk in op %d", n.Index)
	copy(n.Out[0].Data, n.In[0].Data)
	return nil
}

// dequantizeF16Kernel is DEQUANTIZE of float16 constants.
type dequantizeF16Kernel struct{ sameShape }

func (*dequantizeF16Kernel) Prepare(n *kernels.Node) error {
	if n.In[0].Type != ir.Float16 {
		return errors.New("float16 only")
	}
	return nil
}

func (*dequantizeF16Kernel) Eval(n *kernels.Node) error {
	y := n.Out[0].Float32s()
	for i, h := range ir.AsUint16(n.In[0].Data) {
		y[i] = halfToFloat(h)
	}
	return nil
}

// halfToFloat decodes IEEE binary16 (normal numbers and zero suffice here).
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	if exp == 0 && frac == 0 {
		return math.Float32frombits(sign)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

type shapeKernel struct{}

func (*shapeKernel) Prepare(*kernels.Node) error { return nil }
func (*shapeKernel) Eval(n *kernels.Node) error {
	v := ir.AsInt32(n.Out[0].Data)
	for i, d := range n.In[0].Shape {
		v[i] = int32(d)
	}
	return nil
}
