// Package onnx converts ONNX models into liteforge's ir.Model, ready to be
// written as TensorFlow Lite files: it reads the ModelProto (opsets 7 to 21,
// external data included), maps each ONNX operator onto TFLite ops, moves the
// graph from ONNX's channels-first layout to TFLite's channels-last one with
// transposes only at the boundaries, folds what is constant on the way in,
// and runs the optimize passes over the result.
package onnx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/optimize"
)

// Options control a conversion.
type Options struct {
	// InputShapes fixes the shapes of graph inputs, by name, in ONNX's
	// (logical) layout; the name "" stands for a model's only input. Dimensions an input leaves dynamic and InputShapes
	// does not fix become 1 when they are the first (batch) dimension, and
	// are an error otherwise.
	InputShapes map[string][]int
	// NHWC makes 4-D (and other channels-first) graph inputs and outputs
	// channels-last, so no TRANSPOSE is needed at the boundaries.
	NHWC bool
	// BaseDir is the directory external-data files are relative to;
	// ConvertFile sets it to the model's directory.
	BaseDir string
	// Constants replace graph inputs of the same name by constant values
	// (in ONNX layout), as if they were initializers.
	Constants map[string]*ir.Tensor
	// NoOptimize skips optimize.Default after conversion.
	NoOptimize bool
	// Warn, when set, receives what the user should know about the
	// conversion (a quantized node that had to run in float, say).
	Warn func(msg string)
}

// MinOpset and MaxOpset bound the default-domain operator sets converted.
// Opsets 7 to 21 are the ones exporters write today; opsets 1 to 6 convert
// where their operators' legacy forms (broadcast and axis attributes,
// attribute-held shapes) are handled.
const (
	MinOpset = 1
	MaxOpset = 21
)

