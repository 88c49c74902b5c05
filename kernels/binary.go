package kernels

import (
	"fmt"
	"math"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// Elementwise binary ops with TFLite broadcasting: ADD, SUB, MUL, DIV,
// SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, POW. Float and plain-integer paths
// are here; the quantized ones are in binary_quant.go.

func init() {
	for _, t := range []ir.OpType{ir.Add, ir.Sub, ir.Mul, ir.Div, ir.SquaredDifference, ir.Maximum, ir.Minimum, ir.Pow} {
		Register(t, func() Kernel { return &binaryKernel{} })
	}
}

// number is the element types the plain (not requantizing) paths compute in.
type number interface {
	~float32 | ~int32 | ~int64 | ~int8 | ~uint8 | ~int16
}

// binaryKernel evaluates one binary op; Prepare picks eval for the dtypes.
type binaryKernel struct {
	walk stridedWalk
	eval func(n *Node) error
	q    quantBinary // the quantized paths' parameters
}

// checkBinaryIO checks the input/output counts of a two-input op and that the
// output shape is the broadcast of the inputs' shapes.
func checkBinaryIO(n *Node) (a, b, out *ir.Tensor, err error) {
	a, b = n.Input(0), n.Input(1)
	if a == nil || b == nil || len(n.Out) < 1 || n.Out[0] == nil {
		return nil, nil, nil, fmt.Errorf("%s needs 2 inputs and 1 output", n.Op.Name())
	}
	out = n.Out[0]
	want, err := ir.BroadcastShapes(a.Shape, b.Shape)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %v", n.Op.Name(), err)
	}
	if !sameShape(want, out.Shape) {
		return nil, nil, nil, fmt.Errorf("%s: output shape %v, want %v (the broadcast of %v and %v)", n.Op.Name(), out.Shape, want, a.Shape, b.Shape)
	}
	return a, b, out, nil
}

func sameShape(a, b []int) bool { return slices.Equal(a, b) }

// prepareSameTypeBinary checks a two-input op whose inputs and output share
// one type, and plans w, its broadcast walk.
func prepareSameTypeBinary(n *Node, w *stridedWalk) (a, b, out *ir.Tensor, err error) {
	a, b, out, err = checkBinaryIO(n)
	if err != nil {
		return nil, nil, nil, err
	}
	if a.Type != b.Type || out.Type != a.Type {
		return nil, nil, nil, unsupported(n, fmt.Sprintf("input types %v, %v with output type %v", a.Type, b.Type, out.Type))
	}
	if err := w.init(out.Shape, a.Shape, b.Shape); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %v", n.Op.Name(), err)
	}
	return a, b, out, nil
}

func (k *binaryKernel) Prepare(n *Node) error {
	a, b, out, err := prepareSameTypeBinary(n, &k.walk)
	if err != nil {
		return err
	}
	act := ir.OutputActivationOf(n.Op.Options)
	switch a.Type {
	case ir.Float32:
		return k.prepareFloat(n, act)
	case ir.Int32:
		return prepareInt(k, n, act, ir.AsInt32, math.MinInt32, math.MaxInt32)
	case ir.Int64:
		return prepareInt(k, n, act, ir.AsInt64, math.MinInt64, math.MaxInt64)
	case ir.Int8, ir.Uint8, ir.Int16:
		return k.prepareQuant(n, a, b, out, act)
	}
	return unsupported(n, a.Type.String())
}

func (k *binaryKernel) Eval(n *Node) error { return k.eval(n) }

func (k *binaryKernel) prepareFloat(n *Node, act ir.Activation) error {
	lo, hi, err := activationRange(act)
	if err != nil {
		return fmt.Errorf("%s: %v", n.Op.Name(), err)
	}
	clamp := act != ir.ActNone
	var row func(o, a, b []float32, sa, sb int)
	switch n.Op.Type {
	case ir.Add:
		row = addRow[float32]
	case ir.Sub:
		row = subRow[float32]
	case ir.Mul:
		row = mulRow[float32]
	case ir.Div:
		row = divRow[float32]
	case ir.SquaredDifference:
		row = squaredDifferenceRow[float32]
	case ir.Maximum:
		row = maximumRow[float32]
	case ir.Minimum:
		row = minimumRow[float32]
	case ir.Pow:
		row = powRowF32
	default:
		return unsupported(n, "float32")
	}
	k.eval = walkBinary(&k.walk, ir.AsFloat32, row, clamp, lo, hi, nil)
	return nil
}

