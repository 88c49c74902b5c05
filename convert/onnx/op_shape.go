package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// Shape and data-movement ops. Those that depend on the order of elements
// in memory (Reshape, Flatten) take their input in ONNX order; those with an
// axis (Concat, Split, Slice, Gather, Pad, Squeeze, Unsqueeze, Transpose)
// remap it to the physical order and keep the layout.

func init() {
	register(handler{conv: convReshape}, "Reshape")
	register(handler{conv: convFlatten}, "Flatten")
	register(handler{conv: convSqueeze}, "Squeeze")
	register(handler{conv: convUnsqueeze}, "Unsqueeze")
	register(handler{conv: convTranspose}, "Transpose")
	register(handler{conv: convShape}, "Shape")
	register(handler{conv: convSize}, "Size")
	register(handler{conv: convExpand}, "Expand")
	register(handler{conv: convTile}, "Tile")
	register(handler{conv: convConstantOfShape}, "ConstantOfShape")
	register(handler{conv: convConstant, check: checkConstant}, "Constant")
	register(handler{conv: convCast}, "Cast", "CastLike")
	register(handler{conv: convRange}, "Range")
	register(handler{conv: convConcat}, "Concat")
	register(handler{conv: convSplit}, "Split")
	register(handler{conv: convSlice}, "Slice")
	register(handler{conv: convGather}, "Gather")
	register(handler{conv: convPad, check: checkPad}, "Pad")
	register(handler{conv: convDepthToSpace, check: checkDepthToSpace}, "DepthToSpace", "SpaceToDepth")
}

func convReshape(n *node) error {
	c := n.c
	x := n.need(0, "data")
	var target []int
	if c.opset < 5 {
		target = n.ints("shape", nil)
	} else {
		target = n.constInts(1, "shape")
	}
	allowZero := n.int("allowzero", 0) != 0
	if n.err != nil {
		return nil
	}
	xs := c.shape(x)
	out := slices.Clone(target)
	infer := -1
	for i, d := range out {
		switch {
		case d == 0 && !allowZero:
			if i >= len(xs) {
				return fmt.Errorf("shape %v copies dimension %d, the input %v has rank %d", target, i, xs, len(xs))
			}
			out[i] = xs[i]
		case d == -1:
			if infer >= 0 {
				return fmt.Errorf("shape %v has more than one -1", target)
			}
			infer = i
		case d < 0:
			return fmt.Errorf("shape %v has dimension %d", target, d)
		}
	}
	total := ir.NumElements(xs)
	if infer >= 0 {
		out[infer] = 1
		rest := ir.NumElements(out)
		if rest == 0 || total%rest != 0 {
			return fmt.Errorf("cannot reshape %v into %v", xs, target)
		}
		out[infer] = total / rest
	}
	if ir.NumElements(out) != total {
		return fmt.Errorf("cannot reshape %v (%d elements) into %v", xs, total, out)
	}
	return n.reshapeTo(x, out)
}

// reshapeTo binds output 0 to x reshaped (in ONNX order) to shape.
func (n *node) reshapeTo(x *value, shape []int) error {
	c := n.c
	t, err := c.plain(x)
	if err != nil {
		return err
	}
	r, err := c.reshape(t, shape, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, r, nil)
	return nil
}

func convFlatten(n *node) error {
	x := n.need(0, "input")
	if n.err != nil {
		return nil
	}
	xs := n.c.shape(x)
	axis := n.int("axis", 1)
	if axis < 0 {
		axis += len(xs)
	}
	if axis < 0 || axis > len(xs) {
		return fmt.Errorf("axis %d for rank %d", n.int("axis", 1), len(xs))
	}
	return n.reshapeTo(x, []int{ir.NumElements(xs[:axis]), ir.NumElements(xs[axis:])})
}

