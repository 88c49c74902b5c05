package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// The quantized binary ops, bit-exact with TFLite's kernels: ADD and SUB
// (int8, uint8, int16 with general scales, and int16's power-of-two path),
// MUL (int8, uint8, int16), SQUARED_DIFFERENCE (int8), MAXIMUM and MINIMUM
// (any integer type, comparing the stored integers as TFLite does).

// quantBinary is the per-element arithmetic the quantized paths chose.
type quantBinary struct {
	f      func(a, b int32) int32 // the output integer before clamping
	lo, hi int32                  // the clamp: fused activation within the type
	// 8-bit ADD and SUB: each input's rescaling onto the common scale as a
	// table indexed by the input's bits, so that an element costs one
	// multiply (the output's) instead of three.
	addSub   *AddSubParams
	sub      bool
	in1, in2 [256]int32
}

func asUint8(b []byte) []uint8 { return b }

// kernelsOf is the interpreter's choice of TFLite kernels (the builtin ones
// when the node has no Context).
func kernelsOf(n *Node) KernelSet {
	if n.Ctx == nil {
		return BuiltinKernels
	}
	return n.Ctx.Kernels
}

// opErr prefixes an error with the op's name.
func opErr(n *Node, err error) error { return fmt.Errorf("%s: %v", n.Op.Name(), err) }

// perTensorQuants reads the per-tensor scale and zero point of each tensor.
func perTensorQuants(n *Node, ts ...*ir.Tensor) (scales []float32, zps []int32, err error) {
	for _, t := range ts {
		s, z, err := PerTensorQuant(t)
		if err != nil {
			return nil, nil, opErr(n, err)
		}
		scales, zps = append(scales, s), append(zps, z)
	}
	return scales, zps, nil
}

// requireZeroPoints enforces TFLite's symmetric int16 quantization.
func requireZeroPoints(n *Node, ts []*ir.Tensor, zps []int32) error {
	for i, z := range zps {
		if z != 0 {
			return fmt.Errorf("%s: int16 tensor %q has zero point %d; TFLite requires 0", n.Op.Name(), ts[i].Name, z)
		}
	}
	return nil
}

// prepareQuant sets up the int8/uint8/int16 paths.
func (k *binaryKernel) prepareQuant(n *Node, a, b, out *ir.Tensor, act ir.Activation) error {
	switch n.Op.Type {
	case ir.Maximum, ir.Minimum:
		switch a.Type {
		case ir.Int8:
			k.eval = walkBinary(&k.walk, ir.AsInt8, rawMinMaxRow[int8](n.Op.Type), false, 0, 0, nil)
		case ir.Uint8:
			k.eval = walkBinary(&k.walk, asUint8, rawMinMaxRow[uint8](n.Op.Type), false, 0, 0, nil)
		case ir.Int16:
			k.eval = walkBinary(&k.walk, ir.AsInt16, rawMinMaxRow[int16](n.Op.Type), false, 0, 0, nil)
		}
		return nil
	case ir.Add, ir.Sub, ir.Mul:
	case ir.SquaredDifference:
		if a.Type != ir.Int8 {
			return unsupported(n, a.Type.String()) // TFLite has int8 only
		}
	default:
		return unsupported(n, a.Type.String())
	}
	ts := []*ir.Tensor{a, b, out}
	scales, zps, err := perTensorQuants(n, ts...)
	if err != nil {
		return err
	}
	if a.Type == ir.Int16 {
		if err := requireZeroPoints(n, ts, zps); err != nil {
			return err
		}
	}
	r := roundingOf(n.Ctx)
	q := &k.q
	if q.lo, q.hi, err = ActivationRangeQuantized(act, out.Type, scales[2], zps[2]); err != nil {
		return opErr(n, err)
	}
	if kernelsOf(n) == XNNPACKKernels && a.Type != ir.Int16 && n.Op.Type != ir.SquaredDifference &&
		k.prepareQuantXNN(n, a, scales, zps) {
		return nil
	}
	switch n.Op.Type {
	case ir.Add, ir.Sub:
		if q.f, q.addSub, err = addSubQuant(n, r, out.Type, scales, zps); err != nil {
			return err
		}
		if q.addSub != nil && a.Type != ir.Int16 {
			q.sub = n.Op.Type == ir.Sub
			for v := range 256 {
				x := int32(v)
				if a.Type == ir.Int8 {
					x = int32(int8(v))
				}
				q.in1[v], q.in2[v] = q.addSub.scaledInputs(x, x)
			}
			if a.Type == ir.Int8 {
				k.eval = walkAddSub8(&k.walk, ir.AsInt8, q)
			} else {
				k.eval = walkAddSub8(&k.walk, asUint8, q)
			}
			return nil
		}
	case ir.Mul:
		m, shift, err := Float32Multiplier(r, scales[0], scales[1], scales[2])
		if err != nil {
			return opErr(n, err)
		}
		z1, z2, zo := zps[0], zps[1], zps[2]
		q.f = func(x, y int32) int32 {
			return zo + r.MultiplyByQuantizedMultiplier((x-z1)*(y-z2), m, shift)
		}
	case ir.SquaredDifference:
		if q.f, err = squaredDifferenceInt8(r, scales, zps); err != nil {
			return opErr(n, err)
		}
		q.lo, q.hi = -128, 127 // no fused activation
	}
	switch a.Type {
	case ir.Int8:
		k.eval = walkQuantBinary(&k.walk, ir.AsInt8, q)
	case ir.Uint8:
		k.eval = walkQuantBinary(&k.walk, asUint8, q)
	case ir.Int16:
		k.eval = walkQuantBinary(&k.walk, ir.AsInt16, q)
	}
	return nil
}

