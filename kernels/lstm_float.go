package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// lstmFloatState is what the float LSTM precomputes at Prepare: weight views
// and scratch buffers, so that Eval allocates nothing.
type lstmFloatState struct {
	wIn, wRec [numGates][]float32 // nil for the input gate of a CIFG LSTM
	peep      [numGates][]float32 // nil without peephole (always nil for the cell gate)
	bias      [numGates][]float32
	lnCoeff   [numGates][]float32 // nil without layer normalization
	projW     []float32
	projB     []float32
	gates     [numGates][]float32 // per-gate scratch, n_batch*n_cell
	hidden    []float32           // activation(cell) * output gate, n_batch*n_cell
	cellAct   ir.Activation
	projClip  float32
	cellClip  float32
}

func (k *lstmKernel) prepareFloat(n *Node) error {
	l := &k.lay
	idx := append(gateInputs(n, true, true, true, true), lstmInput, lstmOutputState, lstmCellState, lstmProjWeights, lstmProjBias)
	if err := checkFloatOp(n, k.opts.Activation, idx...); err != nil {
		return err
	}
	s := &k.float
	*s = lstmFloatState{}
	for g := range numGates {
		s.wIn[g] = floatsOf(n.Input(lstmInputWeights + g))
		s.wRec[g] = floatsOf(n.Input(lstmRecurrentW + g))
		s.bias[g] = floatsOf(n.Input(lstmGateBias + g))
		if p := peepholeIndex[g]; p >= 0 && l.peephole {
			s.peep[g] = floatsOf(n.Input(p))
		}
		if l.layerNorm {
			s.lnCoeff[g] = floatsOf(n.Input(lstmLayerNormCoeff + g))
		}
		s.gates[g] = make([]float32, l.nBatch*l.nCell)
	}
	s.projW = floatsOf(n.Input(lstmProjWeights))
	s.projB = floatsOf(n.Input(lstmProjBias))
	s.hidden = make([]float32, l.nBatch*l.nCell)
	s.cellAct = k.opts.Activation
	s.cellClip, s.projClip = k.opts.CellClip, k.opts.ProjClip
	return nil
}

// floatsOf is the float32 view of an optional tensor (nil when absent).
func floatsOf(t *ir.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Float32s()
}

// checkFloatOp checks that the float inputs idx and the output are float32
// and that the activation is one a float sequence kernel applies.
func checkFloatOp(n *Node, act ir.Activation, idx ...int) error {
	if err := checkType(n, ir.Float32, idx...); err != nil {
		return err
	}
	if n.Out[0].Type != ir.Float32 {
		return fmt.Errorf("output %q is %v, want float32", n.Out[0].Name, n.Out[0].Type)
	}
	return checkLSTMActivation(act)
}

// gateInputs lists the input indices of the gates' parts: input and
// recurrent weights, peephole weights, biases, layer-norm coefficients (only
// in the 24-input form).
func gateInputs(n *Node, weights, peephole, bias, layerNorm bool) []int {
	var idx []int
	for g := range numGates {
		if weights {
			idx = append(idx, lstmInputWeights+g, lstmRecurrentW+g)
		}
		if p := peepholeIndex[g]; peephole && p >= 0 {
			idx = append(idx, p)
		}
		if bias {
			idx = append(idx, lstmGateBias+g)
		}
		if layerNorm && len(n.In) == 24 {
			idx = append(idx, lstmLayerNormCoeff+g)
		}
	}
	return idx
}

// checkLSTMActivation accepts the activations TFLite's LSTM applies to the
// cell gate and the cell output.
func checkLSTMActivation(a ir.Activation) error {
	switch a {
	case ir.ActNone, ir.ActRelu, ir.ActReluN1To1, ir.ActRelu6, ir.ActTanh, ir.ActSignBit:
		return nil
	}
	return fmt.Errorf("cell activation %v is not supported", a)
}

func (k *lstmKernel) evalFloat(n *Node) {
	runLSTM(&k.lay, n.In[lstmInput].Float32s(), n.Out[0].Float32s(), n.In[lstmOutputState].Float32s(), n.In[lstmCellState].Float32s(), k.stepFloat)
}

// stepFloat runs one LSTM step over nb batch rows, updating the output state h
// and the cell state c in place, in the order TFLite's LstmStepFloat does.
func (k *lstmKernel) stepFloat(x, h, c []float32, nb int) {
	l, s := &k.lay, &k.float
	xZero := allZero(x)
	if !l.cifg {
		k.gateFloat(gateInput, x, h, c, nb, xZero)
	}
	k.gateFloat(gateForget, x, h, c, nb, xZero)
	k.gateFloat(gateCell, x, h, c, nb, xZero)
	nc := nb * l.nCell
	updateCellFloat(c[:nc], s.gates[gateInput][:nc], s.gates[gateForget][:nc], s.gates[gateCell][:nc], l.cifg, s.cellClip)
	k.gateFloat(gateOutput, x, h, c, nb, xZero)
	hidden := s.hidden[:nc]
	cellOutputF32(hidden, c[:nc], s.gates[gateOutput][:nc], s.cellAct)
	if !l.projection {
		copy(h, hidden)
		return
	}
	initProjectionF32(h, s.projB, l.nOutput)
	matVecAccF32(s.projW, hidden, h, l.nOutput, l.nCell, nb)
	if s.projClip > 0 {
		clipF32(h, s.projClip)
	}
}