// axesInput reads the axes of Squeeze, Unsqueeze and reductions: an
// attribute before opset since, input i from it on.
func (n *node) axesInput(i, since int) ([]int, bool) {
	if int(n.c.opset) < since {
		a := n.ints("axes", nil)
		return a, a != nil
	}
	if n.in(i) == nil {
		return nil, false
	}
	return n.constInts(i, "axes"), true
}

// physicalReshape binds output 0 to x's tensor reshaped to phys, with
// logical order perm (for ops that only add or drop size-1 dimensions).
func (n *node) physicalReshape(x *value, phys, perm []int) error {
	t, err := n.c.reshape(x.t, phys, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, t, perm)
	return nil
}

func convSqueeze(n *node) error {
	c := n.c
	x := n.need(0, "data")
	axes, given := n.axesInput(1, 13)
	if n.err != nil {
		return nil
	}
	xs := c.shape(x)
	drop := make([]bool, len(xs))
	if !given || len(axes) == 0 {
		for i, d := range xs {
			drop[i] = d == 1
		}
	}
	for _, a := range axes {
		a = n.axis(a, len(xs), "axis")
		if xs[a] != 1 {
			return fmt.Errorf("axis %d has size %d, not 1 (input %v)", a, xs[a], xs)
		}
		drop[a] = true
	}
	if n.err != nil {
		return nil
	}
	phys := []int{}
	for i, a := range x.perm {
		if !drop[a] {
			phys = append(phys, c.tensor(x.t).Shape[i])
		}
	}
	return n.physicalReshape(x, phys, dropAxes(x.perm, drop))
}

func convUnsqueeze(n *node) error {
	c := n.c
	x := n.need(0, "data")
	axes, given := n.axesInput(1, 13)
	if n.err != nil {
		return nil
	}
	if !given {
		return fmt.Errorf("no axes")
	}
	r := c.rank(x) + len(axes)
	isNew := make([]bool, r)
	for _, a := range axes {
		a = n.axis(a, r, "axis")
		if isNew[a] {
			return fmt.Errorf("axis %d repeated in %v", a, axes)
		}
		isNew[a] = true
	}
	if n.err != nil {
		return nil
	}
	// Old logical axis j becomes newIndex[j].
	var newIndex []int
	for a := range r {
		if !isNew[a] {
			newIndex = append(newIndex, a)
		}
	}
	order := make([]int, 0, r)
	for _, a := range x.perm {
		order = append(order, newIndex[a])
	}
	// Each new axis goes just before the next existing logical axis, so an
	// ONNX-ordered input stays ONNX-ordered.
	for a := range r {
		if !isNew[a] {
			continue
		}
		pos := len(order)
		best := r
		for i, b := range order {
			if b > a && b < best {
				best, pos = b, i
			}
		}
		order = slices.Insert(order, pos, a)
	}
	return n.physicalReshape(x, physicalShape(logicalShapeOf(c, x, isNew), order), order)
}

// logicalShapeOf is x's logical shape with 1s inserted where isNew is set.
func logicalShapeOf(c *converter, x *value, isNew []bool) []int {
	xs := c.shape(x)
	out := make([]int, 0, len(isNew))
	j := 0
	for _, nw := range isNew {
		if nw {
			out = append(out, 1)
		} else {
			out = append(out, xs[j])
			j++
		}
	}
	return out
}

func convTranspose(n *node) error {
	c := n.c
	x := n.need(0, "data")
	if n.err != nil {
		return nil
	}
	r := c.rank(x)
	def := make([]int, r)
	for i := range def {
		def[i] = r - 1 - i
	}
	t := n.ints("perm", def)
	if n.err != nil {
		return nil
	}
	if len(t) != r || !isPermutation(t) {
		return fmt.Errorf("perm %v is not a permutation of %d axes", t, r)
	}
	if c.isConst(x) {
		id, err := c.transposeTensor(x.t, t, n.outName(0))
		if err != nil {
			return err
		}
		n.set(0, id, nil)
		return nil
	}
	// Transposing relabels the axes; the data stays where it is until an op
	// needs another order.
	tinv := invertPerm(t)
	perm := make([]int, r)
	for i, a := range x.perm {
		perm[i] = tinv[a]
	}
	n.set(0, x.t, perm)
	return nil
}

