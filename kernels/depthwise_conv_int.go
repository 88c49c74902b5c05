package kernels

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// DEPTHWISE_CONV_2D on integers (int8 per-channel, legacy uint8, int16
// activations with int8 filters) and hybrid (float activations quantized
// asymmetrically per batch on the fly, int8 per-channel filters), as TFLite's
// reference kernels compute them: padded taps are skipped, each sum is
// requantized with its channel's multiplier.

// dwQuant is the integer and hybrid state of a DEPTHWISE_CONV_2D kernel.
type dwQuant struct {
	rq32      requant[int32]
	rq64      requant[int64]
	inZP, fZP int32
	filterI8  []int8  // [KH*KW][outC]
	filterU8  []uint8 // [KH*KW][outC]
	in8       []int8
	inU8      []uint8
	in16      []int16
	out8      []int8
	outU8     []uint8
	out16     []int16
	acc32     [][]int32 // per thread
	acc64     [][]int64 // per thread

	// hybrid
	quantIn   []int8
	inScale   []float32 // per batch
	inOffset  []int32   // per batch
	chanScale []float32
	biasF32   []float32
	lo, hi    float32
	outF32    []float32

	// the lane kernels' state (depthwise_fast.go): the 8-bit filter widened
	// to int32 less its zero point (nil when they are not used), the input's
	// signedness, and each thread's sums for a run of pixels
	filter32    []int32
	signedLanes bool
	runAcc      [][]int32
	// scalesFirst: the reference kernel multiplies the sum by the product of
	// the two scales; the optimized one (TFLite's builtin) by the batch's
	// scale and then the channel's.
	scalesFirst bool
}

func (k *depthwiseConv2D) prepareInt(n *Node, o *ir.DepthwiseConv2DOptions) error {
	in, filter, out := n.In[0], n.In[1], n.Out[0]
	io, err := readQuantIO(n, in, out, o.Activation)
	if err != nil {
		return err
	}
	fScales, err := channelScales(n, filter, k.outC, 3)
	if err != nil {
		return err
	}
	q := &k.q
	q.inZP = io.inZP
	k.allocAcc()
	switch {
	case in.Type == ir.Int8 && filter.Type == ir.Int8:
		if q.rq32, err = requant8(n, io, fScales, false, optionalInput(n, 2)); err != nil {
			return err
		}
		q.filterI8 = append([]int8(nil), filter.Int8s()[:k.win.kh*k.win.kw*k.outC]...)
		prepareIntLanes(k, q.filterI8, 0, true)
		k.rows = (*depthwiseConv2D).rowsI8
		k.eval = func(n *Node) error {
			q.in8, q.out8 = n.In[0].Int8s(), n.Out[0].Int8s()
			k.run(n)
			return k.errs.take()
		}
	case in.Type == ir.Uint8 && filter.Type == ir.Uint8:
		_, fZP, err := tensorQuant(n, "filter", filter)
		if err != nil {
			return err
		}
		if q.rq32, err = requant8(n, io, fScales, true, optionalInput(n, 2)); err != nil {
			return err
		}
		q.fZP = fZP
		q.filterU8 = append([]uint8(nil), filter.Data[:k.win.kh*k.win.kw*k.outC]...)
		prepareIntLanes(k, q.filterU8, fZP, false)
		k.rows = (*depthwiseConv2D).rowsU8
		k.eval = func(n *Node) error {
			q.inU8, q.outU8 = n.In[0].Data, n.Out[0].Data
			k.run(n)
			return k.errs.take()
		}
	case in.Type == ir.Int16 && filter.Type == ir.Int8:
		if q.rq64, err = requant16(n, io, fScales, false, optionalInput(n, 2)); err != nil {
			return err
		}
		q.filterI8 = append([]int8(nil), filter.Int8s()[:k.win.kh*k.win.kw*k.outC]...)
		k.rows = (*depthwiseConv2D).rowsI16
		k.eval = func(n *Node) error {
			q.in16, q.out16 = n.In[0].Int16s(), n.Out[0].Int16s()
			k.run(n)
			return nil
		}
	default:
		return unsupported(n, fmt.Sprintf("%v input with %v filter", in.Type, filter.Type))
	}
	return nil
}

// depthwiseWindow calls tap(inOff, fOff) for each in-bounds filter tap of
// output pixel (b, oy, ox): inOff indexes the input pixel's first channel,
// fOff the tap's first filter channel.
func (k *depthwiseConv2D) depthwiseWindow(b, oy, ox int, tap func(inOff, fOff int)) {
	w := k.win
	for ky := 0; ky < w.kh; ky++ {
		iy := oy*w.strideH - w.padTop + ky*w.dilH
		if iy < 0 || iy >= w.inH {
			continue
		}
		for kx := 0; kx < w.kw; kx++ {
			ix := ox*w.strideW - w.padLeft + kx*w.dilW
			if ix < 0 || ix >= w.inW {
				continue
			}
			tap(((b*w.inH+iy)*w.inW+ix)*w.inC, (ky*w.kw+kx)*k.outC)
		}
	}
}

