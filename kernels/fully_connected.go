package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// FULLY_CONNECTED: input of any rank, read as [batch, in] with in the
// weights' second dimension (TFLite flattens every leading dimension into the
// batch), weights [units, in], optional bias [units]; output [batch, units],
// or the input's leading dimensions and units with keep_num_dims (the runtime
// computes the shape; the kernel only needs batch*units elements).

func init() {
	Register(ir.FullyConnected, func() Kernel { return &fullyConnected{} })
}

type fullyConnected struct {
	batch, inSize, units int
	eng                  *gemm.Engine
	eval                 func(n *Node) error

	// float32
	lhsF32  gemm.Matrix[float32]
	packF32 *gemm.PackedF32
	biasF32 []float32
	ep      gemm.Epilogue
	repack  bool // the weights are computed at run time
	dynBias bool // so is the bias

	q fcQuant // integer and hybrid state (fully_connected_int.go)
}

func (k *fullyConnected) Prepare(n *Node) error {
	o, ok := n.Op.Options.(*ir.FullyConnectedOptions)
	if !ok || o == nil {
		return fmt.Errorf("%s: missing FullyConnectedOptions", n.Op.Name())
	}
	if len(n.In) < 2 || len(n.Out) < 1 || n.In[0] == nil || n.In[1] == nil || n.Out[0] == nil {
		return fmt.Errorf("%s: want input, weights, optional bias and an output", n.Op.Name())
	}
	if o.WeightsFormat != ir.WeightsDefault {
		return unsupported(n, "shuffled weights")
	}
	in, w, out := n.In[0], n.In[1], n.Out[0]
	if len(w.Shape) != 2 || w.Shape[0] <= 0 || w.Shape[1] <= 0 {
		return fmt.Errorf("%s: weights %q must be [units, in], got %v", n.Op.Name(), w.Name, w.Shape)
	}
	k.units, k.inSize = w.Shape[0], w.Shape[1]
	total := in.NumElements()
	if total < 0 || total%k.inSize != 0 {
		return fmt.Errorf("%s: input %q of shape %v does not split into rows of %d", n.Op.Name(), in.Name, in.Shape, k.inSize)
	}
	k.batch = total / k.inSize
	if out.NumElements() != k.batch*k.units {
		return fmt.Errorf("%s: output %q has shape %v, want %d rows of %d", n.Op.Name(), out.Name, out.Shape, k.batch, k.units)
	}
	k.eng = engineFor(k.eng, n.Ctx)
	switch {
	case in.Type == ir.Float32 && w.Type == ir.Float32:
		return k.prepareF32(n, o)
	case in.Type == ir.Float32 && (w.Type == ir.Int8 || w.Type == ir.Uint8):
		return k.prepareHybrid(n, o)
	case in.Type == ir.Int8 || in.Type == ir.Uint8 || in.Type == ir.Int16:
		return k.prepareInt(n, o)
	}
	return unsupported(n, fmt.Sprintf("input %v with weights %v", in.Type, w.Type))
}

func (k *fullyConnected) Eval(n *Node) error { return k.eval(n) }

// weightsMatrix is [units, in] weights as the right operand (in by units).
func weightsMatrix[T gemm.Elem](data []T, units, in int) gemm.Matrix[T] {
	return gemm.Matrix[T]{Data: data, Rows: in, Cols: units, RowStride: 1, ColStride: in}
}

func (k *fullyConnected) prepareF32(n *Node, o *ir.FullyConnectedOptions) error {
	w := n.In[1]
	if xnnpackFloat(n, w, optionalInput(n, 2)) {
		return k.prepareF32XNN(n, o)
	}
	if err := requireType(n, "output", n.Out[0], ir.Float32); err != nil {
		return err
	}
	var err error
	if k.biasF32, err = floatBias(n, optionalInput(n, 2), k.units); err != nil {
		return err
	}
	lo, hi, err := floatRange(n, o.Activation)
	if err != nil {
		return err
	}
	k.ep = gemm.Epilogue{Min: lo, Max: hi}
	var wdata []float32
	k.repack = !w.IsConst()
	if b := optionalInput(n, 2); b != nil {
		k.dynBias = !b.IsConst()
	}
	if !k.repack {
		if err := checkData(n, "weights", w); err != nil {
			return err
		}
		wdata = w.Float32s()
	} else {
		wdata = make([]float32, k.units*k.inSize) // reserves the packed buffer
	}
	if k.packF32, err = gemm.PackF32(nil, weightsMatrix(wdata, k.units, k.inSize)); err != nil {
		return fmt.Errorf("%s: %w", n.Op.Name(), err)
	}
	k.lhsF32 = gemm.Matrix[float32]{Rows: k.batch, Cols: k.inSize, RowStride: k.inSize, ColStride: 1}
	k.eng.Reserve(k.batch, k.inSize)
	k.eval = k.evalF32
	return nil
}

func (k *fullyConnected) evalF32(n *Node) error {
	if w := n.In[1]; k.repack {
		if _, err := gemm.PackF32(k.packF32, weightsMatrix(w.Float32s(), k.units, k.inSize)); err != nil {
			return fmt.Errorf("%s: %w", n.Op.Name(), err)
		}
	}
	ep := k.ep
	ep.Bias = k.biasF32
	if k.dynBias {
		ep.Bias = n.In[2].Float32s()
	}
	k.lhsF32.Data = n.In[0].Float32s()
	err := k.eng.MulF32(&k.lhsF32, k.packF32, n.Out[0].Float32s(), k.units, ep)
	k.lhsF32.Data = nil
	if err != nil {
		return fmt.Errorf("%s: %w", n.Op.Name(), err)
	}
	return nil
}
