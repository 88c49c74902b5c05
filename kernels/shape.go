package kernels

import (
	"encoding/binary"

	"github.com/liteforge/liteforge/ir"
)

// SHAPE writes its input's shape as an int32 or int64 vector.

func init() {
	Register(ir.Shape, func() Kernel { return &shapeKernel{} })
}

type shapeKernel struct{}

func (k *shapeKernel) Prepare(n *Node) error {
	if err := checkArity(n, 1, 1, 1); err != nil {
		return err
	}
	o, err := options[ir.ShapeOptions](n)
	if err != nil {
		return err
	}
	out := n.Out[0]
	if out.Type != ir.Int32 && out.Type != ir.Int64 {
		return nodeErr(n, "output %q is %v, want int32 or int64", out.Name, out.Type)
	}
	if n.Op.Options != nil && o.OutType != out.Type {
		return nodeErr(n, "out_type is %v but output %q is %v", o.OutType, out.Name, out.Type)
	}
	return checkShape(n, out, []int{len(n.In[0].Shape)})
}

func (k *shapeKernel) Eval(n *Node) error {
	out := n.Out[0]
	for i, d := range n.In[0].Shape {
		if out.Type == ir.Int32 {
			binary.LittleEndian.PutUint32(out.Data[4*i:], uint32(int32(d)))
		} else {
			binary.LittleEndian.PutUint64(out.Data[8*i:], uint64(int64(d)))
		}
	}
	return nil
}