// depthwiseRows runs the integer depthwise convolution over output rows
// [r0, r1): acc[c] sums filter*(input - zero points) over the window, then
// store(c, acc, out) writes each channel.
func depthwiseRows[A int8 | uint8 | int16, F int8 | uint8, S int32 | int64](k *depthwiseConv2D, r0, r1 int, in []A, filter []F,
	inZP, fZP S, acc []S, store func(outOff int, acc []S)) {
	w, mult := k.win, k.mult
	for r := r0; r < r1; r++ {
		b, oy := r/w.outH, r%w.outH
		for ox := 0; ox < w.outW; ox++ {
			clear(acc)
			k.depthwiseWindow(b, oy, ox, func(inOff, fOff int) {
				src, f := in[inOff:inOff+w.inC], filter[fOff:fOff+k.outC]
				if mult == 1 {
					f, acc := f[:len(src)], acc[:len(src)]
					for c, v := range src {
						acc[c] += (S(f[c]) - fZP) * (S(v) - inZP)
					}
					return
				}
				for c, v := range src {
					x := S(v) - inZP
					for m := 0; m < mult; m++ {
						acc[c*mult+m] += (S(f[c*mult+m]) - fZP) * x
					}
				}
			})
			store(((b*w.outH+oy)*w.outW+ox)*k.outC, acc)
		}
	}
}

func (k *depthwiseConv2D) rowsI8(part, r0, r1 int) {
	q := &k.q
	if q.filter32 != nil {
		k.rowsIntLanes(part, r0, r1)
		return
	}
	acc := q.acc32[part]
	depthwiseRows(k, r0, r1, q.in8, q.filterI8, q.inZP, 0, acc, func(o int, acc []int32) {
		for c, v := range acc {
			q.out8[o+c] = int8(q.rq32.apply(v, c))
		}
	})
}

func (k *depthwiseConv2D) rowsU8(part, r0, r1 int) {
	q := &k.q
	if q.filter32 != nil {
		k.rowsIntLanes(part, r0, r1)
		return
	}
	acc := q.acc32[part]
	depthwiseRows(k, r0, r1, q.inU8, q.filterU8, q.inZP, q.fZP, acc, func(o int, acc []int32) {
		for c, v := range acc {
			q.outU8[o+c] = uint8(q.rq32.apply(v, c))
		}
	})
}

func (k *depthwiseConv2D) rowsI16(part, r0, r1 int) {
	q := &k.q
	acc := q.acc64[part]
	depthwiseRows(k, r0, r1, q.in16, q.filterI8, 0, 0, acc, func(o int, acc []int64) {
		for c, v := range acc {
			q.out16[o+c] = int16(q.rq64.apply(v, c))
		}
	})
}

// prepareHybrid: float input and output with int8 per-channel filters.
// TFLite quantizes each batch of the input asymmetrically and scales each
// channel's integer sum by the channel's filter scale times the batch's
// scaling factor.
func (k *depthwiseConv2D) prepareHybrid(n *Node, o *ir.DepthwiseConv2DOptions) error {
	in, filter := n.In[0], n.In[1]
	if err := requireType(n, "output", n.Out[0], ir.Float32); err != nil {
		return err
	}
	fScales, err := channelScales(n, filter, k.outC, 3)
	if err != nil {
		return err
	}
	q := &k.q
	if q.biasF32, err = floatBias(n, optionalInput(n, 2), k.outC); err != nil {
		return err
	}
	if q.lo, q.hi, err = floatRange(n, o.Activation); err != nil {
		return err
	}
	q.chanScale = fScales
	q.scalesFirst = n.Ctx != nil && n.Ctx.Kernels == ReferenceKernels
	k.allocAcc()
	q.filterI8 = append([]int8(nil), filter.Int8s()[:k.win.kh*k.win.kw*k.outC]...)
	q.quantIn = make([]int8, in.NumElements())
	q.inScale = make([]float32, k.win.batch)
	q.inOffset = make([]int32, k.win.batch)
	k.rows = (*depthwiseConv2D).rowsHybrid
	k.eval = func(n *Node) error {
		w := k.win
		in := n.In[0].Float32s()
		size := w.inH * w.inW * w.inC
		for b := 0; b < w.batch; b++ {
			q.inScale[b], q.inOffset[b] = AsymmetricQuantizeFloats(in[b*size:(b+1)*size], q.quantIn[b*size:(b+1)*size])
		}
		q.in8, q.outF32 = q.quantIn, n.Out[0].Float32s()
		k.run(n)
		q.outF32 = nil
		return nil
	}
	return nil
}

func (k *depthwiseConv2D) rowsHybrid(part, r0, r1 int) {
	q, w := &k.q, k.win
	acc := q.acc32[part]
	for r := r0; r < r1; r++ {
		b := r / w.outH
		depthwiseRows(k, r, r+1, q.in8, q.filterI8, q.inOffset[b], 0, acc, func(o int, acc []int32) {
			for c, v := range acc {
				x := float32(float32(v)*q.inScale[b]) * q.chanScale[c]
				if q.scalesFirst {
					x = float32(v) * float32(q.chanScale[c]*q.inScale[b])
				}
				if q.biasF32 != nil {
					x += q.biasF32[c]
				}
				q.outF32[o+c] = min(max(x, q.lo), q.hi)
			}
		})
	}
}

// allocAcc makes each thread's channel accumulators.
func (k *depthwiseConv2D) allocAcc() {
	q, parts := &k.q, threadsOf(k.ctx)
	q.acc32, q.acc64 = make([][]int32, parts), make([][]int64, parts)
	for i := range q.acc32 {
		q.acc32[i], q.acc64[i] = make([]int32, k.outC), make([]int64, k.outC)
	}
}