// prepareInt sets up the int32/int64 paths. TFLite has ADD, SUB, MUL,
// MAXIMUM, MINIMUM for both, and DIV, SQUARED_DIFFERENCE, POW for int32.
func prepareInt[T int32 | int64](k *binaryKernel, n *Node, act ir.Activation, view func([]byte) []T, tmin, tmax T) error {
	lo, hi, err := activationRangeInt(act, tmin, tmax)
	if err != nil {
		return fmt.Errorf("%s: %v", n.Op.Name(), err)
	}
	clamp := act != ir.ActNone
	is32 := tmax == math.MaxInt32
	var row func(o, a, b []T, sa, sb int)
	var check func(b []T) error
	switch {
	case n.Op.Type == ir.Add:
		row = addRow[T]
	case n.Op.Type == ir.Sub:
		row = subRow[T]
	case n.Op.Type == ir.Mul:
		row = mulRow[T]
	case n.Op.Type == ir.Maximum:
		row = maximumRow[T]
	case n.Op.Type == ir.Minimum:
		row = minimumRow[T]
	case n.Op.Type == ir.Div && is32:
		row, check = divRow[T], nonZero[T]
	case n.Op.Type == ir.SquaredDifference && is32:
		row = squaredDifferenceRow[T]
	case n.Op.Type == ir.Pow && is32:
		row, check = powRowInt[T], nonNegative[T]
	default:
		return unsupported(n, n.Input(0).Type.String())
	}
	k.eval = walkBinary(&k.walk, view, row, clamp, lo, hi, check)
	return nil
}

// activationRangeInt is TFLite's CalculateActivationRange for an integer type.
func activationRangeInt[T int32 | int64](a ir.Activation, tmin, tmax T) (lo, hi T, err error) {
	switch a {
	case ir.ActNone:
		return tmin, tmax, nil
	case ir.ActRelu:
		return 0, tmax, nil
	case ir.ActRelu6:
		return 0, 6, nil
	case ir.ActReluN1To1:
		return -1, 1, nil
	}
	return 0, 0, fmt.Errorf("fused activation %v is not supported", a)
}

// walkBinary returns an Eval that applies row along every broadcast row,
// then clamps to [lo, hi] when clamp is set. check, when set, validates the
// second input first (DIV's zero divisors, POW's negative exponents).
func walkBinary[T number](w *stridedWalk, view func([]byte) []T, row func(o, a, b []T, sa, sb int), clamp bool, lo, hi T, check func(b []T) error) func(n *Node) error {
	return func(n *Node) error {
		a, b, o := view(n.In[0].Data), view(n.In[1].Data), view(n.Out[0].Data)
		if check != nil {
			if err := check(b); err != nil {
				return fmt.Errorf("%s: %v", n.Op.Name(), err)
			}
		}
		w.rows(func(oi, ai, bi int) {
			r := o[oi : oi+w.inner]
			row(r, a[ai:], b[bi:], w.innerA, w.innerB)
			if clamp {
				clampRow(r, lo, hi)
			}
		})
		return nil
	}
}

// clampRow clamps to [lo, hi] like TFLite's std::min(std::max(x, lo), hi),
// which leaves NaN alone. (Go's min and max builtins handle NaN and signed
// zeros specially and cost several times more on floats.)
func clampRow[T number](v []T, lo, hi T) {
	for i, x := range v {
		if x < lo {
			v[i] = lo
		} else if x > hi {
			v[i] = hi
		}
	}
}

