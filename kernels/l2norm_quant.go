package kernels

import "github.com/liteforge/liteforge/ir"

func (k *l2normKernel) prepareQuant(n *Node, in, out *ir.Tensor) error {
	return unsupported(n, in.Type.String())
}
