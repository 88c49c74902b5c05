package optimize

import (
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// Helpers the passes share.

// constTensor returns g's tensor t when it is a constant that no op writes
// or mutates (variables are not constants).
func constTensor(g *ir.Graph, t int) *ir.Tensor {
	if t < 0 || t >= len(g.Tensors) {
		return nil
	}
	x := g.Tensors[t]
	if !x.IsConst() || x.IsVariable {
		return nil
	}
	return x
}

// soleConsumer returns the one op reading tensor t, or -1 when none or
// several do, or when t is a graph output (its value must stay).
func soleConsumer(g *ir.Graph, cons [][]int, t int) int {
	if g.IsOutput(t) || len(cons[t]) != 1 {
		return -1
	}
	return cons[t][0]
}

// sameQuant reports whether two tensors carry the same quantization.
func sameQuant(a, b *ir.Tensor) bool {
	qa, qb := a.Quant, b.Quant
	if !qa.Quantized() || !qb.Quantized() {
		return qa.Quantized() == qb.Quantized()
	}
	return slices.Equal(qa.Scale, qb.Scale) && slices.Equal(qa.ZeroPoint, qb.ZeroPoint) && qa.Axis == qb.Axis
}

// bypass makes the readers of tensor out read tensor in instead, for an op
// that computes the identity. It refuses (returning false) when out is a
// graph output and in cannot take its place (a graph input, a constant, or
// another output).
func bypass(g *ir.Graph, out, in int) bool {
	if g.IsOutput(out) {
		if g.IsInput(in) || g.IsOutput(in) || g.Tensors[in].IsConst() {
			return false
		}
		// in becomes the output, under the output's name.
		g.Tensors[in].Name = g.Tensors[out].Name
	}
	g.ReplaceUses(out, in)
	return true
}

// intConst returns the integer values of constant input t, if it is one.
func intConst(g *ir.Graph, t int) ([]int, bool) {
	c := constTensor(g, t)
	if c == nil {
		return nil, false
	}
	v, ok := ir.IntValues(c.Type, c.Data)
	if !ok || len(v) < c.NumElements() {
		return nil, false
	}
	return v[:c.NumElements()], true
}

// hasSideEffects reports ops that must stay even when nothing reads them.
func hasSideEffects(op *ir.Op) bool {
	if slices.Contains(op.MutatingVariableInputs, true) {
		return true
	}
	switch op.Type {
	case ir.AssignVariable, ir.CallOnce, ir.Custom, ir.Call, ir.If, ir.While, ir.HashtableImport,
		ir.UnidirectionalSequenceLSTM, ir.UnidirectionalSequenceRNN, ir.BidirectionalSequenceLSTM,
		ir.BidirectionalSequenceRNN, ir.SVDF, ir.LSTM, ir.RNN:
		// Recurrent ops update their state variables.
		return true
	}
	return false
}