func nonZero[T float32 | int32 | int64](b []T) error {
	for i, x := range b {
		if x == 0 {
			return fmt.Errorf("division by zero (divisor element %d)", i)
		}
	}
	return nil
}

func nonNegative[T int32 | int64](b []T) error {
	for i, x := range b {
		if x < 0 {
			return fmt.Errorf("negative integer exponent %d (element %d)", x, i)
		}
	}
	return nil
}

// Row kernels. A row has len(o) elements; an operand's stride along it is 1
// (it varies) or 0 (it is broadcast). Each op has its own small function so
// that the compiler inlines the element function into the three loops.

func rowVV[T any](o, a, b []T, f func(x, y T) T) {
	a, b = a[:len(o)], b[:len(o)]
	for i := range o {
		o[i] = f(a[i], b[i])
	}
}

func rowVS[T any](o, a []T, y T, f func(x, y T) T) {
	a = a[:len(o)]
	for i := range o {
		o[i] = f(a[i], y)
	}
}

func rowSV[T any](o []T, x T, b []T, sb int, f func(x, y T) T) {
	if sb == 0 { // a single element: both operands broadcast
		o[0] = f(x, b[0])
		return
	}
	b = b[:len(o)]
	for i := range o {
		o[i] = f(x, b[i])
	}
}

func addRow[T number](o, a, b []T, sa, sb int) {
	f := func(x, y T) T { return x + y }
	switch {
	case sa == 1 && sb == 1:
		rowVV(o, a, b, f)
	case sa == 1:
		rowVS(o, a, b[0], f)
	default:
		rowSV(o, a[0], b, sb, f)
	}
}

func subRow[T number](o, a, b []T, sa, sb int) {
	f := func(x, y T) T { return x - y }
	switch {
	case sa == 1 && sb == 1:
		rowVV(o, a, b, f)
	case sa == 1:
		rowVS(o, a, b[0], f)
	default:
		rowSV(o, a[0], b, sb, f)
	}
}

func mulRow[T number](o, a, b []T, sa, sb int) {
	f := func(x, y T) T { return x * y }
	switch {
	case sa == 1 && sb == 1:
		rowVV(o, a, b, f)
	case sa == 1:
		rowVS(o, a, b[0], f)
	default:
		rowSV(o, a[0], b, sb, f)
	}
}

func divRow[T number](o, a, b []T, sa, sb int) {
	f := func(x, y T) T { return x / y }
	switch {
	case sa == 1 && sb == 1:
		rowVV(o, a, b, f)
	case sa == 1:
		rowVS(o, a, b[0], f)
	default:
		rowSV(o, a[0], b, sb, f)
	}
}

func squaredDifferenceRow[T number](o, a, b []T, sa, sb int) {
	f := func(x, y T) T { d := x - y; return d * d }
	switch {
	case sa == 1 && sb == 1:
		rowVV(o, a, b, f)
	case sa == 1:
		rowVS(o, a, b[0], f)
	default:
		rowSV(o, a[0], b, sb, f)
	}
}

// maximumRow and minimumRow follow TFLite's el1 > el2 ? el1 : el2, which
// returns the second operand when the first is NaN.
func maximumRow[T number](o, a, b []T, sa, sb int) {
	f := func(x, y T) T {
		if x > y {
			return x
		}
		return y
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

func minimumRow[T number](o, a, b []T, sa, sb int) {
	f := func(x, y T) T {
		if x < y {
			return x
		}
		return y
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

// powRowF32 is C's powf, computed in double and rounded once.
func powRowF32(o, a, b []float32, sa, sb int) {
	for i := range o {
		o[i] = float32(math.Pow(float64(a[i*sa]), float64(b[i*sb])))
	}
}

// powRowInt is TFLite's std::pow on int32 operands: the double result,
// truncated; results beyond the type saturate.
func powRowInt[T int32 | int64](o, a, b []T, sa, sb int) {
	for i := range o {
		p := math.Pow(float64(a[i*sa]), float64(b[i*sb]))
		o[i] = T(max(min(p, math.MaxInt32), math.MinInt32))
	}
}
