package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/liteforge/liteforge/ir"
)

// Helpers shared by the data-movement kernels (reshape, transpose, slice,
// pad, tile, ...). Those kernels move whole elements without looking at their
// values, so they are written once over the element size and serve every
// fixed-size dtype.

// nodeErr formats an error that names the op and its index in the graph.
func nodeErr(n *Node, format string, args ...any) error {
	return fmt.Errorf("%s (op %d): %s", n.Op.Name(), n.Index, fmt.Sprintf(format, args...))
}

// options returns n's options as *T, or a zero T when the op carries none
// (TFLite fills absent option tables with defaults the same way).
func options[T any](n *Node) (*T, error) {
	if n.Op.Options == nil {
		return new(T), nil
	}
	o, ok := n.Op.Options.(*T)
	if !ok {
		var z T
		return nil, nodeErr(n, "options are %T, want *%T", n.Op.Options, z)
	}
	if o == nil {
		return new(T), nil
	}
	return o, nil
}

// checkArity checks the number of inputs (at least minIn, at most maxIn) and
// outputs, and that every required input and output is present.
func checkArity(n *Node, minIn, maxIn, outs int) error {
	if len(n.In) < minIn || len(n.In) > maxIn {
		if minIn == maxIn {
			return nodeErr(n, "has %d inputs, want %d", len(n.In), minIn)
		}
		return nodeErr(n, "has %d inputs, want %d to %d", len(n.In), minIn, maxIn)
	}
	if outs >= 0 && len(n.Out) != outs {
		return nodeErr(n, "has %d outputs, want %d", len(n.Out), outs)
	}
	for i := 0; i < minIn; i++ {
		if n.In[i] == nil {
			return nodeErr(n, "input %d is missing", i)
		}
	}
	for i, t := range n.Out {
		if t == nil {
			return nodeErr(n, "output %d is missing", i)
		}
	}
	return nil
}

// elementwiseArity checks a one-input, one-output op whose output has as many
// elements as its input (CAST, QUANTIZE, DEQUANTIZE) and returns the count.
func elementwiseArity(n *Node) (int, error) {
	if err := checkArity(n, 1, 1, 1); err != nil {
		return 0, err
	}
	in, out := n.In[0], n.Out[0]
	if in.NumElements() != out.NumElements() {
		return 0, nodeErr(n, "input %q has %d elements but output %q %d", in.Name, in.NumElements(), out.Name, out.NumElements())
	}
	return in.NumElements(), nil
}

// movableSize is the element size of a dtype whose elements the movement
// kernels can copy (every fixed-size type; int4 packs two per byte and is not).
func movableSize(t ir.DataType) (int, bool) {
	switch s := t.Size(); s {
	case 1, 2, 4, 8, 16:
		return s, true
	}
	return 0, false
}

// sameTypes checks that every listed tensor has the dtype of the first one and
// that the type is movable; it returns the element size.
func sameTypes(n *Node, ts ...*ir.Tensor) (int, error) {
	es, ok := movableSize(ts[0].Type)
	if !ok {
		return 0, nodeErr(n, "does not support %v tensors (%q)", ts[0].Type, ts[0].Name)
	}
	for _, t := range ts[1:] {
		if t.Type != ts[0].Type {
			return 0, nodeErr(n, "tensor %q is %v but %q is %v", t.Name, t.Type, ts[0].Name, ts[0].Type)
		}
	}
	return es, nil
}

// perTensorParams returns the scale and zero point TFLite's per-tensor
// params hold: zero for an unquantized tensor, the first entry otherwise.
func perTensorParams(q *ir.Quantization) (float32, int64) {
	var s float32
	var z int64
	if q != nil && len(q.Scale) > 0 {
		s = q.Scale[0]
	}
	if q != nil && len(q.ZeroPoint) > 0 {
		z = q.ZeroPoint[0]
	}
	return s, z
}

// sameQuantization reports whether two tensors carry the same quantization (both
// unquantized counts as the same).
func sameQuantization(a, b *ir.Tensor) bool {
	qa, qb := a.Quant, b.Quant
	if !qa.Quantized() || !qb.Quantized() {
		return qa.Quantized() == qb.Quantized()
	}
	zp := func(q *ir.Quantization, i int) int64 {
		if i < len(q.ZeroPoint) {
			return q.ZeroPoint[i]
		}
		return 0
	}
	if len(qa.Scale) != len(qb.Scale) || (qa.PerAxis() && qa.Axis != qb.Axis) {
		return false
	}
	for i := range qa.Scale {
		if qa.Scale[i] != qb.Scale[i] || zp(qa, i) != zp(qb, i) {
			return false
		}
	}
	return true
}

