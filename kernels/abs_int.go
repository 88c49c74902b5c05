package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// prepareAbsInt is ABS on int8 and int16, as TFLite's elementwise.cc: a
// quantized input gives |q - input zero point|, rescaled by input/output
// scale (MultiplyByQuantizedMultiplier) when the scales differ, plus the
// output zero point, clamped to the type; an unquantized int16 takes the
// plain absolute value, with -32768 staying -32768 as in C.
func prepareAbsInt(k *unaryKernel, n *Node, in, out *ir.Tensor) error {
	if in.Type == ir.Int16 && !in.Quant.Quantized() {
		k.eval = mapInts(ir.AsInt16, func(x int16) int16 { return int16(max(int32(x), -int32(x))) })
		return nil
	}
	inS, inZ, outS, outZ, err := inOutQuant(n, in, out)
	if err != nil {
		return err
	}
	lo, hi, err := QuantRange(in.Type)
	if err != nil {
		return fmt.Errorf("%s: %v", n.Op.Name(), err)
	}
	if inS == outS {
		k.setElementwise(in.Type, func(x int32) int32 { return min(max(absInt32(x-inZ)+outZ, lo), hi) })
		return nil
	}
	r := n.Ctx.Rounding
	mult, shift, err := r.QuantizeMultiplier(float64(inS / outS)) // the ratio in float32, as TFLite divides
	if err != nil {
		return fmt.Errorf("%s: input scale %g over output scale %g: %v", n.Op.Name(), inS, outS, err)
	}
	k.setElementwise(in.Type, func(x int32) int32 {
		return min(max(r.MultiplyByQuantizedMultiplier(absInt32(x-inZ), mult, shift)+outZ, lo), hi)
	})
	return nil
}

func absInt32(x int32) int32 { return max(x, -x) }
