package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// UNIDIRECTIONAL_SEQUENCE_LSTM, after TFLite's unidirectional_sequence_lstm.cc
// and lstm_eval.cc. Inputs follow TFLite's 24-input layout; gates are indexed
// input, forget, cell, output throughout this file.

const (
	lstmInput          = 0
	lstmInputWeights   = 1  // 1..4: input-to-{input,forget,cell,output} weights
	lstmRecurrentW     = 5  // 5..8: recurrent-to-{input,forget,cell,output} weights
	lstmCellToInput    = 9  // peephole weights: cell-to-input, -forget, -output
	lstmCellToForget   = 10 //
	lstmCellToOutput   = 11 //
	lstmGateBias       = 12 // 12..15: {input,forget,cell,output} gate biases
	lstmProjWeights    = 16
	lstmProjBias       = 17
	lstmOutputState    = 18 // variable
	lstmCellState      = 19 // variable
	lstmLayerNormCoeff = 20 // 20..23: {input,forget,cell,output} layer-norm coefficients
)

const (
	gateInput = iota
	gateForget
	gateCell
	gateOutput
	numGates
)

var gateNames = [numGates]string{"input", "forget", "cell", "output"}

// peepholeIndex is the input index of a gate's cell-to-gate weights (the cell
// gate has none).
var peepholeIndex = [numGates]int{lstmCellToInput, lstmCellToForget, -1, lstmCellToOutput}

// lstmLayout is what Prepare learns about an LSTM's sizes and optional parts.
type lstmLayout struct {
	maxTime, nBatch, nInput, nCell, nOutput int
	timeMajor                               bool
	cifg, peephole, projection, layerNorm   bool
}

// lstmKind selects the arithmetic: all float, hybrid (integer weights, float
// activations), or full integer (int8 activations, int16 cell state).
type lstmKind int

const (
	lstmFloat lstmKind = iota
	lstmHybrid
	lstmInteger
)

type lstmKernel struct {
	opts   ir.UnidirectionalSequenceLSTMOptions
	lay    lstmLayout
	kind   lstmKind
	float  lstmFloatState
	hybrid lstmHybridState
	integ  lstmIntegerState
}

func init() {
	Register(ir.UnidirectionalSequenceLSTM, func() Kernel { return &lstmKernel{} })
}

func (k *lstmKernel) Prepare(n *Node) error {
	opts, ok := n.Op.Options.(*ir.UnidirectionalSequenceLSTMOptions)
	if !ok || opts == nil {
		return fmt.Errorf("%s (op %d): missing UnidirectionalSequenceLSTM options", n.Op.Name(), n.Index)
	}
	k.opts = *opts
	if err := k.prepareLayout(n); err != nil {
		return fmt.Errorf("%s (op %d): %w", n.Op.Name(), n.Index, err)
	}
	in := n.In[lstmInput]
	w := n.In[lstmInputWeights+gateOutput]
	var err error
	switch {
	case in.Type == ir.Float32 && w.Type == ir.Float32:
		k.kind = lstmFloat
		err = k.prepareFloat(n)
	case in.Type == ir.Float32 && (w.Type == ir.Int8 || w.Type == ir.Uint8):
		k.kind = lstmHybrid
		err = k.prepareHybrid(n)
	case in.Type == ir.Int8 && w.Type == ir.Int8:
		k.kind = lstmInteger
		err = k.prepareInteger(n)
	default:
		err = fmt.Errorf("input %v with %v weights is not supported", in.Type, w.Type)
	}
	if err != nil {
		return fmt.Errorf("%s (op %d): %w", n.Op.Name(), n.Index, err)
	}
	return nil
}

func (k *lstmKernel) Eval(n *Node) error {
	switch k.kind {
	case lstmHybrid:
		k.evalHybrid(n)
	case lstmInteger:
		k.evalInteger(n)
	default:
		k.evalFloat(n)
	}
	return nil
}

