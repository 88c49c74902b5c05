package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// SVDF (singular value decomposition filter), after TFLite's svdf.cc and
// reference/svdf.h: a rank-limited fully connected layer over a sliding window
// of the last memory_size inputs. The activation state (a variable tensor of
// batch x num_filters x memory_size) keeps the window: each Eval shifts it one
// step left and appends the newest feature projection.

const (
	svdfInput          = 0
	svdfWeightsFeature = 1 // [num_filters, input_size]
	svdfWeightsTime    = 2 // [num_filters, memory_size]
	svdfBias           = 3 // [num_units], optional
	svdfState          = 4 // [batch, memory_size*num_filters], variable
)

type svdfLayout struct {
	rank, batch, inputSize, filters, units, memory int
}

type svdfKernel struct {
	opts  ir.SVDFOptions
	lay   svdfLayout
	kind  lstmKind // the same three kinds as the LSTM: float, hybrid, integer
	float svdfFloatState
	hyb   svdfHybridState
	integ svdfIntegerState
}

type svdfFloatState struct {
	weightsFeature, weightsTime, bias []float32
	scratch                           []float32 // batch*filters
}

func init() {
	Register(ir.SVDF, func() Kernel { return &svdfKernel{} })
}

func (k *svdfKernel) Prepare(n *Node) error {
	opts, ok := n.Op.Options.(*ir.SVDFOptions)
	if !ok || opts == nil {
		return fmt.Errorf("%s (op %d): missing SVDF options", n.Op.Name(), n.Index)
	}
	k.opts = *opts
	if err := k.prepare(n); err != nil {
		return fmt.Errorf("%s (op %d): %w", n.Op.Name(), n.Index, err)
	}
	return nil
}

func (k *svdfKernel) prepare(n *Node) error {
	if len(n.In) != 5 {
		return fmt.Errorf("expects 5 inputs, has %d", len(n.In))
	}
	if len(n.Out) != 1 || n.Out[0] == nil {
		return fmt.Errorf("expects 1 output, has %d", len(n.Out))
	}
	for _, i := range []int{svdfInput, svdfWeightsFeature, svdfWeightsTime, svdfState} {
		if n.In[i] == nil {
			return fmt.Errorf("required input %d is absent", i)
		}
	}
	in, wf, wt, st := n.In[svdfInput], n.In[svdfWeightsFeature], n.In[svdfWeightsTime], n.In[svdfState]
	if len(in.Shape) != 2 {
		return fmt.Errorf("input %q must have rank 2, has shape %v", in.Name, in.Shape)
	}
	if len(wf.Shape) != 2 || len(wt.Shape) != 2 {
		return fmt.Errorf("feature weights %q %v and time weights %q %v must have rank 2", wf.Name, wf.Shape, wt.Name, wt.Shape)
	}
	if !wf.IsConst() || !wt.IsConst() {
		return fmt.Errorf("feature and time weights must be constants")
	}
	var l svdfLayout
	l.rank = k.opts.Rank
	l.batch, l.inputSize = in.Shape[0], in.Shape[1]
	l.filters, l.memory = wf.Shape[0], wt.Shape[1]
	if l.rank <= 0 {
		return fmt.Errorf("rank %d must be positive", l.rank)
	}
	if l.filters <= 0 || l.filters%l.rank != 0 {
		return fmt.Errorf("num_filters %d must be a positive multiple of rank %d", l.filters, l.rank)
	}
	l.units = l.filters / l.rank
	if wf.Shape[1] != l.inputSize {
		return fmt.Errorf("feature weights %q have shape %v, want [%d %d]", wf.Name, wf.Shape, l.filters, l.inputSize)
	}
	if wt.Shape[0] != l.filters || l.memory <= 0 {
		return fmt.Errorf("time weights %q have shape %v, want [%d memory_size]", wt.Name, wt.Shape, l.filters)
	}
	if b := n.In[svdfBias]; b != nil && (len(b.Shape) != 1 || b.Shape[0] != l.units || !b.IsConst()) {
		return fmt.Errorf("bias %q has shape %v, want a constant [%d]", b.Name, b.Shape, l.units)
	}
	if len(st.Shape) != 2 || st.Shape[0] != l.batch || st.Shape[1] != l.memory*l.filters {
		return fmt.Errorf("activation state %q has shape %v, want [%d %d]", st.Name, st.Shape, l.batch, l.memory*l.filters)
	}
	out := n.Out[0]
	if !equalShape(out.Shape, []int{l.batch, l.units}) {
		return fmt.Errorf("output %q has shape %v, want [%d %d]", out.Name, out.Shape, l.batch, l.units)
	}
	k.lay = l
	switch {
	case in.Type == ir.Float32 && wf.Type == ir.Float32:
		k.kind = lstmFloat
		return k.prepareFloat(n)
	case in.Type == ir.Float32 && (wf.Type == ir.Int8 || wf.Type == ir.Uint8):
		k.kind = lstmHybrid
		return k.prepareHybrid(n)
	case in.Type == ir.Int8 && wf.Type == ir.Int8:
		k.kind = lstmInteger
		return k.prepareInteger(n)
	}
	return fmt.Errorf("input %v with %v feature weights is not supported", in.Type, wf.Type)
}

func (k *svdfKernel) Eval(n *Node) error {
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

func (k *svdfKernel) prepareFloat(n *Node) error {
	if err := checkFloatOp(n, k.opts.Activation, svdfWeightsTime, svdfBias, svdfState); err != nil {
		return err
	}
	l := &k.lay
	k.float = svdfFloatState{
		weightsFeature: n.In[svdfWeightsFeature].Float32s(),
		weightsTime:    n.In[svdfWeightsTime].Float32s(),
		bias:           floatsOf(n.In[svdfBias]),
		scratch:        make([]float32, l.batch*l.filters),
	}
	return nil
}

func (k *svdfKernel) evalFloat(n *Node) {
	l, s := &k.lay, &k.float
	state := n.In[svdfState].Float32s()
	in := n.In[svdfInput].Float32s()
	copy(state, state[1:])
	clear(s.scratch)
	matVecAccF32(s.weightsFeature, in, s.scratch, l.filters, l.inputSize, l.batch)
	for i, x := range s.scratch {
		state[i*l.memory+l.memory-1] = x
	}
	svdfTimeFloat(l, s.weightsTime, s.bias, state, s.scratch, n.Out[0].Float32s(), k.opts.Activation)
}

// svdfTimeFloat is the float second half of SVDF shared with the hybrid path:
// each filter's dot product with its memory, summed over rank, plus bias, then
// the fused activation.
func svdfTimeFloat(l *svdfLayout, weightsTime, bias, state, scratch, out []float32, act ir.Activation) {
	for b := range l.batch {
		for f := range l.filters {
			w := weightsTime[f*l.memory : (f+1)*l.memory]
			m := state[(b*l.filters+f)*l.memory : (b*l.filters+f+1)*l.memory]
			var dot float32
			for j := range w {
				dot += float32(w[j] * m[j])
			}
			scratch[b*l.filters+f] = dot
		}
	}
	for o := range l.batch * l.units {
		var sum float32
		for _, x := range scratch[o*l.rank : (o+1)*l.rank] {
			sum += x
		}
		if bias != nil {
			sum += bias[o%l.units]
		}
		out[o] = sum
	}
	activateF32(out, out, act)
}
