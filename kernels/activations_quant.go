package kernels

import "github.com/liteforge/liteforge/ir"

// quantUnary holds what the quantized activations precompute.
type quantUnary struct{}

// quantPrelu holds what quantized PRELU precomputes.
type quantPrelu struct{}

func (k *unaryKernel) prepareQuantRelu(n *Node, in, out *ir.Tensor, lo, hi float32) error {
	return unsupported(n, in.Type.String())
}

func (k *unaryKernel) prepareQuantLeakyRelu(n *Node, in, out *ir.Tensor, alpha float32) error {
	return unsupported(n, in.Type.String())
}

func (k *unaryKernel) prepareQuantHardSwish(n *Node, in, out *ir.Tensor) error {
	return unsupported(n, in.Type.String())
}

func (k *unaryKernel) prepareQuantLogistic(n *Node, in, out *ir.Tensor) error {
	return unsupported(n, in.Type.String())
}

func (k *unaryKernel) prepareQuantTanh(n *Node, in, out *ir.Tensor) error {
	return unsupported(n, in.Type.String())
}

func (k *unaryKernel) prepareQuantLUT(n *Node, in, out *ir.Tensor, f func(float64) float64) error {
	return unsupported(n, in.Type.String())
}

func (k *preluKernel) prepareQuant(n *Node, in, alpha, out *ir.Tensor) error {
	return unsupported(n, in.Type.String())
}