// prepareLayout checks the shapes TFLite's Prepare checks and records the
// sizes and which optional parts are present.
func (k *lstmKernel) prepareLayout(n *Node) error {
	if len(n.In) != 20 && len(n.In) != 24 {
		return fmt.Errorf("expects 20 or 24 inputs, has %d", len(n.In))
	}
	if len(n.Out) != 1 || n.Out[0] == nil {
		return fmt.Errorf("expects 1 output, has %d", len(n.Out))
	}
	if k.opts.CellClip < 0 || k.opts.ProjClip < 0 {
		return fmt.Errorf("cell_clip %v and proj_clip %v must not be negative", k.opts.CellClip, k.opts.ProjClip)
	}
	for _, i := range []int{lstmInput, lstmInputWeights + gateForget, lstmInputWeights + gateCell,
		lstmInputWeights + gateOutput, lstmRecurrentW + gateForget, lstmRecurrentW + gateCell,
		lstmRecurrentW + gateOutput, lstmGateBias + gateForget, lstmGateBias + gateCell,
		lstmGateBias + gateOutput, lstmOutputState, lstmCellState} {
		if n.In[i] == nil {
			return fmt.Errorf("required input %d is absent", i)
		}
	}
	in := n.In[lstmInput]
	var l lstmLayout
	l.timeMajor = k.opts.TimeMajor
	switch len(in.Shape) {
	case 3:
		if l.timeMajor {
			l.maxTime, l.nBatch = in.Shape[0], in.Shape[1]
		} else {
			l.nBatch, l.maxTime = in.Shape[0], in.Shape[1]
		}
	case 2:
		l.maxTime, l.nBatch = 1, in.Shape[0]
	default:
		return fmt.Errorf("input %q must have rank 2 or 3, has shape %v", in.Name, in.Shape)
	}
	l.nInput = in.Shape[len(in.Shape)-1]
	wo := n.In[lstmInputWeights+gateOutput]
	if len(wo.Shape) != 2 || wo.Shape[1] != l.nInput {
		return fmt.Errorf("input-to-output weights %q have shape %v, want [n_cell %d]", wo.Name, wo.Shape, l.nInput)
	}
	l.nCell = wo.Shape[0]
	ro := n.In[lstmRecurrentW+gateOutput]
	if len(ro.Shape) != 2 || ro.Shape[0] != l.nCell {
		return fmt.Errorf("recurrent-to-output weights %q have shape %v, want [%d n_output]", ro.Name, ro.Shape, l.nCell)
	}
	l.nOutput = ro.Shape[1]
	if l.maxTime < 0 || l.nBatch < 0 || l.nInput <= 0 || l.nCell <= 0 || l.nOutput <= 0 {
		return fmt.Errorf("invalid sizes: batch %d, time %d, input %d, cell %d, output %d",
			l.nBatch, l.maxTime, l.nInput, l.nCell, l.nOutput)
	}

	want2 := func(i, rows, cols int) error {
		t := n.In[i]
		if t == nil {
			return nil
		}
		if len(t.Shape) != 2 || t.Shape[0] != rows || t.Shape[1] != cols {
			return fmt.Errorf("input %d (%q) has shape %v, want [%d %d]", i, t.Name, t.Shape, rows, cols)
		}
		if !t.IsConst() {
			return fmt.Errorf("input %d (%q) must be a constant", i, t.Name)
		}
		return nil
	}
	want1 := func(i, size int) error {
		t := n.In[i]
		if t == nil {
			return nil
		}
		if len(t.Shape) != 1 || t.Shape[0] != size {
			return fmt.Errorf("input %d (%q) has shape %v, want [%d]", i, t.Name, t.Shape, size)
		}
		if !t.IsConst() {
			return fmt.Errorf("input %d (%q) must be a constant", i, t.Name)
		}
		return nil
	}
	for g := range numGates {
		if err := want2(lstmInputWeights+g, l.nCell, l.nInput); err != nil {
			return err
		}
		if err := want2(lstmRecurrentW+g, l.nCell, l.nOutput); err != nil {
			return err
		}
		if err := want1(lstmGateBias+g, l.nCell); err != nil {
			return err
		}
		if p := peepholeIndex[g]; p >= 0 {
			if err := want1(p, l.nCell); err != nil {
				return err
			}
		}
	}
	ii, ri := n.In[lstmInputWeights+gateInput], n.In[lstmRecurrentW+gateInput]
	if (ii == nil) != (ri == nil) {
		return fmt.Errorf("input-to-input and recurrent-to-input weights must be both present or both absent (CIFG)")
	}
	l.cifg = ii == nil
	ci, cf, co := n.In[lstmCellToInput], n.In[lstmCellToForget], n.In[lstmCellToOutput]
	allPeep := (ci != nil || l.cifg) && cf != nil && co != nil
	noPeep := ci == nil && cf == nil && co == nil
	if !allPeep && !noPeep {
		return fmt.Errorf("peephole (cell-to-gate) weights must be all present or all absent")
	}
	l.peephole = allPeep
	if ib := n.In[lstmGateBias+gateInput]; l.cifg && ib != nil {
		return fmt.Errorf("input gate bias %q must be absent in a CIFG LSTM", ib.Name)
	} else if !l.cifg && ib == nil {
		return fmt.Errorf("input gate bias is required when the input gate has weights")
	}
	pw, pb := n.In[lstmProjWeights], n.In[lstmProjBias]
	if err := want2(lstmProjWeights, l.nOutput, l.nCell); err != nil {
		return err
	}
	if err := want1(lstmProjBias, l.nOutput); err != nil {
		return err
	}
	if pw == nil && pb != nil {
		return fmt.Errorf("projection bias %q given without projection weights", pb.Name)
	}
	l.projection = pw != nil
	if pw == nil && l.nOutput != l.nCell {
		return fmt.Errorf("without projection n_output (%d) must equal n_cell (%d)", l.nOutput, l.nCell)
	}
	if len(n.In) == 24 && n.In[lstmLayerNormCoeff+gateForget] != nil {
		l.layerNorm = true
		for g := range numGates {
			i := lstmLayerNormCoeff + g
			if g == gateInput && l.cifg {
				if n.In[i] != nil {
					return fmt.Errorf("input layer-norm coefficients must be absent in a CIFG LSTM")
				}
				continue
			}
			if n.In[i] == nil {
				return fmt.Errorf("layer-norm coefficients of the %s gate are absent", gateNames[g])
			}
			if err := want1(i, l.nCell); err != nil {
				return err
			}
		}
	}
	hs, cs := n.In[lstmOutputState], n.In[lstmCellState]
	if hs.NumElements() != l.nBatch*l.nOutput {
		return fmt.Errorf("output state %q has %d elements, want batch*n_output = %d", hs.Name, hs.NumElements(), l.nBatch*l.nOutput)
	}
	if cs.NumElements() != l.nBatch*l.nCell {
		return fmt.Errorf("cell state %q has %d elements, want batch*n_cell = %d", cs.Name, cs.NumElements(), l.nBatch*l.nCell)
	}
	out := n.Out[0]
	wantOut := append([]int(nil), in.Shape...)
	wantOut[len(wantOut)-1] = l.nOutput
	if !equalShape(out.Shape, wantOut) {
		return fmt.Errorf("output %q has shape %v, want %v", out.Name, out.Shape, wantOut)
	}
	k.lay = l
	return nil
}

