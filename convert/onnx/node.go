package onnx

import "fmt"

// node is the converter's view of one NodeProto: typed attribute access and
// its inputs as converted values. Attribute errors are sticky: a getter
// returns the default and records the first error, which the converter
// reports when the handler returns.
type node struct {
	*NodeProto
	c     *converter
	attrs map[string]*AttributeProto
	err   error
}

func newNode(c *converter, p *NodeProto) *node {
	n := &node{NodeProto: p, c: c, attrs: map[string]*AttributeProto{}}
	for _, a := range p.Attrs {
		n.attrs[a.Name] = a
	}
	return n
}

// fail records the node's first error.
func (n *node) fail(format string, args ...any) {
	if n.err == nil {
		n.err = fmt.Errorf(format, args...)
	}
}

func (n *node) has(name string) bool { _, ok := n.attrs[name]; return ok }

func (n *node) attr(name string, want ...AttrType) *AttributeProto {
	a, ok := n.attrs[name]
	if !ok {
		return nil
	}
	for _, w := range want {
		if a.Type == w {
			return a
		}
	}
	n.fail("attribute %q is a %v, expected %v", name, a.Type, want[0])
	return nil
}

func (n *node) int(name string, def int) int {
	if a := n.attr(name, AttrInt); a != nil {
		if a.I > 1<<40 || a.I < -(1<<40) {
			n.fail("attribute %q is %d, out of range", name, a.I)
			return def
		}
		return int(a.I)
	}
	return def
}

func (n *node) float(name string, def float32) float32 {
	if a := n.attr(name, AttrFloat); a != nil {
		return a.F
	}
	return def
}

func (n *node) str(name, def string) string {
	if a := n.attr(name, AttrString); a != nil {
		return string(a.S)
	}
	return def
}

func (n *node) ints(name string, def []int) []int {
	a := n.attr(name, AttrInts)
	if a == nil {
		return def
	}
	out := make([]int, len(a.Ints))
	for i, v := range a.Ints {
		if v > 1<<40 || v < -(1<<40) {
			n.fail("attribute %q element %d is %d, out of range", name, i, v)
			return def
		}
		out[i] = int(v)
	}
	return out
}

func (n *node) floats(name string, def []float32) []float32 {
	if a := n.attr(name, AttrFloats); a != nil {
		return a.Floats
	}
	return def
}

// numInputs counts the node's inputs including absent optional ones.
func (n *node) numInputs() int { return len(n.Inputs) }

// in returns input i, or nil when it is absent (beyond the list or "").
func (n *node) in(i int) *value {
	if i >= len(n.Inputs) || n.Inputs[i] == "" {
		return nil
	}
	return n.c.vals[n.Inputs[i]]
}

// need returns input i, recording an error when it is absent.
func (n *node) need(i int, role string) *value {
	v := n.in(i)
	if v == nil {
		n.fail("input %d (%s) is missing", i, role)
	}
	return v
}

// constInts returns the values of integer input i, recording an error when
// the input is absent or not a constant.
func (n *node) constInts(i int, role string) []int {
	v := n.need(i, role)
	if v == nil {
		return nil
	}
	vals, ok := n.c.intValues(v)
	if !ok {
		n.fail("input %d (%s, %q) must be a constant integer tensor: liteforge converts it only when its values are known at conversion time", i, role, n.Inputs[i])
		return nil
	}
	return vals
}

// optInts returns the values of optional integer input i, or def when absent.
func (n *node) optInts(i int, role string, def []int) []int {
	if n.in(i) == nil {
		return def
	}
	return n.constInts(i, role)
}

// constFloats returns the values of a constant numeric input.
func (n *node) constFloats(i int, role string) []float64 {
	v := n.need(i, role)
	if v == nil {
		return nil
	}
	vals, ok := n.c.floatValues(v)
	if !ok {
		n.fail("input %d (%s, %q) must be a constant: liteforge converts it only when its values are known at conversion time", i, role, n.Inputs[i])
	}
	return vals
}

// outName is the ONNX name of output i.
func (n *node) outName(i int) string {
	if i < len(n.Outputs) {
		return n.Outputs[i]
	}
	return ""
}

// wants reports whether output i is requested (present and named).
func (n *node) wants(i int) bool { return n.outName(i) != "" }

// set binds output i to tensor t held in physical order perm.
func (n *node) set(i int, t int, perm []int) {
	if !n.wants(i) {
		return
	}
	if perm == nil {
		perm = identityPerm(len(n.c.tensor(t).Shape))
	}
	n.c.vals[n.outName(i)] = &value{t: t, perm: perm}
}

// axis resolves a possibly negative axis attribute or value against rank.
func (n *node) axis(a, rank int, what string) int {
	if a < -rank || a >= rank {
		n.fail("%s %d is out of range for rank %d", what, a, rank)
		return 0
	}
	if a < 0 {
		a += rank
	}
	return a
}
