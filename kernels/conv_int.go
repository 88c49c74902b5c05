package kernels

import "github.com/liteforge/liteforge/ir"

// convQuant is the integer and hybrid state of a CONV_2D kernel.
type convQuant struct{}

func (k *conv2D) prepareInt(n *Node, o *ir.Conv2DOptions) error {
	return unsupported(n, "integer inputs yet")
}

func (k *conv2D) prepareHybrid(n *Node, o *ir.Conv2DOptions) error {
	return unsupported(n, "hybrid (int8 filter, float input) yet")
}
