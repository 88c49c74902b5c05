package kernels

import "github.com/liteforge/liteforge/ir"

// bmmQuant is the integer and hybrid state of a BATCH_MATMUL kernel.
type bmmQuant struct{}

func (k *batchMatMul) prepareInt(n *Node, o *ir.BatchMatMulOptions) error {
	return unsupported(n, "integer inputs yet")
}

func (k *batchMatMul) prepareHybrid(n *Node, o *ir.BatchMatMulOptions) error {
	return unsupported(n, "hybrid (int8 rhs, float lhs) yet")
}
