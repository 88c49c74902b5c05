package kernels

import "github.com/liteforge/liteforge/ir"

// SLICE takes a box (begin, size) of its input; STRIDED_SLICE takes strided
// ranges with TFLite's begin/end/ellipsis/new-axis/shrink masks. Both compute
// their ranges from the index inputs (which may be computed at run time, so
// Eval replans when they change) and copy through a remap.

func init() {
	Register(ir.Slice, func() Kernel { return &sliceKernel{} })
	Register(ir.StridedSlice, func() Kernel { return &stridedSliceKernel{} })
}

type sliceKernel struct {
	plan        remap
	begin, size paramCache
	inStride    []int
}

func (k *sliceKernel) Prepare(n *Node) error {
	if err := checkArity(n, 3, 3, 1); err != nil {
		return err
	}
	in, out := n.In[0], n.Out[0]
	es, err := sameTypes(n, in, out)
	if err != nil {
		return err
	}
	for _, t := range n.In[1:] {
		if len(t.Shape) != 1 || t.Shape[0] != len(in.Shape) {
			return nodeErr(n, "index input %q has shape %v, want [%d]", t.Name, t.Shape, len(in.Shape))
		}
	}
	if len(out.Shape) != len(in.Shape) {
		return nodeErr(n, "output %q has rank %d, input %q rank %d", out.Name, len(out.Shape), in.Name, len(in.Shape))
	}
	warnQuantMismatch(n, in, out)
	k.inStride = rowMajorStrides(in.Shape)
	k.plan.init(es, out.Shape)
	k.begin.reset(len(in.Shape))
	k.size.reset(len(in.Shape))
	if n.In[1].Data != nil && n.In[2].Data != nil {
		return k.update(n)
	}
	return nil
}

func (k *sliceKernel) update(n *Node) error {
	begin, cb, err := k.begin.changed(n, n.In[1])
	if err != nil {
		return err
	}
	size, cs, err := k.size.changed(n, n.In[2])
	if err != nil || !(cb || cs) {
		return err
	}
	in, out := n.In[0], n.Out[0]
	for d, dim := range in.Shape {
		b, s := begin[d], size[d]
		if s == -1 {
			s = dim - b
		}
		if b < 0 || s < 0 || b > dim || s > dim-b {
			return nodeErr(n, "begin %v and size %v do not fit input %q of shape %v (axis %d)", begin, size, in.Name, in.Shape, d)
		}
		if out.Shape[d] != s {
			return nodeErr(n, "output %q has shape %v, but begin %v and size %v give %d on axis %d", out.Name, out.Shape, begin, size, s, d)
		}
		t := k.plan.off[d]
		for o := range t {
			t[o] = (b + o) * k.inStride[d]
		}
	}
	k.plan.finish()
	k.begin.keep(begin)
	k.size.keep(size)
	return nil
}

func (k *sliceKernel) Eval(n *Node) error {
	if err := k.update(n); err != nil {
		return err
	}
	k.plan.run(n.Out[0].Data, n.In[0].Data)
	return nil
}

type stridedSliceKernel struct {
	opts                *ir.StridedSliceOptions
	plan                remap
	begin, end, strides paramCache
	// Scratch for the effective (ellipsis- and new-axis-expanded) axes.
	effShape, effStride, start, stop, step []int
	shrink                                 []bool
}

func (k *stridedSliceKernel) Prepare(n *Node) error {
	if err := checkArity(n, 4, 4, 1); err != nil {
		return err
	}
	o, err := options[ir.StridedSliceOptions](n)
	if err != nil {
		return err
	}
	k.opts = o
	in, out := n.In[0], n.Out[0]
	es, err := sameTypes(n, in, out)
	if err != nil {
		return err
	}
	count := -1
	for _, t := range n.In[1:] {
		if t.Type != ir.Int32 && t.Type != ir.Int64 {
			return nodeErr(n, "index input %q is %v, want int32", t.Name, t.Type)
		}
		if len(t.Shape) != 1 || (count >= 0 && t.Shape[0] != count) {
			return nodeErr(n, "index input %q has shape %v; begin, end and strides must be vectors of one length", t.Name, t.Shape)
		}
		count = t.Shape[0]
	}
	if count > 31 {
		return nodeErr(n, "has %d indices; at most 31 are supported", count)
	}
	warnQuantMismatch(n, in, out)
	eff := len(in.Shape) + count
	k.effShape = make([]int, eff)
	k.effStride = make([]int, eff)
	k.start = make([]int, eff)
	k.stop = make([]int, eff)
	k.step = make([]int, eff)
	k.shrink = make([]bool, eff)
	k.plan.init(es, out.Shape)
	k.begin.reset(count)
	k.end.reset(count)
	k.strides.reset(count)
	if n.In[1].Data != nil && n.In[2].Data != nil && n.In[3].Data != nil {
		return k.update(n)
	}
	return nil
}

