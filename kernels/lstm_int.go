package kernels

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// The full-integer LSTM (TFLite's "8x8_16" kernel: int8 activations and
// weights, int16 cell state and gates), after PopulateQuantizedLstmParams8x8_16
// and PrecomputeZeroPointTimesWeightWithBias in unidirectional_sequence_lstm.cc
// and LstmStepInteger8x8_16 in lstm_eval.cc, bit for bit.

// qmul is a quantized multiplier: a Q31 significand and a power-of-two shift.
type qmul struct {
	m     int32
	shift int
}

type lstmIntegerState struct {
	round     fixedpoint.Rounding
	wIn, wRec [numGates][]int8
	peep      [numGates][]int16
	gateBias  [numGates][]int32 // the raw gate biases, used by layer normalization
	lnCoeff   [numGates][]int16
	projW     []int8
	// Biases with the input and output-state zero points folded in.
	inBias, recBias [numGates][]int32
	projBias        []int32
	inScale         [numGates]qmul
	recScale        [numGates]qmul
	peepScale       [numGates]qmul
	lnScale         [numGates]qmul
	varianceGuard   [numGates]int32
	hiddenScale     qmul
	projScale       qmul
	hiddenZP        int32
	outputStateZP   int32
	cellScale       int // log2 of the cell state's scale
	cellClip        int16
	projClip        int8
	gates           [numGates][]int16 // n_batch*n_cell each
	cellTanh        []int16           // tanh(cell), n_batch*n_cell
	hidden          []int8            // quantized hidden before projection, n_batch*n_cell
}

// seqQuant is PerTensorQuant with the tensor's role in the error.
func seqQuant(what string, t *ir.Tensor) (float32, int32, error) {
	scale, zp, err := PerTensorQuant(t)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", what, err)
	}
	return scale, zp, nil
}

// seqScale is seqQuant for weights, whose zero point the kernels ignore.
func seqScale(what string, t *ir.Tensor) (float32, error) {
	scale, _, err := seqQuant(what, t)
	return scale, err
}

// quantizeMul quantizes an effective scale as TFLite's QuantizeMultiplier does
// under rounding r.
func quantizeMul(r fixedpoint.Rounding, real float64) (qmul, error) {
	m, shift, err := r.QuantizeMultiplier(real)
	return qmul{m, shift}, err
}

// float32Mul quantizes a*b/c computed in float32, as TFLite computes the
// LSTM's and SVDF's effective scales.
func float32Mul(r fixedpoint.Rounding, a, b, c float32) (qmul, error) {
	m, shift, err := Float32Multiplier(r, a, b, c)
	return qmul{m, shift}, err
}