// quantString describes a tensor's quantization for error messages.
func quantString(t *ir.Tensor) string {
	if !t.Quant.Quantized() {
		return "unquantized"
	}
	if t.Quant.PerAxis() {
		return fmt.Sprintf("per-axis (dim %d) scales %v zero points %v", t.Quant.Axis, t.Quant.Scale, t.Quant.ZeroPoint)
	}
	s, z := perTensorParams(t.Quant)
	return fmt.Sprintf("scale %g zero point %d", s, z)
}

// requireSameQuant errors when out's quantization differs from in's, for ops
// that TFLite defines only with equal parameters.
func requireSameQuant(n *Node, in, out *ir.Tensor) error {
	if in.Type.IsInteger() && !sameQuantization(in, out) {
		return nodeErr(n, "input %q (%s) and output %q (%s) must have the same quantization", in.Name, quantString(in), out.Name, quantString(out))
	}
	return nil
}

// warnQuantMismatch tells the user once that an op which only moves bytes
// has differently quantized input and output: TFLite copies the bytes
// unchanged, and so do we, but the real values then differ.
func warnQuantMismatch(n *Node, in, out *ir.Tensor) {
	if in.Type.IsInteger() && in.Quant.Quantized() && out.Quant.Quantized() && !sameQuantization(in, out) {
		n.Ctx.Warn("%s (op %d): input %q (%s) and output %q (%s) differ in quantization; the bytes are copied unchanged, as TFLite does", n.Op.Name(), n.Index, in.Name, quantString(in), out.Name, quantString(out))
	}
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(n *Node, axis, rank int) (int, error) {
	a := axis
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, nodeErr(n, "axis %d is outside [%d, %d)", axis, -rank, rank)
	}
	return a, nil
}

// product multiplies dims.
func product(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

// rowMajorStrides returns the element strides of a row-major array of shape dims.
func rowMajorStrides(dims []int) []int {
	s := make([]int, len(dims))
	acc := 1
	for i := len(dims) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= dims[i]
	}
	return s
}

// checkShape errors unless t's shape is want.
func checkShape(n *Node, t *ir.Tensor, want []int) error {
	if !slices.Equal(t.Shape, want) {
		return nodeErr(n, "output %q has shape %v, want %v", t.Name, t.Shape, want)
	}
	return nil
}

// intParams reads an integer parameter tensor (a shape, paddings, begin
// indices, ...) into dst without allocating; dst must have room for every
// element. It accepts the integer types TFLite accepts for such inputs.
func intParams(n *Node, t *ir.Tensor, dst []int) ([]int, error) {
	es := t.Type.Size()
	switch t.Type {
	case ir.Int32, ir.Int64, ir.Int16, ir.Int8, ir.Uint8, ir.Bool:
	default:
		return nil, nodeErr(n, "integer input %q is %v", t.Name, t.Type)
	}
	cnt := t.NumElements()
	if cnt < 0 || len(t.Data) < cnt*es {
		return nil, nodeErr(n, "input %q holds %d bytes, too few for shape %v", t.Name, len(t.Data), t.Shape)
	}
	if cap(dst) < cnt {
		return nil, nodeErr(n, "input %q has %d elements, more than the %d prepared for", t.Name, cnt, cap(dst))
	}
	dst = dst[:cnt]
	b := t.Data
	for i := range dst {
		switch t.Type {
		case ir.Int32:
			dst[i] = int(int32(binary.LittleEndian.Uint32(b[4*i:])))
		case ir.Int64:
			v := int64(binary.LittleEndian.Uint64(b[8*i:]))
			if v > math.MaxInt32 || v < math.MinInt32 {
				return nil, nodeErr(n, "input %q element %d is %d, outside the int32 range", t.Name, i, v)
			}
			dst[i] = int(v)
		case ir.Int16:
			dst[i] = int(int16(binary.LittleEndian.Uint16(b[2*i:])))
		case ir.Int8:
			dst[i] = int(int8(b[i]))
		default:
			dst[i] = int(b[i])
		}
	}
	return dst, nil
}

// paramCache remembers the values of an integer parameter input that a plan
// was built from, so that Eval rebuilds the plan only when they change (the
// input may be computed at run time).
type paramCache struct {
	vals, scratch []int
	valid         bool
}

// reset forgets the cached values and makes room for cnt of them (Prepare).
func (c *paramCache) reset(cnt int) {
	c.scratch = make([]int, cnt)
	c.vals = make([]int, 0, cnt)
	c.valid = false
}

// changed reads t into the scratch space and reports whether its values
// differ from those of the last plan; the caller then rebuilds and calls keep.
func (c *paramCache) changed(n *Node, t *ir.Tensor) ([]int, bool, error) {
	v, err := intParams(n, t, c.scratch[:0:cap(c.scratch)])
	if err != nil {
		return nil, false, err
	}
	return v, !c.valid || !slices.Equal(v, c.vals), nil
}

