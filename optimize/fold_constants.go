package optimize

import (
	"errors"

	"github.com/liteforge/liteforge/ir"
)

// maxFoldedBytes bounds a folded constant that is also much larger than the
// constants it comes from (a FILL or TILE would otherwise grow the file).
const maxFoldedBytes = 16 << 20

// FoldConstants replaces each op whose inputs are all constant (and each
// SHAPE of a tensor whose shape is static) by constants holding its outputs,
// computed by Evaluate. Ops writing graph outputs, and DEQUANTIZE (whose
// point is to keep the smaller constant in the file), are left alone.
func FoldConstants(m *ir.Model) (int, error) {
	folded := 0
	for _, g := range m.Graphs {
		var drop []int
		for oi, op := range g.Ops {
			if !foldable(g, op) {
				continue
			}
			in := make([]*ir.Tensor, len(op.Inputs))
			inBytes := 0
			for i, t := range op.Inputs {
				if t >= 0 {
					in[i] = g.Tensors[t]
					inBytes += len(in[i].Data)
				}
			}
			shapes, err := ir.InferShapes(op, in)
			if err != nil {
				continue // not ours to report: the op stays and fails where it runs
			}
			outs := make([]*ir.Tensor, len(op.Outputs))
			outBytes := 0
			for i, t := range op.Outputs {
				o := *g.Tensors[t]
				o.Shape = shapes[i]
				outs[i] = &o
				b, _ := o.Type.ByteSize(ir.NumElements(shapes[i]))
				outBytes += b
			}
			if outBytes > maxFoldedBytes && outBytes > 2*inBytes {
				continue
			}
			res, err := Evaluate(op, in, outs)
			if errors.Is(err, ErrNotFoldable) {
				continue
			}
			if err != nil {
				return folded, err
			}
			for i, t := range op.Outputs {
				g.Tensors[t].Shape = shapes[i]
				g.Tensors[t].HasRank = true
				g.Tensors[t].ShapeSignature = nil
				g.Tensors[t].Data = res[i]
			}
			drop = append(drop, oi)
		}
		g.RemoveOps(drop...)
		folded += len(drop)
	}
	return folded, nil
}

func foldable(g *ir.Graph, op *ir.Op) bool {
	if op.Type == ir.Dequantize || !CanEvaluate(op.Type) || hasSideEffects(op) {
		return false
	}
	for _, t := range op.Outputs {
		if t < 0 || g.IsOutput(t) || g.Tensors[t].IsVariable {
			return false
		}
	}
	if op.Type == ir.Shape && len(op.Inputs) > 0 && op.Inputs[0] >= 0 {
		x := g.Tensors[op.Inputs[0]]
		if !x.HasRank {
			return false
		}
		for _, d := range x.ShapeSignature {
			if d < 0 {
				return false
			}
		}
		return true
	}
	for _, t := range op.Inputs {
		if t >= 0 && constTensor(g, t) == nil {
			return false
		}
	}
	return true
}