func (k *lstmKernel) prepareInteger(n *Node) error {
	l := &k.lay
	if err := checkType(n, ir.Int8, append(gateInputs(n, true, false, false, false), lstmInput, lstmOutputState, lstmProjWeights)...); err != nil {
		return err
	}
	if err := checkType(n, ir.Int16, append(gateInputs(n, false, true, false, true), lstmCellState)...); err != nil {
		return err
	}
	if err := checkType(n, ir.Int32, append(gateInputs(n, false, false, true, false), lstmProjBias)...); err != nil {
		return err
	}
	out := n.Out[0]
	if out.Type != ir.Int8 {
		return fmt.Errorf("output %q is %v, want int8", out.Name, out.Type)
	}
	if len(n.Intermediates) != 5 {
		return fmt.Errorf("an integer LSTM needs 5 intermediate tensors (gate and hidden scales), has %d", len(n.Intermediates))
	}
	for i, t := range n.Intermediates {
		if t == nil {
			return fmt.Errorf("intermediate %d is absent", i)
		}
	}
	if l.peephole && l.nOutput > l.nCell {
		// TFLite's integer peephole walks n_output cells (lstm_eval.cc); with
		// more outputs than cells it would read past the peephole weights.
		return fmt.Errorf("integer peephole LSTM needs n_output (%d) <= n_cell (%d)", l.nOutput, l.nCell)
	}
	s := &k.integ
	*s = lstmIntegerState{round: roundingOf(n.Ctx)}
	rq := s.round

	inScale, inZP, err := seqQuant("input", n.In[lstmInput])
	if err != nil {
		return err
	}
	hScale, hZP, err := seqQuant("output state", n.In[lstmOutputState])
	if err != nil {
		return err
	}
	cScale, _, err := seqQuant("cell state", n.In[lstmCellState])
	if err != nil {
		return err
	}
	outScale, _, err := seqQuant("output", out)
	if err != nil {
		return err
	}
	cellScale, ok := fixedpoint.CheckedLog2(cScale)
	if !ok {
		return fmt.Errorf("cell state %q scale %v is not a power of two", n.In[lstmCellState].Name, cScale)
	}
	if bits := 15 + cellScale; bits < 0 || bits > 6 {
		// TFLite's ApplyTanh handles 0 to 6 integer bits only.
		return fmt.Errorf("cell state %q scale 2^%d is outside TFLite's range 2^-15..2^-9", n.In[lstmCellState].Name, cellScale)
	}
	s.cellScale = cellScale
	s.outputStateZP = hZP
	if c := k.opts.CellClip; c > 0 {
		s.cellClip = int16(min(max(c/cScale, -32768), 32767))
	}
	if c := k.opts.ProjClip; c > 0 {
		s.projClip = int8(min(max(c/outScale, -128), 127))
	}

	// Gate intermediate scales: the layer-norm inputs' when normalizing, Q3.12
	// otherwise; the fifth intermediate is the hidden state before projection.
	var interScale [numGates]float32
	for g := range numGates {
		interScale[g] = 1.0 / 4096
		if l.layerNorm {
			sc, _, err := seqQuant(fmt.Sprintf("intermediate %d", g), n.Intermediates[g])
			if err != nil {
				return err
			}
			interScale[g] = sc
		}
	}
	hiddenScale, hiddenZP, err := seqQuant("hidden intermediate", n.Intermediates[4])
	if err != nil {
		return err
	}
	s.hiddenZP = hiddenZP

	for g := range numGates {
		s.gates[g] = make([]int16, l.nBatch*l.nCell)
		if g == gateInput && l.cifg {
			continue
		}
		wi, wr := n.In[lstmInputWeights+g], n.In[lstmRecurrentW+g]
		wiScale, err := seqScale(gateNames[g]+" input weights", wi)
		if err != nil {
			return err
		}
		wrScale, err := seqScale(gateNames[g]+" recurrent weights", wr)
		if err != nil {
			return err
		}
		if s.inScale[g], err = float32Mul(rq, wiScale, inScale, interScale[g]); err != nil {
			return err
		}
		if s.recScale[g], err = float32Mul(rq, wrScale, hScale, interScale[g]); err != nil {
			return err
		}
		s.wIn[g], s.wRec[g] = wi.Int8s(), wr.Int8s()
		var bias []int32
		if b := n.In[lstmGateBias+g]; b != nil {
			s.gateBias[g] = b.Int32s()
			if !l.layerNorm {
				bias = s.gateBias[g]
			}
		}
		s.inBias[g] = foldZeroPoint(s.wIn[g], l.nCell, l.nInput, -inZP, bias)
		s.recBias[g] = foldZeroPoint(s.wRec[g], l.nCell, l.nOutput, -hZP, nil)
		if p := peepholeIndex[g]; p >= 0 && l.peephole {
			pt := n.In[p]
			ps, err := seqScale(gateNames[g]+" peephole weights", pt)
			if err != nil {
				return err
			}
			if s.peepScale[g], err = quantizeMul(rq, float64(float32(math.Pow(2, float64(cellScale))*float64(ps)/float64(interScale[g])))); err != nil {
				return err
			}
			s.peep[g] = pt.Int16s()
		}
		lnScale := float32(1)
		if l.layerNorm {
			lt := n.In[lstmLayerNormCoeff+g]
			if lnScale, err = seqScale(gateNames[g]+" layer-norm coefficients", lt); err != nil {
				return err
			}
			s.lnCoeff[g] = lt.Int16s()
			if s.gateBias[g] == nil {
				return fmt.Errorf("layer normalization needs the %s gate bias", gateNames[g])
			}
		}
		if s.lnScale[g], err = quantizeMul(rq, float64(lnScale)); err != nil {
			return err
		}
		// TFLite keeps the variance from vanishing with this floor.
		s.varianceGuard[g] = max(1, int32(float32(10000*lnScale)))
	}
	if s.hiddenScale, err = quantizeMul(rq, float64(float32(math.Pow(2, -15)/float64(hiddenScale)*math.Pow(2, -15)))); err != nil {
		return err
	}
	if l.projection {
		pw := n.In[lstmProjWeights]
		ps, err := seqScale("projection weights", pw)
		if err != nil {
			return err
		}
		if s.projScale, err = float32Mul(rq, ps, hiddenScale, hScale); err != nil {
			return err
		}
		s.projW = pw.Int8s()
		var bias []int32
		if b := n.In[lstmProjBias]; b != nil {
			bias = b.Int32s()
		}
		s.projBias = foldZeroPoint(s.projW, l.nOutput, l.nCell, hiddenZP, bias)
	}
	s.cellTanh = make([]int16, l.nBatch*l.nCell)
	s.hidden = make([]int8, l.nBatch*l.nCell)
	return nil
}

