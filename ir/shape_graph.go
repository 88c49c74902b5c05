package ir

import (
	"errors"
	"fmt"
	"slices"
)

// InferShapes sets the Shape of every tensor that an op of g writes, walking
// the ops in topological order from the shapes of the graph inputs. Constant
// inputs contribute their values (RESHAPE's shape, PAD's paddings, ...), and
// so does SHAPE of a tensor whose shape is known, so shape computations that
// converters leave in graphs resolve.
//
// An op whose output shape depends on values known only at run time gets an
// error wrapping ErrNeedsValues; its outputs, and those of the ops that depend
// on them, keep their declared shapes, and the walk goes on. The result joins
// one such error per op. Ops without shape inference (custom ops) keep their
// declared output shapes. Any other error stops the walk and is returned
// alone, naming the op.
func (g *Graph) InferShapes() error {
	order, err := g.TopoOrder()
	if err != nil {
		return err
	}
	known := make(map[int]*Tensor)          // tensors whose values are known
	unknown := make([]bool, len(g.Tensors)) // shapes that cannot be inferred
	var deferred []error
	for _, oi := range order {
		op := g.Ops[oi]
		in := make([]*Tensor, len(op.Inputs))
		skip := false
		for i, t := range op.Inputs {
			if t < 0 {
				continue
			}
			if t >= len(g.Tensors) {
				return fmt.Errorf("op %d (%s): input %d refers to tensor %d, the graph has %d", oi, op.Name(), i, t, len(g.Tensors))
			}
			skip = skip || unknown[t]
			in[i] = valueView(g.Tensors[t], known[t])
		}
		for _, t := range op.Outputs {
			if t < 0 || t >= len(g.Tensors) {
				return fmt.Errorf("op %d (%s): output refers to tensor %d, the graph has %d", oi, op.Name(), t, len(g.Tensors))
			}
		}
		if skip {
			markUnknown(unknown, op.Outputs)
			continue
		}
		if !HasShapeFunc(op.Type) {
			continue
		}
		shapes, err := InferShapes(op, in)
		if errors.Is(err, ErrNeedsValues) {
			deferred = append(deferred, fmt.Errorf("op %d (%s): %w", oi, op.Name(), shapeErrorDetail(err)))
			markUnknown(unknown, op.Outputs)
			continue
		}
		if err != nil {
			return fmt.Errorf("op %d (%s): %w", oi, op.Name(), shapeErrorDetail(err))
		}
		for i, t := range op.Outputs {
			setShape(g.Tensors[t], shapes[i])
		}
		if op.Type == Shape {
			known[op.Outputs[0]] = shapeValue(op, in[0], g.Tensors[op.Outputs[0]])
		}
	}
	return errors.Join(deferred...)
}

func markUnknown(unknown []bool, ts []int) {
	for _, t := range ts {
		unknown[t] = true
	}
}

// valueView is what a shape function sees of tensor t: t itself when its
// values are constant, a copy carrying computed values when they are known,
// and a copy without data otherwise (a variable's initial value is not its
// value at run time).
func valueView(t, known *Tensor) *Tensor {
	switch {
	case known != nil:
		return known
	case t.IsConst() && !t.IsVariable:
		return t
	case t.Data == nil:
		return t
	}
	v := *t
	v.Data = nil
	return &v
}

// setShape gives t an inferred shape, dropping a shape signature of another
// rank (it described a shape the tensor no longer has).
func setShape(t *Tensor, s []int) {
	t.Shape = slices.Clone(s)
	t.HasRank = true
	if t.ShapeSignature != nil && len(t.ShapeSignature) != len(s) {
		t.ShapeSignature = nil
	}
}

// shapeValue is the value of SHAPE's output: its input's dimensions.
func shapeValue(op *Op, x, out *Tensor) *Tensor {
	v := *out
	dims := make([]int64, len(x.Shape))
	for i, d := range x.Shape {
		dims[i] = int64(d)
	}
	if o, ok := op.Options.(*ShapeOptions); ok && o != nil && o.OutType == Int64 {
		v.Type = Int64
		v.Data = Int64Bytes(dims)
	} else {
		v.Type = Int32
		d32 := make([]int32, len(dims))
		for i, d := range dims {
			d32[i] = int32(d)
		}
		v.Data = Int32Bytes(d32)
	}
	return &v
}
