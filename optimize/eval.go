package optimize

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/liteforge/liteforge/internal/half"
	"github.com/liteforge/liteforge/ir"
)

// A small evaluator for the cheap ops that shape computations and constant
// weights go through (data movement, elementwise arithmetic, casts,
// comparisons, reductions). It lets FoldConstants, and importers folding on
// the way in, compute constants without the runtime, which optimize may not
// import. Float32 arithmetic is done in float64 and rounded once, which gives
// the float32 result exactly for + - * / and sqrt.

// ErrNotFoldable is returned (wrapped) by Evaluate for an op, or a type, the
// evaluator does not compute.
var ErrNotFoldable = errors.New("not evaluated at conversion time")

// Evaluate computes the data of op's outputs from its inputs, all of which
// must hold data (nil marks an absent optional input). out gives the output
// tensors with their types and (inferred) shapes; their data are not read.
func Evaluate(op *ir.Op, in []*ir.Tensor, out []*ir.Tensor) ([][]byte, error) {
	for i, t := range in {
		if t == nil {
			continue
		}
		if op.Type == ir.Shape {
			continue // only the shape is read
		}
		if t.Data == nil {
			return nil, fmt.Errorf("%s: input %d has no data: %w", op.Name(), i, ErrNotFoldable)
		}
		if t.Sparsity != nil || t.Type == ir.String || t.Type == ir.Int4 {
			return nil, fmt.Errorf("%s: input %d: %w", op.Name(), i, ErrNotFoldable)
		}
		if need, ok := t.Type.ByteSize(t.NumElements()); !ok || t.NumElements() < 0 || len(t.Data) < need {
			return nil, fmt.Errorf("%s: input %d (%q) has %d bytes for shape %v of %v", op.Name(), i, t.Name, len(t.Data), t.Shape, t.Type)
		}
	}
	for _, t := range out {
		if n := t.NumElements(); n < 0 || t.Type.Size() == 0 {
			return nil, fmt.Errorf("%s: output %q: %w", op.Name(), t.Name, ErrNotFoldable)
		}
	}
	f, ok := evaluators[op.Type]
	if !ok {
		return nil, fmt.Errorf("%s: %w", op.Name(), ErrNotFoldable)
	}
	res, err := f(op, in, out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.Name(), err)
	}
	return res, nil
}

// CanEvaluate reports whether the evaluator knows op type t.
func CanEvaluate(t ir.OpType) bool { _, ok := evaluators[t]; return ok }

type evalFunc func(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error)

var evaluators map[ir.OpType]evalFunc

func init() {
	evaluators = map[ir.OpType]evalFunc{
		ir.Reshape: evalCopy, ir.Squeeze: evalCopy, ir.ExpandDims: evalCopy,
		ir.Transpose: evalTranspose, ir.Concatenation: evalConcat, ir.Pack: evalPack,
		ir.Gather: evalGather, ir.Slice: evalSlice, ir.StridedSlice: evalStridedSlice,
		ir.Shape: evalShape, ir.Cast: evalCast, ir.Fill: evalFill, ir.ZerosLike: evalZerosLike,
		ir.Range: evalRange, ir.Tile: evalTile, ir.BroadcastTo: evalBroadcastTo,
		ir.Pad: evalPad, ir.PadV2: evalPad, ir.Dequantize: evalDequantize,
		ir.SelectV2: evalSelect, ir.Split: evalSplit, ir.SplitV: evalSplit,
		ir.Sum: evalReduce, ir.Mean: evalReduce, ir.ReduceMax: evalReduce, ir.ReduceMin: evalReduce, ir.ReduceProd: evalReduce,
	}
	for t := range binaryFloat {
		evaluators[t] = evalBinary
	}
	for t := range compare {
		evaluators[t] = evalBinary
	}
	for _, t := range []ir.OpType{ir.LogicalAnd, ir.LogicalOr} {
		evaluators[t] = evalBinary
	}
	for t := range unaryFloat {
		evaluators[t] = evalUnary
	}
	evaluators[ir.LogicalNot] = evalUnary
}

