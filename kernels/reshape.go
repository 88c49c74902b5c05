package kernels

import (
	"unsafe"

	"github.com/liteforge/liteforge/ir"
)

// RESHAPE, SQUEEZE and EXPAND_DIMS change only the shape: the output holds the
// input's bytes unchanged. The runtime computed the output shape (from the
// shape input or options); the kernel checks the element counts agree.

func init() {
	Register(ir.Reshape, func() Kernel { return &reshapeKernel{maxIn: 2} })
	Register(ir.Squeeze, func() Kernel { return &reshapeKernel{maxIn: 1} })
	Register(ir.ExpandDims, func() Kernel { return &reshapeKernel{maxIn: 2} })
}

type reshapeKernel struct {
	maxIn int
	bytes int
}

func (k *reshapeKernel) Prepare(n *Node) error {
	if err := checkArity(n, 1, k.maxIn, 1); err != nil {
		return err
	}
	in, out := n.In[0], n.Out[0]
	if in.Type != out.Type {
		return nodeErr(n, "input %q is %v but output %q is %v", in.Name, in.Type, out.Name, out.Type)
	}
	if in.NumElements() != out.NumElements() {
		return nodeErr(n, "input %q has %d elements (shape %v) but output %q has %d (shape %v)",
			in.Name, in.NumElements(), in.Shape, out.Name, out.NumElements(), out.Shape)
	}
	b, err := in.ByteSize()
	if err != nil {
		return nodeErr(n, "%v", err)
	}
	warnQuantMismatch(n, in, out)
	k.bytes = b
	return nil
}

func (k *reshapeKernel) Eval(n *Node) error {
	src, dst := n.In[0].Data[:k.bytes], n.Out[0].Data[:k.bytes]
	if k.bytes > 0 && unsafe.SliceData(src) == unsafe.SliceData(dst) {
		return nil // the runtime let the output share the input's memory
	}
	copy(dst, src)
	return nil
}
