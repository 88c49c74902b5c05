package runtime

import (
	"errors"
	"fmt"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/kernels"
)

// AllocateTensors infers shapes, checks quantization parameters, prepares the
// kernels, folds constant ops and plans the arena. New calls it, and Invoke
// does after ResizeInput; call it directly to get the new shapes and memory
// (and to fill inputs) before the next Invoke. Tensor data other than
// constants and variables is invalid afterwards.
func (it *Interpreter) AllocateTensors() error {
	it.needPlan = true // until this succeeds
	for ti, k := range it.kinds {
		if k == kindFolded || k == kindDynamic {
			it.kinds[ti] = kindActivation
		}
		if it.kinds[ti] == kindActivation {
			it.tensors[ti].Data = nil
		}
	}
	for i := range it.ops {
		if err := it.prepareOp(&it.ops[i]); err != nil {
			return err
		}
	}
	if err := it.planMemory(); err != nil {
		return err
	}
	it.inBytes = make([]int, len(it.inputs))
	for i, ti := range it.inputs {
		n, err := it.tensors[ti].ByteSize()
		if err != nil {
			return fmt.Errorf("runtime: input %d: %w", i, err)
		}
		it.inBytes[i] = n
	}
	it.needPlan = false
	return nil
}

// opError names the op the way every runtime error does.
func opError(s *opState, err error) error {
	return fmt.Errorf("runtime: op %d (%s): %w", s.index, s.op.Name(), err)
}

func (it *Interpreter) prepareOp(s *opState) error {
	if s.node.Op == nil {
		s.node = kernels.Node{Op: s.op, Index: s.index, Ctx: &it.ctx}
		s.node.In = make([]*ir.Tensor, len(s.op.Inputs))
		for i, t := range s.op.Inputs {
			if t >= 0 {
				s.node.In[i] = it.tensors[t]
			}
		}
		s.node.Out = make([]*ir.Tensor, len(s.op.Outputs))
		for i, t := range s.op.Outputs {
			s.node.Out[i] = it.tensors[t]
		}
		s.node.Intermediates = make([]*ir.Tensor, len(s.op.Intermediates))
		for i, t := range s.op.Intermediates {
			s.node.Intermediates[i] = it.tensors[t]
		}
		s.hidden = make([][]byte, len(s.op.Inputs))
	}
	s.folded, s.dynamic = false, false
	if err := it.checkQuantization(s); err != nil {
		return err
	}
	for _, t := range s.op.Inputs {
		if t >= 0 && it.kinds[t] == kindDynamic {
			s.dynamic = true
		}
	}
	if !s.dynamic {
		shapes, err := it.inferShapes(s, false)
		switch {
		case errors.Is(err, ir.ErrNeedsValues):
			s.dynamic = true
		case err != nil:
			return opError(s, err)
		default:
			for i, t := range s.node.Out {
				setShape(t, shapes[i])
			}
		}
	}
	if s.dynamic {
		for _, t := range s.op.Outputs {
			it.kinds[t] = kindDynamic
		}
		return nil
	}
	if err := s.kernel.Prepare(&s.node); err != nil {
		return opError(s, err)
	}
	if !it.foldable(s) {
		return nil
	}
	for i, t := range s.op.Outputs {
		if err := it.giveOwnMemory(t); err != nil {
			return opError(s, fmt.Errorf("output %d: %w", i, err))
		}
		it.kinds[t] = kindFolded
	}
	s.folded = true
	if s.op.Type == ir.Shape {
		return writeShape(s.node.In[0], s.node.Out[0])
	}
	if err := s.kernel.Eval(&s.node); err != nil {
		return opError(s, fmt.Errorf("folding at prepare: %w", err))
	}
	return nil
}

// foldable reports whether an op can run once at prepare: a builtin op whose
// inputs are all constants or folded, or SHAPE of a tensor of known shape.
// Custom ops may keep state and are never folded.
func (it *Interpreter) foldable(s *opState) bool {
	if s.op.Type == ir.Custom || len(s.op.Outputs) == 0 {
		return false
	}
	if s.op.Type == ir.Shape {
		return len(s.op.Inputs) > 0 && s.op.Inputs[0] >= 0
	}
	present := 0
	for _, t := range s.op.Inputs {
		if t < 0 {
			continue
		}
		if k := it.kinds[t]; k != kindConstant && k != kindFolded {
			return false
		}
		present++
	}
	return present > 0
}

// writeShape evaluates SHAPE without its kernel, from the input's shape.
func writeShape(x, out *ir.Tensor) error {
	switch out.Type {
	case ir.Int32:
		v := ir.AsInt32(out.Data)
		for i, d := range x.Shape {
			v[i] = int32(d)
		}
	case ir.Int64:
		v := ir.AsInt64(out.Data)
		for i, d := range x.Shape {
			v[i] = int64(d)
		}
	default:
		return fmt.Errorf("SHAPE output of type %v; int32 or int64 expected", out.Type)
	}
	return nil
}

