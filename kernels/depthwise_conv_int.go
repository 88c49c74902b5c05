package kernels

import "github.com/liteforge/liteforge/ir"

// dwQuant is the integer and hybrid state of a DEPTHWISE_CONV_2D kernel.
type dwQuant struct{}

func (k *depthwiseConv2D) prepareInt(n *Node, o *ir.DepthwiseConv2DOptions) error {
	return unsupported(n, "integer inputs yet")
}

func (k *depthwiseConv2D) prepareHybrid(n *Node, o *ir.DepthwiseConv2DOptions) error {
	return unsupported(n, "hybrid (int8 filter, float input) yet")
}
