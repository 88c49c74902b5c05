package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// The hybrid (dynamic-range) LSTM: int8 weights with float activations,
// after LstmStepHybrid in TFLite's lstm_eval.cc. Each step quantizes the input
// and the output state per batch row (symmetric, or asymmetric with
// asymmetric_quantize_inputs), multiplies in integers and accumulates in
// float.

type lstmHybridState struct {
	asym       bool
	wIn, wRec  [numGates][]int8
	inScale    [numGates]float32 // weight scales
	recScale   [numGates]float32
	inRowSums  [numGates][]int32 // for asymmetric inputs
	recRowSums [numGates][]int32
	peep       [numGates][]float32 // peephole weights times their scale
	bias       [numGates][]float32
	lnCoeff    [numGates][]float32
	projW      []int8
	projScale  float32
	projRowSum []int32
	projB      []float32
	cellAct    ir.Activation
	cellClip   float32
	projClip   float32
	gates      [numGates][]float32 // n_batch*n_cell each
	hidden     []float32           // n_batch*n_cell
	qIn        []int8              // quantized input, n_batch*n_input
	qState     []int8              // quantized output state, n_batch*n_output
	qHidden    []int8              // quantized hidden before projection, n_batch*n_cell
	inSF       []float32           // per-row scaling factors of qIn, qState, qHidden
	stateSF    []float32
	hiddenSF   []float32
	prodSF     []float32 // scaling factor times weight scale
	inZP       []int32   // per-row zero points (asymmetric only)
	stateZP    []int32
	hiddenZP   []int32
}

func (k *lstmKernel) prepareHybrid(n *Node) error {
	l := &k.lay
	wType := n.In[lstmInputWeights+gateOutput].Type
	if wType != ir.Int8 {
		return fmt.Errorf("hybrid LSTM weights must be int8, not %v", wType)
	}
	if err := checkType(n, ir.Int8, append(gateInputs(n, true, true, false, false), lstmProjWeights)...); err != nil {
		return err
	}
	idx := append(gateInputs(n, false, false, true, true), lstmOutputState, lstmCellState, lstmProjBias)
	if err := checkFloatOp(n, k.opts.Activation, idx...); err != nil {
		return err
	}
	s := &k.hybrid
	*s = lstmHybridState{
		asym:     k.opts.AsymmetricQuantizeInputs,
		cellAct:  k.opts.Activation,
		cellClip: k.opts.CellClip,
		projClip: k.opts.ProjClip,
	}
	var err error
	for g := range numGates {
		s.gates[g] = make([]float32, l.nBatch*l.nCell)
		if g == gateInput && l.cifg {
			continue
		}
		wi, wr := n.In[lstmInputWeights+g], n.In[lstmRecurrentW+g]
		if s.inScale[g], err = seqScale(gateNames[g]+" input weights", wi); err != nil {
			return err
		}
		if s.recScale[g], err = seqScale(gateNames[g]+" recurrent weights", wr); err != nil {
			return err
		}
		s.wIn[g], s.wRec[g] = wi.Int8s(), wr.Int8s()
		s.inRowSums[g] = seqRowSums(s.wIn[g], l.nCell, l.nInput)
		s.recRowSums[g] = seqRowSums(s.wRec[g], l.nCell, l.nOutput)
		s.bias[g] = n.In[lstmGateBias+g].Float32s()
		if p := peepholeIndex[g]; p >= 0 && l.peephole {
			pt := n.In[p]
			ps, err := seqScale(gateNames[g]+" peephole weights", pt)
			if err != nil {
				return err
			}
			// TFLite recovers these per step as scale*w; the values are the same.
			s.peep[g] = make([]float32, l.nCell)
			for i, w := range pt.Int8s() {
				s.peep[g][i] = ps * float32(w)
			}
		}
		if l.layerNorm {
			s.lnCoeff[g] = n.In[lstmLayerNormCoeff+g].Float32s()
		}
	}
	if l.projection {
		pw := n.In[lstmProjWeights]
		if s.projScale, err = seqScale("projection weights", pw); err != nil {
			return err
		}
		s.projW = pw.Int8s()
		s.projRowSum = seqRowSums(s.projW, l.nOutput, l.nCell)
		s.projB = floatsOf(n.In[lstmProjBias])
	}
	s.hidden = make([]float32, l.nBatch*l.nCell)
	s.qIn = make([]int8, l.nBatch*l.nInput)
	s.qState = make([]int8, l.nBatch*l.nOutput)
	s.qHidden = make([]int8, l.nBatch*l.nCell)
	s.inSF = make([]float32, l.nBatch)
	s.stateSF = make([]float32, l.nBatch)
	s.hiddenSF = make([]float32, l.nBatch)
	s.prodSF = make([]float32, l.nBatch)
	s.inZP = make([]int32, l.nBatch)
	s.stateZP = make([]int32, l.nBatch)
	s.hiddenZP = make([]int32, l.nBatch)
	return nil
}