// numbers holds a tensor's elements widened: floats as float64, integers
// and booleans as int64.
type numbers struct {
	isFloat bool
	f       []float64
	i       []int64
}

func (n numbers) len() int {
	if n.isFloat {
		return len(n.f)
	}
	return len(n.i)
}

func decode(t *ir.Tensor) (numbers, error) {
	cnt := t.NumElements()
	b := t.Data
	switch t.Type {
	case ir.Float32:
		v := ir.AsFloat32(b)[:cnt]
		out := make([]float64, cnt)
		for i, x := range v {
			out[i] = float64(x)
		}
		return numbers{isFloat: true, f: out}, nil
	case ir.Float64:
		return numbers{isFloat: true, f: append([]float64(nil), ir.AsFloat64(b)[:cnt]...)}, nil
	case ir.Float16:
		v := ir.AsUint16(b)[:cnt]
		out := make([]float64, cnt)
		for i, x := range v {
			out[i] = float64(half.Float16ToFloat32(x))
		}
		return numbers{isFloat: true, f: out}, nil
	case ir.BFloat16:
		v := ir.AsUint16(b)[:cnt]
		out := make([]float64, cnt)
		for i, x := range v {
			out[i] = float64(half.BFloat16ToFloat32(x))
		}
		return numbers{isFloat: true, f: out}, nil
	case ir.Uint64:
		out := make([]int64, cnt)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
		return numbers{i: out}, nil
	}
	v, ok := ir.IntValues(t.Type, b[:cnt*t.Type.Size()])
	if !ok {
		return numbers{}, fmt.Errorf("type %v: %w", t.Type, ErrNotFoldable)
	}
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	if t.Type == ir.Uint32 {
		for i := range out {
			out[i] = int64(uint32(out[i]))
		}
	}
	return numbers{i: out}, nil
}

// encode stores n as elements of type t, converting as a C cast would
// (float to integer truncates toward zero; integers wrap).
func encode(t ir.DataType, n numbers) ([]byte, error) {
	cnt := n.len()
	get := func(i int) (float64, int64) {
		if n.isFloat {
			f := n.f[i]
			return f, floatToInt(f)
		}
		return float64(n.i[i]), n.i[i]
	}
	size := t.Size()
	if size == 0 {
		return nil, fmt.Errorf("type %v: %w", t, ErrNotFoldable)
	}
	out := make([]byte, cnt*size)
	for i := range cnt {
		f, v := get(i)
		switch t {
		case ir.Float32:
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(float32(f)))
		case ir.Float64:
			binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(f))
		case ir.Float16:
			binary.LittleEndian.PutUint16(out[2*i:], half.Float32ToFloat16(float32(f)))
		case ir.BFloat16:
			binary.LittleEndian.PutUint16(out[2*i:], half.Float32ToBFloat16(float32(f)))
		case ir.Bool:
			if (n.isFloat && f != 0) || (!n.isFloat && v != 0) {
				out[i] = 1
			}
		case ir.Int8, ir.Uint8:
			out[i] = byte(v)
		case ir.Int16, ir.Uint16:
			binary.LittleEndian.PutUint16(out[2*i:], uint16(v))
		case ir.Int32, ir.Uint32:
			binary.LittleEndian.PutUint32(out[4*i:], uint32(v))
		case ir.Int64, ir.Uint64:
			binary.LittleEndian.PutUint64(out[8*i:], uint64(v))
		default:
			return nil, fmt.Errorf("type %v: %w", t, ErrNotFoldable)
		}
	}
	return out, nil
}