func (k *stridedSliceKernel) update(n *Node) error {
	begin, c1, err := k.begin.changed(n, n.In[1])
	if err != nil {
		return err
	}
	end, c2, err := k.end.changed(n, n.In[2])
	if err != nil {
		return err
	}
	strides, c3, err := k.strides.changed(n, n.In[3])
	if err != nil || !(c1 || c2 || c3) {
		return err
	}
	if err := k.build(n, begin, end, strides); err != nil {
		return err
	}
	k.begin.keep(begin)
	k.end.keep(end)
	k.strides.keep(strides)
	return nil
}

// build expands the masks into per-axis ranges the way TFLite's
// strided_slice.cc does, checks the output shape, and fills the remap.
func (k *stridedSliceKernel) build(n *Node, begin, end, strides []int) error {
	o := k.opts
	in, out := n.In[0], n.Out[0]
	bit := func(mask int32, i int) bool { return i >= 0 && i < 32 && mask&(1<<uint(i)) != 0 }
	count, rank := len(begin), len(in.Shape)

	// Axes added by new_axis_mask (where the ellipsis bit is not also set).
	added := 0
	for i := 0; i < count; i++ {
		if !bit(o.EllipsisMask, i) && bit(o.NewAxisMask, i) {
			added++
		}
	}
	eff := rank + added
	// Which effective axes the ellipsis covers and which are new.
	var effEllipsis, effNew uint64
	ellipsisStart, expanded := eff, 0
	for i := 0; i < eff; {
		if bit(o.EllipsisMask, i) {
			ellipsisStart = i
			last := max(i+1, min(i+1+added+rank-count, eff))
			expanded = last - i - 1
			for ; i < last; i++ {
				effEllipsis |= 1 << uint(i)
			}
			continue
		}
		if bit(o.NewAxisMask, i-expanded) {
			effNew |= 1 << uint(i)
		}
		i++
	}
	addedEllipsis, addedAxes := 0, 0
	for i := 0; i < eff; i++ {
		var b, e, s int
		var bm, em, sh bool
		switch {
		case effEllipsis&(1<<uint(i)) != 0:
			addedEllipsis = max(0, i-ellipsisStart)
			s, bm, em = 1, true, true
			k.effShape[i] = in.Shape[i-addedAxes]
		case effNew&(1<<uint(i)) != 0:
			b, e, s = 0, 1, 1
			k.effShape[i] = 1
			addedAxes++
		case i >= count+expanded:
			s, bm, em = 1, true, true
			k.effShape[i] = in.Shape[i-addedAxes]
		default:
			oi := i - addedEllipsis
			b, e, s = begin[oi], end[oi], strides[oi]
			bm, em, sh = bit(o.BeginMask, oi), bit(o.EndMask, oi), bit(o.ShrinkAxisMask, oi)
			k.effShape[i] = in.Shape[i-addedAxes]
		}
		if s == 0 {
			return nodeErr(n, "stride on axis %d is 0", i)
		}
		size := k.effShape[i]
		// Start: negative counts from the end, clamp, then begin_mask.
		if b < 0 {
			b += size
		}
		if s > 0 {
			b = min(max(b, 0), size)
		} else {
			b = min(max(b, -1), size-1)
		}
		if bm {
			b = 0
			if s < 0 {
				b = size - 1
			}
		}
		if sh {
			// A shrunk axis takes exactly the element at start.
			if b < 0 || b >= size {
				return nodeErr(n, "shrunk axis %d: index %d is outside [0, %d)", i, begin[i-addedEllipsis], size)
			}
			e, s = b+1, 1
		} else {
			if o.Offset {
				e += b
			}
			if e < 0 {
				e += size
			}
			if s > 0 {
				e = min(max(e, 0), size)
			} else {
				e = min(max(e, -1), size-1)
			}
			if em {
				e = size
				if s < 0 {
					e = -1
				}
			}
		}
		k.start[i], k.stop[i], k.step[i], k.shrink[i] = b, e, s, sh
	}
	acc := 1
	for i := eff - 1; i >= 0; i-- {
		k.effStride[i] = acc
		acc *= k.effShape[i]
	}
	// Output axes are the effective axes that are not shrunk.
	k.plan.base = 0
	j := 0
	for i := 0; i < eff; i++ {
		b, e, s := k.start[i], k.stop[i], k.step[i]
		if k.shrink[i] {
			k.plan.base += b * k.effStride[i]
			continue
		}
		cnt := 0
		if s > 0 && e > b {
			cnt = (e - b + s - 1) / s
		} else if s < 0 && b > e {
			cnt = (b - e - s - 1) / -s
		}
		if j >= len(out.Shape) || out.Shape[j] != cnt {
			return nodeErr(n, "output %q has shape %v, but the slice gives %d entries on its axis %d", out.Name, out.Shape, cnt, j)
		}
		t := k.plan.off[j]
		for x := range t {
			t[x] = (b + x*s) * k.effStride[i]
		}
		j++
	}
	if j != len(out.Shape) {
		return nodeErr(n, "output %q has rank %d, but the slice has %d axes", out.Name, len(out.Shape), j)
	}
	k.plan.finish()
	return nil
}

func (k *stridedSliceKernel) Eval(n *Node) error {
	if err := k.update(n); err != nil {
		return err
	}
	k.plan.run(n.Out[0].Data, n.In[0].Data)
	return nil
}
