package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL with TFLite
// broadcasting; the output is bool (one byte, 0 or 1). float32, int16, int32
// and int64 compare their values (TFLite compares int16 raw, without its
// quantization). 8-bit inputs go through a 256-entry table per input: bool
// maps to 0/1, plain uint8/int8 to their values, and quantized uint8/int8 to
// TFLite's rescaled value ((q - zero point) << 8 times the input's scale as a
// quantized multiplier), so that comparing two table entries is exactly
// TFLite's comparisons.cc.

func init() {
	for _, t := range []ir.OpType{ir.Equal, ir.NotEqual, ir.Less, ir.LessEqual, ir.Greater, ir.GreaterEqual} {
		Register(t, func() Kernel { return &compareKernel{} })
	}
}

// cmpOp is a comparison; rows switch on it once per row, not per element.
type cmpOp int

const (
	cmpEqual cmpOp = iota
	cmpNotEqual
	cmpLess
	cmpLessEqual
	cmpGreater
	cmpGreaterEqual
)

func compareOf(t ir.OpType) cmpOp {
	switch t {
	case ir.NotEqual:
		return cmpNotEqual
	case ir.Less:
		return cmpLess
	case ir.LessEqual:
		return cmpLessEqual
	case ir.Greater:
		return cmpGreater
	case ir.GreaterEqual:
		return cmpGreaterEqual
	}
	return cmpEqual
}

type compareKernel struct {
	walk stridedWalk
	op   cmpOp
	eval func(n *Node) error
	lutA [256]int32 // 8-bit inputs: the value each byte of input 1 compares as
	lutB [256]int32 // and of input 2
}

func (k *compareKernel) Prepare(n *Node) error {
	a, b, out, err := checkBinaryIO(n)
	if err != nil {
		return err
	}
	if a.Type != b.Type {
		return unsupported(n, fmt.Sprintf("inputs of different types (%v and %v)", a.Type, b.Type))
	}
	if out.Type != ir.Bool {
		return unsupported(n, fmt.Sprintf("output type %v (it must be bool)", out.Type))
	}
	if err := k.walk.init(out.Shape, a.Shape, b.Shape); err != nil {
		return fmt.Errorf("%s: %v", n.Op.Name(), err)
	}
	k.op = compareOf(n.Op.Type)
	switch a.Type {
	case ir.Float32:
		k.eval = walkCompare(&k.walk, k.op, ir.AsFloat32)
	case ir.Int32:
		k.eval = walkCompare(&k.walk, k.op, ir.AsInt32)
	case ir.Int64:
		k.eval = walkCompare(&k.walk, k.op, ir.AsInt64)
	case ir.Int16:
		if !sameQuantization(a, b) {
			n.Ctx.Warn("%s (op %d): int16 inputs %q (%s) and %q (%s) are compared as raw integers, as TFLite does, although their quantization differs",
				n.Op.Name(), n.Index, a.Name, quantString(a), b.Name, quantString(b))
		}
		k.eval = walkCompare(&k.walk, k.op, ir.AsInt16)
	case ir.Bool:
		if k.op != cmpEqual && k.op != cmpNotEqual {
			return unsupported(n, "bool inputs (only EQUAL and NOT_EQUAL compare them)")
		}
		fillBoolTable(&k.lutA)
		fillBoolTable(&k.lutB)
		k.eval = k.eval8
	case ir.Uint8, ir.Int8:
		if err := k.prepare8(n, a, b); err != nil {
			return err
		}
		k.eval = k.eval8
	default:
		return unsupported(n, a.Type.String())
	}
	return nil
}

func (k *compareKernel) Eval(n *Node) error { return k.eval(n) }

// prepare8 fills the tables of uint8/int8 inputs: both quantized (TFLite's
// rescaling) or both plain (their integer values).
func (k *compareKernel) prepare8(n *Node, a, b *ir.Tensor) error {
	qa, qb := a.Quant.Quantized(), b.Quant.Quantized()
	if qa != qb {
		return fmt.Errorf("%s: input %q is %s but input %q %s; both or neither must be quantized", n.Op.Name(), a.Name, quantString(a), b.Name, quantString(b))
	}
	signed := a.Type == ir.Int8
	if !qa {
		for v := range 256 {
			k.lutA[v] = rawByteValue(byte(v), signed)
		}
		k.lutB = k.lutA
		return nil
	}
	for i, t := range []*ir.Tensor{a, b} {
		lut := &k.lutA
		if i == 1 {
			lut = &k.lutB
		}
		if err := fillCompareTable(n, t, signed, lut); err != nil {
			return err
		}
	}
	return nil
}

// compareLeftShift is the headroom TFLite gives the offset values before
// scaling them (ComparisonParams.left_shift).
const compareLeftShift = 8

