package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// The hybrid SVDF: int8 feature and time weights with float input, state and
// output, after EvalHybridSVDF in TFLite's reference/svdf.h. The input is
// quantized per batch row; the time weights are dequantized once.

type svdfHybridState struct {
	asym        bool
	wf          []int8
	wfScale     float32
	wfRowSums   []int32
	weightsTime []float32 // dequantized time weights
	bias        []float32
	q           []int8    // quantized input, batch*input_size
	sf          []float32 // per-row scaling factors
	zp          []int32   // per-row zero points (asymmetric only)
	scratch     []float32 // batch*filters
}

func (k *svdfKernel) prepareHybrid(n *Node) error {
	l := &k.lay
	wf, wt := n.In[svdfWeightsFeature], n.In[svdfWeightsTime]
	if wf.Type != ir.Int8 || wt.Type != ir.Int8 {
		return fmt.Errorf("hybrid SVDF needs int8 feature and time weights, not %v and %v", wf.Type, wt.Type)
	}
	if err := checkFloatOp(n, k.opts.Activation, svdfBias, svdfState); err != nil {
		return err
	}
	wfScale, wtScale, err := svdfWeightScales(wf, wt)
	if err != nil {
		return err
	}
	s := &k.hyb
	*s = svdfHybridState{
		asym:        k.opts.AsymmetricQuantizeInputs,
		wf:          wf.Int8s(),
		wfScale:     wfScale,
		weightsTime: make([]float32, l.filters*l.memory),
		bias:        floatsOf(n.In[svdfBias]),
		q:           make([]int8, l.batch*l.inputSize),
		sf:          make([]float32, l.batch),
		zp:          make([]int32, l.batch),
		scratch:     make([]float32, l.batch*l.filters),
	}
	s.wfRowSums = seqRowSums(s.wf, l.filters, l.inputSize)
	for i, w := range wt.Int8s() {
		s.weightsTime[i] = float32(w) * wtScale
	}
	return nil
}

func (k *svdfKernel) evalHybrid(n *Node) {
	l, s := &k.lay, &k.hyb
	state := n.In[svdfState].Float32s()
	in := n.In[svdfInput].Float32s()
	copy(state, state[1:])
	clear(s.scratch)
	if !allZero(in) {
		seqBatchQuantize(in, l.batch, l.inputSize, s.q, s.sf, s.zp, s.asym)
		for b := range s.sf {
			s.sf[b] *= s.wfScale
		}
		var zp []int32
		if s.asym {
			zp = s.zp
		}
		seqHybridMatVecAcc(s.wf, l.filters, l.inputSize, s.q, s.sf, l.batch, s.scratch, zp, s.wfRowSums)
	}
	for i, x := range s.scratch {
		state[i*l.memory+l.memory-1] = x
	}
	svdfTimeFloat(l, s.weightsTime, s.bias, state, s.scratch, n.Out[0].Float32s(), k.opts.Activation)
}
