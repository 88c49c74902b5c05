package onnx

import (
	"fmt"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// Matrix products: a constant right-hand side becomes FULLY_CONNECTED
// (weights [units, depth]), anything else BATCH_MATMUL. Both want their
// operands in ONNX order, since the product contracts fixed axes.

func init() {
	register(handler{conv: convGemm}, "Gemm")
	register(handler{conv: convMatMul}, "MatMul")
}

// fullyConnected adds FULLY_CONNECTED of input tensor a (rank >= 2, ONNX
// order) with weights w [units, depth] and optional bias (-1 for none).
func (c *converter) fullyConnected(a, w, bias int, name string) (int, error) {
	keep := len(c.tensor(a).Shape) > 2
	inputs := []int{a, w, bias}
	return c.emit1(ir.FullyConnected, &ir.FullyConnectedOptions{KeepNumDims: keep}, inputs, name, ir.Float32)
}

func convGemm(n *node) error {
	c := n.c
	a, b, cv := n.need(0, "A"), n.need(1, "B"), n.in(2)
	alpha, beta := n.float("alpha", 1), n.float("beta", 1)
	transA, transB := n.int("transA", 0) != 0, n.int("transB", 0) != 0
	if n.err != nil {
		return nil
	}
	if c.rank(a) != 2 || c.rank(b) != 2 {
		return fmt.Errorf("inputs A %v and B %v must be matrices", c.shape(a), c.shape(b))
	}
	if c.dtype(a) != ir.Float32 {
		return fmt.Errorf("operands of type %v; liteforge converts float32 Gemm", c.dtype(a))
	}
	at, err := c.plain(a)
	if err != nil {
		return err
	}
	if transA {
		if at, err = c.transposeTensor(at, []int{1, 0}, c.tmpName("a_transposed")); err != nil {
			return err
		}
	}
	bs := c.shape(b)
	units := bs[1]
	if transB {
		units = bs[0]
	}
	// beta*C joins the bias when it is a constant vector over the units.
	bias := -1
	var addC *value
	if cv != nil && beta != 0 {
		cs := c.shape(cv)
		vec := ir.NumElements(cs) == units && (len(cs) <= 1 || (len(cs) == 2 && cs[0] == 1)) || ir.NumElements(cs) == 1
		if vals, ok := c.floatValues(cv); ok && vec && c.isConst(b) {
			bv := make([]float32, units)
			for i := range bv {
				bv[i] = float32(float64(beta) * vals[i%len(vals)])
			}
			bias = c.constFloat32(c.tmpName("bias"), []int{units}, bv)
		} else {
			addC = cv
		}
	}
	name := n.outName(0)
	if addC != nil || (!c.isConst(b) && alpha != 1) {
		name = c.tmpName("product")
	}
	var t int
	if c.isConst(b) {
		w, err := c.plain(b)
		if err != nil {
			return err
		}
		if !transB {
			if w, err = c.transposeTensor(w, []int{1, 0}, c.tmpName("weights")); err != nil {
				return err
			}
		}
		if alpha != 1 {
			k := c.constFloat32(c.tmpName("alpha"), []int{}, []float32{alpha})
			if w, err = c.emit1(ir.Mul, &ir.MulOptions{}, []int{w, k}, c.tmpName("scaled_weights"), ir.Float32); err != nil {
				return err
			}
		}
		if t, err = c.fullyConnected(at, w, bias, name); err != nil {
			return err
		}
	} else {
		bt, err := c.plain(b)
		if err != nil {
			return err
		}
		if t, err = c.emit1(ir.BatchMatMul, &ir.BatchMatMulOptions{AdjY: transB}, []int{at, bt}, name, ir.Float32); err != nil {
			return err
		}
	}
	v := &value{t: t, perm: identityPerm(2)}
	if !c.isConst(b) && alpha != 1 {
		tmp := c.tmpName("scaled")
		if addC == nil {
			tmp = n.outName(0)
		}
		if v, err = n.scaled(v, float64(alpha), tmp); err != nil {
			return err
		}
	}
	if addC != nil {
		if beta != 1 {
			if addC, err = n.scaled(addC, float64(beta), c.tmpName("scaled_c")); err != nil {
				return err
			}
		}
		if v, err = n.binary(ir.Add, v, addC, n.outName(0)); err != nil {
			return err
		}
	}
	n.set(0, v.t, v.perm)
	return nil
}

func convMatMul(n *node) error {
	c := n.c
	a, b := n.need(0, "A"), n.need(1, "B")
	if n.err != nil {
		return nil
	}
	if c.dtype(a) != ir.Float32 {
		return fmt.Errorf("operands of type %v; liteforge converts float32 MatMul", c.dtype(a))
	}
	as, bs := c.shape(a), c.shape(b)
	if len(as) == 0 || len(bs) == 0 {
		return fmt.Errorf("scalar operands %v and %v", as, bs)
	}
	at, err := c.plain(a)
	if err != nil {
		return err
	}
	// Vectors become matrices, and the added dimension goes again at the end.
	if len(as) == 1 {
		if at, err = c.reshape(at, []int{1, as[0]}, c.tmpName("a_matrix")); err != nil {
			return err
		}
	}
	name := c.tmpName("product")
	if c.isConst(b) && len(bs) == 2 {
		w, err := c.transposeTensor(b.t, []int{1, 0}, c.tmpName("weights"))
		if err != nil {
			return err
		}
		t, err := c.fullyConnected(at, w, -1, name)
		if err != nil {
			return err
		}
		return n.matmulResult(t, as, bs)
	}
	bt, err := c.plain(b)
	if err != nil {
		return err
	}
	if len(bs) == 1 {
		if bt, err = c.reshape(bt, []int{bs[0], 1}, c.tmpName("b_matrix")); err != nil {
			return err
		}
	}
	t, err := c.emit1(ir.BatchMatMul, &ir.BatchMatMulOptions{}, []int{at, bt}, name, ir.Float32)
	if err != nil {
		return err
	}
	return n.matmulResult(t, as, bs)
}

// matmulResult reshapes a product to ONNX's MatMul output shape (dropping
// the dimensions vectors were given) and binds it.
func (n *node) matmulResult(t int, as, bs []int) error {
	c := n.c
	s := slices.Clone(c.tensor(t).Shape)
	if len(as) == 1 {
		s = slices.Delete(s, len(s)-2, len(s)-1)
	}
	if len(bs) == 1 {
		s = s[:len(s)-1]
	}
	r, err := c.reshape(t, s, n.outName(0))
	if err != nil {
		return err
	}
	if r == t {
		c.tensor(t).Name = n.outName(0)
	}
	n.set(0, r, nil)
	return nil
}