// fillCompareTable sets lut[q] to TFLite's rescaled value of the quantized
// byte q: ((q - zero point) << 8) times the input scale, quantized as a
// multiplier the way comparisons.cc does (QuantizeMultiplierSmallerThanOneExp
// below 1, QuantizeMultiplierGreaterThanOne from 1 up). TFLite then applies
// MultiplyByQuantizedMultiplierSmallerThanOneExp, which is undefined for a
// left shift (a scale of 1 or more); there liteforge applies the general
// MultiplyByQuantizedMultiplier, the value TFLite means, and warns.
func fillCompareTable(n *Node, t *ir.Tensor, signed bool, lut *[256]int32) error {
	scale, zp, err := PerTensorQuant(t)
	if err != nil {
		return fmt.Errorf("%s: %v", n.Op.Name(), err)
	}
	r := n.Ctx.Rounding
	var mult int32
	var shift int
	if scale < 1 {
		mult, shift, err = r.QuantizeMultiplierSmallerThanOneExp(float64(scale))
	} else {
		mult, shift, err = r.QuantizeMultiplier(float64(scale))
		n.Ctx.Warn("%s (op %d): input %q has scale %g >= 1, for which TFLite's quantized comparison is undefined; liteforge compares the rescaled values", n.Op.Name(), n.Index, t.Name, scale)
	}
	if err != nil {
		return fmt.Errorf("%s: input %q scale %v: %v", n.Op.Name(), t.Name, scale, err)
	}
	for v := range 256 {
		x := (rawByteValue(byte(v), signed) - zp) * (1 << compareLeftShift)
		lut[v] = r.MultiplyByQuantizedMultiplier(x, mult, shift)
	}
	return nil
}

// rawByteValue is the integer a byte of a uint8 or int8 tensor holds.
func rawByteValue(b byte, signed bool) int32 {
	if signed {
		return int32(int8(b))
	}
	return int32(b)
}

// fillBoolTable maps a bool byte to 0 or 1 (any nonzero byte is true).
func fillBoolTable(lut *[256]int32) {
	for v := range lut {
		lut[v] = 0
		if v != 0 {
			lut[v] = 1
		}
	}
}

func (k *compareKernel) eval8(n *Node) error {
	a, b, o := n.In[0].Data, n.In[1].Data, n.Out[0].Data
	w := &k.walk
	w.rows(func(oi, ai, bi int) {
		compareRowLUT(k.op, o[oi:oi+w.inner], a[ai:], b[bi:], w.innerA, w.innerB, &k.lutA, &k.lutB)
	})
	return nil
}

// ordered is the element types the plain comparisons handle.
type ordered interface {
	~float32 | ~int16 | ~int32 | ~int64
}

// walkCompare returns an Eval comparing two inputs of a plain type.
func walkCompare[T ordered](w *stridedWalk, op cmpOp, view func([]byte) []T) func(n *Node) error {
	return func(n *Node) error {
		a, b, o := view(n.In[0].Data), view(n.In[1].Data), n.Out[0].Data
		w.rows(func(oi, ai, bi int) {
			compareRow(op, o[oi:oi+w.inner], a[ai:], b[bi:], w.innerA, w.innerB)
		})
		return nil
	}
}

// b2u is a bool as the byte TFLite stores.
func b2u(c bool) byte {
	if c {
		return 1
	}
	return 0
}

// compareRow compares one row; sa and sb are the operands' strides (0 or 1).
// IEEE comparisons make every ordered comparison with NaN false and
// NOT_EQUAL true, as in C.
func compareRow[T ordered](op cmpOp, o []byte, a, b []T, sa, sb int) {
	switch op {
	case cmpEqual:
		for i := range o {
			o[i] = b2u(a[i*sa] == b[i*sb])
		}
	case cmpNotEqual:
		for i := range o {
			o[i] = b2u(a[i*sa] != b[i*sb])
		}
	case cmpLess:
		for i := range o {
			o[i] = b2u(a[i*sa] < b[i*sb])
		}
	case cmpLessEqual:
		for i := range o {
			o[i] = b2u(a[i*sa] <= b[i*sb])
		}
	case cmpGreater:
		for i := range o {
			o[i] = b2u(a[i*sa] > b[i*sb])
		}
	case cmpGreaterEqual:
		for i := range o {
			o[i] = b2u(a[i*sa] >= b[i*sb])
		}
	}
}

// compareRowLUT compares one row of 8-bit inputs through their tables.
func compareRowLUT(op cmpOp, o, a, b []byte, sa, sb int, ta, tb *[256]int32) {
	switch op {
	case cmpEqual:
		for i := range o {
			o[i] = b2u(ta[a[i*sa]] == tb[b[i*sb]])
		}
	case cmpNotEqual:
		for i := range o {
			o[i] = b2u(ta[a[i*sa]] != tb[b[i*sb]])
		}
	case cmpLess:
		for i := range o {
			o[i] = b2u(ta[a[i*sa]] < tb[b[i*sb]])
		}
	case cmpLessEqual:
		for i := range o {
			o[i] = b2u(ta[a[i*sa]] <= tb[b[i*sb]])
		}
	case cmpGreater:
		for i := range o {
			o[i] = b2u(ta[a[i*sa]] > tb[b[i*sb]])
		}
	case cmpGreaterEqual:
		for i := range o {
			o[i] = b2u(ta[a[i*sa]] >= tb[b[i*sb]])
		}
	}
}