func isPermutation(p []int) bool {
	seen := make([]bool, len(p))
	for _, v := range p {
		if v < 0 || v >= len(p) || seen[v] {
			return false
		}
		seen[v] = true
	}
	return true
}

// int64Const adds an int64 constant.
func (c *converter) int64Const(name string, shape []int, v []int) int {
	d := make([]int64, len(v))
	for i, x := range v {
		d[i] = int64(x)
	}
	return c.constant(name, ir.Int64, shape, ir.Int64Bytes(d))
}

func convShape(n *node) error {
	x := n.need(0, "data")
	if n.err != nil {
		return nil
	}
	s := n.c.shape(x)
	start, end := n.int("start", 0), n.int("end", len(s))
	if start < 0 {
		start += len(s)
	}
	if end < 0 {
		end += len(s)
	}
	start, end = max(0, min(start, len(s))), max(0, min(end, len(s)))
	s = s[start:max(start, end)]
	n.set(0, n.c.int64Const(n.outName(0), []int{len(s)}, s), nil)
	return nil
}

func convSize(n *node) error {
	x := n.need(0, "data")
	if n.err != nil {
		return nil
	}
	n.set(0, n.c.int64Const(n.outName(0), []int{}, []int{ir.NumElements(n.c.shape(x))}), nil)
	return nil
}

func convExpand(n *node) error {
	c := n.c
	x := n.need(0, "input")
	shape := n.constInts(1, "shape")
	if n.err != nil {
		return nil
	}
	xs := c.shape(x)
	out, err := ir.BroadcastShapes(xs, shape)
	if err != nil {
		return fmt.Errorf("input %v cannot expand to %v: %v", xs, shape, err)
	}
	mult := make([]int, len(out))
	full := append(slices.Repeat([]int{1}, len(out)-len(xs)), xs...)
	for i := range out {
		mult[i] = out[i] / full[i]
	}
	return n.tile(x, full, mult)
}

// tile binds output 0 to x (seen with logical shape full, of the output's
// rank) repeated mult times along each logical axis.
func (n *node) tile(x *value, full, mult []int) error {
	c := n.c
	perm := x.perm
	t := x.t
	if len(full) != c.rank(x) {
		var err error
		if t, err = c.plain(x); err != nil {
			return err
		}
		if t, err = c.reshape(t, full, c.tmpName("full_rank")); err != nil {
			return err
		}
		perm = identityPerm(len(full))
	}
	if ir.NumElements(mult) == 1 {
		n.set(0, t, perm)
		return nil
	}
	m := c.constInt32(c.tmpName("multiples"), physicalShape(mult, perm))
	r, err := c.emit1(ir.Tile, nil, []int{t, m}, n.outName(0), c.tensor(t).Type)
	if err != nil {
		return err
	}
	n.set(0, r, perm)
	return nil
}

func convTile(n *node) error {
	x := n.need(0, "input")
	reps := n.constInts(1, "repeats")
	if n.err != nil {
		return nil
	}
	xs := n.c.shape(x)
	if len(reps) != len(xs) {
		return fmt.Errorf("repeats %v for input of rank %d", reps, len(xs))
	}
	for _, r := range reps {
		if r < 0 {
			return fmt.Errorf("negative repeats %v", reps)
		}
	}
	return n.tile(x, xs, reps)
}

