package onnx

import (
	"fmt"
	"math"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// Elementwise ops: they work in whatever physical order their operands come
// in, so they keep channels-last values channels-last.

func init() {
	register(handler{conv: convUnary}, "Relu", "Sigmoid", "Tanh", "Abs", "Neg", "Sqrt", "Exp", "Log",
		"Floor", "Ceil", "Round", "Sin", "Cos", "Not", "Sign", "HardSwish")
	register(handler{conv: convBinary}, "Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater",
		"LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor")
	register(handler{conv: convVariadic}, "Max", "Min", "Sum", "Mean")
	register(handler{conv: convReciprocal}, "Reciprocal")
	register(handler{conv: convWhere}, "Where")
	register(handler{conv: convLeakyRelu}, "LeakyRelu")
	register(handler{conv: convPRelu}, "PRelu")
	register(handler{conv: convElu}, "Elu")
	register(handler{conv: convSelu}, "Selu")
	register(handler{conv: convHardSigmoid}, "HardSigmoid")
	register(handler{conv: convGelu, check: checkGelu}, "Gelu")
	register(handler{conv: convClip}, "Clip")
	register(handler{conv: convIdentity}, "Identity")
	register(handler{conv: convIdentity, check: checkDropout}, "Dropout")
}

var unaryOps = map[string]ir.OpType{
	"Relu": ir.Relu, "Sigmoid": ir.Logistic, "Tanh": ir.Tanh, "Abs": ir.Abs, "Neg": ir.Neg, "Sqrt": ir.Sqrt,
	"Exp": ir.Exp, "Log": ir.Log, "Floor": ir.Floor, "Ceil": ir.Ceil, "Round": ir.Round, "Sin": ir.Sin,
	"Cos": ir.Cos, "Not": ir.LogicalNot, "Sign": ir.Sign, "HardSwish": ir.HardSwish,
}

// unary adds a one-input op on value x, keeping x's layout.
func (n *node) unary(typ ir.OpType, opts ir.Options, x *value, name string) (*value, error) {
	t, err := n.c.emit1(typ, opts, []int{x.t}, name, n.c.dtype(x))
	if err != nil {
		return nil, err
	}
	return &value{t: t, perm: x.perm}, nil
}

func convUnary(n *node) error {
	x := n.need(0, "X")
	if n.err != nil {
		return nil
	}
	v, err := n.unary(unaryOps[n.OpType], nil, x, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}

func checkDropout(n *node) string {
	if n.int("is_test", 1) == 0 && n.c.opset < 7 {
		return "is_test=0 (training)"
	}
	return ""
}

func convIdentity(n *node) error {
	if n.OpType == "Dropout" && n.in(2) != nil {
		// training_mode: an inference model has it false, and dropping
		// nothing (ratio 0) is the identity in training too.
		v, ok := n.c.intValues(n.in(2))
		ratio := []float64{0.5}
		if r := n.in(1); r != nil {
			ratio, _ = n.c.floatValues(r)
		}
		if !ok || len(v) != 1 || (v[0] != 0 && (len(ratio) != 1 || ratio[0] != 0)) {
			return fmt.Errorf("training_mode must be a constant false (or the ratio 0): liteforge converts inference graphs")
		}
	}
	x := n.need(0, "input")
	if n.err != nil {
		return nil
	}
	if n.OpType == "Dropout" && n.wants(1) {
		// The mask of an inference-mode Dropout is all true.
		s := n.c.shape(x)
		mask := make([]byte, ir.NumElements(s))
		for i := range mask {
			mask[i] = 1
		}
		n.set(1, n.c.constant(n.outName(1), ir.Bool, s, mask), nil)
	}
	n.set(0, x.t, x.perm)
	return nil
}

// broadcastOperands brings operands to a common physical order for a
// broadcasting op: the order of the first non-constant operand of the
// output's rank. Constants are reshaped and transposed at conversion time;
// lower-rank runtime operands are reshaped to the full rank first when the
// order is not the identity.
func (c *converter) broadcastOperands(ops ...*value) ([]int, []int, error) {
	rank := 0
	for _, v := range ops {
		rank = max(rank, c.rank(v))
	}
	perm := identityPerm(rank)
	for _, v := range ops {
		if c.rank(v) == rank && !c.isConst(v) {
			perm = v.perm
			break
		}
	}
	ids := make([]int, len(ops))
	for i, v := range ops {
		if c.isConst(v) || c.rank(v) < rank {
			if isIdentity(perm) && c.rank(v) <= rank {
				t, err := c.plain(v)
				if err != nil {
					return nil, nil, err
				}
				ids[i] = t
				continue
			}
			t, err := c.plain(v)
			if err != nil {
				return nil, nil, err
			}
			s := c.shape(v)
			full := append(slices.Repeat([]int{1}, rank-len(s)), s...)
			name := c.tensor(t).Name + "/bcast"
			if t, err = c.reshape(t, full, name); err != nil {
				return nil, nil, err
			}
			if ids[i], err = c.materialize(&value{t: t, perm: identityPerm(rank)}, perm); err != nil {
				return nil, nil, err
			}
			continue
		}
		t, err := c.materialize(v, perm)
		if err != nil {
			return nil, nil, err
		}
		ids[i] = t
	}
	return ids, perm, nil
}

var binaryOps = map[string]ir.OpType{
	"Add": ir.Add, "Sub": ir.Sub, "Mul": ir.Mul, "Div": ir.Div, "Pow": ir.Pow, "Max": ir.Maximum,
	"Min": ir.Minimum, "Sum": ir.Add, "Mean": ir.Add, "Equal": ir.Equal, "Less": ir.Less,
	"Greater": ir.Greater, "LessOrEqual": ir.LessEqual, "GreaterOrEqual": ir.GreaterEqual,
	"And": ir.LogicalAnd, "Or": ir.LogicalOr, "Xor": ir.NotEqual,
}

func binaryOptions(t ir.OpType) ir.Options {
	switch t {
	case ir.Add:
		return &ir.AddOptions{PotScaleInt16: true}
	case ir.Sub:
		return &ir.SubOptions{PotScaleInt16: true}
	case ir.Mul:
		return &ir.MulOptions{}
	case ir.Div:
		return &ir.DivOptions{}
	}
	return nil
}

// binary adds a broadcasting two-operand op.
func (n *node) binary(typ ir.OpType, a, b *value, name string) (*value, error) {
	c := n.c
	if c.opset < 7 && n.int("broadcast", 0) != 0 && n.has("axis") {
		// Legacy broadcasting aligns B with A's dimensions from axis on.
		var err error
		if b, err = n.legacyBroadcast(a, b); err != nil {
			return nil, err
		}
	}
	ids, perm, err := c.broadcastOperands(a, b)
	if err != nil {
		return nil, err
	}
	dt := c.dtype(a)
	switch typ {
	case ir.Equal, ir.NotEqual, ir.Less, ir.LessEqual, ir.Greater, ir.GreaterEqual, ir.LogicalAnd, ir.LogicalOr:
		dt = ir.Bool
	}
	// TFLite has no kernel for some types (uint8 arithmetic, float64, ...):
	// compute in a wider type that has one, and cast back.
	orig := c.dtype(a)
	wide, err := computeType(typ, orig)
	intPow := typ == ir.Pow && orig == ir.Int64 && c.isConst(b)
	if err != nil && !c.tensor(ids[0]).Quant.Quantized() && !(c.isConst(a) && c.isConst(b)) && !intPow {
		return nil, err // (constants fold here, whatever TFLite takes)
	}
	if wide != orig && !c.tensor(ids[0]).Quant.Quantized() {
		for i := range ids {
			if ids[i], err = c.castTensor(ids[i], wide, c.tmpName(fmt.Sprintf("operand%d_%v", i, wide))); err != nil {
				return nil, err
			}
		}
		if dt == orig {
			dt = wide
		}
		inner := name
		if dt == wide {
			inner = c.tmpName("wide_result")
		}
		r, err := n.binaryOp(typ, ids, perm, inner, dt)
		if err != nil || dt != wide {
			return r, err
		}
		t, err := c.castTensor(r.t, orig, name)
		return &value{t: t, perm: perm}, err
	}
	return n.binaryOp(typ, ids, perm, name, dt)
}

// binaryOp adds the op on operands already in one physical order.
func (n *node) binaryOp(typ ir.OpType, ids, perm []int, name string, dt ir.DataType) (*value, error) {
	if typ == ir.Pow {
		return n.pow(ids, perm, name)
	}
	t, err := n.c.emit1(typ, binaryOptions(typ), ids, name, dt)
	if err != nil {
		return nil, err
	}
	return &value{t: t, perm: perm}, nil
}

// nativeTypes are the operand types TFLite's kernels of some binary ops take.
var nativeTypes = map[ir.OpType][]ir.DataType{
	ir.Add:     {ir.Float32, ir.Int32, ir.Int64},
	ir.Sub:     {ir.Float32, ir.Int32, ir.Int64},
	ir.Mul:     {ir.Float32, ir.Int32, ir.Int64},
	ir.Div:     {ir.Float32, ir.Int32},
	ir.Pow:     {ir.Float32, ir.Int32},
	ir.Maximum: {ir.Float32, ir.Int8, ir.Uint8, ir.Int16, ir.Int32, ir.Int64},
	ir.Minimum: {ir.Float32, ir.Int8, ir.Uint8, ir.Int16, ir.Int32, ir.Int64},
}

// computeType is the type TFLite computes a binary op in for operands of
// type t: t itself when TFLite has a kernel for it, else a wider type. It
// fails when TFLite has a kernel for neither.
func computeType(op ir.OpType, t ir.DataType) (ir.DataType, error) {
	types, ok := nativeTypes[op]
	if !ok || slices.Contains(types, t) {
		return t, nil
	}
	switch t {
	case ir.Float16, ir.BFloat16, ir.Float64:
		return ir.Float32, nil
	case ir.Int8, ir.Uint8, ir.Int16, ir.Uint16:
		return ir.Int32, nil
	case ir.Uint32:
		if slices.Contains(types, ir.Int64) {
			return ir.Int64, nil
		}
	}
	return t, fmt.Errorf("%v operands: TFLite's %v takes %v, and none of them holds every %v value", t, op, types, t)
}

// legacyBroadcast reshapes B of an opset-1-to-6 binary op with broadcast=1
// and an axis so that numpy-style broadcasting aligns it as the op meant.
func (n *node) legacyBroadcast(a, b *value) (*value, error) {
	c := n.c
	ra, rb := c.rank(a), c.rank(b)
	axis := n.axis(n.int("axis", 0), ra, "axis")
	if n.err != nil || axis+rb > ra {
		return nil, fmt.Errorf("input B %v does not fit input A %v from axis %d", c.shape(b), c.shape(a), axis)
	}
	t, err := c.plain(b)
	if err != nil {
		return nil, err
	}
	shape := append(c.shape(b), slices.Repeat([]int{1}, ra-axis-rb)...)
	if t, err = c.reshape(t, shape, c.tmpName("b_aligned")); err != nil {
		return nil, err
	}
	return c.constOrValue(t), nil
}

// pow turns x^2 into x*x (exact, and fusable) and x^0.5 into SQRT; other
// exponents use POW, whose operands TFLite wants of one type.
func (n *node) pow(ids, perm []int, name string) (*value, error) {
	c := n.c
	x, y := ids[0], ids[1]
	if c.tensor(x).Type == ir.Int64 && !c.tensor(x).IsConst() {
		return n.int64Pow(x, y, perm, name)
	}
	if e := c.tensor(y); e.IsConst() && e.NumElements() == 1 {
		if v, ok := c.floatValues(c.constValue(y)); ok {
			switch v[0] {
			case 1:
				return &value{t: x, perm: perm}, nil
			case 2:
				t, err := c.emit1(ir.Mul, &ir.MulOptions{}, []int{x, x}, name, c.tensor(x).Type)
				return &value{t: t, perm: perm}, err
			case 0.5:
				t, err := c.emit1(ir.Sqrt, nil, []int{x}, name, c.tensor(x).Type)
				return &value{t: t, perm: perm}, err
			}
		}
	}
	y, err := c.castTensor(y, c.tensor(x).Type, c.tmpName("exponent"))
	if err != nil {
		return nil, err
	}
	t, err := c.emit1(ir.Pow, nil, []int{x, y}, name, c.tensor(x).Type)
	return &value{t: t, perm: perm}, err
}

// int64Pow computes x^e for int64 x and constant exponents e that are
// whole and non-negative, since TFLite's POW takes no int64: by squaring,
// x^e = product over e's set bits b of x^(2^b), each factor chosen per
// element by a constant mask of bit b (SELECT_V2 of x^(2^b) and 1).
func (n *node) int64Pow(x, y int, perm []int, name string) (*value, error) {
	c := n.c
	es, ok := c.floatValues(c.constValue(y))
	if !ok {
		return nil, fmt.Errorf("int64 base with a computed exponent: TFLite's POW takes no int64, and liteforge converts int64 powers only with constant whole exponents")
	}
	top := 0.0
	for _, e := range es {
		if e < 0 || e != math.Trunc(e) || e > 64 {
			return nil, fmt.Errorf("int64 base with exponent %g: TFLite's POW takes no int64, and liteforge converts int64 powers only with whole exponents from 0 to 64", e)
		}
		top = max(top, e)
	}
	one := c.constant(c.tmpName("one"), ir.Int64, []int{}, ir.Int64Bytes([]int64{1}))
	shape := c.tensor(y).Shape
	base, result := x, -1
	for b := 0; b == 0 || 1<<b <= int(top); b++ {
		if b > 0 {
			var err error
			if base, err = c.emit1(ir.Mul, &ir.MulOptions{}, []int{base, base}, c.tmpName("squared"), ir.Int64); err != nil {
				return nil, err
			}
		}
		mask := make([]byte, len(es))
		for i, e := range es {
			mask[i] = byte(int(e) >> b & 1)
		}
		mt := c.constant(c.tmpName("exponent_bit"), ir.Bool, shape, mask)
		factor, err := c.emit1(ir.SelectV2, nil, []int{mt, base, one}, c.tmpName("factor"), ir.Int64)
		if err != nil {
			return nil, err
		}
		if result < 0 {
			result = factor
		} else if result, err = c.emit1(ir.Mul, &ir.MulOptions{}, []int{result, factor}, c.tmpName("power"), ir.Int64); err != nil {
			return nil, err
		}
	}
	c.tensor(result).Name = name
	return &value{t: result, perm: perm}, nil
}

func convBinary(n *node) error {
	a, b := n.need(0, "A"), n.need(1, "B")
	if n.err != nil {
		return nil
	}
	if n.OpType == "Xor" || n.OpType == "And" || n.OpType == "Or" {
		if n.c.dtype(a) != ir.Bool {
			return fmt.Errorf("operands of type %v; %s takes booleans", n.c.dtype(a), n.OpType)
		}
	}
	v, err := n.binary(binaryOps[n.OpType], a, b, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}

// convVariadic chains a variadic Max/Min/Sum/Mean into binary ops.
func convVariadic(n *node) error {
	var args []*value
	for i := range n.numInputs() {
		if v := n.in(i); v != nil {
			args = append(args, v)
		}
	}
	if len(args) == 0 {
		return fmt.Errorf("no inputs")
	}
	acc := args[0]
	var err error
	for i, v := range args[1:] {
		name := n.outName(0)
		if i < len(args)-2 || n.OpType == "Mean" {
			name = n.c.tmpName(fmt.Sprintf("partial%d", i))
		}
		if acc, err = n.binary(binaryOps[n.OpType], acc, v, name); err != nil {
			return err
		}
	}
	if n.OpType == "Mean" && len(args) > 1 {
		k, err := n.c.scalarLike(n.c.tmpName("inv_count"), n.c.dtype(acc), 1/float64(len(args)))
		if err != nil {
			return err
		}
		if acc, err = n.binary(ir.Mul, acc, n.c.constValue(k), n.outName(0)); err != nil {
			return err
		}
	}
	n.set(0, acc.t, acc.perm)
	return nil
}

func convReciprocal(n *node) error {
	x := n.need(0, "X")
	if n.err != nil {
		return nil
	}
	one, err := n.c.scalarLike(n.c.tmpName("one"), n.c.dtype(x), 1)
	if err != nil {
		return err
	}
	v, err := n.binary(ir.Div, n.c.constValue(one), x, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}

func convWhere(n *node) error {
	cond, x, y := n.need(0, "condition"), n.need(1, "X"), n.need(2, "Y")
	if n.err != nil {
		return nil
	}
	ids, perm, err := n.c.broadcastOperands(cond, x, y)
	if err != nil {
		return err
	}
	t, err := n.c.emit1(ir.SelectV2, nil, ids, n.outName(0), n.c.dtype(x))
	if err != nil {
		return err
	}
	n.set(0, t, perm)
	return nil
}

func convLeakyRelu(n *node) error {
	x := n.need(0, "X")
	alpha := n.float("alpha", 0.01)
	if n.err != nil {
		return nil
	}
	v, err := n.unary(ir.LeakyRelu, &ir.LeakyReluOptions{Alpha: alpha}, x, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}

func convPRelu(n *node) error {
	x, slope := n.need(0, "X"), n.need(1, "slope")
	if n.err != nil {
		return nil
	}
	ids, perm, err := n.c.broadcastOperands(x, slope)
	if err != nil {
		return err
	}
	// TFLite's PRELU wants the slope without the leading batch dimension
	// when it would be 1.
	a := ids[1]
	if s := n.c.tensor(a).Shape; len(s) == len(n.c.tensor(ids[0]).Shape) && len(s) > 1 && s[0] == 1 {
		if a, err = n.c.reshape(a, s[1:], n.c.tensor(a).Name+"/alpha"); err != nil {
			return err
		}
	}
	t, err := n.c.emit1(ir.PRelu, nil, []int{ids[0], a}, n.outName(0), n.c.dtype(x))
	if err != nil {
		return err
	}
	n.set(0, t, perm)
	return nil
}

// scaled returns x*k (x itself when k is 1).
func (n *node) scaled(x *value, k float64, name string) (*value, error) {
	if k == 1 {
		return x, nil
	}
	kt, err := n.c.scalarLike(name+"/factor", n.c.dtype(x), k)
	if err != nil {
		return nil, err
	}
	return n.binary(ir.Mul, x, n.c.constValue(kt), name)
}

// eluWithAlpha is max(x,0) + alpha*min(elu(x),0), since TFLite's ELU has no
// alpha.
func (n *node) eluWithAlpha(x *value, alpha float64, name string) (*value, error) {
	e, err := n.unary(ir.Elu, nil, x, n.c.tmpName("elu"))
	if err != nil || alpha == 1 {
		if err == nil && name != "" {
			n.c.tensor(e.t).Name = name
		}
		return e, err
	}
	zero, err := n.c.scalarLike(n.c.tmpName("zero"), n.c.dtype(x), 0)
	if err != nil {
		return nil, err
	}
	neg, err := n.binary(ir.Minimum, e, n.c.constValue(zero), n.c.tmpName("negative_part"))
	if err != nil {
		return nil, err
	}
	if neg, err = n.scaled(neg, alpha, n.c.tmpName("scaled_negative")); err != nil {
		return nil, err
	}
	pos, err := n.unary(ir.Relu, nil, x, n.c.tmpName("positive_part"))
	if err != nil {
		return nil, err
	}
	return n.binary(ir.Add, pos, neg, name)
}

func convElu(n *node) error {
	x := n.need(0, "X")
	alpha := n.float("alpha", 1)
	if n.err != nil {
		return nil
	}
	v, err := n.eluWithAlpha(x, float64(alpha), n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}

func convSelu(n *node) error {
	x := n.need(0, "X")
	alpha := n.float("alpha", 1.67326319217681884765625)
	gamma := n.float("gamma", 1.05070102214813232421875)
	if n.err != nil {
		return nil
	}
	v, err := n.eluWithAlpha(x, float64(alpha), n.c.tmpName("elu_alpha"))
	if err != nil {
		return err
	}
	if v, err = n.scaled(v, float64(gamma), n.outName(0)); err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}

// convHardSigmoid is clamp(alpha*x + beta, 0, 1): MUL, ADD, RELU_0_TO_1.
func convHardSigmoid(n *node) error {
	x := n.need(0, "X")
	alpha, beta := n.float("alpha", 0.2), n.float("beta", 0.5)
	if n.err != nil {
		return nil
	}
	v, err := n.scaled(x, float64(alpha), n.c.tmpName("scaled"))
	if err != nil {
		return err
	}
	bt, err := n.c.scalarLike(n.c.tmpName("beta"), n.c.dtype(x), float64(beta))
	if err != nil {
		return err
	}
	if v, err = n.binary(ir.Add, v, n.c.constValue(bt), n.c.tmpName("shifted")); err != nil {
		return err
	}
	if v, err = n.unary(ir.Relu0To1, nil, v, n.outName(0)); err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}

func checkGelu(n *node) string {
	if a := n.str("approximate", "none"); a != "none" && a != "tanh" {
		return fmt.Sprintf("approximate=%q", a)
	}
	return ""
}

func convGelu(n *node) error {
	x := n.need(0, "X")
	approx := n.str("approximate", "none") == "tanh"
	if n.err != nil {
		return nil
	}
	v, err := n.unary(ir.Gelu, &ir.GeluOptions{Approximate: approx}, x, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}

// convClip maps the clamps TFLite has ops for (RELU, RELU6, RELU_N1_TO_1,
// RELU_0_TO_1) onto them and any other onto MAXIMUM and MINIMUM.
func convClip(n *node) error {
	x := n.need(0, "input")
	if n.err != nil {
		return nil
	}
	c := n.c
	lo, hi := math.Inf(-1), math.Inf(1)
	var loV, hiV *value
	if c.opset < 11 {
		lo = float64(n.float("min", float32(math.Inf(-1))))
		hi = float64(n.float("max", float32(math.Inf(1))))
	} else {
		for i, p := range []*float64{&lo, &hi} {
			v := n.in(i + 1)
			if v == nil {
				continue
			}
			if vals, ok := c.floatValues(v); ok && len(vals) == 1 {
				*p = vals[0]
			} else if i == 0 {
				loV = v
			} else {
				hiV = v
			}
		}
	}
	if n.err != nil {
		return nil
	}
	var act ir.OpType = -1
	if c.dtype(x) == ir.Float32 && loV == nil && hiV == nil {
		switch {
		case lo == 0 && hi == 6:
			act = ir.Relu6
		case lo == 0 && math.IsInf(hi, 1):
			act = ir.Relu
		case lo == -1 && hi == 1:
			act = ir.ReluN1To1
		case lo == 0 && hi == 1:
			act = ir.Relu0To1
		case math.IsInf(lo, -1) && math.IsInf(hi, 1):
			n.set(0, x.t, x.perm)
			return nil
		}
	}
	if act >= 0 {
		v, err := n.unary(act, nil, x, n.outName(0))
		if err != nil {
			return err
		}
		n.set(0, v.t, v.perm)
		return nil
	}
	v := x
	bound := func(val *value, f float64, typ ir.OpType, name string) error {
		if val == nil {
			if math.IsInf(f, 0) {
				return nil
			}
			t, err := c.scalarLike(c.tmpName(name+"_value"), c.dtype(x), f)
			if err != nil {
				return err
			}
			val = c.constValue(t)
		}
		var err error
		v, err = n.binary(typ, v, val, c.tmpName(name))
		return err
	}
	if err := bound(loV, lo, ir.Maximum, "min"); err != nil {
		return err
	}
	if err := bound(hiV, hi, ir.Minimum, "max"); err != nil {
		return err
	}
	if v.t == x.t {
		n.set(0, v.t, v.perm)
		return nil
	}
	c.tensor(v.t).Name = n.outName(0)
	n.set(0, v.t, v.perm)
	return nil
}
