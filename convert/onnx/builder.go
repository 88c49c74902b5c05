package onnx

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/optimize"
)

// value is a converted ONNX value: the ir tensor holding it and the order
// its logical (ONNX) dimensions are held in.
type value struct {
	t    int
	perm []int // physical axis i holds logical axis perm[i]; never nil
	// q, for a float value that is the dequantization of an integer tensor
	// (a DequantizeLinear's output, or an op computed quantized), is that
	// integer tensor, held in the same order. Quantized ops read it; t (a
	// DEQUANTIZE, dropped when unused) serves float readers.
	q *value
	// dyn marks the symbolic values of ONNX Runtime's dynamic quantization
	// (see op_dynamic.go); t and perm are then those of the float input.
	dyn *dynValue
}

// converter builds one ir.Graph from an ONNX graph.
type converter struct {
	g       *ir.Graph
	opset   int64
	opsets  map[string]int64
	opts    Options
	baseDir string
	vals    map[string]*value
	// mats caches materializations: a tensor in another physical order.
	mats map[string]int
	// cur is the node being converted, for names and errors.
	cur   *NodeProto
	warns []string
	// consumers lists, per ONNX value, the nodes that read it; producer
	// gives the node that writes it.
	consumers map[string][]*NodeProto
	producer  map[string]*NodeProto
	// absorbed are nodes an earlier node's conversion took over (a bias
	// Add folded into an integer op).
	absorbed     map[*NodeProto]bool
	graphOutputs map[string]bool
	// unbound are outputs left without a value on purpose: their only
	// reader was absorbed.
	unbound map[string]bool
}

func (c *converter) isGraphOutput(name string) bool { return c.graphOutputs[name] }

func (c *converter) tensor(i int) *ir.Tensor { return c.g.Tensors[i] }

// shape is v's logical (ONNX) shape.
func (c *converter) shape(v *value) []int { return logicalShape(c.tensor(v.t).Shape, v.perm) }

func (c *converter) rank(v *value) int { return len(c.tensor(v.t).Shape) }

func (c *converter) dtype(v *value) ir.DataType { return c.tensor(v.t).Type }

func (c *converter) isConst(v *value) bool { return v != nil && c.tensor(v.t).IsConst() }

// tmpName names an intermediate tensor of the current node.
func (c *converter) tmpName(suffix string) string {
	base := "onnx"
	if c.cur != nil {
		base = c.cur.Name
		if base == "" && len(c.cur.Outputs) > 0 {
			base = c.cur.Outputs[0]
		}
	}
	return base + "/" + suffix
}

func (c *converter) addTensor(name string, typ ir.DataType, shape []int) int {
	return c.g.AddTensor(&ir.Tensor{Name: name, Type: typ, Shape: slices.Clone(shape), HasRank: true})
}

// constant adds a constant tensor.
func (c *converter) constant(name string, typ ir.DataType, shape []int, data []byte) int {
	t := c.addTensor(name, typ, shape)
	if data == nil {
		data = []byte{}
	}
	c.tensor(t).Data = data
	return t
}

func (c *converter) constInt32(name string, v []int) int {
	d := make([]int32, len(v))
	for i, x := range v {
		d[i] = int32(x)
	}
	return c.constant(name, ir.Int32, []int{len(v)}, ir.Int32Bytes(d))
}

func (c *converter) constFloat32(name string, shape []int, v []float32) int {
	return c.constant(name, ir.Float32, shape, ir.Float32Bytes(v))
}

// scalarLike is a one-element constant of typ holding f, shaped [1...] of
// rank 0 (a scalar broadcasts against anything in TFLite).
func (c *converter) scalarLike(name string, typ ir.DataType, f float64) (int, error) {
	var b []byte
	switch typ {
	case ir.Float32:
		b = ir.Float32Bytes([]float32{float32(f)})
	case ir.Int32:
		b = ir.Int32Bytes([]int32{int32(f)})
	case ir.Int64:
		b = ir.Int64Bytes([]int64{int64(f)})
	default:
		return 0, fmt.Errorf("a %v constant is not supported here", typ)
	}
	return c.constant(name, typ, []int{}, b), nil
}

// out describes one output of an emitted op.
type out struct {
	name string
	typ  ir.DataType
}

// emit adds an op, infers its output shapes, and folds it into constants
// when all its inputs are constant and the evaluator knows it.
func (c *converter) emit(typ ir.OpType, opts ir.Options, inputs []int, outs ...out) ([]int, error) {
	op := &ir.Op{Type: typ, Version: 1, Inputs: inputs, Options: opts, Outputs: make([]int, len(outs))}
	in := make([]*ir.Tensor, len(inputs))
	allConst := true
	for i, t := range inputs {
		if t >= 0 {
			in[i] = c.tensor(t)
			allConst = allConst && in[i].IsConst()
		}
	}
	shapes, err := ir.InferShapes(op, in)
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(outs))
	for i, o := range outs {
		ids[i] = c.addTensor(o.name, o.typ, shapes[i])
	}
	op.Outputs = ids
	propagateQuant(op, in, c.outTensors(ids))
	if allConst && optimize.CanEvaluate(typ) && c.foldable(in, ids) {
		res, err := optimize.Evaluate(op, in, c.outTensors(ids))
		switch {
		case err == nil:
			for i, t := range ids {
				c.tensor(t).Data = res[i]
			}
			return ids, nil
		case !errors.Is(err, optimize.ErrNotFoldable):
			return nil, err
		}
	}
	c.g.Ops = append(c.g.Ops, op)
	return ids, nil
}

