package onnx

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// Exporters older than opset 20 write the exact GELU as
// x * 0.5 * (1 + erf(x / sqrt(2))), with the Div (or a Mul by 1/sqrt(2))
// and the final Muls in various orders. TFLite has GELU but no ERF, so an
// Erf inside that pattern becomes one GELU, and its Add and Muls are taken
// over; an Erf anywhere else is an error. Softplus and Softsign are
// composed from ops TFLite has.

func init() {
	register(handler{conv: convErf}, "Erf")
	register(handler{conv: convSoftplus}, "Softplus", "Softsign")
}

// scalarConst returns the single value of a constant input.
func (c *converter) scalarConst(name string) (float64, bool) {
	v := c.vals[name]
	if v == nil {
		return 0, false
	}
	f, ok := c.floatValues(v)
	if !ok || len(f) != 1 {
		return 0, false
	}
	return f[0], true
}

// otherInput returns the input of a two-input node that is not name.
func otherInput(n *NodeProto, name string) (string, bool) {
	if len(n.Inputs) != 2 {
		return "", false
	}
	switch name {
	case n.Inputs[0]:
		return n.Inputs[1], true
	case n.Inputs[1]:
		return n.Inputs[0], true
	}
	return "", false
}

// soleUser returns the one node reading name, when exactly one does and
// name is not a graph output.
func (c *converter) soleUser(name, opType string) *NodeProto {
	users := c.consumers[name]
	if len(users) != 1 || users[0].OpType != opType || c.isGraphOutput(name) || len(users[0].Outputs) != 1 {
		return nil
	}
	return users[0]
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-4*math.Abs(b) }

func convErf(n *node) error {
	c := n.c
	fail := fmt.Errorf("TFLite has no ERF; liteforge converts Erf only inside the exact GELU pattern x*0.5*(1+erf(x/sqrt(2)))")
	// Backward: erf's input is x/sqrt(2) or x*(1/sqrt(2)).
	var x string
	var prod *NodeProto
	for _, p := range c.producers(n.Inputs[0]) {
		prod = p
	}
	if prod == nil || len(prod.Inputs) != 2 {
		return fail
	}
	switch prod.OpType {
	case "Div":
		if k, ok := c.scalarConst(prod.Inputs[1]); ok && near(k, math.Sqrt2) {
			x = prod.Inputs[0]
		}
	case "Mul":
		for i := range 2 {
			if k, ok := c.scalarConst(prod.Inputs[i]); ok && near(k, 1/math.Sqrt2) {
				x = prod.Inputs[1-i]
			}
		}
	}
	if x == "" {
		return fail
	}
	// Forward: Add 1, then Mul by x and by 0.5 in either order, or by 0.5*x.
	add := c.soleUser(n.outName(0), "Add")
	if add == nil {
		return fail
	}
	if o, _ := otherInput(add, n.outName(0)); !isConstNear(c, o, 1) {
		return fail
	}
	m1 := c.soleUser(add.Outputs[0], "Mul")
	if m1 == nil {
		return fail
	}
	o1, _ := otherInput(m1, add.Outputs[0])
	var last *NodeProto
	absorbed := []*NodeProto{add, m1}
	switch {
	case o1 == x: // (1+erf)*x, then *0.5
		last = c.soleUser(m1.Outputs[0], "Mul")
		if last == nil {
			return fail
		}
		if o, _ := otherInput(last, m1.Outputs[0]); !isConstNear(c, o, 0.5) {
			return fail
		}
		absorbed = append(absorbed, last)
	case isConstNear(c, o1, 0.5): // (1+erf)*0.5, then *x
		last = c.soleUser(m1.Outputs[0], "Mul")
		if last == nil {
			return fail
		}
		if o, _ := otherInput(last, m1.Outputs[0]); o != x {
			return fail
		}
		absorbed = append(absorbed, last)
	default: // (0.5*x) * (1+erf)
		for _, p := range c.producers(o1) {
			if p.OpType == "Mul" {
				if o, ok := otherInput(p, x); ok && isConstNear(c, o, 0.5) {
					last = m1
				}
			}
		}
		if last == nil {
			return fail
		}
	}
	xv := c.vals[x]
	if xv == nil || c.dtype(xv) != ir.Float32 {
		return fail
	}
	t, err := c.emit1(ir.Gelu, &ir.GeluOptions{}, []int{xv.t}, last.Outputs[0], ir.Float32)
	if err != nil {
		return err
	}
	for _, a := range absorbed {
		c.absorbed[a] = true
	}
	c.vals[last.Outputs[0]] = &value{t: t, perm: xv.perm}
	for _, a := range absorbed[:len(absorbed)-1] {
		c.unbound[a.Outputs[0]] = true
	}
	c.unbound[n.outName(0)] = true
	return nil
}

func isConstNear(c *converter, name string, want float64) bool {
	v, ok := c.scalarConst(name)
	return ok && near(v, want)
}

// producers returns the node writing name (none for inputs and constants).
func (c *converter) producers(name string) []*NodeProto {
	if p, ok := c.producer[name]; ok {
		return []*NodeProto{p}
	}
	return nil
}

// convSoftplus: Softplus is max(x,0) + log(1 + exp(-|x|)), which does not
// overflow; Softsign is x / (1 + |x|).
func convSoftplus(n *node) error {
	c := n.c
	x := n.need(0, "X")
	if n.err != nil {
		return nil
	}
	if c.dtype(x) != ir.Float32 {
		return fmt.Errorf("input of type %v", c.dtype(x))
	}
	one, err := n.scalarValue(x, 1, "one")
	if err != nil {
		return err
	}
	a, err := n.unary(ir.Abs, nil, x, c.tmpName("abs"))
	if err != nil {
		return err
	}
	if n.OpType == "Softsign" {
		d, err := n.binary(ir.Add, a, one, c.tmpName("denominator"))
		if err != nil {
			return err
		}
		v, err := n.binary(ir.Div, x, d, n.outName(0))
		if err != nil {
			return err
		}
		n.set(0, v.t, v.perm)
		return nil
	}
	e, err := n.unary(ir.Neg, nil, a, c.tmpName("neg_abs"))
	if err == nil {
		e, err = n.unary(ir.Exp, nil, e, c.tmpName("exp"))
	}
	if err == nil {
		e, err = n.binary(ir.Add, e, one, c.tmpName("one_plus"))
	}
	if err == nil {
		e, err = n.unary(ir.Log, nil, e, c.tmpName("log"))
	}
	if err != nil {
		return err
	}
	r, err := n.unary(ir.Relu, nil, x, c.tmpName("relu"))
	if err != nil {
		return err
	}
	v, err := n.binary(ir.Add, r, e, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}