// keep records v as the values the current plan was built from.
func (c *paramCache) keep(v []int) {
	c.vals = append(c.vals[:0], v...)
	c.valid = true
}

// remap is a precomputed element copy: out[o] = in[base + Σ_k off[k][o_k]]
// for every output index o (row-major), where a negative table entry marks a
// padding position filled with a constant element. Transpose, slices, tile,
// pads, space/depth rearrangements and nearest-neighbour resizing are all
// such copies; trailing axes that read the input contiguously are copied as
// one run.
type remap struct {
	esize    int
	dims     []int   // output dims, possibly a finer view of the output shape
	off      [][]int // per axis, element offset into the input, <0 for fill
	base     int
	stride   []int // output element stride of each axis
	level    int   // axes [level, rank) are copied as one contiguous run
	runLen   int   // elements in that run
	runBase  int   // Σ off[k][0] over the run's axes
	fill     []byte
	copyRow  func(dst, src []byte, base int, off []int, fill []byte)
	hasEmpty bool
}

// init sizes the tables for output dims (allocating, so call from Prepare);
// fill them with setAxis, then call finish.
func (r *remap) init(esize int, dims []int) {
	r.esize = esize
	r.dims = slices.Clone(dims)
	if len(r.off) != len(dims) {
		r.off = make([][]int, len(dims))
	}
	for k, d := range dims {
		if cap(r.off[k]) < d {
			r.off[k] = make([]int, d)
		}
		r.off[k] = r.off[k][:d]
	}
	r.stride = rowMajorStrides(dims)
	r.base = 0
	r.fill = make([]byte, esize)
	r.copyRow = rowCopier(esize)
}

// finish finds the contiguous trailing run once the tables are filled.
func (r *remap) finish() {
	rank := len(r.dims)
	r.hasEmpty = product(r.dims) == 0
	r.level = rank
	for k := rank - 1; k >= 0; k-- {
		t := r.off[k]
		if len(t) == 0 || t[0] < 0 {
			break
		}
		ok := true
		for o, v := range t {
			if v != t[0]+o*r.stride[k] {
				ok = false
				break
			}
		}
		if !ok {
			break
		}
		r.level = k
	}
	r.runLen, r.runBase = 1, 0
	for k := r.level; k < rank; k++ {
		r.runLen *= r.dims[k]
		r.runBase += r.off[k][0]
	}
}

// run performs the copy. It allocates nothing.
func (r *remap) run(dst, src []byte) {
	if r.hasEmpty {
		return
	}
	r.walk(0, dst, src, r.base)
}

func (r *remap) walk(k int, dst, src []byte, srcOff int) {
	es := r.esize
	if k == r.level {
		n := r.runLen * es
		s := (srcOff + r.runBase) * es
		copy(dst[:n], src[s:s+n])
		return
	}
	if k == len(r.dims)-1 {
		r.copyRow(dst, src, srcOff, r.off[k], r.fill)
		return
	}
	block := r.stride[k] * es
	for o, v := range r.off[k] {
		d := dst[o*block : (o+1)*block]
		if v < 0 {
			fillPattern(d, r.fill)
			continue
		}
		r.walk(k+1, d, src, srcOff+v)
	}
}

// rowCopier returns the innermost gather loop for an element size; the
// elements are byte arrays, so any alignment of the tensor data is fine.
func rowCopier(esize int) func(dst, src []byte, base int, off []int, fill []byte) {
	switch esize {
	case 1:
		return copyRowOf[[1]byte]
	case 2:
		return copyRowOf[[2]byte]
	case 4:
		return copyRowOf[[4]byte]
	case 8:
		return copyRowOf[[8]byte]
	}
	return copyRowOf[[16]byte]
}

func copyRowOf[E [1]byte | [2]byte | [4]byte | [8]byte | [16]byte](dst, src []byte, base int, off []int, fill []byte) {
	d := elems[E](dst)[:len(off)]
	s := elems[E](src)
	f := elems[E](fill)[0]
	for o, v := range off {
		if v < 0 {
			d[o] = f
		} else {
			d[o] = s[base+v]
		}
	}
}

// elems views b as an array of fixed-size byte-array elements.
func elems[E [1]byte | [2]byte | [4]byte | [8]byte | [16]byte](b []byte) []E {
	var z E
	n := len(b) / len(z)
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*E)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// fillPattern fills dst with repetitions of pat (one element's bytes).
func fillPattern(dst, pat []byte) {
	if len(dst) == 0 {
		return
	}
	allZero := true
	for _, b := range pat {
		if b != 0 {
			allZero = false
			break
		}
	}
	if allZero {
		clear(dst)
		return
	}
	n := copy(dst, pat)
	for n < len(dst) {
		n += copy(dst[n:], dst[:n])
	}
}
