package onnx

import (
	"fmt"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// The quantized forms of ops inside QDQ graphs (see op_quant.go). Each
// returns false, or an error, when the node cannot run quantized; the
// converter then undoes the attempt and converts the node in float.

var quantHandlers map[string]func(n *node) (bool, error)

func init() {
	quantHandlers = map[string]func(n *node) (bool, error){
		"Conv": qConv, "Gemm": qGemm, "MatMul": qMatMul,
		"Add": qBinary, "Sub": qBinary, "Mul": qBinary,
		"Concat": qConcat,
	}
	// Ops that only move elements, or compute a function TFLite has an
	// integer kernel for, run on the integer views with the float converter.
	for _, op := range []string{"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Split", "Slice",
		"Gather", "DepthToSpace", "SpaceToDepth", "Identity", "Dropout", "MaxPool", "AveragePool", "Resize",
		"Upsample", "Pad", "Tile", "Expand", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax",
		"Relu", "Clip", "LeakyRelu", "HardSwish", "Sigmoid", "Tanh", "Softmax"} {
		quantHandlers[op] = qIntMode
	}
}

// hasQuantInput reports whether some input of n has an integer view.
func (n *node) hasQuantInput() bool {
	for i := range n.numInputs() {
		if v := n.in(i); v != nil && v.q != nil && !n.c.isConst(v) {
			return true
		}
	}
	return false
}

// fixedOutputQuant are the output parameters TFLite's int8 kernels require.
var fixedOutputQuant = map[ir.OpType]*ir.Quantization{
	ir.Logistic: {Scale: []float32{1.0 / 256}, ZeroPoint: []int64{-128}},
	ir.Softmax:  {Scale: []float32{1.0 / 256}, ZeroPoint: []int64{-128}},
	ir.Tanh:     {Scale: []float32{1.0 / 128}, ZeroPoint: []int64{0}},
}

// qIntMode converts n with the float converter on its inputs' integer views,
// then gives the integer outputs parameters: kept from the input by moving
// ops, fixed by TFLite for some functions, otherwise those of the
// QuantizeLinear that reads the output.
func qIntMode(n *node) (bool, error) {
	c := n.c
	plan := n.outPlan(0)
	if plan == nil {
		return false, nil
	}
	saved := map[string]*value{}
	for i := range n.numInputs() {
		if v := n.in(i); v != nil && v.q != nil && !c.isConst(v) {
			saved[n.Inputs[i]] = v
			c.vals[n.Inputs[i]] = v.q
		}
	}
	firstOp := len(c.g.Ops)
	h, _ := lookupHandler(n.Domain, n.OpType)
	err := h.conv(n)
	for name, v := range saved {
		c.vals[name] = v
	}
	if err != nil || n.err != nil {
		return false, err
	}
	prod := map[int]*ir.Op{}
	for _, op := range c.g.Ops[firstOp:] {
		for _, t := range op.Outputs {
			prod[t] = op
		}
	}
	for i := range n.Outputs {
		if !n.wants(i) {
			continue
		}
		v := c.vals[n.outName(i)]
		t := c.tensor(v.t)
		if t.Type != ir.Int8 {
			return false, nil
		}
		if t.Quant == nil {
			op := prod[v.t]
			if op == nil {
				return false, nil
			}
			if fixed, ok := fixedOutputQuant[op.Type]; ok {
				t.Quant = fixed.Clone()
			} else {
				t.Quant = plan.Clone()
			}
		}
	}
	// Every tensor the attempt touched must be integer (or a constant
	// parameter such as a shape): a float one means a composition that
	// needs float arithmetic.
	for _, op := range c.g.Ops[firstOp:] {
		for _, t := range append(slices.Clone(op.Inputs), op.Outputs...) {
			if t < 0 {
				continue
			}
			x := c.tensor(t)
			if x.Type == ir.Float32 || (x.Type == ir.Int8 && !x.Quant.Quantized()) {
				return false, nil
			}
		}
	}
	for i := range n.Outputs {
		if n.wants(i) {
			v := c.vals[n.outName(i)]
			if err := n.setQuantized(i, v.t, v.perm); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

// activationView returns the integer view of an activation input, or nil.
func (n *node) activationView(i int) *value {
	v := n.in(i)
	if v == nil || v.q == nil || n.c.dtype(v.q) != ir.Int8 || n.c.quantOf(v.q.t).PerAxis() {
		return nil
	}
	return v.q
}

func qConv(n *node) (bool, error) {
	c := n.c
	plan := n.outPlan(0)
	xq := n.activationView(0)
	w, b := n.in(1), n.in(2)
	if plan == nil || xq == nil || w == nil || !c.isConst(w) {
		return false, nil
	}
	sp, bad := spatialRank(n, xq)
	if bad != "" {
		return false, nil
	}
	wt, err := c.int8Weights(w, 0)
	if err != nil {
		return false, err
	}
	ft, ws, err := n.convWeights(c.constValue(wt), sp)
	if err != nil {
		return false, err
	}
	bias, err := c.int32Bias(b, ws[0], c.quantOf(xq.t).Scale[0], c.quantOf(wt).Scale)
	if err != nil {
		return false, err
	}
	return true, n.convolve(convArgs{x: xq, sp: sp, filter: ft, ws: ws, qbias: bias, outQuant: plan})
}

// quantizedFC adds an int8 FULLY_CONNECTED of a (int8, ONNX order) with
// weights w (a constant value, [units, depth] when unitsFirst, else
// [depth, units]) and optional bias, writing out with outQuant.
func (n *node) quantizedFC(a *value, w, bias *value, unitsFirst bool, outQuant *ir.Quantization, intOut bool) error {
	c := n.c
	if bias == nil && !unitsFirst && w.q != nil && c.dtype(w.q) == ir.Int8 && !c.quantOf(w.q.t).PerAxis() && c.quantOf(w.q.t).ZeroPoint[0] != 0 {
		// Asymmetric weights: BATCH_MATMUL takes them as they are, where
		// FULLY_CONNECTED would need them quantized again.
		at, err := c.plain(a)
		if err != nil {
			return err
		}
		t, err := c.emit1(ir.BatchMatMul, &ir.BatchMatMulOptions{}, []int{at, w.q.t}, n.outName(0), ir.Int8)
		if err != nil {
			return err
		}
		return n.bindInteger(t, nil, outQuant, intOut)
	}
	wt, err := c.int8Weights(w, map[bool]int{true: 0, false: 1}[unitsFirst])
	if err != nil {
		return err
	}
	if !unitsFirst {
		if wt, err = c.transposeTensor(wt, []int{1, 0}, c.tmpName("weights")); err != nil {
			return err
		}
	}
	units := c.tensor(wt).Shape[0]
	at, err := c.plain(a)
	if err != nil {
		return err
	}
	bt, err := c.int32Bias(bias, units, c.quantOf(at).Scale[0], c.quantOf(wt).Scale)
	if err != nil {
		return err
	}
	keep := len(c.tensor(at).Shape) > 2
	t, err := c.emit1(ir.FullyConnected, &ir.FullyConnectedOptions{KeepNumDims: keep}, []int{at, wt, bt}, n.outName(0), ir.Int8)
	if err != nil {
		return err
	}
	return n.bindInteger(t, nil, outQuant, intOut)
}

// bindInteger gives integer tensor t (held in order perm) the parameters q
// and binds output 0 to it: as the integer tensor itself when the ONNX
// output is one (QLinear ops), else as a dequantized value.
func (n *node) bindInteger(t int, perm []int, q *ir.Quantization, intOut bool) error {
	n.c.tensor(t).Quant = q.Clone()
	if intOut {
		n.set(0, t, perm)
		return nil
	}
	return n.setQuantized(0, t, perm)
}

func qGemm(n *node) (bool, error) {
	c := n.c
	plan := n.outPlan(0)
	aq := n.activationView(0)
	b, cv := n.in(1), n.in(2)
	if plan == nil || aq == nil || b == nil || !c.isConst(b) || c.rank(aq) != 2 ||
		n.int("transA", 0) != 0 || n.float("alpha", 1) != 1 || (cv != nil && n.float("beta", 1) != 1) {
		return false, nil
	}
	if cv != nil && !c.isConst(cv) {
		return false, nil
	}
	return true, n.quantizedFC(aq, b, cv, n.int("transB", 0) != 0, plan, false)
}

func qMatMul(n *node) (bool, error) {
	c := n.c
	aq := n.activationView(0)
	b := n.in(1)
	if aq == nil || b == nil || !c.isConst(b) || c.rank(b) != 2 || c.rank(aq) < 2 {
		return false, nil
	}
	if plan := n.outPlan(0); plan != nil {
		return true, n.quantizedFC(aq, b, nil, false, plan, false)
	}
	// MatMul then a bias Add, quantized after the Add: one op with a bias.
	add, bias, plan := n.biasAdd(c.shape(b)[1])
	if add == nil {
		return false, nil
	}
	saved := n.Outputs
	n.Outputs = add.Outputs
	err := n.quantizedFC(aq, b, bias, false, plan, false)
	n.Outputs = saved
	if err != nil {
		return false, err
	}
	c.absorbed[add] = true
	c.unbound[n.outName(0)] = true // read only by the Add, which is gone
	return true, nil
}

// qBinary runs ADD, SUB or MUL on int8 operands with their own parameters,
// writing the output with the QuantizeLinear's.
func qBinary(n *node) (bool, error) {
	c := n.c
	plan := n.outPlan(0)
	if plan == nil {
		return false, nil
	}
	var ops [2]*value
	for i := range ops {
		v := n.in(i)
		if v == nil || v.q == nil || c.dtype(v.q) != ir.Int8 || c.quantOf(v.q.t).PerAxis() {
			return false, nil
		}
		ops[i] = v.q
	}
	ids, perm, err := c.broadcastOperands(ops[0], ops[1])
	if err != nil {
		return false, err
	}
	typ := binaryOps[n.OpType]
	t, err := c.emit1(typ, binaryOptions(typ), ids, n.outName(0), ir.Int8)
	if err != nil {
		return false, err
	}
	return true, n.bindInteger(t, perm, plan, false)
}

// qConcat requantizes inputs whose parameters differ from the output's
// (TFLite's int8 CONCATENATION wants them all equal), then concatenates.
func qConcat(n *node) (bool, error) {
	c := n.c
	plan := n.outPlan(0)
	if plan == nil {
		return false, nil
	}
	saved := map[string]*value{}
	defer func() {
		for name, v := range saved {
			c.vals[name] = v
		}
	}()
	for i := range n.numInputs() {
		v := n.in(i)
		if v == nil {
			continue
		}
		if v.q == nil || c.dtype(v.q) != ir.Int8 || c.quantOf(v.q.t).PerAxis() {
			return false, nil
		}
		q := v.q
		if !sameParams(c.quantOf(q.t), plan) {
			t, err := c.requantize(q.t, ir.Int8, plan, c.tmpName(fmt.Sprintf("input%d_requantized", i)))
			if err != nil {
				return false, err
			}
			q = &value{t: t, perm: q.perm}
		}
		saved[n.Inputs[i]] = v
		c.vals[n.Inputs[i]] = &value{t: v.t, perm: v.perm, q: q}
	}
	return qIntMode(n)
}

// QLinear ops: their inputs and outputs are integer tensors.

func convQLinearConv(n *node) error {
	c := n.c
	x, w, b := n.need(0, "x"), n.need(3, "w"), n.in(8)
	if n.err != nil {
		return nil
	}
	sp, bad := spatialRank(n, x)
	if bad != "" {
		return fmt.Errorf("%s", bad)
	}
	xv, wv, out, err := n.qlinearOperands(x, 1, w, 4, 6)
	if err != nil {
		return err
	}
	wt, err := c.int8Weights(wv, 0)
	if err != nil {
		return err
	}
	ft, ws, err := n.convWeights(c.constValue(wt), sp)
	if err != nil {
		return err
	}
	var bv *value
	if b != nil {
		// The int32 bias has scale x_scale*w_scale; give it its reals.
		sx := c.quantOf(xv.t).Scale[0]
		vals, ok := c.intValues(b)
		if !ok {
			return fmt.Errorf("bias must be a constant")
		}
		f := make([]float32, len(vals))
		wq := c.tensor(wv.q.t).Quant
		for i, v := range vals {
			f[i] = float32(v) * sx * wq.Scale[i%len(wq.Scale)]
		}
		bv = c.constValue(c.constFloat32(c.tmpName("bias_real"), []int{len(f)}, f))
	}
	bias, err := c.int32Bias(bv, ws[0], c.quantOf(xv.t).Scale[0], c.quantOf(wt).Scale)
	if err != nil {
		return err
	}
	return n.convolve(convArgs{x: xv, sp: sp, filter: ft, ws: ws, qbias: bias, outQuant: out, intOut: true})
}

// qlinearOperands reads a QLinear op's activation (its scale and zero point
// at inputs xi, xi+1), constant weights (scale and zero point at wi, wi+1)
// and output parameters (inputs oi, oi+1). The weights come back as a float value with
// an integer view, as a DequantizeLinear would give them.
func (n *node) qlinearOperands(x *value, xi int, w *value, wi, oi int) (*value, *value, *ir.Quantization, error) {
	c := n.c
	xt, xq, err := n.readQuant(xi, xi+1, c.rank(x))
	if err != nil {
		return nil, nil, nil, err
	}
	xv, err := c.intView(x, xt, xq)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, cq := canonical(xt, xq); cq.PerAxis() {
		return nil, nil, nil, fmt.Errorf("per-axis activation quantization")
	}
	if !c.isConst(w) {
		return nil, nil, nil, fmt.Errorf("weights must be constant")
	}
	wtyp, wq, err := n.readQuant(wi, wi+1, c.rank(w))
	if err != nil {
		return nil, nil, nil, err
	}
	if wq.PerAxis() {
		wq.Axis = n.axis(0, c.rank(w), "axis")
		if c.shape(w)[0] != len(wq.Scale) {
			// QLinearMatMul's per-column scales run along the last axis.
			wq.Axis = c.rank(w) - 1
		}
	}
	wt := c.tensor(w.t)
	if wt.Type != wtyp {
		return nil, nil, nil, fmt.Errorf("weights of type %v with a %v zero point", wt.Type, wtyp)
	}
	vals, err := dequantizeConst(wt, wq)
	if err != nil {
		return nil, nil, nil, err
	}
	f := make([]float32, len(vals))
	for i, v := range vals {
		f[i] = float32(v)
	}
	wf := c.constValue(c.constFloat32(wt.Name+"/real", wt.Shape, f))
	ct, cq := canonical(wtyp, wq)
	data := wt.Data
	if ct != wtyp {
		if data, err = quantizeConst(vals, wt.Shape, ct, cq); err != nil {
			return nil, nil, nil, err
		}
	}
	it := c.constant(wt.Name+"/quantized", ct, wt.Shape, data)
	c.tensor(it).Quant = cq
	wf.q = c.constValue(it)
	ot, oq, err := n.readQuant(oi, oi+1, 1)
	if err != nil {
		return nil, nil, nil, err
	}
	octt, ocq := canonical(ot, oq)
	if octt != ir.Int8 || ocq.PerAxis() {
		return nil, nil, nil, fmt.Errorf("output quantized to %v", ot)
	}
	if ct2, _ := canonical(xt, xq); ct2 != ir.Int8 {
		return nil, nil, nil, fmt.Errorf("input quantized to %v", xt)
	}
	return xv, wf, ocq, nil
}

func convQLinearMatMul(n *node) error {
	c := n.c
	a, b := n.need(0, "a"), n.need(3, "b")
	if n.err != nil {
		return nil
	}
	if c.rank(a) < 2 || c.rank(b) < 2 {
		return fmt.Errorf("a %v and b %v: liteforge converts products of matrices", c.shape(a), c.shape(b))
	}
	if c.isConst(b) && c.rank(b) == 2 {
		av, bv, out, err := n.qlinearOperands(a, 1, b, 4, 6)
		if err != nil {
			return err
		}
		return n.quantizedFC(av, bv, nil, false, out, true)
	}
	// Both operands as int8 per-tensor: BATCH_MATMUL.
	var ids [2]int
	for i, v := range []*value{a, b} {
		typ, q, err := n.readQuant(3*i+1, 3*i+2, c.rank(v))
		if err != nil {
			return err
		}
		if q.PerAxis() {
			return fmt.Errorf("per-axis quantization of a batch matrix product")
		}
		iv, err := c.intView(v, typ, q)
		if err != nil {
			return err
		}
		if ids[i], err = c.plain(iv); err != nil {
			return err
		}
	}
	ot, oq, err := n.readQuant(6, 7, 1)
	if err != nil {
		return err
	}
	oct, ocq := canonical(ot, oq)
	if oct != ir.Int8 {
		return fmt.Errorf("output quantized to %v", ot)
	}
	t, err := c.emit1(ir.BatchMatMul, &ir.BatchMatMulOptions{}, ids[:], n.outName(0), ir.Int8)
	if err != nil {
		return err
	}
	return n.bindInteger(t, nil, ocq, true)
}

// convIntegerProduct converts MatMulInteger and ConvInteger, whose int32
// results TFLite has no op for, as float products of the zero-point
// corrected integers, cast back to int32: exact while every sum stays
// below 2^24 in magnitude.
func convIntegerProduct(n *node) error {
	c := n.c
	x, w := n.need(0, "A"), n.need(1, "B")
	if n.err != nil {
		return nil
	}
	real := func(v *value, zi int, name string) (*value, error) {
		t, err := c.castTensor(v.t, ir.Float32, c.tmpName(name+"_float"))
		if err != nil {
			return nil, err
		}
		fv := &value{t: t, perm: v.perm}
		if z := n.in(zi); z != nil {
			zf, err := c.castTensor(z.t, ir.Float32, c.tmpName(name+"_zero_point"))
			if err != nil {
				return nil, err
			}
			zv := &value{t: zf, perm: z.perm}
			if c.rank(z) == 1 && c.rank(v) > 1 && n.OpType == "ConvInteger" && zi == 3 {
				// Per-output-channel weight zero points broadcast along axis 0.
				s := append([]int{c.shape(z)[0]}, slices.Repeat([]int{1}, c.rank(v)-1)...)
				if zf, err = c.reshape(zf, s, c.tmpName(name+"_zero_point_c")); err != nil {
					return nil, err
				}
				zv = c.constOrValue(zf)
			}
			if fv, err = n.binary(ir.Sub, fv, zv, c.tmpName(name+"_centered")); err != nil {
				return nil, err
			}
		}
		return fv, nil
	}
	xf, err := real(x, 2, "a")
	if err != nil {
		return err
	}
	wf, err := real(w, 3, "b")
	if err != nil {
		return err
	}
	out := n.outName(0)
	tmp := c.tmpName("float_product")
	if n.OpType == "ConvInteger" {
		sp, bad := spatialRank(n, xf)
		if bad != "" {
			return fmt.Errorf("%s", bad)
		}
		ft, ws, err := n.convWeights(wf, sp)
		if err != nil {
			return err
		}
		n.Outputs = []string{tmp}
		err = n.convolve(convArgs{x: xf, sp: sp, filter: ft, ws: ws})
		n.Outputs = []string{out}
		if err != nil {
			return err
		}
	} else {
		saved := n.Outputs
		c.vals["\x00a"], c.vals["\x00b"] = xf, wf
		mm := &node{NodeProto: &NodeProto{OpType: "MatMul", Name: n.Name, Inputs: []string{"\x00a", "\x00b"}, Outputs: []string{tmp}}, c: c, attrs: map[string]*AttributeProto{}}
		err := convMatMul(mm)
		delete(c.vals, "\x00a")
		delete(c.vals, "\x00b")
		n.Outputs = saved
		if err != nil {
			return err
		}
	}
	p := c.vals[tmp]
	delete(c.vals, tmp)
	t, err := c.castTensor(p.t, ir.Int32, out)
	if err != nil {
		return err
	}
	n.set(0, t, p.perm)
	return nil
}
