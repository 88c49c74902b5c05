package kernels

import (
	"fmt"
	"math"

	"github.com/liteforge/liteforge/ir"
)

// MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD over the axes named by the second input
// (negative axes count from the end; repeats are ignored), keeping reduced
// dimensions as 1 when keep_dims is set. Float and plain-integer paths are
// here, quantized MEAN and SUM in reduce_quant.go.

func init() {
	for _, t := range []ir.OpType{ir.Mean, ir.Sum, ir.ReduceMax, ir.ReduceMin, ir.ReduceProd} {
		Register(t, func() Kernel { return &reduceKernel{} })
	}
}

type reduceKernel struct {
	keepDims  bool
	axisKnown bool // the axes were constant at Prepare
	noAxes    bool // the axes tensor is empty
	reduced   [maxWalkRank]bool
	count     int         // input elements folded into each output element
	walk      stridedWalk // over the input; operand B is the output
	acc64     []int64     // integer MEAN's accumulators
	eval      func(n *Node) error
	q         quantReduce
}

func (k *reduceKernel) Prepare(n *Node) error {
	in, axis := n.Input(0), n.Input(1)
	if in == nil || axis == nil || len(n.Out) < 1 || n.Out[0] == nil {
		return fmt.Errorf("%s needs 2 inputs (data, axes) and 1 output", n.Op.Name())
	}
	out := n.Out[0]
	if axis.Type != ir.Int32 && axis.Type != ir.Int64 {
		return fmt.Errorf("%s: axes must be int32 or int64, not %v", n.Op.Name(), axis.Type)
	}
	if len(in.Shape) > maxWalkRank {
		return fmt.Errorf("%s: input rank %d exceeds the supported %d", n.Op.Name(), len(in.Shape), maxWalkRank)
	}
	k.keepDims = false
	if o, ok := n.Op.Options.(*ir.ReducerOptions); ok {
		k.keepDims = o.KeepDims
	}
	k.axisKnown = axis.Data != nil
	if k.axisKnown {
		if err := k.plan(n); err != nil {
			return err
		}
	}
	switch in.Type {
	case ir.Float32:
		return k.prepareFloat(n, out)
	case ir.Int32:
		return prepareReduceInt(k, n, out, ir.AsInt32, math.MinInt32, math.MaxInt32)
	case ir.Int64:
		return prepareReduceInt(k, n, out, ir.AsInt64, math.MinInt64, math.MaxInt64)
	case ir.Int8, ir.Uint8, ir.Int16:
		return k.prepareQuant(n, in, out)
	}
	return unsupported(n, in.Type.String())
}

func (k *reduceKernel) Eval(n *Node) error {
	if !k.axisKnown {
		if err := k.plan(n); err != nil {
			return err
		}
	}
	return k.eval(n)
}

// axisAt reads element i of an int32 or int64 axes tensor.
func axisAt(t *ir.Tensor, i int) int {
	if t.Type == ir.Int64 {
		return int(t.Int64s()[i])
	}
	return int(t.Int32s()[i])
}

// plan resolves the axes, checks the output shape against them and sets up
// the walk. It allocates nothing, so Eval can call it for computed axes.
func (k *reduceKernel) plan(n *Node) error {
	in, axis, out := n.In[0], n.In[1], n.Out[0]
	rank := len(in.Shape)
	k.reduced = [maxWalkRank]bool{}
	naxes := len(axis.Data) / axis.Type.Size()
	k.noAxes = naxes == 0
	for i := 0; i < naxes; i++ {
		a := axisAt(axis, i)
		if a < -rank || a >= rank {
			return fmt.Errorf("%s: axis %d is out of range for input rank %d", n.Op.Name(), a, rank)
		}
		if a < 0 {
			a += rank
		}
		k.reduced[a] = true
	}
	var keep [maxWalkRank]int // the input shape with reduced dimensions as 1
	k.count = 1
	j := 0 // walks the output shape
	shapeOK := true
	for d, size := range in.Shape {
		keep[d] = size
		if k.reduced[d] {
			keep[d] = 1
			k.count *= size
			if !k.keepDims {
				continue
			}
		}
		if j >= len(out.Shape) || out.Shape[j] != keep[d] {
			shapeOK = false
		}
		j++
	}
	if !shapeOK || j != len(out.Shape) {
		return fmt.Errorf("%s: output shape %v does not match input shape %v reduced over axes %v (keep_dims %v)",
			n.Op.Name(), out.Shape, in.Shape, axisList(axis), k.keepDims)
	}
	return k.walk.init(in.Shape, in.Shape, keep[:rank])
}

// axisList is the axes for messages.
func axisList(t *ir.Tensor) []int {
	v, _ := ir.IntValues(t.Type, t.Data)
	return v
}