func (k *lstmKernel) evalHybrid(n *Node) {
	runLSTM(&k.lay, n.In[lstmInput].Float32s(), n.Out[0].Float32s(), n.In[lstmOutputState].Float32s(), n.In[lstmCellState].Float32s(), k.stepHybrid)
}

// stepHybrid is TFLite's LstmStepHybrid over nb batch rows.
func (k *lstmKernel) stepHybrid(x, h, c []float32, nb int) {
	l, s := &k.lay, &k.hybrid
	xZero, hZero := allZero(x), allZero(h)
	var inZP, stateZP []int32
	if s.asym {
		inZP, stateZP = s.inZP[:nb], s.stateZP[:nb]
	}
	if !xZero {
		seqBatchQuantize(x, nb, l.nInput, s.qIn, s.inSF, s.inZP, s.asym)
	}
	if !hZero {
		seqBatchQuantize(h, nb, l.nOutput, s.qState, s.stateSF, s.stateZP, s.asym)
	}
	for _, g := range [...]int{gateInput, gateForget, gateCell} {
		if g == gateInput && l.cifg {
			continue
		}
		k.gateHybrid(g, h, c, nb, xZero, hZero, inZP, stateZP)
	}
	nc := nb * l.nCell
	updateCellFloat(c[:nc], s.gates[gateInput][:nc], s.gates[gateForget][:nc], s.gates[gateCell][:nc], l.cifg, s.cellClip)
	k.gateHybrid(gateOutput, h, c, nb, xZero, hZero, inZP, stateZP)

	hidden := s.hidden[:nc]
	cellOutputF32(hidden, c[:nc], s.gates[gateOutput][:nc], s.cellAct)
	if !l.projection {
		copy(h, hidden)
		return
	}
	initProjectionF32(h, s.projB, l.nOutput)
	if !allZero(hidden) {
		seqBatchQuantize(hidden, nb, l.nCell, s.qHidden, s.hiddenSF, s.hiddenZP, s.asym)
		var zp []int32
		if s.asym {
			zp = s.hiddenZP[:nb]
		}
		for b := range nb {
			s.hiddenSF[b] *= s.projScale
		}
		seqHybridMatVecAcc(s.projW, l.nOutput, l.nCell, s.qHidden, s.hiddenSF, nb, h, zp, s.projRowSum)
	}
	if s.projClip > 0 {
		clipF32(h, s.projClip)
	}
}

// gateHybrid is TFLite's CalculateLstmGateHybrid for gate g.
func (k *lstmKernel) gateHybrid(g int, h, c []float32, nb int, xZero, hZero bool, inZP, stateZP []int32) {
	l, s := &k.lay, &k.hybrid
	gate := s.gates[g][:nb*l.nCell]
	initGateF32(gate, s.bias[g], s.lnCoeff[g] != nil, l.nCell)
	if !xZero {
		for b := range nb {
			s.prodSF[b] = s.inSF[b] * s.inScale[g]
		}
		seqHybridMatVecAcc(s.wIn[g], l.nCell, l.nInput, s.qIn, s.prodSF, nb, gate, inZP, s.inRowSums[g])
	}
	if !hZero {
		for b := range nb {
			s.prodSF[b] = s.stateSF[b] * s.recScale[g]
		}
		seqHybridMatVecAcc(s.wRec[g], l.nCell, l.nOutput, s.qState, s.prodSF, nb, gate, stateZP, s.recRowSums[g])
	}
	finishGateF32(g, gate, c, s.peep[g], s.lnCoeff[g], s.bias[g], l.nCell, s.cellAct)
}
