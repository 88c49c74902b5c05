package kernels

import "github.com/liteforge/liteforge/ir"

// fcQuant is the integer and hybrid state of a FULLY_CONNECTED kernel.
type fcQuant struct{}

func (k *fullyConnected) prepareInt(n *Node, o *ir.FullyConnectedOptions) error {
	return unsupported(n, "integer inputs yet")
}

func (k *fullyConnected) prepareHybrid(n *Node, o *ir.FullyConnectedOptions) error {
	return unsupported(n, "hybrid (int8 weights, float input) yet")
}
