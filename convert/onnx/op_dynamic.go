package onnx

import (
	"fmt"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// ONNX Runtime's dynamic quantization writes, for each matrix product or
// convolution with int8 weights,
//
//	xq, xs, xz = DynamicQuantizeLinear(x)
//	s = Mul(xs, w_scale)
//	y = Mul(Cast(MatMulInteger(xq, w, xz, w_zero_point), float), s)
//
// which is TFLite's hybrid (dynamic-range) FULLY_CONNECTED or CONV_2D: float
// input, int8 weights with w_scale, float output, the input quantized on the
// fly. TFLite has no op for DynamicQuantizeLinear itself, so its outputs are
// symbolic values that only this pattern may read; the second Mul, once it
// knows the weights' scale, emits the hybrid op.

type dynKind int

const (
	dynQuantized  dynKind = iota // DynamicQuantizeLinear's y
	dynScale                     // its y_scale
	dynZeroPoint                 // its y_zero_point
	dynScaleTimes                // y_scale times constant factors
	dynProduct                   // MatMulInteger or ConvInteger of y (int32, or cast to float)
)

// dynValue is a symbolic value of the pattern.
type dynValue struct {
	kind   dynKind
	x      *value    // the float input of DynamicQuantizeLinear
	factor []float64 // dynScaleTimes: the constant factors (per channel or one)
	node   *node     // dynProduct: the MatMulInteger or ConvInteger node
	w, wzp *value    // dynProduct: constant integer weights and their zero point
	float  bool      // dynProduct: cast to float
}

func init() {
	register(handler{conv: convDynamicQuantize}, "DynamicQuantizeLinear")
}

func (n *node) hasDynInput() bool {
	for i := range n.numInputs() {
		if v := n.in(i); v != nil && v.dyn != nil {
			return true
		}
	}
	return false
}

func convDynamicQuantize(n *node) error {
	x := n.need(0, "x")
	if n.err != nil {
		return nil
	}
	if n.c.dtype(x) != ir.Float32 {
		return fmt.Errorf("input of type %v", n.c.dtype(x))
	}
	for i, k := range []dynKind{dynQuantized, dynScale, dynZeroPoint} {
		if n.wants(i) {
			n.c.vals[n.outName(i)] = &value{t: x.t, perm: x.perm, dyn: &dynValue{kind: k, x: x}}
		}
	}
	return nil
}

// convDynamic converts a node reading symbolic values.
func convDynamic(n *node) error {
	c := n.c
	in := func(i int) *dynValue {
		if v := n.in(i); v != nil {
			return v.dyn
		}
		return nil
	}
	bind := func(d *dynValue) {
		x := d.x
		c.vals[n.outName(0)] = &value{t: x.t, perm: x.perm, dyn: d}
	}
	unsupported := fmt.Errorf("reads DynamicQuantizeLinear's outputs outside the pattern ONNX Runtime writes (Mul of the scale, MatMulInteger or ConvInteger, Cast, Mul)")
	switch n.OpType {
	case "MatMulInteger", "ConvInteger":
		a, z := in(0), in(2)
		w := n.in(1)
		if a == nil || a.kind != dynQuantized || (z != nil && (z.kind != dynZeroPoint || z.x != a.x)) || w == nil || !c.isConst(w) || in(1) != nil {
			return unsupported
		}
		wzp := n.in(3)
		if wzp != nil && !c.isConst(wzp) {
			return fmt.Errorf("the weights' zero point must be constant")
		}
		bind(&dynValue{kind: dynProduct, x: a.x, node: n, w: w, wzp: wzp})
		return nil
	case "Cast":
		a := in(0)
		if a == nil || a.kind != dynProduct || n.int("to", 0) != onnxFloat {
			return unsupported
		}
		d := *a
		d.float = true
		bind(&d)
		return nil
	case "Mul":
		a, b := in(0), in(1)
		if a == nil {
			a, b = b, a
		}
		if b == nil {
			// y_scale (times earlier factors) times a constant.
			k := n.in(1)
			if in(0) == nil {
				k = n.in(0)
			}
			vals, ok := c.floatValues(k)
			if !ok || (a.kind != dynScale && a.kind != dynScaleTimes) {
				return unsupported
			}
			f := slices.Clone(vals)
			if a.kind == dynScaleTimes {
				f = mulFactors(a.factor, vals)
			}
			bind(&dynValue{kind: dynScaleTimes, x: a.x, factor: f})
			return nil
		}
		if a.kind == dynProduct {
			a, b = b, a
		}
		if a.kind == dynScaleTimes && b.kind == dynProduct && b.float && a.x == b.x {
			return n.hybridProduct(b, a.factor)
		}
	}
	return unsupported
}

func mulFactors(a, b []float64) []float64 {
	n := max(len(a), len(b))
	out := make([]float64, n)
	for i := range out {
		out[i] = a[i%len(a)] * b[i%len(b)]
	}
	return out
}

// hybridProduct emits the float-input, int8-weight op for a product whose
// weights' scale is now known, and binds the Mul's output to it.
func (n *node) hybridProduct(p *dynValue, scale []float64) error {
	c := n.c
	pn := p.node
	w := c.tensor(p.w.t)
	var zps []int
	if p.wzp != nil {
		zps, _ = c.intValues(p.wzp)
	}
	// The weights' reals are (w - zero point) * scale, per tensor or per
	// output channel (axis 0 for convolutions, the last for matrices).
	axis := 0
	if pn.OpType == "MatMulInteger" {
		axis = len(w.Shape) - 1
	}
	q := &ir.Quantization{Axis: axis}
	for i, s := range scale {
		q.Scale = append(q.Scale, float32(s))
		z := 0
		if len(zps) > 0 {
			z = zps[i%len(zps)]
		}
		q.ZeroPoint = append(q.ZeroPoint, int64(z))
	}
	if len(zps) > len(scale) {
		for i := len(scale); i < len(zps); i++ {
			q.Scale = append(q.Scale, float32(scale[0]))
			q.ZeroPoint = append(q.ZeroPoint, int64(zps[i]))
		}
	}
	if len(q.Scale) > 1 && w.Shape[axis] != len(q.Scale) {
		return fmt.Errorf("%d weight scales for weights %v", len(q.Scale), w.Shape)
	}
	vals, err := dequantizeConst(w, q)
	if err != nil {
		return err
	}
	f := make([]float32, len(vals))
	for i, v := range vals {
		f[i] = float32(v)
	}
	wv := c.constValue(c.constFloat32(w.Name+"/real", w.Shape, f))
	// TFLite's hybrid kernels take symmetric int8 weights: reuse w when it
	// is, or quantize its reals again.
	ct, cq := canonical(w.Type, q)
	if ct == ir.Int8 && !slices.ContainsFunc(cq.ZeroPoint, func(z int64) bool { return z != 0 }) {
		data := w.Data
		it := c.constant(w.Name+"/int8", ir.Int8, w.Shape, data)
		c.tensor(it).Quant = cq
		wv.q = c.constValue(it)
	}
	x := p.x
	out := n.outName(0)
	if pn.OpType == "MatMulInteger" {
		if c.rank(x) < 2 || len(w.Shape) != 2 {
			return fmt.Errorf("hybrid matrix product of %v and %v", c.shape(x), w.Shape)
		}
		wt, err := c.int8Weights(wv, 1)
		if err != nil {
			return err
		}
		if wt, err = c.transposeTensor(wt, []int{1, 0}, c.tmpName("weights")); err != nil {
			return err
		}
		at, err := c.plain(x)
		if err != nil {
			return err
		}
		opts := &ir.FullyConnectedOptions{KeepNumDims: len(c.tensor(at).Shape) > 2, AsymmetricQuantizeInputs: true}
		t, err := c.emit1(ir.FullyConnected, opts, []int{at, wt, -1}, out, ir.Float32)
		if err != nil {
			return err
		}
		n.set(0, t, nil)
		return nil
	}
	sp, bad := spatialRank(pn, x)
	if bad != "" {
		return fmt.Errorf("%s", bad)
	}
	wt, err := c.int8Weights(wv, 0)
	if err != nil {
		return err
	}
	ft, ws, err := pn.convWeights(c.constValue(wt), sp)
	if err != nil {
		return err
	}
	saved := pn.Outputs
	pn.Outputs = []string{out}
	err = pn.convolve(convArgs{x: x, sp: sp, filter: ft, ws: ws})
	pn.Outputs = saved
	return err
}