// addSubQuant picks ADD's or SUB's integer arithmetic: TFLite's power-of-two
// int16 path when the op asks for it and every scale is a power of two, the
// general rescaling otherwise.
// It also returns the general path's parameters (nil for the power-of-two
// path).
func addSubQuant(n *Node, r fixedpoint.Rounding, dt ir.DataType, scales []float32, zps []int32) (func(a, b int32) int32, *AddSubParams, error) {
	sub := n.Op.Type == ir.Sub
	if dt == ir.Int16 && potScaleInt16(n.Op) {
		f, err := potInt16AddSub(sub, scales)
		if err == nil {
			return f, nil, nil
		}
		if err != errNotPOT {
			return nil, nil, opErr(n, err)
		}
	}
	p, err := NewAddSubParams(r, dt, scales[0], zps[0], scales[1], zps[1], scales[2], zps[2])
	if err != nil {
		return nil, nil, opErr(n, err)
	}
	if sub {
		return p.Sub, &p, nil
	}
	return p.Add, &p, nil
}

// potScaleInt16 is ADD's and SUB's pot_scale_int16 option (absent options
// mean the general path, as TFLite's null params do).
func potScaleInt16(op *ir.Op) bool {
	switch o := op.Options.(type) {
	case *ir.AddOptions:
		return o.PotScaleInt16
	case *ir.SubOptions:
		return o.PotScaleInt16
	}
	return false
}

var errNotPOT = fmt.Errorf("scales are not powers of two")

// potInt16AddSub is TFLite's int16 ADD/SUB for power-of-two scales (the LSTM
// case): the input whose scale is finer than the output's is shifted right
// with rounding, then the two are added (subtracted) with int16 saturation.
// It returns errNotPOT when a scale is not a power of two, and TFLite then
// takes the general path.
func potInt16AddSub(sub bool, scales []float32) (func(a, b int32) int32, error) {
	var log2 [3]int
	for i, s := range scales {
		l, ok := fixedpoint.CheckedLog2(s)
		if !ok {
			return nil, errNotPOT
		}
		log2[i] = l
	}
	shift1, shift2 := log2[0]-log2[2], log2[1]-log2[2]
	if shift1 != 0 && shift2 != 0 || shift1 > 0 || shift2 > 0 {
		return nil, fmt.Errorf("power-of-two int16 path needs one input on the output scale and the other finer (scale exponents %d, %d, output %d)", log2[0], log2[1], log2[2])
	}
	if shift1 < -15 || shift2 < -15 {
		return nil, fmt.Errorf("power-of-two int16 path cannot shift an input right by more than 15 bits (scale exponents %d, %d, output %d)", log2[0], log2[1], log2[2])
	}
	rdbp := func(x int32, s int) int32 { return int32(fixedpoint.RoundingDivideByPOT16(int16(x), -s)) }
	switch {
	case !sub:
		return func(a, b int32) int32 {
			return int32(fixedpoint.SaturatingAdd16(int16(rdbp(a, shift1)), int16(rdbp(b, shift2))))
		}, nil
	case shift1 == 0:
		return func(a, b int32) int32 {
			return int32(fixedpoint.SaturatingSub16(int16(a), int16(rdbp(b, shift2))))
		}, nil
	}
	return func(a, b int32) int32 {
		return int32(fixedpoint.SaturatingSub16(int16(rdbp(a, shift1)), int16(b)))
	}, nil
}