// foldZeroPoint returns bias + zp * (row sums of w), the precomputed term that
// lets the integer matmuls skip the input zero point (TFLite's
// PrecomputeZeroPointTimesWeightWithBias). bias may be nil.
func foldZeroPoint(w []int8, rows, cols int, zp int32, bias []int32) []int32 {
	out := make([]int32, rows)
	copy(out, bias)
	if zp == 0 {
		return out
	}
	for r := range rows {
		var sum int32
		for _, x := range w[r*cols : (r+1)*cols] {
			sum += int32(x)
		}
		out[r] += sum * zp
	}
	return out
}

func (k *lstmKernel) evalInteger(n *Node) {
	runLSTM(&k.lay, n.In[lstmInput].Int8s(), n.Out[0].Int8s(), n.In[lstmOutputState].Int8s(), n.In[lstmCellState].Int16s(), k.stepInteger)
}

// stepInteger is TFLite's LstmStepInteger8x8_16 over nb batch rows.
func (k *lstmKernel) stepInteger(x, h []int8, c []int16, nb int) {
	l, s := &k.lay, &k.integ
	if !l.cifg {
		k.gateInteger(gateInput, x, h, c, nb)
	}
	k.gateInteger(gateForget, x, h, c, nb)
	k.gateInteger(gateCell, x, h, c, nb)
	nc := nb * l.nCell
	k.updateCellInteger(c[:nc], s.gates[gateInput][:nc], s.gates[gateForget][:nc], s.gates[gateCell][:nc])
	k.gateInteger(gateOutput, x, h, c, nb)

	tanhBits := 15 + s.cellScale
	for i, v := range c[:nc] {
		s.cellTanh[i] = fixedpoint.Tanh16(v, tanhBits)
	}
	o := s.gates[gateOutput][:nc]
	if !l.projection {
		k.mulToInt8(o, s.cellTanh[:nc], h)
		return
	}
	k.mulToInt8(o, s.cellTanh[:nc], s.hidden[:nc])
	clear(h)
	matVecAccQ(s.round, s.projW, s.hidden[:nc], s.projBias, s.projScale, s.outputStateZP, h, l.nOutput, l.nCell, nb)
	if clip := s.projClip; clip > 0 {
		for i, v := range h {
			h[i] = min(max(v, -clip), clip)
		}
	}
}

// gateInteger computes one gate in int16 (Q3.12 before the activation, Q0.15
// after): the input and recurrent products, the peephole term, layer
// normalization, then the sigmoid or (for the cell gate) tanh.
func (k *lstmKernel) gateInteger(g int, x, h []int8, c []int16, nb int) {
	l, s := &k.lay, &k.integ
	gate := s.gates[g][:nb*l.nCell]
	clear(gate)
	matVecAccQ(s.round, s.wIn[g], x, s.inBias[g], s.inScale[g], 0, gate, l.nCell, l.nInput, nb)
	matVecAccQ(s.round, s.wRec[g], h, s.recBias[g], s.recScale[g], 0, gate, l.nCell, l.nOutput, nb)
	if p := s.peep[g]; p != nil {
		// TFLite walks n_output entries per batch row here (not n_cell).
		m := s.peepScale[g]
		for b := range nb {
			for v := range l.nOutput {
				i := b*l.nOutput + v
				prod := s.round.MultiplyByQuantizedMultiplier(int32(p[v])*int32(c[i]), m.m, m.shift)
				gate[i] = sat16(prod + int32(gate[i]))
			}
		}
	}
	if s.lnCoeff[g] != nil {
		k.layerNormInteger(g, gate, nb)
	}
	if g == gateCell {
		for i, v := range gate {
			gate[i] = fixedpoint.Tanh16(v, 3)
		}
	} else {
		for i, v := range gate {
			gate[i] = fixedpoint.Logistic16(v, 3)
		}
	}
}