// inferShapes computes op s's output shapes: from ir's shape inference, from
// the kernel when it implements kernels.Shaper, else the shapes the model
// declares. At prepare, only constant and folded inputs show their values.
func (it *Interpreter) inferShapes(s *opState, atInvoke bool) ([][]int, error) {
	if !ir.HasShapeFunc(s.op.Type) {
		if sh, ok := s.kernel.(kernels.Shaper); ok {
			shapes, err := sh.OutputShapes(&s.node)
			if err == nil && len(shapes) != len(s.node.Out) {
				err = fmt.Errorf("kernel gave %d output shapes for %d outputs", len(shapes), len(s.node.Out))
			}
			return shapes, err
		}
		shapes := make([][]int, len(s.node.Out))
		for i, t := range s.op.Outputs {
			shapes[i] = it.graph.Tensors[t].Shape
		}
		return shapes, nil
	}
	in := s.node.In
	if !atInvoke {
		in = make([]*ir.Tensor, len(s.node.In))
		for i, t := range s.op.Inputs {
			if t < 0 {
				continue
			}
			in[i] = it.tensors[t]
			if it.kinds[t] == kindVariable {
				v := *it.tensors[t]
				v.Data = nil
				in[i] = &v
			}
		}
	}
	shapes, err := ir.InferShapes(s.op, in)
	var se *ir.ShapeError
	if errors.As(err, &se) {
		err = se.Err
	}
	return shapes, err
}

func setShape(t *ir.Tensor, s []int) {
	t.Shape = append(t.Shape[:0], s...)
	t.HasRank = true
}

// giveOwnMemory points tensor ti's Data at a buffer outside the arena, sized
// for its shape, reusing the tensor's previous one when it is large enough.
func (it *Interpreter) giveOwnMemory(ti int) error {
	t := it.tensors[ti]
	n, err := t.ByteSize()
	if err != nil {
		return err
	}
	if cap(it.dynBuf[ti]) < n {
		it.dynBuf[ti] = alignedBytes(n)
	}
	t.Data = it.dynBuf[ti][:n]
	clear(t.Data)
	return nil
}

// prepareDynamic resolves a dynamic op's shapes from its inputs' values at
// invoke time, sizes its outputs and prepares its kernel.
func (it *Interpreter) prepareDynamic(s *opState) error {
	shapes, err := it.inferShapes(s, true)
	if err != nil {
		return opError(s, err)
	}
	for i, t := range s.op.Outputs {
		setShape(it.tensors[t], shapes[i])
		if err := it.giveOwnMemory(t); err != nil {
			return opError(s, fmt.Errorf("output %d: %w", i, err))
		}
	}
	// Inputs computed at run time are shown to Prepare without data, as at
	// prepare time, so the kernel does not take them for constants.
	for i, t := range s.op.Inputs {
		if t >= 0 && it.kinds[t] != kindConstant && it.kinds[t] != kindFolded {
			s.hidden[i], s.node.In[i].Data = s.node.In[i].Data, nil
		}
	}
	err = s.kernel.Prepare(&s.node)
	for i, h := range s.hidden {
		if h != nil {
			s.node.In[i].Data, s.hidden[i] = h, nil
		}
	}
	if err != nil {
		return opError(s, err)
	}
	return nil
}

// checkQuantization rejects malformed quantization parameters on the int8,
// uint8 and int16 tensors an op reads or writes: a scale that is not positive
// and finite, a zero point outside the type's range, per-axis arrays that do
// not match their dimension.
func (it *Interpreter) checkQuantization(s *opState) error {
	check := func(role string, i, ti int) error {
		t := it.tensors[ti]
		if t.Type != ir.Int8 && t.Type != ir.Uint8 && t.Type != ir.Int16 || !t.Quant.Quantized() {
			return nil
		}
		q := t.Quant
		err := q.ValidateQuantParams(t.Type)
		switch {
		case err != nil:
		case len(q.ZeroPoint) != 0 && len(q.ZeroPoint) != len(q.Scale):
			err = fmt.Errorf("%d scales and %d zero points", len(q.Scale), len(q.ZeroPoint))
		case len(q.Scale) > 1 && (q.Axis < 0 || q.Axis >= len(t.Shape)):
			err = fmt.Errorf("quantized dimension %d is outside its shape %v", q.Axis, t.Shape)
		case len(q.Scale) > 1 && it.kinds[ti] != kindDynamic && len(q.Scale) != t.Shape[q.Axis]:
			err = fmt.Errorf("%d per-axis scales for dimension %d of size %d", len(q.Scale), q.Axis, t.Shape[q.Axis])
		}
		if err != nil {
			return opError(s, fmt.Errorf("%s %d, tensor %d (%q): malformed quantization: %w", role, i, ti, t.Name, err))
		}
		return nil
	}
	for i, t := range s.op.Inputs {
		if t >= 0 {
			if err := check("input", i, t); err != nil {
				return err
			}
		}
	}
	for i, t := range s.op.Outputs {
		if err := check("output", i, t); err != nil {
			return err
		}
	}
	return nil
}
