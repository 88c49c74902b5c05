package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// SOFTMAX and LOG_SOFTMAX over the last dimension. Float paths are here,
// integer ones in softmax_quant.go.

func init() {
	Register(ir.Softmax, func() Kernel { return &softmaxKernel{} })
	Register(ir.LogSoftmax, func() Kernel { return &softmaxKernel{log: true} })
}

type softmaxKernel struct {
	log          bool
	beta         float32
	outer, depth int // rows, and the length of the last dimension
	eval         func(n *Node) error
	q            quantSoftmax
}

func (k *softmaxKernel) Prepare(n *Node) error {
	in, out, err := checkUnaryIO(n)
	if err != nil {
		return err
	}
	if len(in.Shape) < 1 {
		return fmt.Errorf("%s: input must have at least 1 dimension, has shape %v", n.Op.Name(), in.Shape)
	}
	k.beta = 1
	if o, ok := n.Op.Options.(*ir.SoftmaxOptions); ok && !k.log {
		k.beta = o.Beta
	}
	k.depth = in.Shape[len(in.Shape)-1]
	k.outer = 0
	if k.depth > 0 {
		k.outer = in.NumElements() / k.depth
	}
	if in.Type == ir.Float32 {
		if err := sameType(n, in, out); err != nil {
			return err
		}
		if k.log {
			k.eval = k.logSoftmaxFloat
		} else {
			k.eval = k.softmaxFloat
		}
		return nil
	}
	return k.prepareQuant(n, in, out)
}

func (k *softmaxKernel) Eval(n *Node) error { return k.eval(n) }

// rowMax is the largest element of a row (the lowest float32 for none).
func rowMax(x []float32) float32 {
	m := float32(-math.MaxFloat32)
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// softmaxFloat is TFLite's: subtract the row's max (so exp never
// overflows), exponentiate the scaled differences, normalize by their sum.
func (k *softmaxKernel) softmaxFloat(n *Node) error {
	in, out := n.In[0].Float32s(), n.Out[0].Float32s()
	for r := 0; r < k.outer; r++ {
		x, y := in[r*k.depth:(r+1)*k.depth], out[r*k.depth:(r+1)*k.depth]
		m := rowMax(x)
		var sum float32
		for i, v := range x {
			e := float32(math.Exp(float64((v - m) * k.beta)))
			y[i] = e
			sum += e
		}
		for i := range y {
			y[i] /= sum
		}
	}
	return nil
}

// logSoftmaxFloat is x - max - log(Σ exp(x - max)).
func (k *softmaxKernel) logSoftmaxFloat(n *Node) error {
	in, out := n.In[0].Float32s(), n.Out[0].Float32s()
	for r := 0; r < k.outer; r++ {
		x, y := in[r*k.depth:(r+1)*k.depth], out[r*k.depth:(r+1)*k.depth]
		m := rowMax(x)
		var sum float32
		for _, v := range x {
			sum += float32(math.Exp(float64(v - m)))
		}
		logSum := float32(math.Log(float64(sum)))
		for i, v := range x {
			y[i] = v - m - logSum
		}
	}
	return nil
}