// layerNormInteger is TFLite's ApplyLayerNorm: integer mean and variance per
// batch row, an inverse square root multiplier, then the coefficient, bias
// and layer-norm scale.
func (k *lstmKernel) layerNormInteger(g int, gate []int16, nb int) {
	l, s := &k.lay, &k.integ
	const twoToPower20 = 1 << 20
	w, bias, scale := s.lnCoeff[g], s.gateBias[g], s.lnScale[g]
	n := l.nCell
	for b := range nb {
		row := gate[b*n : (b+1)*n]
		var sum, sumSq int64
		for _, v := range row {
			x := int32(v)
			sum += int64(x)
			sumSq += int64(x * x)
		}
		mean := int32(sum * 1024 / int64(n))
		temp := int32(twoToPower20 / n)
		variance := sumSq*int64(temp) - int64(mean)*int64(mean)
		variance2 := int32(variance / twoToPower20)
		if variance2 < 1 {
			variance2 = s.varianceGuard[g]
		}
		invA, invB := fixedpoint.GetInvSqrtQuantizedMultiplierExp(variance2, -1)
		for j, v := range row {
			shifted := 1024*int32(v) - mean
			rescaled := s.round.MultiplyByQuantizedMultiplier(shifted, invA, invB)
			val3 := int64(rescaled*int32(w[j]) + bias[j])
			if val3 > 0 {
				val3 += 512
			} else {
				val3 -= 512
			}
			val4 := int32(val3 / 1024)
			row[j] = sat16(s.round.MultiplyByQuantizedMultiplier(val4, scale.m, scale.shift+12))
		}
	}
}

// updateCellInteger is TFLite's UpdateLstmCellInteger: c = f*c + i*g in the
// cell state's power-of-two scale, saturating, then clipped.
func (k *lstmKernel) updateCellInteger(c, ig, fg, cg []int16) {
	l, s := &k.lay, &k.integ
	shift := 30 + s.cellScale
	for i := range c {
		c[i] = int16(fixedpoint.RoundingDivideByPOT(int32(fg[i])*int32(c[i]), 15))
		gate := ig[i]
		if l.cifg {
			gate = 32767 - fg[i]
		}
		update := int16(fixedpoint.RoundingDivideByPOT(int32(gate)*int32(cg[i]), shift))
		c[i] = sat16(int32(c[i]) + int32(update))
	}
	if clip := s.cellClip; clip > 0 {
		for i, v := range c {
			c[i] = min(max(v, -clip), clip)
		}
	}
}

// mulToInt8 is TFLite's CwiseMul to int8: a*b rescaled by the hidden scale,
// saturated. Note the zero point: TFLite's CwiseMul subtracts the hidden zero
// point where quantizing would add it. Newer TFLite passes its negation when
// projecting; the TFLite that recorded the fixtures (and TFLite Micro's port)
// subtract it in both cases, and the fixtures match only that, so we do too.
func (k *lstmKernel) mulToInt8(a, b []int16, dst []int8) {
	s := &k.integ
	m := s.hiddenScale
	for i := range dst {
		v := s.round.MultiplyByQuantizedMultiplier(int32(a[i])*int32(b[i]), m.m, m.shift) - s.hiddenZP
		dst[i] = int8(min(max(v, -128), 127))
	}
}

// matVecAccQ adds, for each of the nb int8 vectors in x, bias + w·x rescaled
// by m plus the zero point zp to the accumulator acc (nb x rows), saturating
// to acc's type: TFLite's integer MatrixBatchVectorMultiplyAccumulate.
func matVecAccQ[T int8 | int16](r fixedpoint.Rounding, w, x []int8, bias []int32, m qmul, zp int32, acc []T, rows, cols, nb int) {
	lo, hi := int32(math.MinInt16), int32(math.MaxInt16)
	if unsafe.Sizeof(acc[0]) == 1 {
		lo, hi = math.MinInt8, math.MaxInt8
	}
	for b := range nb {
		xb := x[b*cols : (b+1)*cols]
		for row := range rows {
			sum := bias[row]
			for j, v := range w[row*cols : (row+1)*cols] {
				sum += int32(v) * int32(xb[j])
			}
			i := b*rows + row
			v := r.MultiplyByQuantizedMultiplier(sum, m.m, m.shift) + zp + int32(acc[i])
			acc[i] = T(min(max(v, lo), hi))
		}
	}
}

// sat16 saturates to int16.
func sat16(v int32) int16 { return int16(min(max(v, -32768), 32767)) }
