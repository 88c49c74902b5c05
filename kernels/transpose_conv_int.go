package kernels

import "github.com/liteforge/liteforge/ir"

// tconvQuant is the integer state of a TRANSPOSE_CONV kernel.
type tconvQuant struct{}

func (k *transposeConv) prepareInt(n *Node, o *ir.TransposeConvOptions) error {
	return unsupported(n, "integer inputs yet")
}