func floatToInt(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func one(b []byte) [][]byte { return [][]byte{b} }

// evalCopy is the reshape family: the elements stay as they are.
func evalCopy(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	size, _ := out[0].Type.ByteSize(out[0].NumElements())
	if len(in[0].Data) < size || in[0].Type != out[0].Type {
		return nil, fmt.Errorf("input %v %v does not fill output %v %v", in[0].Type, in[0].Shape, out[0].Type, out[0].Shape)
	}
	return one(append([]byte(nil), in[0].Data[:size]...)), nil
}

func intsOf(t *ir.Tensor) ([]int, error) {
	if t == nil {
		return nil, fmt.Errorf("missing input")
	}
	v, ok := ir.IntValues(t.Type, t.Data)
	if !ok {
		return nil, fmt.Errorf("%v values where integers are expected", t.Type)
	}
	n := t.NumElements()
	if len(v) < n {
		return nil, fmt.Errorf("short data")
	}
	return v[:n], nil
}

// strides returns row-major element strides of shape.
func strides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

// forEachIndex calls f with every multi-index of shape in row-major order.
func forEachIndex(shape []int, f func(idx []int)) {
	n := ir.NumElements(shape)
	if n <= 0 {
		return
	}
	idx := make([]int, len(shape))
	for range n {
		f(idx)
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
}

// gatherElems builds an output of shape outShape whose element at each
// index is the input element at the offset src returns.
func gatherElems(data []byte, es int, outShape []int, src func(idx []int) int) []byte {
	out := make([]byte, 0, ir.NumElements(outShape)*es)
	forEachIndex(outShape, func(idx []int) {
		o := src(idx) * es
		out = append(out, data[o:o+es]...)
	})
	return out
}

func evalTranspose(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	perm, err := intsOf(in[1])
	if err != nil {
		return nil, err
	}
	x := in[0]
	if len(perm) != len(x.Shape) {
		return nil, fmt.Errorf("perm %v for rank %d", perm, len(x.Shape))
	}
	st := strides(x.Shape)
	es := x.Type.Size()
	return one(gatherElems(x.Data, es, out[0].Shape, func(idx []int) int {
		o := 0
		for i, p := range perm {
			o += idx[i] * st[p]
		}
		return o
	})), nil
}

func evalConcat(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	o, _ := op.Options.(*ir.ConcatenationOptions)
	if o == nil || o.Activation != ir.ActNone {
		return nil, ErrNotFoldable
	}
	return one(concatData(in, out[0], o.Axis)), nil
}

// concatData joins tensors along axis (negative counts from the end).
func concatData(in []*ir.Tensor, out *ir.Tensor, axis int) []byte {
	rank := len(out.Shape)
	if axis < 0 {
		axis += rank
	}
	es := out.Type.Size()
	outer := ir.NumElements(out.Shape[:axis])
	res := make([]byte, 0, out.NumElements()*es)
	for o := range outer {
		for _, t := range in {
			chunk := ir.NumElements(t.Shape[axis:]) * es
			res = append(res, t.Data[o*chunk:(o+1)*chunk]...)
		}
	}
	return res
}

func evalPack(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	o, _ := op.Options.(*ir.PackOptions)
	if o == nil {
		return nil, ErrNotFoldable
	}
	axis := o.Axis
	if axis < 0 {
		axis += len(out[0].Shape)
	}
	// Packing is concatenation along the new axis of inputs seen with a 1 there.
	views := make([]*ir.Tensor, len(in))
	for i, t := range in {
		v := *t
		v.Shape = append(append(append([]int{}, t.Shape[:axis]...), 1), t.Shape[axis:]...)
		views[i] = &v
	}
	return one(concatData(views, out[0], axis)), nil
}

func evalGather(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	o, _ := op.Options.(*ir.GatherOptions)
	if o == nil || o.BatchDims != 0 {
		return nil, ErrNotFoldable
	}
	x := in[0]
	idx, err := intsOf(in[1])
	if err != nil {
		return nil, err
	}
	axis := o.Axis
	if axis < 0 {
		axis += len(x.Shape)
	}
	dim := x.Shape[axis]
	for _, v := range idx {
		if v < 0 || v >= dim {
			return nil, fmt.Errorf("index %d out of range [0, %d)", v, dim)
		}
	}
	es := x.Type.Size()
	outer := ir.NumElements(x.Shape[:axis])
	inner := ir.NumElements(x.Shape[axis+1:]) * es
	res := make([]byte, 0, out[0].NumElements()*es)
	for b := range outer {
		for _, v := range idx {
			off := (b*dim + v) * inner
			res = append(res, x.Data[off:off+inner]...)
		}
	}
	return one(res), nil
}

func evalSlice(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	begin, err := intsOf(in[1])
	if err != nil {
		return nil, err
	}
	x := in[0]
	st := strides(x.Shape)
	return one(gatherElems(x.Data, x.Type.Size(), out[0].Shape, func(idx []int) int {
		o := 0
		for i, v := range idx {
			o += (begin[i] + v) * st[i]
		}
		return o
	})), nil
}

func evalStridedSlice(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	o, _ := op.Options.(*ir.StridedSliceOptions)
	if o == nil {
		o = &ir.StridedSliceOptions{}
	}
	var vals [3][]int
	for i := range vals {
		v, err := intsOf(in[i+1])
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	x := in[0]
	p, err := ir.ResolveStridedSlice(x.Shape, vals[0], vals[1], vals[2], o)
	if err != nil {
		return nil, err
	}
	// Iterate over the un-shrunk output (shrunk dims have one index).
	full := make([]int, len(p.InputShape))
	for d := range full {
		full[d] = stridedCount(p.Start[d], p.Stop[d], p.Stride[d])
	}
	st := strides(p.InputShape)
	return one(gatherElems(x.Data, x.Type.Size(), full, func(idx []int) int {
		off := 0
		for d, v := range idx {
			off += (p.Start[d] + v*p.Stride[d]) * st[d]
		}
		return off
	})), nil
}

func stridedCount(start, stop, stride int) int {
	if stride > 0 && stop > start {
		return (stop - start + stride - 1) / stride
	}
	if stride < 0 && stop < start {
		return (start - stop - stride - 1) / -stride
	}
	return 0
}

func evalShape(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	dims := make([]int64, len(in[0].Shape))
	for i, d := range in[0].Shape {
		dims[i] = int64(d)
	}
	b, err := encode(out[0].Type, numbers{i: dims})
	return one(b), err
}

func evalCast(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	n, err := decode(in[0])
	if err != nil {
		return nil, err
	}
	b, err := encode(out[0].Type, n)
	return one(b), err
}

// repeatValue makes cnt copies of the first element of v.
func repeatValue(v []byte, es, cnt int) []byte {
	res := make([]byte, 0, cnt*es)
	for range cnt {
		res = append(res, v[:es]...)
	}
	return res
}

func evalFill(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	if in[1].Type != out[0].Type || in[1].NumElements() != 1 {
		return nil, ErrNotFoldable
	}
	return one(repeatValue(in[1].Data, out[0].Type.Size(), out[0].NumElements())), nil
}

func evalZerosLike(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	size, _ := out[0].Type.ByteSize(out[0].NumElements())
	return one(make([]byte, size)), nil
}

func evalRange(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	var start, delta numbers
	var err error
	if start, err = decode(in[0]); err != nil {
		return nil, err
	}
	if delta, err = decode(in[2]); err != nil {
		return nil, err
	}
	cnt := out[0].NumElements()
	res := numbers{isFloat: start.isFloat}
	for k := range cnt {
		if res.isFloat {
			res.f = append(res.f, start.f[0]+float64(k)*delta.f[0])
		} else {
			res.i = append(res.i, start.i[0]+int64(k)*delta.i[0])
		}
	}
	b, err := encode(out[0].Type, res)
	return one(b), err
}

// broadcastOffset maps an output index to the element offset of an input
// broadcast against it (right-aligned, size-1 dimensions repeat).
func broadcastOffset(inShape, outShape []int) func(idx []int) int {
	st := strides(inShape)
	off := len(outShape) - len(inShape)
	return func(idx []int) int {
		o := 0
		for d := range inShape {
			if inShape[d] != 1 {
				o += idx[d+off] * st[d]
			}
		}
		return o
	}
}

func evalTile(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	x := in[0]
	st := strides(x.Shape)
	return one(gatherElems(x.Data, x.Type.Size(), out[0].Shape, func(idx []int) int {
		o := 0
		for d, v := range idx {
			o += (v % x.Shape[d]) * st[d]
		}
		return o
	})), nil
}

func evalBroadcastTo(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	x := in[0]
	return one(gatherElems(x.Data, x.Type.Size(), out[0].Shape, broadcastOffset(x.Shape, out[0].Shape))), nil
}

func evalPad(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	x := in[0]
	pads, err := intsOf(in[1])
	if err != nil {
		return nil, err
	}
	es := x.Type.Size()
	fill := make([]byte, es)
	if op.Type == ir.PadV2 && len(in) > 2 && in[2] != nil {
		if in[2].Type != x.Type {
			return nil, ErrNotFoldable
		}
		copy(fill, in[2].Data)
	} else if x.Quant.Quantized() && len(x.Quant.ZeroPoint) > 0 {
		// Quantized padding is the zero point, which represents 0.
		zp, err := encode(x.Type, numbers{i: []int64{x.Quant.ZeroPoint[0]}})
		if err != nil {
			return nil, err
		}
		copy(fill, zp)
	}
	st := strides(x.Shape)
	res := make([]byte, 0, out[0].NumElements()*es)
	forEachIndex(out[0].Shape, func(idx []int) {
		o := 0
		for d, v := range idx {
			v -= pads[2*d]
			if v < 0 || v >= x.Shape[d] {
				res = append(res, fill...)
				return
			}
			o += v * st[d]
		}
		res = append(res, x.Data[o*es:(o+1)*es]...)
	})
	return one(res), nil
}

func evalSplit(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	var x *ir.Tensor
	var axisT *ir.Tensor
	if op.Type == ir.Split {
		axisT, x = in[0], in[1]
	} else {
		x, axisT = in[0], in[2]
	}
	a, err := intsOf(axisT)
	if err != nil || len(a) != 1 {
		return nil, fmt.Errorf("bad axis")
	}
	axis := a[0]
	if axis < 0 {
		axis += len(x.Shape)
	}
	es := x.Type.Size()
	outer := ir.NumElements(x.Shape[:axis])
	inner := ir.NumElements(x.Shape[axis+1:]) * es
	res := make([][]byte, len(out))
	for b := range outer {
		start := b * x.Shape[axis] * inner
		for i, t := range out {
			n := t.Shape[axis] * inner
			res[i] = append(res[i], x.Data[start:start+n]...)
			start += n
		}
	}
	return res, nil
}

func evalDequantize(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	x := in[0]
	n, err := decode(x)
	if err != nil {
		return nil, err
	}
	if x.Type == ir.Float16 {
		b, err := encode(out[0].Type, n)
		return one(b), err
	}
	q := x.Quant
	if !q.Quantized() {
		return nil, fmt.Errorf("input has no quantization")
	}
	res := numbers{isFloat: true, f: make([]float64, n.len())}
	inner, chans := 1, 1
	if q.PerAxis() {
		chans = x.Shape[q.Axis]
		inner = ir.NumElements(x.Shape[q.Axis+1:])
	}
	for i, v := range n.i {
		c := 0
		if q.PerAxis() {
			c = (i / inner) % chans
		}
		zp := int64(0)
		if c < len(q.ZeroPoint) {
			zp = q.ZeroPoint[c]
		}
		res.f[i] = float64(float32(q.Scale[c]) * float32(v-zp))
	}
	b, err := encode(out[0].Type, res)
	return one(b), err
}

func evalSelect(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	cond, x, y := in[0], in[1], in[2]
	es := out[0].Type.Size()
	oc := broadcastOffset(cond.Shape, out[0].Shape)
	ox := broadcastOffset(x.Shape, out[0].Shape)
	oy := broadcastOffset(y.Shape, out[0].Shape)
	res := make([]byte, 0, out[0].NumElements()*es)
	forEachIndex(out[0].Shape, func(idx []int) {
		if cond.Data[oc(idx)] != 0 {
			o := ox(idx) * es
			res = append(res, x.Data[o:o+es]...)
		} else {
			o := oy(idx) * es
			res = append(res, y.Data[o:o+es]...)
		}
	})
	return one(res), nil
}

var binaryFloat = map[ir.OpType]func(a, b float64) float64{
	ir.Add: func(a, b float64) float64 { return a + b },
	ir.Sub: func(a, b float64) float64 { return a - b },
	ir.Mul: func(a, b float64) float64 { return a * b },
	ir.Div: func(a, b float64) float64 { return a / b },
	ir.Maximum: func(a, b float64) float64 {
		if math.IsNaN(a) || math.IsNaN(b) {
			return math.NaN()
		}
		return math.Max(a, b)
	},
	ir.Minimum: func(a, b float64) float64 {
		if math.IsNaN(a) || math.IsNaN(b) {
			return math.NaN()
		}
		return math.Min(a, b)
	},
	ir.Pow:               math.Pow,
	ir.SquaredDifference: func(a, b float64) float64 { return (a - b) * (a - b) },
	ir.FloorDiv:          func(a, b float64) float64 { return math.Floor(a / b) },
	ir.FloorMod: func(a, b float64) float64 {
		m := math.Mod(a, b)
		if m != 0 && (m < 0) != (b < 0) {
			m += b
		}
		return m
	},
}

var binaryInt = map[ir.OpType]func(a, b int64) (int64, error){
	ir.Add: func(a, b int64) (int64, error) { return a + b, nil },
	ir.Sub: func(a, b int64) (int64, error) { return a - b, nil },
	ir.Mul: func(a, b int64) (int64, error) { return a * b, nil },
	ir.Div: func(a, b int64) (int64, error) {
		if b == 0 {
			return 0, errors.New("integer division by zero")
		}
		return a / b, nil
	},
	ir.Maximum: func(a, b int64) (int64, error) { return max(a, b), nil },
	ir.Minimum: func(a, b int64) (int64, error) { return min(a, b), nil },
	ir.Pow: func(a, b int64) (int64, error) {
		if b < 0 {
			return 0, errors.New("negative integer exponent")
		}
		r := int64(1)
		for range b {
			r *= a
		}
		return r, nil
	},
	ir.SquaredDifference: func(a, b int64) (int64, error) { return (a - b) * (a - b), nil },
	ir.FloorDiv: func(a, b int64) (int64, error) {
		if b == 0 {
			return 0, errors.New("integer division by zero")
		}
		q := a / b
		if (a%b != 0) && ((a < 0) != (b < 0)) {
			q--
		}
		return q, nil
	},
	ir.FloorMod: func(a, b int64) (int64, error) {
		if b == 0 {
			return 0, errors.New("integer division by zero")
		}
		m := a % b
		if m != 0 && (m < 0) != (b < 0) {
			m += b
		}
		return m, nil
	},
	ir.LogicalAnd: func(a, b int64) (int64, error) { return b2i(a != 0 && b != 0), nil },
	ir.LogicalOr:  func(a, b int64) (int64, error) { return b2i(a != 0 || b != 0), nil },
}

var compare = map[ir.OpType]func(c int) bool{
	ir.Equal:        func(c int) bool { return c == 0 },
	ir.NotEqual:     func(c int) bool { return c != 0 },
	ir.Less:         func(c int) bool { return c < 0 },
	ir.LessEqual:    func(c int) bool { return c <= 0 },
	ir.Greater:      func(c int) bool { return c > 0 },
	ir.GreaterEqual: func(c int) bool { return c >= 0 },
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func evalBinary(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	a, b := in[0], in[1]
	if a.Quant.Quantized() || b.Quant.Quantized() || out[0].Quant.Quantized() {
		return nil, ErrNotFoldable
	}
	act := ir.OutputActivationOf(op.Options)
	lo, hi, ok := activationBounds(act)
	if !ok {
		return nil, ErrNotFoldable
	}
	na, err := decode(a)
	if err != nil {
		return nil, err
	}
	nb, err := decode(b)
	if err != nil {
		return nil, err
	}
	if na.isFloat != nb.isFloat {
		return nil, fmt.Errorf("operands %v and %v: %w", a.Type, b.Type, ErrNotFoldable)
	}
	oa := broadcastOffset(a.Shape, out[0].Shape)
	ob := broadcastOffset(b.Shape, out[0].Shape)
	res := numbers{isFloat: na.isFloat}
	cmp, isCmp := compare[op.Type]
	var ferr error
	forEachIndex(out[0].Shape, func(idx []int) {
		i, j := oa(idx), ob(idx)
		switch {
		case isCmp && na.isFloat:
			x, y := na.f[i], nb.f[j]
			c := 0
			switch {
			case x < y:
				c = -1
			case x > y:
				c = 1
			case x != y: // NaN: unordered, only != holds
				c = 2
			}
			if c == 2 {
				res.i = append(res.i, b2i(op.Type == ir.NotEqual))
			} else {
				res.i = append(res.i, b2i(cmp(c)))
			}
		case isCmp:
			x, y := na.i[i], nb.i[j]
			c := 0
			if x < y {
				c = -1
			} else if x > y {
				c = 1
			}
			res.i = append(res.i, b2i(cmp(c)))
		case na.isFloat:
			f, ok := binaryFloat[op.Type]
			if !ok {
				ferr = ErrNotFoldable
				return
			}
			v := f(na.f[i], nb.f[j])
			if a.Type == ir.Float32 {
				v = float64(float32(v))
			}
			res.f = append(res.f, math.Min(math.Max(v, lo), hi))
		default:
			f, ok := binaryInt[op.Type]
			if !ok {
				ferr = ErrNotFoldable
				return
			}
			v, err := f(na.i[i], nb.i[j])
			if err != nil && ferr == nil {
				ferr = err
			}
			res.i = append(res.i, v)
		}
	})
	if ferr != nil {
		return nil, ferr
	}
	if isCmp {
		res.isFloat = false
	}
	bts, err := encode(out[0].Type, res)
	return one(bts), err
}

// activationBounds are a fused activation's clamp bounds.
func activationBounds(a ir.Activation) (lo, hi float64, ok bool) {
	switch a {
	case ir.ActNone:
		return math.Inf(-1), math.Inf(1), true
	case ir.ActRelu:
		return 0, math.Inf(1), true
	case ir.ActRelu6:
		return 0, 6, true
	case ir.ActReluN1To1:
		return -1, 1, true
	}
	return 0, 0, false
}

var unaryFloat = map[ir.OpType]func(float64) float64{
	ir.Neg:       func(x float64) float64 { return -x },
	ir.Abs:       math.Abs,
	ir.Sqrt:      math.Sqrt,
	ir.Rsqrt:     func(x float64) float64 { return 1 / math.Sqrt(x) },
	ir.Exp:       math.Exp,
	ir.Log:       math.Log,
	ir.Square:    func(x float64) float64 { return x * x },
	ir.Floor:     math.Floor,
	ir.Ceil:      math.Ceil,
	ir.Round:     math.RoundToEven,
	ir.Relu:      func(x float64) float64 { return math.Max(x, 0) },
	ir.Relu6:     func(x float64) float64 { return math.Min(math.Max(x, 0), 6) },
	ir.ReluN1To1: func(x float64) float64 { return math.Min(math.Max(x, -1), 1) },
	ir.Logistic:  func(x float64) float64 { return 1 / (1 + math.Exp(-x)) },
	ir.Tanh:      math.Tanh,
}

func evalUnary(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	x := in[0]
	if x.Quant.Quantized() {
		return nil, ErrNotFoldable
	}
	n, err := decode(x)
	if err != nil {
		return nil, err
	}
	if op.Type == ir.LogicalNot {
		for i, v := range n.i {
			n.i[i] = b2i(v == 0)
		}
		b, err := encode(out[0].Type, n)
		return one(b), err
	}
	if !n.isFloat {
		switch op.Type {
		case ir.Neg:
			for i, v := range n.i {
				n.i[i] = -v
			}
		case ir.Abs:
			for i, v := range n.i {
				n.i[i] = max(v, -v)
			}
		case ir.Square:
			for i, v := range n.i {
				n.i[i] = v * v
			}
		default:
			return nil, ErrNotFoldable
		}
		b, err := encode(out[0].Type, n)
		return one(b), err
	}
	f := unaryFloat[op.Type]
	for i, v := range n.f {
		n.f[i] = f(v)
	}
	b, err := encode(out[0].Type, n)
	return one(b), err
}

func evalReduce(op *ir.Op, in, out []*ir.Tensor) ([][]byte, error) {
	x := in[0]
	if x.Quant.Quantized() {
		return nil, ErrNotFoldable
	}
	axes, err := intsOf(in[1])
	if err != nil {
		return nil, err
	}
	reduced := make([]bool, len(x.Shape))
	for _, a := range axes {
		if a < 0 {
			a += len(x.Shape)
		}
		if a < 0 || a >= len(x.Shape) {
			return nil, fmt.Errorf("axis %d out of range", a)
		}
		reduced[a] = true
	}
	n, err := decode(x)
	if err != nil {
		return nil, err
	}
	// Accumulate into the output's elements, indexed by the kept dimensions.
	keptShape := []int{}
	for d, s := range x.Shape {
		if !reduced[d] {
			keptShape = append(keptShape, s)
		}
	}
	cnt := ir.NumElements(keptShape)
	acc := make([]float64, cnt)
	accI := make([]int64, cnt)
	seen := make([]int, cnt)
	kst := strides(keptShape)
	i := 0
	forEachIndex(x.Shape, func(idx []int) {
		o, k := 0, 0
		for d, v := range idx {
			if !reduced[d] {
				o += v * kst[k]
				k++
			}
		}
		var fv float64
		var iv int64
		if n.isFloat {
			fv = n.f[i]
		} else {
			iv = n.i[i]
			fv = float64(iv)
		}
		i++
		if seen[o] == 0 {
			acc[o], accI[o] = fv, iv
		} else {
			switch op.Type {
			case ir.Sum, ir.Mean:
				acc[o] += fv
				accI[o] += iv
			case ir.ReduceProd:
				acc[o] *= fv
				accI[o] *= iv
			case ir.ReduceMax:
				acc[o] = math.Max(acc[o], fv)
				accI[o] = max(accI[o], iv)
			case ir.ReduceMin:
				acc[o] = math.Min(acc[o], fv)
				accI[o] = min(accI[o], iv)
			}
		}
		seen[o]++
	})
	res := numbers{isFloat: n.isFloat}
	if n.isFloat {
		res.f = acc
		if op.Type == ir.Mean {
			for k := range acc {
				res.f[k] /= float64(max(seen[k], 1))
			}
		}
	} else {
		res.i = accI
		if op.Type == ir.Mean {
			for k := range accI {
				res.i[k] /= int64(max(seen[k], 1))
			}
		}
	}
	if cnt != out[0].NumElements() {
		return nil, fmt.Errorf("reduction gives %d elements, output %v holds %d", cnt, out[0].Shape, out[0].NumElements())
	}
	b, err := encode(out[0].Type, res)
	return one(b), err
}
