package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// The full-integer SVDF: int8 input and feature weights, an int16 (TFLite) or
// int8 (TFLite Micro) activation state and time weights, int32 bias, int8
// output, after EvalIntegerSVDF in TFLite's reference/svdf.h and TFLite
// Micro's EvalIntegerSvdfReference (which adds the int8 state's zero point).

type svdfIntegerState struct {
	round        fixedpoint.Rounding
	wf           []int8
	wt16         []int16 // time weights when the state is int16
	wt8          []int8  // time weights when the state is int8
	bias         []int32
	scale1       qmul // input*feature weights -> state
	scale2       qmul // state*time weights -> output
	inZP, outZP  int32
	stateZP      int32
	scratch      []int32 // batch*filters
	outputAccums []int32 // batch*units
}

func (k *svdfKernel) prepareInteger(n *Node) error {
	l := &k.lay
	in, wf, wt, st, out := n.In[svdfInput], n.In[svdfWeightsFeature], n.In[svdfWeightsTime], n.In[svdfState], n.Out[0]
	if st.Type != ir.Int16 && st.Type != ir.Int8 {
		return fmt.Errorf("activation state %q is %v, want int16 or int8", st.Name, st.Type)
	}
	if wt.Type != st.Type {
		return fmt.Errorf("time weights %q are %v but the activation state is %v", wt.Name, wt.Type, st.Type)
	}
	if err := checkType(n, ir.Int32, svdfBias); err != nil {
		return err
	}
	if out.Type != ir.Int8 {
		return fmt.Errorf("output %q is %v, want int8", out.Name, out.Type)
	}
	// TFLite's integer SVDF takes only RELU (TFLite Micro any) and neither
	// applies it beyond the int8 clamp; accept the two that mean the same.
	if a := k.opts.Activation; a != ir.ActNone && a != ir.ActRelu {
		return fmt.Errorf("integer SVDF does not support fused activation %v", a)
	}
	inScale, inZP, err := seqQuant("input", in)
	if err != nil {
		return err
	}
	wfScale, wtScale, err := svdfWeightScales(wf, wt)
	if err != nil {
		return err
	}
	stScale, stZP, err := seqQuant("activation state", st)
	if err != nil {
		return err
	}
	outScale, outZP, err := seqQuant("output", out)
	if err != nil {
		return err
	}
	s := &k.integ
	*s = svdfIntegerState{round: roundingOf(n.Ctx), inZP: inZP, outZP: outZP, stateZP: stZP}
	if s.scale1, err = float32Mul(s.round, inScale, wfScale, stScale); err != nil {
		return err
	}
	if s.scale2, err = float32Mul(s.round, stScale, wtScale, outScale); err != nil {
		return err
	}
	s.wf = wf.Int8s()
	if st.Type == ir.Int16 {
		s.wt16 = wt.Int16s()
	} else {
		s.wt8 = wt.Int8s()
	}
	if b := n.In[svdfBias]; b != nil {
		s.bias = b.Int32s()
	}
	s.scratch = make([]int32, l.batch*l.filters)
	s.outputAccums = make([]int32, l.batch*l.units)
	return nil
}

func (k *svdfKernel) evalInteger(n *Node) {
	s := &k.integ
	in, out := n.In[svdfInput].Int8s(), n.Out[0].Int8s()
	if s.wt16 != nil {
		svdfInteger(&k.lay, s, in, s.wt16, n.In[svdfState].Int16s(), out)
	} else {
		svdfInteger(&k.lay, s, in, s.wt8, n.In[svdfState].Int8s(), out)
	}
}

// svdfInteger runs one integer SVDF invoke with state (and time weights) of
// type T.
func svdfInteger[T int8 | int16](l *svdfLayout, s *svdfIntegerState, in []int8, wt, state []T, out []int8) {
	lo, hi := int32(-1<<15), int32(1<<15-1)
	var zero T
	if any(zero) == any(int8(0)) {
		lo, hi = -128, 127
	}
	copy(state, state[1:])
	for b := range l.batch {
		x := in[b*l.inputSize : (b+1)*l.inputSize]
		for f := range l.filters {
			var dot int32
			for c, w := range s.wf[f*l.inputSize : (f+1)*l.inputSize] {
				dot += int32(w) * (int32(x[c]) - s.inZP)
			}
			v := s.round.MultiplyByQuantizedMultiplier(dot, s.scale1.m, s.scale1.shift) + s.stateZP
			state[(b*l.filters+f)*l.memory+l.memory-1] = T(min(max(v, lo), hi))
		}
	}
	for b := range l.batch {
		for f := range l.filters {
			w := wt[f*l.memory : (f+1)*l.memory]
			m := state[(b*l.filters+f)*l.memory : (b*l.filters+f+1)*l.memory]
			var dot int32
			for j := range w {
				dot += int32(w[j]) * (int32(m[j]) - s.stateZP)
			}
			s.scratch[b*l.filters+f] = dot
		}
	}
	for o := range l.batch * l.units {
		var sum int32
		if s.bias != nil {
			sum = s.bias[o%l.units]
		}
		for _, v := range s.scratch[o*l.rank : (o+1)*l.rank] {
			sum += v
		}
		v := s.round.MultiplyByQuantizedMultiplier(sum, s.scale2.m, s.scale2.shift) + s.outZP
		out[o] = int8(min(max(v, -128), 127))
	}
}

// svdfWeightScales returns the per-tensor scales of the feature and time
// weights.
func svdfWeightScales(wf, wt *ir.Tensor) (float32, float32, error) {
	wfScale, err := seqScale("feature weights", wf)
	if err != nil {
		return 0, 0, err
	}
	wtScale, err := seqScale("time weights", wt)
	return wfScale, wtScale, err
}
