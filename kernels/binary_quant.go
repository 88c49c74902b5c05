package kernels

import (
	"github.com/liteforge/liteforge/ir"
)

// quantBinary holds what the quantized binary paths precompute.
type quantBinary struct{}

func asUint8(b []byte) []uint8 { return b }

// prepareQuant sets up the int8/uint8/int16 paths. MAXIMUM and MINIMUM
// compare the stored integers, as TFLite does (it does not requantize).
func (k *binaryKernel) prepareQuant(n *Node, a, b, out *ir.Tensor, act ir.Activation) error {
	if n.Op.Type == ir.Maximum || n.Op.Type == ir.Minimum {
		switch a.Type {
		case ir.Int8:
			k.eval = walkBinary(&k.walk, ir.AsInt8, rawMinMaxRow[int8](n.Op.Type), false, 0, 0, nil)
		case ir.Uint8:
			k.eval = walkBinary(&k.walk, asUint8, rawMinMaxRow[uint8](n.Op.Type), false, 0, 0, nil)
		case ir.Int16:
			k.eval = walkBinary(&k.walk, ir.AsInt16, rawMinMaxRow[int16](n.Op.Type), false, 0, 0, nil)
		}
		return nil
	}
	return unsupported(n, a.Type.String())
}

func rawMinMaxRow[T number](op ir.OpType) func(o, a, b []T, sa, sb int) {
	if op == ir.Maximum {
		return maximumRow[T]
	}
	return minimumRow[T]
}
