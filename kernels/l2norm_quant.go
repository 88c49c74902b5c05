package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// Quantized L2_NORMALIZATION, bit-exact with TFLite's reference kernels: the
// sum of squared (zero-point-free) inputs, its inverse square root as a
// quantized multiplier, and each input rescaled to the fixed output scale
// 1/128 (zero point 0 for int8, 128 for uint8).

func (k *l2normKernel) prepareQuant(n *Node, in, out *ir.Tensor) error {
	if err := quantTypeOK(n, in.Type, ir.Int8, ir.Uint8); err != nil {
		return err
	}
	_, inZ, outS, outZ, err := inOutQuant(n, in, out)
	if err != nil {
		return err
	}
	wantZ := int32(0)
	if in.Type == ir.Uint8 {
		wantZ = 128
	}
	if outS != 1.0/128 || outZ != wantZ {
		return fmt.Errorf("%s: output %q must have scale 1/128 and zero point %d, has %v and %d", n.Op.Name(), out.Name, wantZ, outS, outZ)
	}
	r := roundingOf(n.Ctx)
	if in.Type == ir.Int8 {
		k.eval = func(n *Node) error {
			l2normRows(k, ir.AsInt8(n.In[0].Data), ir.AsInt8(n.Out[0].Data), inZ, func(d, m int32, shift int) int32 {
				return min(max(r.MultiplyByQuantizedMultiplier(d, m, shift+7), -128), 127)
			})
			return nil
		}
		return nil
	}
	k.eval = func(n *Node) error {
		l2normRows(k, n.In[0].Data, n.Out[0].Data, inZ, func(d, m int32, shift int) int32 {
			var v int32
			if shift <= 0 {
				v = r.MultiplyByQuantizedMultiplierSmallerThanOneExp(128*d, m, shift)
			} else { // not reached: the inverse square root of a sum >= 1 is at most 1
				v = r.MultiplyByQuantizedMultiplier(128*d, m, shift)
			}
			return min(max(128+v, 0), 255)
		})
		return nil
	}
	return nil
}

// l2normRows normalizes each row of the last dimension; scale maps a
// zero-point-free input, the row's inverse-sqrt multiplier and shift to the
// output integer.
func l2normRows[T int8 | uint8](k *l2normKernel, in, out []T, inZ int32, scale func(d, m int32, shift int) int32) {
	for row := 0; row < k.outer; row++ {
		x, y := in[row*k.depth:(row+1)*k.depth], out[row*k.depth:(row+1)*k.depth]
		var acc int32
		for _, v := range x {
			d := int32(v) - inZ
			acc += d * d
		}
		m, shift := fixedpoint.GetInvSqrtQuantizedMultiplierExp(acc, -1)
		for i, v := range x {
			y[i] = T(scale(int32(v)-inZ, m, shift))
		}
	}
}