func convConstantOfShape(n *node) error {
	c := n.c
	shape := n.constInts(0, "input")
	if n.err != nil {
		return nil
	}
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("negative dimension in %v", shape)
		}
	}
	typ, elem := ir.Float32, make([]byte, 4)
	if a := n.attr("value", AttrTensor); a != nil && a.T != nil {
		v, err := tensorValue(a.T, c.baseDir)
		if err != nil {
			return fmt.Errorf("attribute value: %w", err)
		}
		if v.NumElements() != 1 {
			return fmt.Errorf("attribute value has %d elements, expected 1", v.NumElements())
		}
		typ, elem = v.Type, v.Data
	}
	cnt := ir.NumElements(shape)
	if err := checkGenerated(cnt, fmt.Sprintf("the constant of shape %v", shape)); err != nil {
		return err
	}
	data := make([]byte, 0, cnt*len(elem))
	for range cnt {
		data = append(data, elem...)
	}
	n.set(0, c.constant(n.outName(0), typ, shape, data), nil)
	return nil
}

func checkConstant(n *node) string {
	for _, k := range []string{"sparse_value", "value_string", "value_strings"} {
		if n.has(k) {
			return "attribute " + k
		}
	}
	return ""
}

func convConstant(n *node) error {
	c := n.c
	name := n.outName(0)
	var t *ir.Tensor
	switch {
	case n.has("value"):
		a := n.attr("value", AttrTensor)
		if a == nil || a.T == nil {
			return fmt.Errorf("attribute value holds no tensor")
		}
		v, err := tensorValue(a.T, c.baseDir)
		if err != nil {
			return fmt.Errorf("attribute value: %w", err)
		}
		t = v
	case n.has("value_float"):
		t = &ir.Tensor{Type: ir.Float32, Shape: []int{}, Data: ir.Float32Bytes([]float32{n.float("value_float", 0)})}
	case n.has("value_floats"):
		f := n.floats("value_floats", nil)
		t = &ir.Tensor{Type: ir.Float32, Shape: []int{len(f)}, Data: ir.Float32Bytes(f)}
	case n.has("value_int"):
		a := n.attr("value_int", AttrInt)
		if a == nil {
			return nil
		}
		t = &ir.Tensor{Type: ir.Int64, Shape: []int{}, Data: ir.Int64Bytes([]int64{a.I})}
	case n.has("value_ints"):
		a := n.attr("value_ints", AttrInts)
		if a == nil {
			return nil
		}
		t = &ir.Tensor{Type: ir.Int64, Shape: []int{len(a.Ints)}, Data: ir.Int64Bytes(a.Ints)}
	default:
		return fmt.Errorf("no value attribute")
	}
	t.Name, t.HasRank = name, true
	n.set(0, c.g.AddTensor(t), nil)
	return nil
}

func convCast(n *node) error {
	c := n.c
	x := n.need(0, "input")
	if n.err != nil {
		return nil
	}
	var to ir.DataType
	if n.OpType == "CastLike" {
		like := n.need(1, "target_type")
		if n.err != nil {
			return nil
		}
		to = c.dtype(like)
	} else {
		a := n.attr("to", AttrInt)
		if a == nil {
			if n.err == nil {
				return fmt.Errorf("no attribute to")
			}
			return nil
		}
		var err error
		if to, err = irType(int32(a.I)); err != nil {
			return fmt.Errorf("attribute to: %w", err)
		}
	}
	t, err := c.castTensor(x.t, to, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, t, x.perm)
	return nil
}

func convRange(n *node) error {
	c := n.c
	start, limit, delta := n.need(0, "start"), n.need(1, "limit"), n.need(2, "delta")
	if n.err != nil {
		return nil
	}
	typ := c.dtype(start)
	if c.isConst(start) && c.isConst(limit) && c.isConst(delta) {
		s, _ := c.floatValues(start)
		l, _ := c.floatValues(limit)
		d, _ := c.floatValues(delta)
		if len(s) != 1 || len(l) != 1 || len(d) != 1 || d[0] == 0 {
			return fmt.Errorf("start, limit and delta must be scalars, delta non-zero")
		}
		cnt := int(max(0, math.Ceil((l[0]-s[0])/d[0])))
		if cnt > 1<<26 {
			return fmt.Errorf("range of %d elements", cnt)
		}
		size := typ.Size()
		data := make([]byte, cnt*size)
		for i := range cnt {
			v := s[0] + float64(i)*d[0]
			switch typ {
			case ir.Float32:
				binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(float32(v)))
			case ir.Int32:
				binary.LittleEndian.PutUint32(data[4*i:], uint32(int32(v)))
			case ir.Int64:
				binary.LittleEndian.PutUint64(data[8*i:], uint64(int64(v)))
			default:
				return fmt.Errorf("range of type %v", typ)
			}
		}
		n.set(0, c.constant(n.outName(0), typ, []int{cnt}, data), nil)
		return nil
	}
	t, err := c.emit1(ir.Range, nil, []int{start.t, limit.t, delta.t}, n.outName(0), typ)
	if err != nil {
		return err
	}
	n.set(0, t, nil)
	return nil
}

