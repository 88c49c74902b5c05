package kernels

import "github.com/liteforge/liteforge/ir"

// poolQuant is the integer state of a pool kernel.
type poolQuant struct{}

func (k *pool2D) prepareInt(n *Node, o *ir.Pool2DOptions) error {
	return unsupported(n, n.In[0].Type.String()+" inputs yet")
}
