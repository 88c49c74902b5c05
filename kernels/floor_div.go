package kernels

import (
	"math"

	"github.com/liteforge/liteforge/ir"
)

// FLOOR_DIV and FLOOR_MOD with TFLite broadcasting, for float32, int32 and
// int64: the quotient rounded toward negative infinity, and the remainder
// that goes with it (its sign is the divisor's). An integer divisor of zero
// is an error naming the element, as in TFLite; so is a float32 FLOOR_DIV
// divisor of zero, which TFLite rejects as well, while float32 FLOOR_MOD
// gives NaN for it (C's fmod).

func init() {
	Register(ir.FloorDiv, func() Kernel { return &floorDivKernel{} })
	Register(ir.FloorMod, func() Kernel { return &floorDivKernel{} })
}

type floorDivKernel struct {
	walk stridedWalk
	eval func(n *Node) error
}

func (k *floorDivKernel) Prepare(n *Node) error {
	a, _, _, err := prepareSameTypeBinary(n, &k.walk)
	if err != nil {
		return err
	}
	div := n.Op.Type == ir.FloorDiv
	switch a.Type {
	case ir.Float32:
		if div {
			k.eval = walkBinary(&k.walk, ir.AsFloat32, rowOf(floorDivF32), false, 0, 0, nonZero[float32])
		} else {
			k.eval = walkBinary(&k.walk, ir.AsFloat32, rowOf(floorModF32), false, 0, 0, nil)
		}
	case ir.Int32:
		k.eval = floorDivInt(&k.walk, ir.AsInt32, div)
	case ir.Int64:
		k.eval = floorDivInt(&k.walk, ir.AsInt64, div)
	default:
		return unsupported(n, a.Type.String())
	}
	return nil
}

func (k *floorDivKernel) Eval(n *Node) error { return k.eval(n) }

func floorDivInt[T int32 | int64](w *stridedWalk, view func([]byte) []T, div bool) func(n *Node) error {
	if div {
		return walkBinary(w, view, rowOf(floorDivInteger[T]), false, 0, 0, nonZero[T])
	}
	return walkBinary(w, view, rowOf(floorModInteger[T]), false, 0, 0, nonZero[T])
}

// floorDivF32 is TFLite's FloorDiv<float>: the quotient in double, floored,
// rounded to float32.
func floorDivF32(x, y float32) float32 { return float32(math.Floor(float64(x) / float64(y))) }

// floorModF32 is TFLite's FloorMod<float>: C's fmodf (exact), moved into the
// divisor's sign by adding the divisor in float32.
func floorModF32(x, y float32) float32 {
	r := float32(math.Mod(float64(x), float64(y)))
	if r != 0 && (y < 0) != (r < 0) {
		r += y
	}
	return r
}

// floorDivInteger is the exact floor of x/y (y != 0). For int32 it equals
// TFLite's floor of the double quotient, which cannot round across an
// integer; the one overflow, MinInt / -1, wraps to MinInt.
func floorDivInteger[T int32 | int64](x, y T) T {
	q := x / y
	if (x%y != 0) && ((x < 0) != (y < 0)) {
		q--
	}
	return q
}

// floorModInteger is TFLite's FloorMod for integers: C's truncating
// remainder moved into the divisor's sign.
func floorModInteger[T int32 | int64](x, y T) T {
	r := x % y
	if r != 0 && (y < 0) != (r < 0) {
		r += y
	}
	return r
}

// rowOf makes a row kernel (see binary.go) from an element function.
func rowOf[T number](f func(x, y T) T) func(o, a, b []T, sa, sb int) {
	return func(o, a, b []T, sa, sb int) {
		switch {
		case sa == 1 && sb == 1:
			rowVV(o, a, b, f)
		case sa == 1:
			rowVS(o, a, b[0], f)
		default:
			rowSV(o, a[0], b, sb, f)
		}
	}
}