// commonOrder brings values of one rank to the physical order of the first
// non-constant one.
func (c *converter) commonOrder(vals []*value) ([]int, []int, error) {
	r := c.rank(vals[0])
	perm := identityPerm(r)
	for _, v := range vals {
		if !c.isConst(v) {
			perm = v.perm
			break
		}
	}
	ids := make([]int, len(vals))
	for i, v := range vals {
		if c.rank(v) != r {
			return nil, nil, fmt.Errorf("inputs of ranks %d and %d", r, c.rank(v))
		}
		t, err := c.materialize(v, perm)
		if err != nil {
			return nil, nil, err
		}
		ids[i] = t
	}
	return ids, perm, nil
}

func convConcat(n *node) error {
	c := n.c
	var vals []*value
	for i := range n.numInputs() {
		if v := n.in(i); v != nil {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return fmt.Errorf("no inputs")
	}
	r := c.rank(vals[0])
	def := 0
	if c.opset < 4 {
		def = 1
	}
	axis := n.axis(n.int("axis", def), r, "axis")
	if n.err != nil {
		return nil
	}
	// Empty inputs add nothing; TFLite's CONCATENATION may not like them.
	kept := vals[:0:0]
	for _, v := range vals {
		if ir.NumElements(c.shape(v)) > 0 {
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		kept = vals[:1]
	}
	if len(kept) == 1 {
		n.set(0, kept[0].t, kept[0].perm)
		return nil
	}
	ids, perm, err := c.commonOrder(kept)
	if err != nil {
		return err
	}
	t, err := c.emit1(ir.Concatenation, &ir.ConcatenationOptions{Axis: physicalAxis(perm, axis)}, ids, n.outName(0), c.dtype(kept[0]))
	if err != nil {
		return err
	}
	n.set(0, t, perm)
	return nil
}

func convSplit(n *node) error {
	c := n.c
	x := n.need(0, "input")
	if n.err != nil {
		return nil
	}
	xs := c.shape(x)
	axis := n.axis(n.int("axis", 0), len(xs), "axis")
	var sizes []int
	switch {
	case c.opset < 13:
		sizes = n.ints("split", nil)
	case n.in(1) != nil:
		sizes = n.constInts(1, "split")
	}
	if n.err != nil {
		return nil
	}
	outs := len(n.Outputs)
	if sizes == nil {
		parts := n.int("num_outputs", outs)
		if parts < 1 {
			return fmt.Errorf("num_outputs %d", parts)
		}
		step := (xs[axis] + parts - 1) / parts
		for left := xs[axis]; left > 0 || len(sizes) < parts; left -= step {
			sizes = append(sizes, max(0, min(step, left)))
		}
	}
	total := 0
	for _, s := range sizes {
		if s < 0 {
			return fmt.Errorf("negative split %v", sizes)
		}
		total += s
	}
	if total != xs[axis] || len(sizes) != outs {
		return fmt.Errorf("split %v into %d outputs does not fit dimension %d of size %d", sizes, outs, axis, xs[axis])
	}
	pa := physicalAxis(x.perm, axis)
	names := make([]out, outs)
	for i := range names {
		names[i] = out{n.outName(i), c.dtype(x)}
		if names[i].name == "" {
			names[i].name = c.tmpName(fmt.Sprintf("unused%d", i))
		}
	}
	ids, err := c.emit(ir.SplitV, &ir.SplitVOptions{NumSplits: outs},
		[]int{x.t, c.constInt32(c.tmpName("size_splits"), sizes), c.constant(c.tmpName("axis"), ir.Int32, []int{}, ir.Int32Bytes([]int32{int32(pa)}))},
		names...)
	if err != nil {
		return err
	}
	for i, t := range ids {
		n.set(i, t, x.perm)
	}
	return nil
}

func convSlice(n *node) error {
	c := n.c
	x := n.need(0, "data")
	var starts, ends, axes, steps []int
	if c.opset < 10 {
		starts, ends, axes = n.ints("starts", nil), n.ints("ends", nil), n.ints("axes", nil)
	} else {
		starts, ends = n.constInts(1, "starts"), n.constInts(2, "ends")
		axes = n.optInts(3, "axes", nil)
		steps = n.optInts(4, "steps", nil)
	}
	if n.err != nil {
		return nil
	}
	xs := c.shape(x)
	if axes == nil {
		axes = identityPerm(len(starts))
	}
	if steps == nil {
		steps = slices.Repeat([]int{1}, len(starts))
	}
	if len(ends) != len(starts) || len(axes) != len(starts) || len(steps) != len(starts) {
		return fmt.Errorf("starts %v, ends %v, axes %v and steps %v differ in length", starts, ends, axes, steps)
	}
	r := len(xs)
	begin, end, stride := make([]int, r), slices.Clone(xs), slices.Repeat([]int{1}, r)
	var endMask int32
	seen := make([]bool, r)
	for i, a := range axes {
		a = n.axis(a, r, "axis")
		if n.err != nil {
			return nil
		}
		if seen[a] {
			return fmt.Errorf("axis %d repeated in %v", a, axes)
		}
		seen[a] = true
		d, s, e, st := xs[a], starts[i], ends[i], steps[i]
		if st == 0 {
			return fmt.Errorf("step 0 on axis %d", a)
		}
		if s < 0 {
			s += d
		}
		if e < 0 {
			e += d
		}
		pa := physicalAxis(x.perm, a)
		if st > 0 {
			s, e = max(0, min(s, d)), max(0, min(e, d))
		} else {
			s, e = max(-1, min(s, d-1)), max(-1, min(e, d-1))
			if e == -1 {
				endMask |= 1 << pa
			}
		}
		begin[pa], end[pa], stride[pa] = s, e, st
	}
	// Unsliced axes run over their whole physical extent.
	phys := c.tensor(x.t).Shape
	for pa := range r {
		if !seen[x.perm[pa]] {
			begin[pa], end[pa], stride[pa] = 0, phys[pa], 1
		}
	}
	inputs := []int{x.t, c.constInt32(c.tmpName("begin"), begin), c.constInt32(c.tmpName("end"), end), c.constInt32(c.tmpName("strides"), stride)}
	t, err := c.emit1(ir.StridedSlice, &ir.StridedSliceOptions{EndMask: endMask}, inputs, n.outName(0), c.dtype(x))
	if err != nil {
		return err
	}
	n.set(0, t, x.perm)
	return nil
}

// nonNegativeIndices returns indices tensor it (the plain form of idx) with
// negative constant indices resolved against their dimensions, since
// TFLite's GATHER and GATHER_ND take none; element i indexes dimension
// dimOf(i) of a value of logical shape xs. Computed indices are returned as
// they are.
func (c *converter) nonNegativeIndices(idx *value, it int, dimOf func(i int) int, xs []int) (int, error) {
	vals, ok := c.intValues(idx)
	if !ok {
		return it, nil
	}
	fixed := slices.Clone(vals)
	for i, v := range fixed {
		d := dimOf(i)
		if v < -xs[d] || v >= xs[d] {
			return 0, fmt.Errorf("index %d out of range for dimension %d of size %d", v, d, xs[d])
		}
		if v < 0 {
			fixed[i] = v + xs[d]
		}
	}
	if slices.Equal(fixed, vals) {
		return it, nil
	}
	return c.reshape(c.constInt32(c.tmpName("indices"), fixed), c.shape(idx), c.tmpName("indices_shaped"))
}

func convGather(n *node) error {
	c := n.c
	x, idx := n.need(0, "data"), n.need(1, "indices")
	if n.err != nil {
		return nil
	}
	xs := c.shape(x)
	axis := n.axis(n.int("axis", 0), len(xs), "axis")
	if n.err != nil {
		return nil
	}
	it, err := c.plain(idx)
	if err != nil {
		return err
	}
	k := c.rank(idx)
	if it, err = c.nonNegativeIndices(idx, it, func(int) int { return axis }, xs); err != nil {
		return err
	}
	pa := physicalAxis(x.perm, axis)
	t, err := c.emit1(ir.Gather, &ir.GatherOptions{Axis: pa}, []int{x.t, it}, n.outName(0), c.dtype(x))
	if err != nil {
		return err
	}
	// The output's physical order: x's axes before pa, the index axes, then
	// x's axes after pa, each renumbered logically.
	renum := func(a int) int {
		if a < axis {
			return a
		}
		return a + k - 1
	}
	perm := make([]int, 0, len(xs)-1+k)
	for _, a := range x.perm[:pa] {
		perm = append(perm, renum(a))
	}
	for i := range k {
		perm = append(perm, axis+i)
	}
	for _, a := range x.perm[pa+1:] {
		perm = append(perm, renum(a))
	}
	n.set(0, t, perm)
	return nil
}

func checkPad(n *node) string {
	if m := n.str("mode", "constant"); m != "constant" && m != "reflect" && m != "edge" && m != "wrap" {
		return fmt.Sprintf("mode=%q", m)
	}
	return ""
}

// padByGather pads with edge or wrap mode, which TFLite has no op for, as a
// GATHER per padded axis of the indices that mode reads.
func (n *node) padByGather(x *value, phys []int, mode string) error {
	c := n.c
	t := x.t
	shape := c.tensor(x.t).Shape
	for pa, d := range shape {
		b, e := phys[2*pa], phys[2*pa+1]
		if b == 0 && e == 0 {
			continue
		}
		if d == 0 {
			return fmt.Errorf("%s padding of an empty dimension", mode)
		}
		if err := checkGenerated(d+b+e, "the padded dimension"); err != nil {
			return err
		}
		idx := make([]int, d+b+e)
		for i := range idx {
			j := i - b
			if mode == "edge" {
				idx[i] = max(0, min(j, d-1))
			} else {
				idx[i] = ((j % d) + d) % d
			}
		}
		name := c.tmpName(fmt.Sprintf("padded%d", pa))
		var err error
		if t, err = c.emit1(ir.Gather, &ir.GatherOptions{Axis: pa}, []int{t, c.constInt32(name+"/indices", idx)}, name, c.dtype(x)); err != nil {
			return err
		}
	}
	if t != x.t {
		c.tensor(t).Name = n.outName(0)
	}
	n.set(0, t, x.perm)
	return nil
}

func convPad(n *node) error {
	c := n.c
	x := n.need(0, "data")
	mode := n.str("mode", "constant")
	var pads []int
	var fill float64
	var fillV *value
	var axes []int
	if c.opset < 11 {
		pads = n.ints("pads", nil)
		if pads == nil {
			pads = n.ints("paddings", nil)
		}
		fill = float64(n.float("value", 0))
	} else {
		pads = n.constInts(1, "pads")
		if v := n.in(2); v != nil {
			if vals, ok := c.floatValues(v); ok && len(vals) == 1 {
				fill = vals[0]
			} else {
				fillV = v
			}
		}
		axes = n.optInts(3, "axes", nil)
	}
	if n.err != nil {
		return nil
	}
	r := c.rank(x)
	if axes == nil {
		axes = identityPerm(r)
	}
	if len(pads) != 2*len(axes) {
		return fmt.Errorf("pads %v for %d axes", pads, len(axes))
	}
	phys := make([]int, 2*r)
	for i, a := range axes {
		a = n.axis(a, r, "axis")
		pa := physicalAxis(x.perm, a)
		phys[2*pa], phys[2*pa+1] = pads[i], pads[i+len(axes)]
		if pads[i] < 0 || pads[i+len(axes)] < 0 {
			return fmt.Errorf("negative pads %v are not supported", pads)
		}
	}
	if n.err != nil {
		return nil
	}
	if mode == "edge" || mode == "wrap" {
		return n.padByGather(x, phys, mode)
	}
	pt := c.constant(c.tmpName("paddings"), ir.Int32, []int{r, 2}, int32Bytes(phys))
	var t int
	var err error
	switch {
	case mode == "reflect":
		t, err = c.emit1(ir.MirrorPad, &ir.MirrorPadOptions{Mode: ir.MirrorReflect}, []int{x.t, pt}, n.outName(0), c.dtype(x))
	case fillV == nil && fill == 0:
		t, err = c.emit1(ir.Pad, nil, []int{x.t, pt}, n.outName(0), c.dtype(x))
	default:
		var ft int
		if fillV != nil {
			ft = fillV.t
		} else if ft, err = c.scalarLike(c.tmpName("constant_value"), c.dtype(x), fill); err != nil {
			return err
		}
		t, err = c.emit1(ir.PadV2, nil, []int{x.t, pt, ft}, n.outName(0), c.dtype(x))
	}
	if err != nil {
		return err
	}
	n.set(0, t, x.perm)
	return nil
}

func checkDepthToSpace(n *node) string {
	if m := n.str("mode", "DCR"); m != "DCR" && m != "CRD" {
		return fmt.Sprintf("mode=%q", m)
	}
	return ""
}

// convDepthToSpace maps onto TFLite's channels-last ops, which order the
// channels as ONNX's DCR mode does; CRD first regroups the channels.
func convDepthToSpace(n *node) error {
	c := n.c
	x := n.need(0, "input")
	bs := n.int("blocksize", 0)
	if n.err != nil {
		return nil
	}
	if c.rank(x) != 4 || bs < 1 {
		return fmt.Errorf("input of rank %d with blocksize %d", c.rank(x), bs)
	}
	t, err := c.nhwc(x)
	if err != nil {
		return err
	}
	if n.OpType == "SpaceToDepth" {
		r, err := c.emit1(ir.SpaceToDepth, &ir.SpaceToDepthOptions{BlockSize: bs}, []int{t}, n.outName(0), c.dtype(x))
		if err != nil {
			return err
		}
		n.set(0, r, channelsLast(4))
		return nil
	}
	ch := c.shape(x)[1]
	if ch%(bs*bs) != 0 {
		return fmt.Errorf("%d channels do not split into %dx%d blocks", ch, bs, bs)
	}
	if n.str("mode", "DCR") == "CRD" {
		// CRD's channel c*bs*bs + b is DCR's b*C' + c.
		cout := ch / (bs * bs)
		if err := checkGenerated(ch, "the channel order"); err != nil {
			return err
		}
		idx := make([]int, ch)
		for b := range bs * bs {
			for k := range cout {
				idx[b*cout+k] = k*bs*bs + b
			}
		}
		if t, err = c.emit1(ir.Gather, &ir.GatherOptions{Axis: 3}, []int{t, c.constInt32(c.tmpName("crd_order"), idx)}, c.tmpName("dcr"), c.dtype(x)); err != nil {
			return err
		}
	}
	r, err := c.emit1(ir.DepthToSpace, &ir.DepthToSpaceOptions{BlockSize: bs}, []int{t}, n.outName(0), c.dtype(x))
	if err != nil {
		return err
	}
	n.set(0, r, channelsLast(4))
	return nil
}