// squaredDifferenceInt8 is TFLite's int8 SQUARED_DIFFERENCE: like ADD's
// general path with a left shift of 7, then the difference squared and
// scaled by (2·max input scale)²/(2^14·output scale).
func squaredDifferenceInt8(r fixedpoint.Rounding, scales []float32, zps []int32) (func(a, b int32) int32, error) {
	const leftShift = 7
	twiceMax := float64(2 * max(scales[0], scales[1]))
	m1, s1, err := r.QuantizeMultiplierSmallerThanOneExp(float64(scales[0]) / twiceMax)
	if err != nil {
		return nil, fmt.Errorf("input 1 multiplier: %v", err)
	}
	m2, s2, err := r.QuantizeMultiplierSmallerThanOneExp(float64(scales[1]) / twiceMax)
	if err != nil {
		return nil, fmt.Errorf("input 2 multiplier: %v", err)
	}
	realOut := twiceMax * twiceMax / float64(float32(1<<(2*leftShift))*scales[2])
	mo, so, err := r.QuantizeMultiplierSmallerThanOneExp(realOut)
	if err != nil {
		return nil, fmt.Errorf("output multiplier (output scale %v against input scales %v, %v): %v", scales[2], scales[0], scales[1], err)
	}
	z1, z2, zo := zps[0], zps[1], zps[2]
	return func(a, b int32) int32 {
		x := r.MultiplyByQuantizedMultiplierSmallerThanOneExp((a-z1)<<leftShift, m1, s1)
		y := r.MultiplyByQuantizedMultiplierSmallerThanOneExp((b-z2)<<leftShift, m2, s2)
		d := x - y
		return r.MultiplyByQuantizedMultiplierSmallerThanOneExp(d*d, mo, so) + zo
	}, nil
}

// walkQuantBinary returns an Eval applying q along every broadcast row.
func walkQuantBinary[T int8 | uint8 | int16](w *stridedWalk, view func([]byte) []T, q *quantBinary) func(n *Node) error {
	return func(n *Node) error {
		a, b, o := view(n.In[0].Data), view(n.In[1].Data), view(n.Out[0].Data)
		f, lo, hi := q.f, q.lo, q.hi
		w.rows(func(oi, ai, bi int) {
			r := o[oi : oi+w.inner]
			x, y := a[ai:], b[bi:]
			sa, sb := w.innerA, w.innerB
			for i := range r {
				v := f(int32(x[i*sa]), int32(y[i*sb]))
				r[i] = T(min(max(v, lo), hi))
			}
		})
		return nil
	}
}

// walkAddSub8 is 8-bit ADD/SUB through the input tables: the same integers
// as AddSubParams.Add and Sub, with the inputs' rescaling looked up.
func walkAddSub8[T int8 | uint8](w *stridedWalk, view func([]byte) []T, q *quantBinary) func(n *Node) error {
	return func(n *Node) error {
		a, b, o := view(n.In[0].Data), view(n.In[1].Data), view(n.Out[0].Data)
		p, lo, hi := q.addSub, q.lo, q.hi
		r, m, s, z := p.Rounding, p.OutputMultiplier, p.OutputShift, p.OutputOffset
		t1, t2 := &q.in1, &q.in2
		sign := int32(1)
		if q.sub {
			sign = -1
		}
		single := r == fixedpoint.SingleRounding
		w.rows(func(oi, ai, bi int) {
			out := o[oi : oi+w.inner]
			x, y := a[ai:], b[bi:]
			sa, sb := w.innerA, w.innerB
			// One loop per rounding, so that the multiply inlines.
			if single {
				for i := range out {
					v := fixedpoint.MultiplyByQuantizedMultiplierSingleRounding(t1[uint8(x[i*sa])]+sign*t2[uint8(y[i*sb])], m, s) + z
					out[i] = T(min(max(v, lo), hi))
				}
				return
			}
			for i := range out {
				v := fixedpoint.MultiplyByQuantizedMultiplier(t1[uint8(x[i*sa])]+sign*t2[uint8(y[i*sb])], m, s) + z
				out[i] = T(min(max(v, lo), hi))
			}
		})
		return nil
	}
}

func rawMinMaxRow[T number](op ir.OpType) func(o, a, b []T, sa, sb int) {
	if op == ir.Maximum {
		return maximumRow[T]
	}
	return minimumRow[T]
}