// ConvertFile reads an ONNX model file and converts it.
func ConvertFile(path string, opts Options) (*ir.Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if opts.BaseDir == "" {
		opts.BaseDir = filepath.Dir(path)
	}
	m, err := Convert(data, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Convert parses a serialized ONNX model and converts it.
func Convert(data []byte, opts Options) (*ir.Model, error) {
	mp, err := DecodeModel(data)
	if err != nil {
		return nil, err
	}
	return ConvertModel(mp, opts)
}

// UnsupportedError lists every node of a model liteforge cannot convert,
// grouped by op type (and reason, when the type is supported but a node's
// attributes are not).
type UnsupportedError struct {
	Groups []UnsupportedGroup
}

// UnsupportedGroup is one unsupported op type (or one reason for it).
type UnsupportedGroup struct {
	OpType string // with its domain when not the default one ("com.foo:Bar")
	Reason string // empty when the op type itself is unknown
	Nodes  []string
}

func (e *UnsupportedError) Error() string {
	var b strings.Builder
	total := 0
	for _, g := range e.Groups {
		total += len(g.Nodes)
	}
	fmt.Fprintf(&b, "onnx: %d node(s) cannot be converted:", total)
	for _, g := range e.Groups {
		fmt.Fprintf(&b, "\n  %s ×%d", g.OpType, len(g.Nodes))
		if g.Reason != "" {
			fmt.Fprintf(&b, " (%s)", g.Reason)
		} else {
			b.WriteString(" (no converter for this op)")
		}
		names := g.Nodes
		const shown = 8
		if len(names) > shown {
			names = names[:shown]
		}
		fmt.Fprintf(&b, ": %s", strings.Join(names, ", "))
		if len(g.Nodes) > shown {
			fmt.Fprintf(&b, ", and %d more", len(g.Nodes)-shown)
		}
	}
	return b.String()
}

// ConvertModel converts a decoded ONNX model.
func ConvertModel(mp *ModelProto, opts Options) (*ir.Model, error) {
	if mp.Graph == nil {
		return nil, errors.New("onnx: model has no graph")
	}
	c := &converter{
		g:       &ir.Graph{Name: mp.Graph.Name},
		opts:    opts,
		baseDir: opts.BaseDir,
		vals:    map[string]*value{},
		mats:    map[string]int{},
		opsets:  map[string]int64{},
	}
	for _, o := range mp.Opsets {
		d := o.Domain
		if d == "ai.onnx" {
			d = ""
		}
		c.opsets[d] = o.Version
	}
	c.opset = c.opsets[""]
	if _, ok := c.opsets[""]; !ok {
		if len(mp.Opsets) == 0 && mp.IRVersion <= 2 {
			c.opset = 1
		}
		if len(mp.Opsets) > 0 {
			return nil, errors.New("onnx: model imports no default-domain (ai.onnx) operator set")
		}
	}
	if c.opset < MinOpset || c.opset > MaxOpset {
		return nil, fmt.Errorf("onnx: model uses opset %d of the default domain; liteforge converts opsets %d to %d", c.opset, MinOpset, MaxOpset)
	}
	if mp.NumFunctions > 0 {
		c.warns = append(c.warns, "model-local functions are ignored")
	}
	g := mp.Graph
	if g.NumSparse > 0 {
		return nil, fmt.Errorf("onnx: graph has %d sparse initializers, which liteforge does not convert", g.NumSparse)
	}
	order, err := sortNodes(g)
	if err != nil {
		return nil, err
	}
	if err := checkSupported(c, order); err != nil {
		return nil, err
	}
	c.absorbed = map[*NodeProto]bool{}
	c.unbound = map[string]bool{}
	c.graphOutputs = map[string]bool{}
	for _, o := range g.Outputs {
		c.graphOutputs[o.Name] = true
	}
	c.consumers = map[string][]*NodeProto{}
	c.producer = map[string]*NodeProto{}
	for _, p := range order {
		for _, in := range p.Inputs {
			c.consumers[in] = append(c.consumers[in], p)
		}
		for _, o := range p.Outputs {
			c.producer[o] = p
		}
	}
	if err := c.addInitializers(g); err != nil {
		return nil, err
	}
	if err := c.addInputs(g); err != nil {
		return nil, err
	}
	for _, p := range order {
		if err := c.convertNode(p); err != nil {
			return nil, err
		}
	}
	if err := c.addOutputs(g); err != nil {
		return nil, err
	}
	if opts.Warn != nil {
		for _, w := range c.warns {
			opts.Warn(w)
		}
	}
	m := &ir.Model{Version: 3, Graphs: []*ir.Graph{c.g}, Description: "converted from ONNX by liteforge"}
	if mp.ProducerName != "" {
		m.Description += fmt.Sprintf(" (produced by %s %s)", mp.ProducerName, mp.ProducerVersion)
	}
	if !opts.NoOptimize {
		if _, err := optimize.Apply(m, optimize.Default...); err != nil {
			return nil, fmt.Errorf("onnx: optimizing the converted graph: %w", err)
		}
	} else {
		m.RemoveUnusedTensors(0)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("onnx: the converted model is invalid (a liteforge bug): %w", err)
	}
	return m, nil
}

// sortNodes orders the nodes so that each comes after the producers of its
// inputs (ONNX requires the file to be sorted; some exporters slip).
func sortNodes(g *GraphProto) ([]*NodeProto, error) {
	producer := map[string]int{}
	for i, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o == "" {
				continue
			}
			if j, dup := producer[o]; dup {
				return nil, fmt.Errorf("onnx: value %q is produced by both node %s and node %s", o, nodeLabel(g.Nodes[j], j), nodeLabel(n, i))
			}
			producer[o] = i
		}
	}
	state := make([]int, len(g.Nodes)) // 0 new, 1 visiting, 2 done
	var order []*NodeProto
	var visit func(i int) error
	visit = func(i int) error {
		// An explicit stack would avoid deep recursion; graphs deep enough to
		// matter (millions of chained nodes) would not fit in memory anyway.
		switch state[i] {
		case 1:
			return fmt.Errorf("onnx: node %s is part of a cycle", nodeLabel(g.Nodes[i], i))
		case 2:
			return nil
		}
		state[i] = 1
		for _, in := range g.Nodes[i].Inputs {
			if j, ok := producer[in]; ok && in != "" {
				if err := visit(j); err != nil {
					return err
				}
			}
		}
		state[i] = 2
		order = append(order, g.Nodes[i])
		return nil
	}
	for i := range g.Nodes {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return order, nil
}

func nodeLabel(n *NodeProto, i int) string {
	if n.Name != "" {
		return fmt.Sprintf("%q (%s)", n.Name, n.OpType)
	}
	return fmt.Sprintf("%d (%s)", i, n.OpType)
}

// checkSupported returns one error naming every node that cannot be
// converted, before any conversion work is done.
func checkSupported(c *converter, nodes []*NodeProto) error {
	groups := map[[2]string][]string{}
	for i, p := range nodes {
		name := p.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		key := p.OpType
		if p.Domain != "" && p.Domain != "ai.onnx" {
			key = p.Domain + ":" + p.OpType
		}
		h, ok := lookupHandler(p.Domain, p.OpType)
		reason := ""
		switch {
		case !ok:
		case h.check != nil:
			reason = h.check(newNode(c, p))
			if reason == "" {
				continue
			}
		default:
			continue
		}
		k := [2]string{key, reason}
		groups[k] = append(groups[k], name)
	}
	if len(groups) == 0 {
		return nil
	}
	e := &UnsupportedError{}
	for k, names := range groups {
		e.Groups = append(e.Groups, UnsupportedGroup{OpType: k[0], Reason: k[1], Nodes: names})
	}
	sort.Slice(e.Groups, func(i, j int) bool {
		a, b := e.Groups[i], e.Groups[j]
		if a.OpType != b.OpType {
			return a.OpType < b.OpType
		}
		return a.Reason < b.Reason
	})
	return e
}

func (c *converter) addInitializers(g *GraphProto) error {
	for i, t := range g.Initializers {
		if t.Name == "" {
			return fmt.Errorf("onnx: initializer %d has no name", i)
		}
		v, err := tensorValue(t, c.baseDir)
		if err != nil {
			return fmt.Errorf("onnx: initializer %d: %w", i, err)
		}
		id := c.g.AddTensor(v)
		c.vals[t.Name] = c.constValue(id)
	}
	return nil
}

// addInputs makes the graph's runtime inputs: those without an initializer
// (an initializer listed as an input is a constant with a default, kept
// constant here) or a replacement constant.
func (c *converter) addInputs(g *GraphProto) error {
	if s, ok := c.opts.InputShapes[""]; ok {
		// A shape without a name is the only runtime input's.
		var runtime []string
		for _, vi := range g.Inputs {
			if _, isInit := c.vals[vi.Name]; !isInit && c.opts.Constants[vi.Name] == nil {
				runtime = append(runtime, vi.Name)
			}
		}
		if len(runtime) != 1 {
			return fmt.Errorf("onnx: an input shape without a name needs a model with one input; this one has %d (%s)", len(runtime), inputNames(g))
		}
		shapes := map[string][]int{runtime[0]: s}
		for k, v := range c.opts.InputShapes {
			if k != "" {
				shapes[k] = v
			}
		}
		c.opts.InputShapes = shapes
	}
	for name := range c.opts.InputShapes {
		if !slices.ContainsFunc(g.Inputs, func(v *ValueInfoProto) bool { return v.Name == name }) {
			return fmt.Errorf("onnx: --input-shape names %q, which is not a graph input (inputs: %s)", name, inputNames(g))
		}
	}
	for _, vi := range g.Inputs {
		if _, isInit := c.vals[vi.Name]; isInit {
			continue
		}
		if k, ok := c.opts.Constants[vi.Name]; ok {
			t := k.Clone()
			t.Name = vi.Name
			c.vals[vi.Name] = c.constValue(c.g.AddTensor(t))
			continue
		}
		typ, shape, err := c.inputType(vi)
		if err != nil {
			return err
		}
		perm := identityPerm(len(shape))
		if c.opts.NHWC && len(shape) >= 3 {
			perm = channelsLast(len(shape))
		}
		id := c.addTensor(vi.Name, typ, physicalShape(shape, perm))
		c.g.Inputs = append(c.g.Inputs, id)
		c.vals[vi.Name] = &value{t: id, perm: perm}
	}
	return nil
}

func inputNames(g *GraphProto) string {
	var names []string
	for _, v := range g.Inputs {
		names = append(names, fmt.Sprintf("%q", v.Name))
	}
	return strings.Join(names, ", ")
}

// inputType is a graph input's element type and static shape.
func (c *converter) inputType(vi *ValueInfoProto) (ir.DataType, []int, error) {
	if vi.Type == nil || vi.Type.Kind != "tensor" {
		kind := "no type"
		if vi.Type != nil {
			kind = vi.Type.Kind
		}
		return 0, nil, fmt.Errorf("onnx: graph input %q is a %s, liteforge converts tensor inputs only", vi.Name, kind)
	}
	typ, err := irType(vi.Type.ElemType)
	if err != nil {
		return 0, nil, fmt.Errorf("onnx: graph input %q: %w", vi.Name, err)
	}
	if s, ok := c.opts.InputShapes[vi.Name]; ok {
		if vi.Type.Shape != nil && len(s) != len(vi.Type.Shape) {
			return 0, nil, fmt.Errorf("onnx: graph input %q has rank %d, the given shape %v has rank %d", vi.Name, len(vi.Type.Shape), s, len(s))
		}
		for i, d := range s {
			if d < 0 {
				return 0, nil, fmt.Errorf("onnx: graph input %q: given dimension %d is %d", vi.Name, i, d)
			}
			if vi.Type.Shape != nil && vi.Type.Shape[i].HasValue && vi.Type.Shape[i].Value != int64(d) {
				return 0, nil, fmt.Errorf("onnx: graph input %q: dimension %d is fixed at %d, the given shape %v says %d", vi.Name, i, vi.Type.Shape[i].Value, s, d)
			}
		}
		return typ, slices.Clone(s), nil
	}
	if vi.Type.Shape == nil {
		return 0, nil, fmt.Errorf("onnx: graph input %q has no shape; give one (--input-shape %s=...)", vi.Name, vi.Name)
	}
	shape := make([]int, len(vi.Type.Shape))
	for i, d := range vi.Type.Shape {
		switch {
		case d.HasValue && d.Value > 0 && d.Value < 1<<31:
			shape[i] = int(d.Value)
		case d.HasValue && d.Value != 0:
			return 0, nil, fmt.Errorf("onnx: graph input %q: dimension %d is %d", vi.Name, i, d.Value)
		case i == 0:
			shape[i] = 1 // a dynamic batch becomes 1
		default:
			what := "unknown"
			if d.Param != "" {
				what = fmt.Sprintf("%q", d.Param)
			}
			return 0, nil, fmt.Errorf("onnx: graph input %q: dimension %d is dynamic (%s); give its size (--input-shape %s=...)", vi.Name, i, what, vi.Name)
		}
	}
	return typ, shape, nil
}

func (c *converter) convertNode(p *NodeProto) error {
	if c.absorbed[p] {
		return nil // an integer op before it took it over
	}
	c.cur = p
	n := newNode(c, p)
	label := p.Name
	if label == "" && len(p.Outputs) > 0 {
		label = "producing " + p.Outputs[0]
	}
	for i, in := range p.Inputs {
		if in != "" && c.vals[in] == nil {
			return fmt.Errorf("onnx: node %q (%s): input %d %q is not produced by any node, initializer or graph input", label, p.OpType, i, in)
		}
	}
	if n.hasDynInput() {
		if err := convDynamic(n); err != nil {
			return fmt.Errorf("onnx: node %q (%s): %w", label, p.OpType, err)
		}
		return c.checkOutputs(p, label)
	}
	h, _ := lookupHandler(p.Domain, p.OpType)
	if c.convertQuantized(n) {
		return c.checkOutputs(p, label)
	}
	err := h.conv(n)
	if err == nil {
		err = n.err
	}
	if err != nil {
		return fmt.Errorf("onnx: node %q (%s): %w", label, p.OpType, err)
	}
	return c.checkOutputs(p, label)
}

func (c *converter) checkOutputs(p *NodeProto, label string) error {
	for i, o := range p.Outputs {
		if o != "" && c.vals[o] == nil && !c.unbound[o] {
			return fmt.Errorf("onnx: node %q (%s): output %d %q is not supported by liteforge's converter", label, p.OpType, i, o)
		}
	}
	return nil
}

// convertQuantized tries n's quantized form when its inputs come quantized,
// and reports whether it succeeded; a failed attempt is undone and leaves a
// warning, and the node is then converted in float.
func (c *converter) convertQuantized(n *node) bool {
	qh, ok := quantHandlers[n.OpType]
	if !ok || (n.Domain != "" && n.Domain != "ai.onnx") || !n.hasQuantInput() {
		return false
	}
	snap := c.snapshot()
	done, err := qh(n)
	if err == nil && n.err == nil && done {
		return true
	}
	c.rollback(snap)
	for _, o := range n.Outputs {
		delete(c.vals, o)
	}
	reason := "no integer form for its parameters"
	switch {
	case err != nil:
		reason = err.Error()
	case n.err != nil:
		reason = n.err.Error()
	}
	n.err = nil
	if n.outPlan(0) != nil {
		c.warns = append(c.warns, fmt.Sprintf("node %q (%s) runs in float between DEQUANTIZE and QUANTIZE: %s", n.Name, n.OpType, reason))
	}
	return false
}

// addOutputs binds the graph outputs, in ONNX layout (or channels-last with
// Options.NHWC), named as in the ONNX graph.
func (c *converter) addOutputs(g *GraphProto) error {
	c.cur = nil
	used := map[int]bool{}
	for _, vi := range g.Outputs {
		v := c.vals[vi.Name]
		if v == nil {
			return fmt.Errorf("onnx: graph output %q is not produced by any node, initializer or input", vi.Name)
		}
		if v.dyn != nil {
			return fmt.Errorf("onnx: graph output %q is an intermediate of dynamic quantization", vi.Name)
		}
		perm := identityPerm(c.rank(v))
		if c.opts.NHWC && c.rank(v) >= 3 {
			perm = channelsLast(c.rank(v))
		}
		t, err := c.outputTensor(v, perm)
		if err != nil {
			return fmt.Errorf("onnx: graph output %q: %w", vi.Name, err)
		}
		if t, err = c.declaredType(vi, t); err != nil {
			return fmt.Errorf("onnx: graph output %q: %w", vi.Name, err)
		}
		// An output must be a tensor an op writes, once: copy constants,
		// inputs and tensors already bound to another output.
		if used[t] || c.tensor(t).IsConst() || c.g.IsInput(t) {
			t, err = c.copyTensor(t, vi.Name)
			if err != nil {
				return fmt.Errorf("onnx: graph output %q: %w", vi.Name, err)
			}
		}
		used[t] = true
		c.tensor(t).Name = vi.Name
		if err := c.checkDeclared(vi, c.shape(&value{t: t, perm: perm})); err != nil {
			return err
		}
		c.g.Outputs = append(c.g.Outputs, t)
	}
	return nil
}

// outputTensor returns v in physical order perm. A dequantized value is
// reordered as integers, then dequantized.
func (c *converter) outputTensor(v *value, perm []int) (int, error) {
	if v.q == nil || slices.Equal(v.perm, perm) || c.isConst(v) {
		return c.materialize(v, perm)
	}
	t, err := c.materialize(v.q, perm)
	if err != nil {
		return 0, err
	}
	return c.emit1(ir.Dequantize, nil, []int{t}, c.tensor(v.t).Name, ir.Float32)
}

// declaredType returns tensor t in the integer type a graph output is
// declared with, when liteforge computed it in another (a uint8 output
// computed in int8, with its zero point moved by 128).
func (c *converter) declaredType(vi *ValueInfoProto, t int) (int, error) {
	if vi.Type == nil || vi.Type.Kind != "tensor" {
		return t, nil
	}
	want, err := irType(vi.Type.ElemType)
	x := c.tensor(t)
	if err != nil || want == x.Type || !x.Quant.Quantized() || want != ir.Uint8 || x.Type != ir.Int8 {
		return t, nil
	}
	q := x.Quant.Clone()
	for i := range q.ZeroPoint {
		q.ZeroPoint[i] += 128
	}
	return c.requantize(t, ir.Uint8, q, x.Name+"/uint8")
}

// copyTensor adds an op writing a copy of t (a RESHAPE to its own shape),
// for outputs that no op would write otherwise (constants, inputs).
func (c *converter) copyTensor(t int, name string) (int, error) {
	s := c.tensor(t).Shape
	return c.emit1OpNoFold(ir.Reshape, &ir.ReshapeOptions{NewShape: slices.Clone(s)},
		[]int{t, c.constInt32(name+"/shape", s)}, name, c.tensor(t).Type)
}

// emit1OpNoFold adds an op without folding it.
func (c *converter) emit1OpNoFold(typ ir.OpType, opts ir.Options, inputs []int, name string, dt ir.DataType) (int, error) {
	op := &ir.Op{Type: typ, Version: 1, Inputs: inputs, Options: opts, Outputs: []int{-1}}
	in := make([]*ir.Tensor, len(inputs))
	for i, t := range inputs {
		in[i] = c.tensor(t)
	}
	shapes, err := ir.InferShapes(op, in)
	if err != nil {
		return 0, err
	}
	id := c.addTensor(name, dt, shapes[0])
	op.Outputs = []int{id}
	c.g.Ops = append(c.g.Ops, op)
	return id, nil
}

// checkDeclared compares a graph output's declared static shape and type
// with what the conversion computed.
func (c *converter) checkDeclared(vi *ValueInfoProto, got []int) error {
	if vi.Type == nil || vi.Type.Kind != "tensor" || vi.Type.Shape == nil || len(c.opts.InputShapes) > 0 {
		return nil
	}
	decl := vi.Type.Shape
	if len(decl) != len(got) {
		return fmt.Errorf("onnx: graph output %q is declared with rank %d, the graph computes shape %v", vi.Name, len(decl), got)
	}
	for i, d := range decl {
		if d.HasValue && d.Value > 0 && int(d.Value) != got[i] {
			return fmt.Errorf("onnx: graph output %q is declared with dimension %d = %d, the graph computes shape %v", vi.Name, i, d.Value, got)
		}
	}
	return nil
}
