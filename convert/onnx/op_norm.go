package onnx

import (
	"fmt"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// Normalizations. TFLite has no batch-norm op: inference batch norm is a
// per-channel MUL and ADD (folded into a preceding convolution by
// optimize.FoldBatchNorm); instance and layer norm are composed from MEAN,
// SUB, MUL, ADD and RSQRT.

func init() {
	register(handler{conv: convBatchNorm, check: checkBatchNorm}, "BatchNormalization")
	register(handler{conv: convInstanceNorm}, "InstanceNormalization")
	register(handler{conv: convLayerNorm}, "LayerNormalization")
}

func checkBatchNorm(n *node) string {
	// Training mode (opset 14 on) normalizes with the batch's statistics
	// and may output the updated running ones; older opsets' saved
	// statistics outputs are not converted.
	first := 1
	if n.int("training_mode", 0) != 0 {
		first = 3
	}
	for i := first; i < len(n.Outputs); i++ {
		if n.wants(i) {
			return "running statistics outputs outside training_mode"
		}
	}
	return ""
}

// channelVector reshapes a per-channel [C] value to [C, 1, ..., 1] of rank
// r-1, which broadcasts along logical axis 1 of a rank-r value.
func (n *node) channelVector(v *value, r int, name string) (*value, error) {
	c := n.c
	t, err := c.plain(v)
	if err != nil {
		return nil, err
	}
	s := c.tensor(t).Shape
	if len(s) != 1 {
		return nil, fmt.Errorf("per-channel input %q has shape %v, expected a vector", c.tensor(t).Name, s)
	}
	shape := append([]int{s[0]}, slices.Repeat([]int{1}, max(0, r-2))...)
	if t, err = c.reshape(t, shape, name); err != nil {
		return nil, err
	}
	return c.constOrValue(t), nil
}

// constOrValue wraps tensor t (ONNX order) as a value.
func (c *converter) constOrValue(t int) *value {
	return &value{t: t, perm: identityPerm(len(c.tensor(t).Shape))}
}

// epsilonValue is a scalar constant of x's type.
func (n *node) scalarValue(x *value, f float64, name string) (*value, error) {
	t, err := n.c.scalarLike(n.c.tmpName(name), n.c.dtype(x), f)
	if err != nil {
		return nil, err
	}
	return n.c.constValue(t), nil
}

func convBatchNorm(n *node) error {
	c := n.c
	x := n.need(0, "X")
	scale, bias, mean, variance := n.need(1, "scale"), n.need(2, "B"), n.need(3, "mean"), n.need(4, "var")
	eps := n.float("epsilon", 1e-5)
	if n.err != nil {
		return nil
	}
	r := c.rank(x)
	if r < 2 || c.shape(x)[1] != ir.NumElements(c.shape(scale)) {
		return fmt.Errorf("input %v and scale %v do not agree on the channels", c.shape(x), c.shape(scale))
	}
	if n.int("training_mode", 0) != 0 {
		return n.trainingBatchNorm(x, scale, bias, mean, variance, eps)
	}
	// a = scale / sqrt(var + eps); b = B - mean * a; y = x * a + b. All
	// constant for an exported model, so these fold now.
	e, err := n.scalarValue(variance, float64(eps), "epsilon")
	if err != nil {
		return err
	}
	d, err := n.binary(ir.Add, variance, e, c.tmpName("var_eps"))
	if err != nil {
		return err
	}
	if d, err = n.unary(ir.Sqrt, nil, d, c.tmpName("stddev")); err != nil {
		return err
	}
	a, err := n.binary(ir.Div, scale, d, c.tmpName("multiplier"))
	if err != nil {
		return err
	}
	ma, err := n.binary(ir.Mul, mean, a, c.tmpName("mean_scaled"))
	if err != nil {
		return err
	}
	b, err := n.binary(ir.Sub, bias, ma, c.tmpName("offset"))
	if err != nil {
		return err
	}
	if a, err = n.channelVector(a, r, c.tmpName("multiplier_c")); err != nil {
		return err
	}
	if b, err = n.channelVector(b, r, c.tmpName("offset_c")); err != nil {
		return err
	}
	y, err := n.binary(ir.Mul, x, a, c.tmpName("scaled"))
	if err != nil {
		return err
	}
	if y, err = n.binary(ir.Add, y, b, n.outName(0)); err != nil {
		return err
	}
	n.set(0, y.t, y.perm)
	return nil
}

// normalize returns (x - mean) / sqrt(var + eps) over the logical axes.
func (n *node) normalize(x *value, axes []int, eps float32) (*value, error) {
	y, _, _, err := n.normalizeStats(x, axes, eps)
	return y, err
}

// normalizeStats is normalize that also returns the mean and 1/sqrt(var+eps)
// (with the normalized axes kept, of size 1).
func (n *node) normalizeStats(x *value, axes []int, eps float32) (y, mean, invStd *value, err error) {
	m, d, v, err := n.moments(x, axes)
	if err != nil {
		return nil, nil, nil, err
	}
	y, invStd, err = n.standardize(d, v, eps)
	return y, m, invStd, err
}

// standardize returns centered / sqrt(variance + eps) and 1/sqrt(variance + eps).
func (n *node) standardize(centered, variance *value, eps float32) (y, invStd *value, err error) {
	c := n.c
	e, err := n.scalarValue(variance, float64(eps), "epsilon")
	if err != nil {
		return nil, nil, err
	}
	if invStd, err = n.binary(ir.Add, variance, e, c.tmpName("var_eps")); err != nil {
		return nil, nil, err
	}
	if invStd, err = n.unary(ir.Rsqrt, nil, invStd, c.tmpName("inv_stddev")); err != nil {
		return nil, nil, err
	}
	y, err = n.binary(ir.Mul, centered, invStd, c.tmpName("normalized"))
	return y, invStd, err
}

// moments returns the mean of x over the logical axes, x minus it, and the
// (biased) variance, the statistics kept as axes of size 1.
func (n *node) moments(x *value, axes []int) (mean, centered, variance *value, err error) {
	c := n.c
	if mean, err = n.reduce(ir.Mean, x, axes, true, c.tmpName("mean")); err != nil {
		return nil, nil, nil, err
	}
	if centered, err = n.binary(ir.Sub, x, mean, c.tmpName("centered")); err != nil {
		return nil, nil, nil, err
	}
	sq, err := n.binary(ir.Mul, centered, centered, c.tmpName("squared"))
	if err != nil {
		return nil, nil, nil, err
	}
	variance, err = n.reduce(ir.Mean, sq, axes, true, c.tmpName("variance"))
	return mean, centered, variance, err
}

// trainingBatchNorm normalizes x with its own per-channel mean and biased
// variance, as BatchNormalization does in training mode, and outputs the
// running statistics moved towards them: running * momentum + batch *
// (1 - momentum).
func (n *node) trainingBatchNorm(x, scale, bias, mean, variance *value, eps float32) error {
	c := n.c
	r := c.rank(x)
	momentum := n.float("momentum", 0.9)
	axes := append([]int{0}, identityPerm(r)[2:]...)
	bm, y, bv, err := n.moments(x, axes)
	if err != nil {
		return err
	}
	if y, _, err = n.standardize(y, bv, eps); err != nil {
		return err
	}
	if y, err = n.scaleShift(y, scale, bias, r); err != nil {
		return err
	}
	n.set(0, y.t, y.perm)
	for i, st := range [][2]*value{{mean, bm}, {variance, bv}} {
		if !n.wants(i + 1) {
			continue
		}
		running, batch := st[0], st[1]
		bt, err := c.plain(batch)
		if err != nil {
			return err
		}
		if bt, err = c.reshape(bt, c.shape(running), c.tmpName("batch_statistic")); err != nil {
			return err
		}
		keep, err := n.scalarValue(x, float64(momentum), "momentum")
		if err != nil {
			return err
		}
		take, err := n.scalarValue(x, float64(1-momentum), "one_minus_momentum")
		if err != nil {
			return err
		}
		old, err := n.binary(ir.Mul, running, keep, c.tmpName("running_kept"))
		if err != nil {
			return err
		}
		moved, err := n.binary(ir.Mul, c.constOrValue(bt), take, c.tmpName("batch_taken"))
		if err != nil {
			return err
		}
		if moved, err = n.binary(ir.Add, old, moved, n.outName(i+1)); err != nil {
			return err
		}
		n.set(i+1, moved.t, moved.perm)
	}
	return nil
}

func convInstanceNorm(n *node) error {
	c := n.c
	x, scale, bias := n.need(0, "input"), n.need(1, "scale"), n.need(2, "B")
	eps := n.float("epsilon", 1e-5)
	if n.err != nil {
		return nil
	}
	r := c.rank(x)
	if r < 3 {
		return fmt.Errorf("input of rank %d; expected at least 3", r)
	}
	axes := identityPerm(r)[2:]
	y, err := n.normalize(x, axes, eps)
	if err != nil {
		return err
	}
	if y, err = n.scaleShift(y, scale, bias, r); err != nil {
		return err
	}
	n.set(0, y.t, y.perm)
	return nil
}

// scaleShift returns y * scale + bias for per-channel (axis 1) scale and
// bias of a rank-r y, as the node's output.
func (n *node) scaleShift(y, scale, bias *value, r int) (*value, error) {
	c := n.c
	s, err := n.channelVector(scale, r, c.tmpName("scale_c"))
	if err != nil {
		return nil, err
	}
	b, err := n.channelVector(bias, r, c.tmpName("bias_c"))
	if err != nil {
		return nil, err
	}
	if y, err = n.binary(ir.Mul, y, s, c.tmpName("scaled")); err != nil {
		return nil, err
	}
	return n.binary(ir.Add, y, b, n.outName(0))
}

func convLayerNorm(n *node) error {
	c := n.c
	x, scale, bias := n.need(0, "X"), n.need(1, "Scale"), n.in(2)
	eps := n.float("epsilon", 1e-5)
	if n.err != nil {
		return nil
	}
	r := c.rank(x)
	axis := n.axis(n.int("axis", -1), r, "axis")
	if n.err != nil {
		return nil
	}
	y, mean, inv, err := n.normalizeStats(x, identityPerm(r)[axis:], eps)
	if err != nil {
		return err
	}
	for i, v := range []*value{mean, inv} {
		if n.wants(i + 1) {
			c.tensor(v.t).Name = n.outName(i + 1)
			n.set(i+1, v.t, v.perm)
		}
	}
	name := n.outName(0)
	if bias != nil {
		name = c.tmpName("scaled")
	}
	if y, err = n.binary(ir.Mul, y, scale, name); err != nil {
		return err
	}
	if bias != nil {
		if y, err = n.binary(ir.Add, y, bias, n.outName(0)); err != nil {
			return err
		}
	}
	n.set(0, y.t, y.perm)
	return nil
}
