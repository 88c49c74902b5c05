package kernels

import (
	"math"

	"github.com/liteforge/liteforge/ir"
)

// FLOOR, CEIL, ROUND, SIN, COS (float32) and SIGN (float32, int32).
// FLOOR, CEIL and ROUND are exact; SIN and COS are computed in float64 and
// rounded once, which C's sinf and cosf aim for (compare with a tolerance).

func init() {
	for _, t := range []ir.OpType{ir.Floor, ir.Ceil, ir.Round, ir.Sin, ir.Cos, ir.Sign} {
		Register(t, func() Kernel { return &unaryKernel{prepare: prepareRounding} })
	}
}

func prepareRounding(k *unaryKernel, n *Node, in, out *ir.Tensor) error {
	if err := sameType(n, in, out); err != nil {
		return err
	}
	if n.Op.Type == ir.Sign {
		switch in.Type {
		case ir.Float32:
			k.eval = mapFloat32(sign[float32])
			return nil
		case ir.Int32:
			k.eval = mapInts(ir.AsInt32, sign[int32])
			return nil
		}
		return unsupported(n, in.Type.String())
	}
	if in.Type != ir.Float32 {
		return unsupported(n, in.Type.String())
	}
	switch n.Op.Type {
	case ir.Floor:
		k.eval = mapFloat32(func(x float32) float32 { return float32(math.Floor(float64(x))) })
	case ir.Ceil:
		k.eval = mapFloat32(func(x float32) float32 { return float32(math.Ceil(float64(x))) })
	case ir.Round:
		if n.Ctx.Kernels == ReferenceKernels {
			k.eval = mapFloat32(roundHalfEvenReference)
		} else {
			k.eval = mapFloat32(func(x float32) float32 { return float32(math.RoundToEven(float64(x))) })
		}
	case ir.Sin:
		k.eval = mapFloat32(func(x float32) float32 { return float32(math.Sin(float64(x))) })
	case ir.Cos:
		k.eval = mapFloat32(func(x float32) float32 { return float32(math.Cos(float64(x))) })
	}
	return nil
}

// roundHalfEvenReference is the ROUND of TFLite's reference kernels
// (RoundToNearest): halves go to the even neighbour, computed from the floor,
// which makes the zeros it returns positive (-0.4 gives +0). TFLite's builtin
// kernel rounds the same but keeps the sign (-0.4 gives -0), as
// math.RoundToEven does; the two differ in nothing else.
func roundHalfEvenReference(x float32) float32 {
	f := float32(math.Floor(float64(x)))
	d := x - f
	if d < 0.5 || (d == 0.5 && math.Mod(float64(f), 2) == 0) {
		return f
	}
	return f + 1
}

// sign is TFLite's SIGN: 1, -1, or 0 for zero and NaN.
func sign[T float32 | int32](x T) T {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
