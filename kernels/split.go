package kernels

import (
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// SPLIT cuts its input into equal parts along an axis, SPLIT_V into parts of
// given sizes; the runtime computed the output shapes, and the kernel checks
// they tile the input along the axis.

func init() {
	Register(ir.Split, func() Kernel { return &splitKernel{} })
	Register(ir.SplitV, func() Kernel { return &splitKernel{v: true} })
}

type splitKernel struct {
	v        bool // SPLIT_V: inputs (value, size_splits, axis); SPLIT: (axis, value)
	axis     paramCache
	parts    splitter
	wantAxis []int
}

func (k *splitKernel) tensors(n *Node) (value, axis *ir.Tensor) {
	if k.v {
		return n.In[0], n.In[2]
	}
	return n.In[1], n.In[0]
}

func (k *splitKernel) Prepare(n *Node) error {
	nIn := 2
	if k.v {
		nIn = 3
	}
	if err := checkArity(n, nIn, nIn, -1); err != nil {
		return err
	}
	want := 0
	if k.v {
		o, err := options[ir.SplitVOptions](n)
		if err != nil {
			return err
		}
		want = o.NumSplits
	} else {
		o, err := options[ir.SplitOptions](n)
		if err != nil {
			return err
		}
		want = o.NumSplits
	}
	if len(n.Out) == 0 || (want != 0 && want != len(n.Out)) {
		return nodeErr(n, "has %d outputs but num_splits is %d", len(n.Out), want)
	}
	value, axis := k.tensors(n)
	if _, err := sameTypes(n, append([]*ir.Tensor{value}, n.Out...)...); err != nil {
		return err
	}
	if ir.NumElements(axis.Shape) != 1 {
		return nodeErr(n, "axis %q has shape %v, want a single element", axis.Name, axis.Shape)
	}
	for _, o := range n.Out {
		warnQuantMismatch(n, value, o)
	}
	k.axis.reset(1)
	k.parts.reset(len(n.Out))
	if axis.Data != nil {
		return k.update(n)
	}
	return nil
}

// update replans when the axis value changed.
func (k *splitKernel) update(n *Node) error {
	value, axisT := k.tensors(n)
	a, changed, err := k.axis.changed(n, axisT)
	if err != nil || !changed {
		return err
	}
	axis, err := normAxis(n, a[0], len(value.Shape))
	if err != nil {
		return err
	}
	if err := k.parts.plan(n, value, axis, false); err != nil {
		return err
	}
	if !k.v {
		for _, o := range n.Out {
			if o.Shape[axis] != n.Out[0].Shape[axis] {
				return nodeErr(n, "outputs %q and %q differ in size on axis %d (SPLIT makes equal parts)", n.Out[0].Name, o.Name, axis)
			}
		}
	}
	k.axis.keep(a)
	return nil
}

func (k *splitKernel) Eval(n *Node) error {
	if err := k.update(n); err != nil {
		return err
	}
	value, _ := k.tensors(n)
	k.parts.run(value.Data, n.Out)
	return nil
}

// splitter copies consecutive chunks of the input to its outputs in turn:
// SPLIT, SPLIT_V and UNPACK. The input is outer × Σ chunk_i elements.
type splitter struct {
	esize  int
	outer  int
	chunks []int
}

func (s *splitter) reset(outs int) { s.chunks = make([]int, outs) }

// plan checks that the outputs cut the input along axis (dropping the axis
// when squeeze, as UNPACK does) and records the chunk sizes. It allocates
// nothing, so Eval may call it.
func (s *splitter) plan(n *Node, in *ir.Tensor, axis int, squeeze bool) error {
	s.esize = in.Type.Size()
	s.outer = product(in.Shape[:axis])
	inner := product(in.Shape[axis+1:])
	total := 0
	for i, o := range n.Out {
		ok := len(o.Shape) == len(in.Shape)
		size := 0
		if squeeze {
			ok = len(o.Shape) == len(in.Shape)-1 && slices.Equal(o.Shape[:axis], in.Shape[:axis]) && slices.Equal(o.Shape[axis:], in.Shape[axis+1:])
			size = 1
		} else if ok {
			ok = slices.Equal(o.Shape[:axis], in.Shape[:axis]) && slices.Equal(o.Shape[axis+1:], in.Shape[axis+1:])
			size = o.Shape[axis]
		}
		if !ok {
			return nodeErr(n, "output %q has shape %v, which does not cut input %q of shape %v along axis %d", o.Name, o.Shape, in.Name, in.Shape, axis)
		}
		s.chunks[i] = size * inner
		total += size
	}
	if total != in.Shape[axis] {
		return nodeErr(n, "outputs cover %d of the %d entries of input %q on axis %d", total, in.Shape[axis], in.Name, axis)
	}
	return nil
}

func (s *splitter) run(src []byte, outs []*ir.Tensor) {
	pos := 0
	for o := 0; o < s.outer; o++ {
		for i, t := range outs {
			c := s.chunks[i] * s.esize
			copy(t.Data[o*c:(o+1)*c], src[pos:pos+c])
			pos += c
		}
	}
}
