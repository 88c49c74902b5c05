package ir

import (
	"errors"
	"fmt"
	"math"
)

// Validate checks the model's structure: every index in range, shapes and
// constant sizes consistent, quantization arrays consistent with their
// tensors, each tensor written by at most one op, every op input available
// (constant, graph input, variable or produced by some op) and no cycles. All
// problems found are returned together, each naming the graph, op or tensor.
func (m *Model) Validate() error {
	var errs []error
	if len(m.Graphs) == 0 {
		errs = append(errs, errors.New("model has no subgraphs"))
	}
	for gi, g := range m.Graphs {
		if err := g.validate(m, gi); err != nil {
			errs = append(errs, err)
		}
	}
	for si, s := range m.SignatureDefs {
		if s.Graph < 0 || s.Graph >= len(m.Graphs) {
			errs = append(errs, fmt.Errorf("signature %d (%q): subgraph %d out of range (model has %d)", si, s.Key, s.Graph, len(m.Graphs)))
			continue
		}
		n := len(m.Graphs[s.Graph].Tensors)
		for _, list := range [][]SignatureTensor{s.Inputs, s.Outputs} {
			for _, st := range list {
				if st.Tensor < 0 || st.Tensor >= n {
					errs = append(errs, fmt.Errorf("signature %d (%q): %q refers to tensor %d, subgraph %d has %d", si, s.Key, st.Name, st.Tensor, s.Graph, n))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// ValidateGraph checks one graph of m; see Model.Validate.
func (m *Model) ValidateGraph(gi int) error { return m.Graphs[gi].validate(m, gi) }

func (g *Graph) validate(m *Model, gi int) error {
	var errs []error
	where := fmt.Sprintf("subgraph %d", gi)
	if g.Name != "" {
		where = fmt.Sprintf("subgraph %d (%q)", gi, g.Name)
	}
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(where+": "+format, a...)) }
	n := len(g.Tensors)
	for ti, t := range g.Tensors {
		if t == nil {
			bad("tensor %d is nil", ti)
			continue
		}
		if err := t.validate(); err != nil {
			bad("tensor %d: %v", ti, err)
		}
	}
	for i, t := range g.Inputs {
		if t < 0 || t >= n {
			bad("input %d refers to tensor %d, the subgraph has %d", i, t, n)
		}
	}
	for i, t := range g.Outputs {
		if t < 0 || t >= n {
			bad("output %d refers to tensor %d, the subgraph has %d", i, t, n)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	producer := make([]int, n)
	for i := range producer {
		producer[i] = -1
	}
	for oi, op := range g.Ops {
		if op == nil {
			bad("op %d is nil", oi)
			continue
		}
		for i, t := range op.Inputs {
			if t < -1 || t >= n {
				bad("op %d (%s): input %d refers to tensor %d, the subgraph has %d", oi, op.Name(), i, t, n)
			}
		}
		for i, t := range op.Intermediates {
			if t < 0 || t >= n {
				bad("op %d (%s): intermediate %d refers to tensor %d, the subgraph has %d", oi, op.Name(), i, t, n)
			}
		}
		for i, t := range op.Outputs {
			switch {
			case t < 0 || t >= n:
				bad("op %d (%s): output %d refers to tensor %d, the subgraph has %d", oi, op.Name(), i, t, n)
			case producer[t] >= 0:
				bad("op %d (%s): output %d, tensor %d (%q), is also written by op %d", oi, op.Name(), i, t, g.Tensors[t].Name, producer[t])
			case g.Tensors[t].IsConst():
				bad("op %d (%s): output %d, tensor %d (%q), is a constant", oi, op.Name(), i, t, g.Tensors[t].Name)
			default:
				producer[t] = oi
			}
		}
		if len(op.MutatingVariableInputs) != 0 && len(op.MutatingVariableInputs) != len(op.Inputs) {
			bad("op %d (%s): %d mutating-variable flags for %d inputs", oi, op.Name(), len(op.MutatingVariableInputs), len(op.Inputs))
		}
		for _, sub := range subgraphRefs(op.Options) {
			if sub < 0 || sub >= len(m.Graphs) {
				bad("op %d (%s): refers to subgraph %d, the model has %d", oi, op.Name(), sub, len(m.Graphs))
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	isInput := make([]bool, n)
	for _, t := range g.Inputs {
		isInput[t] = true
	}
	for oi, op := range g.Ops {
		for i, t := range op.Inputs {
			if t < 0 {
				continue
			}
			tt := g.Tensors[t]
			if producer[t] < 0 && !isInput[t] && !tt.IsConst() && !tt.IsVariable {
				bad("op %d (%s): input %d reads tensor %d (%q), which no op produces and which is neither an input, a constant nor a variable", oi, op.Name(), i, t, tt.Name)
			}
		}
	}
	for i, t := range g.Outputs {
		tt := g.Tensors[t]
		if producer[t] < 0 && !isInput[t] && !tt.IsConst() && !tt.IsVariable {
			bad("output %d, tensor %d (%q), is produced by no op", i, t, tt.Name)
		}
	}
	if len(errs) == 0 {
		if _, err := g.TopoOrder(); err != nil {
			bad("%v", err)
		}
	}
	return errors.Join(errs...)
}

func subgraphRefs(o Options) []int {
	switch v := o.(type) {
	case *CallOptions:
		return []int{v.Subgraph}
	case *IfOptions:
		return []int{v.ThenSubgraph, v.ElseSubgraph}
	case *WhileOptions:
		return []int{v.CondSubgraph, v.BodySubgraph}
	case *CallOnceOptions:
		return []int{v.InitSubgraph}
	}
	return nil
}

func (t *Tensor) validate() error {
	if !t.Type.Valid() {
		return fmt.Errorf("%q: unknown type %d", t.Name, int(t.Type))
	}
	for i, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("%q: dimension %d is %d", t.Name, i, d)
		}
	}
	if t.ShapeSignature != nil && len(t.ShapeSignature) != len(t.Shape) {
		return fmt.Errorf("%q: shape signature %v has a different rank than shape %v", t.Name, t.ShapeSignature, t.Shape)
	}
	for i, d := range t.ShapeSignature {
		if d < -1 {
			return fmt.Errorf("%q: shape signature dimension %d is %d", t.Name, i, d)
		}
	}
	elems := t.NumElements()
	if elems < 0 {
		return fmt.Errorf("%q: shape %v has too many elements", t.Name, t.Shape)
	}
	if t.Data != nil && t.Sparsity == nil && t.Type != String && t.Type != Int4 {
		if want, ok := t.Type.ByteSize(elems); ok && want != len(t.Data) {
			return fmt.Errorf("%q: %v shape %v needs %d bytes, its buffer has %d", t.Name, t.Type, t.Shape, want, len(t.Data))
		}
	}
	if q := t.Quant; q != nil {
		if err := q.validate(t); err != nil {
			return fmt.Errorf("%q: %v", t.Name, err)
		}
	}
	return nil
}

func (q *Quantization) validate(t *Tensor) error {
	if len(q.ZeroPoint) != 0 && len(q.ZeroPoint) != len(q.Scale) {
		return fmt.Errorf("quantization has %d scales and %d zero points", len(q.Scale), len(q.ZeroPoint))
	}
	if len(q.Min) != len(q.Max) {
		return fmt.Errorf("quantization has %d minimums and %d maximums", len(q.Min), len(q.Max))
	}
	if len(q.Scale) > 1 {
		// TFLite Micro's person_detect gives a rank-1 bias per-axis
		// parameters on dimension 3; the scales still match its one
		// dimension, and the runtime reads them along it (with a warning).
		if len(t.Shape) == 1 && len(q.Scale) == t.Shape[0] {
			return nil
		}
		if q.Axis < 0 || q.Axis >= len(t.Shape) {
			return fmt.Errorf("quantized dimension %d is outside shape %v", q.Axis, t.Shape)
		}
		if len(q.Scale) != t.Shape[q.Axis] {
			return fmt.Errorf("%d per-axis scales for dimension %d of size %d", len(q.Scale), q.Axis, t.Shape[q.Axis])
		}
	}
	return nil
}

// ValidateQuantParams checks that q can be used to run an integer kernel on a
// tensor of type dt: every scale positive and finite, every zero point inside
// dt's range. The runtime calls it at prepare for tensors of integer kernels.
func (q *Quantization) ValidateQuantParams(dt DataType) error {
	if !q.Quantized() {
		return errors.New("has no quantization scale")
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	switch dt {
	case Int8:
		lo, hi = -128, 127
	case Uint8:
		lo, hi = 0, 255
	case Int16:
		lo, hi = -32768, 32767
	case Int4:
		lo, hi = -8, 7
	case Int32:
		lo, hi = math.MinInt32, math.MaxInt32
	}
	for i, s := range q.Scale {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("scale %d is %v (must be positive and finite)", i, s)
		}
	}
	for i, z := range q.ZeroPoint {
		if z < lo || z > hi {
			return fmt.Errorf("zero point %d is %d, outside %v range [%d, %d]", i, z, dt, lo, hi)
		}
	}
	return nil
}