// equalShape reports whether two shapes are the same.
func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkType returns an error unless every present input among idx has type t.
func checkType(n *Node, t ir.DataType, idx ...int) error {
	for _, i := range idx {
		if x := n.Input(i); x != nil && x.Type != t {
			return fmt.Errorf("input %d (%q) is %v, want %v", i, x.Name, x.Type, t)
		}
	}
	return nil
}

// steps is how many LSTM steps one Eval runs: one per time step in
// time-major layout, and one per (batch, time step) in batch-major layout,
// which TFLite runs one batch row at a time.
func (l *lstmLayout) steps() int {
	if l.timeMajor {
		return l.maxTime
	}
	return l.nBatch * l.maxTime
}

// step returns, for step i, the element offsets of its input rows and output
// rows, the first batch row of the state it updates, and how many batch rows
// it covers.
func (l *lstmLayout) step(i int) (inOff, outOff, stateBatch, batches int) {
	if l.timeMajor {
		return i * l.nBatch * l.nInput, i * l.nBatch * l.nOutput, 0, l.nBatch
	}
	return i * l.nInput, i * l.nOutput, i / l.maxTime, 1
}

// runLSTM runs step over every step of an Eval: x is the step's input rows,
// h and c the rows of the output and cell state it updates in place; each
// step's output rows are its new output state.
func runLSTM[A, C any](l *lstmLayout, in, out, h []A, c []C, step func(x, h []A, c []C, nb int)) {
	for i := range l.steps() {
		inOff, outOff, sb, nb := l.step(i)
		hs := h[sb*l.nOutput : (sb+nb)*l.nOutput]
		step(in[inOff:inOff+nb*l.nInput], hs, c[sb*l.nCell:(sb+nb)*l.nCell], nb)
		copy(out[outOff:outOff+nb*l.nOutput], hs)
	}
}
