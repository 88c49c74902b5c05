package ir

import (
	"errors"
	"fmt"
)

// ErrNeedsValues is returned (wrapped) by shape inference when an output shape
// depends on the values of an input that are not known yet (a RESHAPE whose
// shape is computed at run time, say). The runtime then infers that op's
// shapes again at invoke time, once the input has been computed.
var ErrNeedsValues = errors.New("output shape depends on input values not known yet")

// ShapeFunc computes the shapes of an op's outputs from its inputs. in has one
// entry per op input, nil for an absent optional input; an input's Data is set
// when its values are known (a constant, or a tensor already computed), and a
// ShapeFunc that needs values it does not have returns ErrNeedsValues.
type ShapeFunc func(op *Op, in []*Tensor) ([][]int, error)

var shapeFuncs = map[OpType]ShapeFunc{}

// registerShape is called from init functions, one per op family file.
func registerShape(f ShapeFunc, types ...OpType) {
	for _, t := range types {
		if _, dup := shapeFuncs[t]; dup {
			panic(fmt.Sprintf("ir: shape function for %v registered twice", t))
		}
		shapeFuncs[t] = f
	}
}

// HasShapeFunc reports whether shape inference knows op type t.
func HasShapeFunc(t OpType) bool { _, ok := shapeFuncs[t]; return ok }

// InferShapes returns the shapes of op's outputs given its inputs (see
// ShapeFunc). The result has one shape per op output.
func InferShapes(op *Op, in []*Tensor) ([][]int, error) {
	f, ok := shapeFuncs[op.Type]
	if !ok {
		return nil, fmt.Errorf("%s: no shape inference for this op", op.Name())
	}
	shapes, err := f(op, in)
	if err != nil {
		return nil, &ShapeError{Op: op.Name(), Err: err}
	}
	if len(shapes) != len(op.Outputs) {
		return nil, &ShapeError{Op: op.Name(), Err: fmt.Errorf("shape inference gave %d shapes for %d outputs", len(shapes), len(op.Outputs))}
	}
	return shapes, nil
}

// ShapeError is an error of InferShapes: what is wrong (Err) with an op of
// type Op. Callers that name the op themselves ("op 12 (CONV_2D): ...") print
// Err alone.
type ShapeError struct {
	Op  string
	Err error
}

func (e *ShapeError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *ShapeError) Unwrap() error { return e.Err }

// shapeErrorDetail is err without the op name that a ShapeError adds.
func shapeErrorDetail(err error) error {
	var se *ShapeError
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}