// foldRows folds every input element into the accumulator of the output
// element it reduces to, in the input's memory order (TFLite's order too).
func foldRows[T, A number](w *stridedWalk, in []T, acc []A, f func(A, T) A) {
	w.rows(func(_, a, b int) {
		x := in[a : a+w.inner]
		if w.innerB == 0 {
			s := acc[b]
			for _, v := range x {
				s = f(s, v)
			}
			acc[b] = s
			return
		}
		y := acc[b : b+w.inner]
		for i, v := range x {
			y[i] = f(y[i], v)
		}
	})
}

func fill[T any](v []T, x T) {
	for i := range v {
		v[i] = x
	}
}

func addFold[T number](acc, x T) T { return acc + x }

// maxFold and minFold keep the accumulator unless x compares greater
// (smaller), as TFLite's reducers do, so NaN inputs are passed over.
func maxFold[T number](acc, x T) T {
	if x > acc {
		return x
	}
	return acc
}

func minFold[T number](acc, x T) T {
	if x < acc {
		return x
	}
	return acc
}

// prepareMinMax sets up REDUCE_MAX/REDUCE_MIN for any plain type; lowest and
// highest are the type's limits (TFLite's initial values).
func prepareMinMax[T number](k *reduceKernel, n *Node, view func([]byte) []T, lowest, highest T) error {
	init, f := lowest, maxFold[T]
	if n.Op.Type == ir.ReduceMin {
		init, f = highest, minFold[T]
	}
	k.eval = func(n *Node) error {
		in, out := view(n.In[0].Data), view(n.Out[0].Data)
		fill(out, init)
		foldRows(&k.walk, in, out, f)
		return nil
	}
	return nil
}

// prepareProd sets up REDUCE_PROD: a product from 1 in the input's order,
// wrapping around like C for integers; an empty reduction gives 1.
func prepareProd[T float32 | int32 | int64](k *reduceKernel, view func([]byte) []T) error {
	k.eval = func(n *Node) error {
		in, out := view(n.In[0].Data), view(n.Out[0].Data)
		fill(out, 1)
		foldRows(&k.walk, in, out, func(acc, x T) T { return acc * x })
		return nil
	}
	return nil
}

func (k *reduceKernel) prepareFloat(n *Node, out *ir.Tensor) error {
	if err := sameType(n, n.In[0], out); err != nil {
		return err
	}
	switch n.Op.Type {
	case ir.ReduceMax, ir.ReduceMin:
		return prepareMinMax(k, n, ir.AsFloat32, -math.MaxFloat32, math.MaxFloat32)
	case ir.ReduceProd:
		return prepareProd(k, ir.AsFloat32)
	}
	mean := n.Op.Type == ir.Mean
	if mean && kernelsOf(n) == XNNPACKKernels && k.isMeanHWAnyKeep(n) {
		k.prepareMeanF32XNN(n)
		return nil
	}
	k.eval = func(n *Node) error {
		in, out := n.In[0].Float32s(), n.Out[0].Float32s()
		fill(out, 0)
		foldRows(&k.walk, in, out, addFold[float32])
		if mean { // an empty reduction gives 0/0 = NaN, as in TFLite
			c := float32(k.count)
			for i := range out {
				out[i] /= c
			}
		}
		return nil
	}
	return nil
}

// prepareReduceInt sets up int32/int64: SUM wraps around like C, MEAN sums
// in int64 and divides truncating toward zero.
func prepareReduceInt[T int32 | int64](k *reduceKernel, n *Node, out *ir.Tensor, view func([]byte) []T, lowest, highest T) error {
	if err := sameType(n, n.In[0], out); err != nil {
		return err
	}
	switch n.Op.Type {
	case ir.ReduceMax, ir.ReduceMin:
		return prepareMinMax(k, n, view, lowest, highest)
	case ir.ReduceProd:
		return prepareProd(k, view)
	case ir.Sum:
		k.eval = func(n *Node) error {
			in, out := view(n.In[0].Data), view(n.Out[0].Data)
			fill(out, 0)
			foldRows(&k.walk, in, out, addFold[T])
			return nil
		}
		return nil
	}
	k.acc64 = make([]int64, max(out.NumElements(), 0))
	k.eval = func(n *Node) error {
		in, out := view(n.In[0].Data), view(n.Out[0].Data)
		if len(k.acc64) < len(out) { // only when the axes were computed at run time
			k.acc64 = make([]int64, len(out))
		}
		acc := k.acc64[:len(out)]
		fill(acc, 0)
		foldRows(&k.walk, in, acc, func(s int64, x T) int64 { return s + int64(x) })
		for i, s := range acc {
			if k.count > 0 { // TFLite leaves an empty integer mean at 0
				out[i] = T(s / int64(k.count))
			} else {
				out[i] = 0
			}
		}
		return nil
	}
	return nil
}
