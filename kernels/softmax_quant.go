package kernels

import "github.com/liteforge/liteforge/ir"

// quantSoftmax holds what the quantized softmax paths precompute.
type quantSoftmax struct{}

func (k *softmaxKernel) prepareQuant(n *Node, in, out *ir.Tensor) error {
	return unsupported(n, in.Type.String())
}
