package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// L2_NORMALIZATION over the last dimension: x / max(‖x‖₂, 1e-6).

func init() {
	Register(ir.L2Normalization, func() Kernel { return &l2normKernel{} })
}

type l2normKernel struct {
	outer, depth int
	eval         func(n *Node) error
}

func (k *l2normKernel) Prepare(n *Node) error {
	in, out, err := checkUnaryIO(n)
	if err != nil {
		return err
	}
	if err := sameType(n, in, out); err != nil {
		return err
	}
	if len(in.Shape) < 1 {
		return fmt.Errorf("%s: input must have at least 1 dimension, has shape %v", n.Op.Name(), in.Shape)
	}
	// TFLite's kernels implement no fused activation for this op and reject one.
	if o, ok := n.Op.Options.(*ir.L2NormOptions); ok && o.Activation != ir.ActNone {
		return fmt.Errorf("%s: fused activation %v is not supported", n.Op.Name(), o.Activation)
	}
	k.depth = in.Shape[len(in.Shape)-1]
	k.outer = 0
	if k.depth > 0 {
		k.outer = in.NumElements() / k.depth
	}
	if in.Type == ir.Float32 {
		k.eval = k.evalFloat
		return nil
	}
	return k.prepareQuant(n, in, out)
}

func (k *l2normKernel) Eval(n *Node) error { return k.eval(n) }

func (k *l2normKernel) evalFloat(n *Node) error {
	const epsilon = 1e-6
	in, out := n.In[0].Float32s(), n.Out[0].Float32s()
	for r := 0; r < k.outer; r++ {
		x, y := in[r*k.depth:(r+1)*k.depth], out[r*k.depth:(r+1)*k.depth]
		var sq float32
		for _, v := range x {
			sq += float32(v * v) // the conversion keeps Go from fusing into an FMA
		}
		norm := max(float32(math.Sqrt(float64(sq))), epsilon)
		for i, v := range x {
			y[i] = v / norm
		}
	}
	return nil
}
