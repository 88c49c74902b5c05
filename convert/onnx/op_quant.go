package onnx

import (
	"fmt"
	"math"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// Quantized models. QuantizeLinear and DequantizeLinear pairs (QDQ) mark
// where a float graph is meant to run on integers. A DequantizeLinear's
// output keeps, beside its float tensor, the integer tensor it came from;
// an op whose inputs all have one and whose output goes to a
// QuantizeLinear is emitted as TFLite's integer op with that
// QuantizeLinear's parameters, and the QuantizeLinear then costs nothing.
// The float tensors left unread (DEQUANTIZE ops) are removed as dead. An op
// liteforge cannot run quantized runs in float between DEQUANTIZE and
// QUANTIZE, which is still correct.
//
// TFLite's integer ops take int8 activations with symmetric int8 weights,
// so uint8 activations become int8 ones (the same reals, with the zero
// point moved by 128), and weights with a zero point are quantized again
// symmetrically.

func init() {
	register(handler{conv: convQuantizeLinear, check: checkQDQ}, "QuantizeLinear")
	register(handler{conv: convDequantizeLinear, check: checkQDQ}, "DequantizeLinear")
	register(handler{conv: convQLinearConv}, "QLinearConv")
	register(handler{conv: convQLinearMatMul}, "QLinearMatMul")
	register(handler{conv: convIntegerProduct}, "MatMulInteger", "ConvInteger")
}

func checkQDQ(n *node) string {
	if n.int("block_size", 0) != 0 {
		return "blocked quantization"
	}
	return ""
}

// readQuant reads the constant scale (input si) and zero point (input zi)
// of a QuantizeLinear, DequantizeLinear or QLinear op for data of the given
// rank, with the zero point's integer type (uint8 when it is absent).
func (n *node) readQuant(si, zi, rank int) (ir.DataType, *ir.Quantization, error) {
	c := n.c
	scales := n.constFloats(si, "scale")
	if n.err != nil {
		return 0, nil, n.err
	}
	typ := ir.Uint8
	zps := make([]int, len(scales))
	if v := n.in(zi); v != nil {
		typ = c.dtype(v)
		zps = n.constInts(zi, "zero_point")
		if n.err != nil {
			return 0, nil, n.err
		}
	}
	if len(scales) == 0 || len(zps) != len(scales) {
		return 0, nil, fmt.Errorf("%d scales and %d zero points", len(scales), len(zps))
	}
	q := &ir.Quantization{}
	for i, s := range scales {
		if !(s > 0) || math.IsInf(s, 0) {
			return 0, nil, fmt.Errorf("scale %g must be positive and finite", s)
		}
		q.Scale = append(q.Scale, float32(s))
		q.ZeroPoint = append(q.ZeroPoint, int64(zps[i]))
	}
	if len(scales) > 1 {
		q.Axis = n.axis(n.int("axis", 1), rank, "axis")
	}
	return typ, q, n.err
}

// canonical returns the type and parameters liteforge computes a quantized
// tensor in: uint8 becomes int8 with the zero point moved down by 128.
func canonical(typ ir.DataType, q *ir.Quantization) (ir.DataType, *ir.Quantization) {
	if typ != ir.Uint8 {
		return typ, q
	}
	s := q.Clone()
	for i := range s.ZeroPoint {
		s.ZeroPoint[i] -= 128
	}
	return ir.Int8, s
}

func sameParams(a, b *ir.Quantization) bool {
	return a.Quantized() && b.Quantized() && slices.Equal(a.Scale, b.Scale) && slices.Equal(a.ZeroPoint, b.ZeroPoint) &&
		(len(a.Scale) == 1 || a.Axis == b.Axis)
}

// quantizeConst quantizes float values to typ with q (per-axis along q.Axis
// of shape), rounding half to even and saturating as QuantizeLinear does.
func quantizeConst(vals []float64, shape []int, typ ir.DataType, q *ir.Quantization) ([]byte, error) {
	lo, hi, ok := intRange(typ)
	if !ok {
		return nil, fmt.Errorf("quantizing to %v", typ)
	}
	inner, chans := 1, 1
	if q.PerAxis() {
		chans, inner = shape[q.Axis], ir.NumElements(shape[q.Axis+1:])
	}
	ints := make([]int64, len(vals))
	for i, v := range vals {
		ch := (i / inner) % chans
		r := math.RoundToEven(v/float64(q.Scale[ch])) + float64(q.ZeroPoint[ch])
		ints[i] = int64(max(lo, min(hi, r)))
	}
	return packInts(ints, typ), nil
}

func intRange(typ ir.DataType) (float64, float64, bool) {
	switch typ {
	case ir.Int8:
		return -128, 127, true
	case ir.Uint8:
		return 0, 255, true
	case ir.Int16:
		return -32768, 32767, true
	case ir.Uint16:
		return 0, 65535, true
	case ir.Int32:
		return math.MinInt32, math.MaxInt32, true
	}
	return 0, 0, false
}

func packInts(v []int64, typ ir.DataType) []byte {
	switch typ {
	case ir.Int8, ir.Uint8:
		b := make([]byte, len(v))
		for i, x := range v {
			b[i] = byte(x)
		}
		return b
	case ir.Int16, ir.Uint16:
		d := make([]int16, len(v))
		for i, x := range v {
			d[i] = int16(x)
		}
		return ir.Int16Bytes(d)
	}
	d := make([]int32, len(v))
	for i, x := range v {
		d[i] = int32(x)
	}
	return ir.Int32Bytes(d)
}

// dequantizeConst computes a quantized constant's real values.
func dequantizeConst(t *ir.Tensor, q *ir.Quantization) ([]float64, error) {
	ints, ok := ir.IntValues(t.Type, t.Data)
	if !ok {
		return nil, fmt.Errorf("dequantizing %v values", t.Type)
	}
	ints = ints[:t.NumElements()]
	inner, chans := 1, 1
	if q.PerAxis() {
		if q.Axis >= len(t.Shape) || t.Shape[q.Axis] != len(q.Scale) {
			return nil, fmt.Errorf("%d scales for axis %d of shape %v", len(q.Scale), q.Axis, t.Shape)
		}
		chans, inner = t.Shape[q.Axis], ir.NumElements(t.Shape[q.Axis+1:])
	}
	out := make([]float64, len(ints))
	for i, v := range ints {
		ch := (i / inner) % chans
		// float32 arithmetic, as ONNX Runtime dequantizes.
		out[i] = float64(float32(int64(v)-q.ZeroPoint[ch]) * q.Scale[ch])
	}
	return out, nil
}

// intView returns integer value v as the canonical integer tensor quantized
// with (typ, q): v's own tensor when it is int8 (it gets q when it has no
// quantization yet, a graph input say), or a QUANTIZE of a uint8 tensor to
// int8 (the same reals).
func (c *converter) intView(v *value, typ ir.DataType, q *ir.Quantization) (*value, error) {
	t := c.tensor(v.t)
	ct, cq := canonical(typ, q)
	if t.Type == ct && sameParams(t.Quant, cq) {
		return v, nil // already canonical (a QuantizeLinear's output)
	}
	if t.Type != typ {
		return nil, fmt.Errorf("tensor %q is %v, its zero point says %v", t.Name, t.Type, typ)
	}
	switch {
	case t.Quant == nil && t.IsConst():
		// A plain integer constant read as quantized: a copy that says so.
		cp := t.Clone()
		cp.Quant = q.Clone()
		v = &value{t: c.g.AddTensor(cp), perm: v.perm}
		t = cp
	case t.Quant == nil:
		t.Quant = q.Clone() // a graph input gets the parameters it is read with
	}
	if !sameParams(t.Quant, q) {
		return nil, fmt.Errorf("tensor %q is read with scale %v and zero point %v, but was quantized with scale %v and zero point %v",
			t.Name, q.Scale, q.ZeroPoint, t.Quant.Scale, t.Quant.ZeroPoint)
	}
	if ct == typ {
		return v, nil
	}
	key := fmt.Sprint("int8 view ", v.t)
	if id, ok := c.mats[key]; ok {
		return &value{t: id, perm: v.perm}, nil
	}
	id, err := c.requantize(v.t, ct, cq, t.Name+"/int8")
	if err != nil {
		return nil, err
	}
	c.mats[key] = id
	return &value{t: id, perm: v.perm}, nil
}

// requantize adds a QUANTIZE of tensor t (float or integer) to typ with q.
func (c *converter) requantize(t int, typ ir.DataType, q *ir.Quantization, name string) (int, error) {
	id, err := c.emit1(ir.Quantize, nil, []int{t}, name, typ)
	if err != nil {
		return 0, err
	}
	c.tensor(id).Quant = q.Clone()
	return id, nil
}

func convQuantizeLinear(n *node) error {
	c := n.c
	x := n.need(0, "x")
	if n.err != nil {
		return nil
	}
	typ, q, err := n.readQuant(1, 2, c.rank(x))
	if err != nil {
		return err
	}
	ct, cq := canonical(typ, q)
	if ct != ir.Int8 && ct != ir.Int16 {
		return fmt.Errorf("quantization to %v (liteforge quantizes to int8, uint8 and int16)", typ)
	}
	if c.isConst(x) {
		vals, ok := c.floatValues(x)
		if !ok {
			return fmt.Errorf("constant input of type %v", c.dtype(x))
		}
		data, err := quantizeConst(vals, c.shape(x), ct, cq)
		if err != nil {
			return err
		}
		t := c.constant(n.outName(0), ct, c.shape(x), data)
		c.tensor(t).Quant = cq
		n.set(0, t, nil)
		return nil
	}
	if q.PerAxis() {
		return n.quantizePerAxis(x, typ, q)
	}
	if x.q != nil {
		if sameParams(c.tensor(x.q.t).Quant, cq) && c.dtype(x.q) == ct {
			n.set(0, x.q.t, x.q.perm)
			return nil
		}
		t, err := c.requantize(x.q.t, ct, cq, n.outName(0))
		if err != nil {
			return err
		}
		n.set(0, t, x.q.perm)
		return nil
	}
	if c.dtype(x) != ir.Float32 {
		return fmt.Errorf("input of type %v", c.dtype(x))
	}
	t, err := c.requantize(x.t, ct, cq, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, t, x.perm)
	return nil
}

func convDequantizeLinear(n *node) error {
	c := n.c
	x := n.need(0, "x")
	if n.err != nil {
		return nil
	}
	typ, q, err := n.readQuant(1, 2, c.rank(x))
	if err != nil {
		return err
	}
	if n.in(2) == nil {
		typ = c.dtype(x) // an int32 bias, say, dequantized with no zero point
	}
	if c.isConst(x) {
		t := c.tensor(x.t)
		if t.Type != typ {
			return fmt.Errorf("constant of type %v with a %v zero point", t.Type, typ)
		}
		vals, err := dequantizeConst(t, q)
		if err != nil {
			return err
		}
		f := make([]float32, len(vals))
		for i, v := range vals {
			f[i] = float32(v)
		}
		ft := c.constFloat32(n.outName(0), t.Shape, f)
		// The integer view: the same reals in the canonical type.
		ct, cq := canonical(typ, q)
		data := t.Data
		if ct != typ {
			if data, err = quantizeConst(vals, t.Shape, ct, cq); err != nil {
				return err
			}
		}
		it := c.constant(t.Name+"/quantized", ct, t.Shape, data)
		c.tensor(it).Quant = cq
		n.set(0, ft, nil)
		c.vals[n.outName(0)].q = c.constValue(it)
		return nil
	}
	if q.PerAxis() {
		return n.dequantizePerAxis(x, typ, q)
	}
	iv, err := c.intView(x, typ, q)
	if err != nil {
		return err
	}
	deq, err := c.emit1(ir.Dequantize, nil, []int{iv.t}, n.outName(0), ir.Float32)
	if err != nil {
		return err
	}
	n.set(0, deq, x.perm)
	c.vals[n.outName(0)].q = iv
	return nil
}

// setQuantized binds output i to integer tensor t (held in order perm) as a
// float value with a quantized view: readers that run quantized take t,
// float readers the DEQUANTIZE added here (removed when none reads it).
func (n *node) setQuantized(i, t int, perm []int) error {
	c := n.c
	if !n.wants(i) {
		return nil
	}
	c.tensor(t).Name = n.outName(i)
	deq, err := c.emit1(ir.Dequantize, nil, []int{t}, n.outName(i)+"/dequantized", ir.Float32)
	if err != nil {
		return err
	}
	n.set(i, deq, perm)
	c.vals[n.outName(i)].q = &value{t: t, perm: perm}
	return nil
}

// outPlan returns the canonical parameters of the QuantizeLinear that reads
// output i, or nil when nothing quantizes it. It looks through one Relu or
// Clip read only by that QuantizeLinear: quantizing before the clamp with
// the parameters after it saturates the same way, and the clamp then runs
// on the integers.
func (n *node) outPlan(i int) *ir.Quantization {
	return n.c.planOf(n.outName(i), 1)
}

func (c *converter) planOf(name string, follow int) *ir.Quantization {
	users := c.consumers[name]
	for _, u := range users {
		if u.OpType != "QuantizeLinear" || (u.Domain != "" && u.Domain != "ai.onnx") {
			continue
		}
		un := newNode(c, u)
		typ, q, err := un.readQuant(1, 2, 1)
		if err != nil || q.PerAxis() {
			return nil
		}
		if ct, cq := canonical(typ, q); ct == ir.Int8 {
			return cq
		}
	}
	if follow > 0 && len(users) == 1 && (users[0].OpType == "Relu" || users[0].OpType == "Clip") && len(users[0].Outputs) == 1 {
		return c.planOf(users[0].Outputs[0], follow-1)
	}
	return nil
}

// biasAdd finds an Add that is the only reader of output 0 and adds a
// constant vector of units elements (or one value): a bias the integer op
// can take. It returns the Add, the constant and the Add's output plan.
func (n *node) biasAdd(units int) (*NodeProto, *value, *ir.Quantization) {
	c := n.c
	users := c.consumers[n.outName(0)]
	if len(users) != 1 || users[0].OpType != "Add" || len(users[0].Inputs) != 2 || c.isGraphOutput(n.outName(0)) {
		return nil, nil, nil
	}
	add := users[0]
	other := add.Inputs[0]
	if other == n.outName(0) {
		other = add.Inputs[1]
	}
	k := c.vals[other]
	if k == nil || !c.isConst(k) || (ir.NumElements(c.shape(k)) != units && ir.NumElements(c.shape(k)) != 1) {
		return nil, nil, nil
	}
	if s := c.shape(k); len(s) > 1 && s[len(s)-1] != ir.NumElements(s) {
		return nil, nil, nil
	}
	plan := c.planOf(add.Outputs[0], 1)
	if plan == nil {
		return nil, nil, nil
	}
	if ir.NumElements(c.shape(k)) == 1 {
		vals, _ := c.floatValues(k)
		f := make([]float32, units)
		for i := range f {
			f[i] = float32(vals[0])
		}
		k = c.constValue(c.constFloat32(c.tmpName("bias"), []int{units}, f))
	}
	return add, k, plan
}

// int8Weights returns constant weights v (ONNX order, their channels along
// axis) as symmetric int8 quantized per channel along axis: v's own integer
// view when it already is, otherwise its real values quantized again.
func (c *converter) int8Weights(v *value, axis int) (int, error) {
	if v.q != nil {
		t := c.tensor(v.q.t)
		symmetric := !slices.ContainsFunc(t.Quant.ZeroPoint, func(z int64) bool { return z != 0 })
		if t.Type == ir.Int8 && symmetric && (!t.Quant.PerAxis() || t.Quant.Axis == axis) {
			return v.q.t, nil
		}
	}
	vals, ok := c.floatValues(v)
	if !ok {
		return 0, fmt.Errorf("weights %q are not constant", c.tensor(v.t).Name)
	}
	shape := c.shape(v)
	chans, inner := shape[axis], ir.NumElements(shape[axis+1:])
	q := &ir.Quantization{Axis: axis}
	for ch := range chans {
		m := 0.0
		for i, x := range vals {
			if (i/inner)%chans == ch {
				m = max(m, math.Abs(x))
			}
		}
		s := float32(m / 127)
		if s == 0 {
			s = 1
		}
		q.Scale = append(q.Scale, s)
		q.ZeroPoint = append(q.ZeroPoint, 0)
	}
	data, err := quantizeConst(vals, shape, ir.Int8, q)
	if err != nil {
		return 0, err
	}
	t := c.constant(c.tensor(v.t).Name+"/int8", ir.Int8, shape, data)
	c.tensor(t).Quant = q
	return t, nil
}

// int32Bias returns a bias for an integer op whose input has scale sx and
// weights scales sw: b's own int32 view when its scales are sx*sw, else its
// real values quantized with them (zeros when b is nil).
func (c *converter) int32Bias(b *value, units int, sx float32, sw []float32) (int, error) {
	q := &ir.Quantization{}
	for i := range units {
		q.Scale = append(q.Scale, sx*sw[i%len(sw)])
		q.ZeroPoint = append(q.ZeroPoint, 0)
	}
	if units == 1 {
		q.Scale, q.ZeroPoint = q.Scale[:1], q.ZeroPoint[:1]
	}
	vals := make([]float64, units)
	if b != nil {
		if b.q != nil {
			t := c.tensor(b.q.t)
			if t.Type == ir.Int32 && t.NumElements() == units && scalesClose(t.Quant.Scale, q.Scale) {
				return b.q.t, nil
			}
		}
		v, ok := c.floatValues(b)
		if !ok || len(v) != units {
			return 0, fmt.Errorf("bias must be a constant of %d elements", units)
		}
		vals = v
	}
	data, err := quantizeConst(vals, []int{units}, ir.Int32, q)
	if err != nil {
		return 0, err
	}
	t := c.constant(c.tmpName("bias_int32"), ir.Int32, []int{units}, data)
	c.tensor(t).Quant = q
	return t, nil
}

func scalesClose(a, b []float32) bool {
	if len(a) != len(b) && len(a) != 1 {
		return false
	}
	for i := range b {
		x := a[i%len(a)]
		if math.Abs(float64(x-b[i])) > 1e-6*math.Abs(float64(b[i])) {
			return false
		}
	}
	return true
}

// quantOf returns a tensor's quantization.
func (c *converter) quantOf(t int) *ir.Quantization { return c.tensor(t).Quant }

// TFLite quantizes activations per tensor only, so a computed tensor
// quantized or dequantized per axis is converted as the arithmetic the ONNX
// ops define, with the parameters as constants broadcast along the axis.

// axisConstant is a float constant of x's rank holding v along axis (1
// elsewhere), for broadcasting against x.
func (n *node) axisConstant(x *value, axis int, v []float32, name string) *value {
	shape := slices.Repeat([]int{1}, n.c.rank(x))
	shape[axis] = len(v)
	return n.c.constValue(n.c.constFloat32(n.c.tmpName(name), shape, v))
}

// quantizePerAxis computes saturate(round(x / scale) + zero_point), with
// rounding half to even as QuantizeLinear's and TFLite's ROUND's.
func (n *node) quantizePerAxis(x *value, typ ir.DataType, q *ir.Quantization) error {
	c := n.c
	lo, hi, ok := intRange(typ)
	if !ok || c.dtype(x) != ir.Float32 {
		return fmt.Errorf("per-axis quantization of a computed %v tensor to %v (liteforge quantizes float32 to 8- and 16-bit integers)", c.dtype(x), typ)
	}
	zps := make([]float32, len(q.ZeroPoint))
	for i, z := range q.ZeroPoint {
		zps[i] = float32(z)
	}
	v, err := n.binary(ir.Div, x, n.axisConstant(x, q.Axis, q.Scale, "scale"), c.tmpName("scaled"))
	if err != nil {
		return err
	}
	r, err := c.emit1(ir.Round, nil, []int{v.t}, c.tmpName("rounded"), ir.Float32)
	if err != nil {
		return err
	}
	v = &value{t: r, perm: v.perm}
	steps := []struct {
		op ir.OpType
		b  *value
	}{
		{ir.Add, n.axisConstant(x, q.Axis, zps, "zero_point")},
		{ir.Maximum, c.constValue(c.constFloat32(c.tmpName("lowest"), []int{}, []float32{float32(lo)}))},
		{ir.Minimum, c.constValue(c.constFloat32(c.tmpName("highest"), []int{}, []float32{float32(hi)}))},
	}
	for _, s := range steps {
		if v, err = n.binary(s.op, v, s.b, c.tmpName("quantized")); err != nil {
			return err
		}
	}
	t, err := c.castTensor(v.t, typ, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, t, v.perm)
	return nil
}

// dequantizePerAxis computes (x - zero_point) * scale in float32, where the
// difference of 8- and 16-bit integers is exact.
func (n *node) dequantizePerAxis(x *value, typ ir.DataType, q *ir.Quantization) error {
	c := n.c
	if c.dtype(x) != typ {
		return fmt.Errorf("input of type %v with a %v zero point", c.dtype(x), typ)
	}
	t, err := c.castTensor(x.t, ir.Float32, c.tmpName("as_float"))
	if err != nil {
		return err
	}
	v := &value{t: t, perm: x.perm}
	if slices.ContainsFunc(q.ZeroPoint, func(z int64) bool { return z != 0 }) {
		zps := make([]float32, len(q.ZeroPoint))
		for i, z := range q.ZeroPoint {
			zps[i] = float32(z)
		}
		if v, err = n.binary(ir.Sub, v, n.axisConstant(x, q.Axis, zps, "zero_point"), c.tmpName("centred")); err != nil {
			return err
		}
	}
	if v, err = n.binary(ir.Mul, v, n.axisConstant(x, q.Axis, q.Scale, "scale"), n.outName(0)); err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}