// foldable reports whether folding an op into constants keeps them a
// sensible size: at most maxGenerated elements more than its inputs hold.
func (c *converter) foldable(in []*ir.Tensor, outs []int) bool {
	inElems, outElems := 0, 0
	for _, t := range in {
		if t != nil {
			inElems += t.NumElements()
		}
	}
	for _, t := range outs {
		n := c.tensor(t).NumElements()
		if n < 0 {
			return false
		}
		outElems += n
	}
	return outElems <= inElems+maxGenerated
}

func (c *converter) outTensors(ids []int) []*ir.Tensor {
	ts := make([]*ir.Tensor, len(ids))
	for i, t := range ids {
		ts[i] = c.tensor(t)
	}
	return ts
}

// emit1 is emit for an op with one output.
func (c *converter) emit1(typ ir.OpType, opts ir.Options, inputs []int, name string, dt ir.DataType) (int, error) {
	ids, err := c.emit(typ, opts, inputs, out{name, dt})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// materialize returns a tensor holding v in physical order perm, adding a
// TRANSPOSE (or a RESHAPE, when only size-1 axes move) unless v already is
// in that order. Results are cached, so each order costs one op.
func (c *converter) materialize(v *value, perm []int) (int, error) {
	if slices.Equal(v.perm, perm) {
		return v.t, nil
	}
	inv := invertPerm(v.perm)
	t := make([]int, len(perm))
	for i, a := range perm {
		t[i] = inv[a]
	}
	key := fmt.Sprint(v.t, t)
	if m, ok := c.mats[key]; ok {
		return m, nil
	}
	src := c.tensor(v.t)
	name := src.Name + "/" + layoutName(perm)
	var id int
	var err error
	if optimize.TransposeKeepsOrder(src.Shape, t) {
		id, err = c.reshape(v.t, physicalShape(logicalShape(src.Shape, v.perm), perm), name)
	} else {
		id, err = c.emit1(ir.Transpose, nil, []int{v.t, c.constInt32(name+"/perm", t)}, name, src.Type)
	}
	if err != nil {
		return 0, err
	}
	c.mats[key] = id
	return id, nil
}

// layoutName names a physical order for tensor names ("nhwc", "nchw", ...).
func layoutName(perm []int) string {
	switch {
	case isIdentity(perm):
		return "onnx_layout"
	case slices.Equal(perm, channelsLast(len(perm))):
		return "channels_last"
	}
	return "perm" + strings.ReplaceAll(fmt.Sprint(perm), " ", "_")
}

// plain returns v in its logical (ONNX) order.
func (c *converter) plain(v *value) (int, error) {
	return c.materialize(v, identityPerm(c.rank(v)))
}

// nhwc returns v with its channels (logical axis 1) last.
func (c *converter) nhwc(v *value) (int, error) {
	return c.materialize(v, channelsLast(c.rank(v)))
}

// reshape adds a RESHAPE of tensor t to shape.
func (c *converter) reshape(t int, shape []int, name string) (int, error) {
	if slices.Equal(c.tensor(t).Shape, shape) {
		return t, nil
	}
	return c.emit1(ir.Reshape, &ir.ReshapeOptions{NewShape: slices.Clone(shape)},
		[]int{t, c.constInt32(name+"/shape", shape)}, name, c.tensor(t).Type)
}

// transposeTensor adds a TRANSPOSE of tensor t by perm.
func (c *converter) transposeTensor(t int, perm []int, name string) (int, error) {
	if isIdentity(perm) {
		return t, nil
	}
	return c.emit1(ir.Transpose, nil, []int{t, c.constInt32(name+"/perm", perm)}, name, c.tensor(t).Type)
}

// intValues returns the values of a constant integer value, in logical order.
func (c *converter) intValues(v *value) ([]int, bool) {
	if !c.isConst(v) {
		return nil, false
	}
	t := c.tensor(v.t)
	vals, ok := ir.IntValues(t.Type, t.Data)
	if !ok {
		return nil, false
	}
	return vals[:t.NumElements()], true
}

// floatValues returns the values of a constant float value (float32,
// float64 or float16), in logical order.
func (c *converter) floatValues(v *value) ([]float64, bool) {
	if !c.isConst(v) {
		return nil, false
	}
	t := c.tensor(v.t)
	n := t.NumElements()
	out := make([]float64, n)
	switch t.Type {
	case ir.Float32:
		for i, x := range t.Float32s()[:n] {
			out[i] = float64(x)
		}
	case ir.Float64:
		copy(out, ir.AsFloat64(t.Data)[:n])
	default:
		ints, ok := c.intValues(v)
		if !ok {
			return nil, false
		}
		for i, x := range ints {
			out[i] = float64(x)
		}
	}
	if !isIdentity(v.perm) {
		return nil, false
	}
	return out, true
}

// constValue wraps a constant tensor as a value in logical order.
func (c *converter) constValue(t int) *value {
	return &value{t: t, perm: identityPerm(len(c.tensor(t).Shape))}
}

// castTensor adds a CAST of tensor t to typ (nothing when it already is).
func (c *converter) castTensor(t int, typ ir.DataType, name string) (int, error) {
	from := c.tensor(t).Type
	if from == typ {
		return t, nil
	}
	return c.emit1(ir.Cast, &ir.CastOptions{InType: from, OutType: typ}, []int{t}, name, typ)
}

// maxGenerated bounds the elements of a constant the converter makes from
// numbers in the file (a ConstantOfShape, index tables for a resize or a
// padding), so a hostile file cannot make it allocate without bound.
const maxGenerated = 1 << 26

// checkGenerated returns an error when n elements exceed maxGenerated.
func checkGenerated(n int, what string) error {
	if n < 0 || n > maxGenerated {
		return fmt.Errorf("%s would have %d elements; liteforge makes at most %d at conversion time", what, n, maxGenerated)
	}
	return nil
}

// lowestFloat32 is the padding value for max pooling.
var lowestFloat32 = float32(math.Inf(-1))

// quantPreserving are the ops that move or select elements without
// arithmetic: their integer outputs carry their data input's quantization.
var quantPreserving = map[ir.OpType]int{ // op type -> index of the data input
	ir.Transpose: 0, ir.Reshape: 0, ir.Squeeze: 0, ir.ExpandDims: 0, ir.Gather: 0, ir.StridedSlice: 0,
	ir.Slice: 0, ir.Pad: 0, ir.PadV2: 0, ir.MirrorPad: 0, ir.SplitV: 0, ir.Split: 1, ir.MaxPool2D: 0,
	ir.AveragePool2D: 0, ir.ResizeNearestNeighbor: 0, ir.ResizeBilinear: 0, ir.DepthToSpace: 0,
	ir.SpaceToDepth: 0, ir.Tile: 0, ir.BroadcastTo: 0, ir.Concatenation: 0, ir.ReduceMax: 0,
}

// propagateQuant gives the integer outputs of an element-moving op its data
// input's quantization; a per-axis quantization follows its axis through a
// transpose or a reshape that keeps it, and is dropped otherwise.
func propagateQuant(op *ir.Op, in, outs []*ir.Tensor) {
	di, ok := quantPreserving[op.Type]
	if !ok || di >= len(in) || in[di] == nil || !in[di].Quant.Quantized() {
		return
	}
	x := in[di]
	for _, o := range outs {
		if o.Type != x.Type || o.Quant != nil {
			continue
		}
		q := x.Quant.Clone()
		if q.PerAxis() {
			q.Axis = -1
			switch op.Type {
			case ir.Transpose:
				if perm, ok := ir.IntValues(in[1].Type, in[1].Data); ok && in[1].IsConst() {
					q.Axis = slices.Index(perm, x.Quant.Axis)
				}
			case ir.Reshape, ir.Squeeze, ir.ExpandDims:
				q.Axis = keptAxis(x.Shape, o.Shape, x.Quant.Axis)
			}
			if q.Axis < 0 {
				continue
			}
		}
		o.Quant = q
	}
}

// keptAxis finds where axis a of shape from lands in shape to, when a
// reshape keeps it whole (same size, same number of elements before it).
func keptAxis(from, to []int, a int) int {
	before := ir.NumElements(from[:a])
	for k := range to {
		if to[k] == from[a] && ir.NumElements(to[:k]) == before {
			return k
		}
	}
	return -1
}

// snapshot is the converter's state before a tentative conversion.
type snapshot struct {
	ops, tensors int
	mats         map[string]int
}

func (c *converter) snapshot() snapshot {
	m := make(map[string]int, len(c.mats))
	for k, v := range c.mats {
		m[k] = v
	}
	return snapshot{len(c.g.Ops), len(c.g.Tensors), m}
}

// rollback undoes everything added since s (ops, tensors and cached
// materializations; values bound by the attempt are the caller's to undo).
func (c *converter) rollback(s snapshot) {
	clear(c.g.Ops[s.ops:])
	c.g.Ops = c.g.Ops[:s.ops]
	clear(c.g.Tensors[s.tensors:])
	c.g.Tensors = c.g.Tensors[:s.tensors]
	c.mats = s.mats
}