// gateFloat computes one gate's activation into its scratch buffer: biased
// input and recurrent products, the peephole term, layer normalization, then
// the sigmoid (or the cell activation for the cell gate).
func (k *lstmKernel) gateFloat(g int, x, h, c []float32, nb int, xZero bool) {
	l, s := &k.lay, &k.float
	gate := s.gates[g][:nb*l.nCell]
	initGateF32(gate, s.bias[g], s.lnCoeff[g] != nil, l.nCell)
	if !xZero {
		matVecAccF32(s.wIn[g], x, gate, l.nCell, l.nInput, nb)
	}
	matVecAccF32(s.wRec[g], h, gate, l.nCell, l.nOutput, nb)
	finishGateF32(g, gate, c, s.peep[g], s.lnCoeff[g], s.bias[g], l.nCell, s.cellAct)
}

// initGateF32 starts each batch row of a gate at its bias, or at zero under
// layer normalization (which adds the bias after normalizing).
func initGateF32(gate, bias []float32, layerNorm bool, nCell int) {
	for b := 0; b < len(gate); b += nCell {
		row := gate[b : b+nCell]
		if layerNorm {
			clear(row)
		} else {
			copy(row, bias)
		}
	}
}

// finishGateF32 adds the peephole term (peep may be nil), applies layer
// normalization (ln may be nil), then the gate's activation: the sigmoid, or
// act for the cell gate.
func finishGateF32(g int, gate, c, peep, ln, bias []float32, nCell int, act ir.Activation) {
	if peep != nil {
		for b := 0; b < len(gate); b += nCell {
			row, cr := gate[b:b+nCell], c[b:b+nCell]
			for i := range row {
				row[i] += float32(peep[i] * cr[i])
			}
		}
	}
	if ln != nil {
		for b := 0; b < len(gate); b += nCell {
			row := gate[b : b+nCell]
			meanStddevNormalize(row)
			for i := range row {
				row[i] = float32(row[i]*ln[i]) + bias[i]
			}
		}
	}
	if g == gateCell {
		activateF32(gate, gate, act)
	} else {
		sigmoidF32(gate, gate)
	}
}

// cellOutputF32 is act(c) * o, the hidden state before any projection.
func cellOutputF32(hidden, c, o []float32, act ir.Activation) {
	activateF32(hidden, c, act)
	for i := range hidden {
		hidden[i] *= o[i]
	}
}

// initProjectionF32 starts each batch row of the projected output state at
// the projection bias (zero without one).
func initProjectionF32(h, bias []float32, nOutput int) {
	for b := 0; b < len(h); b += nOutput {
		if bias != nil {
			copy(h[b:b+nOutput], bias)
		} else {
			clear(h[b : b+nOutput])
		}
	}
}

// updateCellFloat is c = f*c + i*g (or (1-f)*g for CIFG), clipped.
func updateCellFloat(c, ig, fg, cg []float32, cifg bool, clip float32) {
	for i := range c {
		c[i] *= fg[i]
	}
	if cifg {
		for i := range c {
			c[i] += float32(cg[i] * (1 - fg[i]))
		}
	} else {
		for i := range c {
			c[i] += float32(cg[i] * ig[i])
		}
	}
	if clip > 0 {
		clipF32(c, clip)
	}
}

// matVecAccF32 adds w (rows x cols, row-major) times each of the nb vectors
// in v to acc (nb x rows), summing each dot product in float32 first as
// TFLite does.
func matVecAccF32(w, v, acc []float32, rows, cols, nb int) {
	for b := range nb {
		vb := v[b*cols : (b+1)*cols]
		ab := acc[b*rows : (b+1)*rows]
		for r := range rows {
			wr := w[r*cols : (r+1)*cols]
			var dot float32
			for j, x := range vb {
				dot += float32(wr[j] * x)
			}
			ab[r] += dot
		}
	}
}

// meanStddevNormalize rescales v to zero mean and unit variance (with TFLite's
// 1e-8 guard against a zero variance).
func meanStddevNormalize(v []float32) {
	var sum float32
	for _, x := range v {
		sum += x
	}
	mean := sum / float32(len(v))
	var sq float32
	for _, x := range v {
		d := x - mean
		sq += float32(d * d)
	}
	variance := sq / float32(len(v))
	inv := 1 / float32(math.Sqrt(float64(variance+1e-8)))
	for i, x := range v {
		v[i] = (x - mean) * inv
	}
}

// sigmoidF32 is dst = 1/(1+exp(-src)).
func sigmoidF32(dst, src []float32) {
	for i, x := range src {
		dst[i] = 1 / (1 + float32(math.Exp(float64(-x))))
	}
}

// activateF32 applies an LSTM activation (TFLite's ApplyActivationToVector).
func activateF32(dst, src []float32, a ir.Activation) {
	switch a {
	case ir.ActTanh:
		for i, x := range src {
			dst[i] = float32(math.Tanh(float64(x)))
		}
	case ir.ActRelu:
		for i, x := range src {
			dst[i] = max(x, 0)
		}
	case ir.ActReluN1To1:
		for i, x := range src {
			dst[i] = min(max(x, -1), 1)
		}
	case ir.ActRelu6:
		for i, x := range src {
			dst[i] = min(max(x, 0), 6)
		}
	case ir.ActSignBit:
		for i, x := range src {
			if math.Signbit(float64(x)) {
				dst[i] = 1
			} else {
				dst[i] = 0
			}
		}
	default:
		copy(dst, src)
	}
}

// clipF32 clamps v to [-limit, limit].
func clipF32(v []float32, limit float32) {
	for i, x := range v {
		v[i] = min(max(x, -limit), limit)
	}
}

// allZero reports whether every element of v is zero.
func allZero[T float32 | int8 | int16 | int32](v []T) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
