package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// quantReduce holds what quantized MEAN and SUM precompute.
type quantReduce struct{}

// sameQuant reports whether two tensors carry the same per-tensor scale and
// zero point (or neither carries any).
func sameQuant(a, b *ir.Tensor) bool {
	qa, qb := a.Quant.Quantized(), b.Quant.Quantized()
	if !qa || !qb {
		return qa == qb
	}
	return a.Quant.Scale[0] == b.Quant.Scale[0] && a.Quant.ZeroPoint[0] == b.Quant.ZeroPoint[0]
}

func (k *reduceKernel) prepareQuant(n *Node, in, out *ir.Tensor) error {
	if err := sameType(n, in, out); err != nil {
		return err
	}
	switch n.Op.Type {
	case ir.ReduceMax, ir.ReduceMin:
		// TFLite compares the stored integers, which needs equal parameters.
		if !sameQuant(in, out) {
			return fmt.Errorf("%s: input %q and output %q must have the same quantization", n.Op.Name(), in.Name, out.Name)
		}
		switch in.Type {
		case ir.Int8:
			return prepareMinMax(k, n, ir.AsInt8, math.MinInt8, math.MaxInt8)
		case ir.Uint8:
			return prepareMinMax(k, n, asUint8, 0, math.MaxUint8)
		case ir.Int16:
			return prepareMinMax(k, n, ir.AsInt16, math.MinInt16, math.MaxInt16)
		}
	}
	return unsupported(n, in.Type.String())
}
