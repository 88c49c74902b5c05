package kernels

import (
	"math"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR resize the H and W axes of an
// NHWC tensor, computing source coordinates exactly as TFLite's reference
// kernels do (align_corners, half_pixel_centers, float32 arithmetic). Nearest
// neighbour only moves elements, so it serves every dtype; bilinear computes in
// float32 for float32 and uint8 (adding 0.5 and truncating for uint8, in the
// order of TFLite's builtin or reference kernel as Context.Kernels says) and
// in TFLite's 10-bit fixed point for int8, int16 and uint16.

func init() {
	Register(ir.ResizeNearestNeighbor, func() Kernel { return &resizeKernel{} })
	Register(ir.ResizeBilinear, func() Kernel { return &resizeKernel{bilinear: true} })
}

type resizeKernel struct {
	bilinear         bool
	align, halfPixel bool
	size             paramCache
	plan             remap // nearest neighbour
	b, inH, inW, c   int
	outH, outW       int
	dtype            ir.DataType
	rounding         fixedpoint.Rounding
	kernels          KernelSet
	ys, xs           []interp // bilinear source coordinates per output row/column
	xnn              bool     // XNNPACK's bilinear arithmetic (resize_xnnpack.go)
}

// interp is one output coordinate's two source indices and its position
// between them: a float32 for the float path, 10-bit fixed point (pos10)
// for the integer path.
type interp struct {
	lo, hi int
	pos    float32
	pos10  int32
}

func (k *resizeKernel) Prepare(n *Node) error {
	if err := checkArity(n, 2, 2, 1); err != nil {
		return err
	}
	if k.bilinear {
		o, err := options[ir.ResizeBilinearOptions](n)
		if err != nil {
			return err
		}
		k.align, k.halfPixel = o.AlignCorners, o.HalfPixelCenters
		if k.align && k.halfPixel {
			return nodeErr(n, "align_corners and half_pixel_centers cannot both be set")
		}
	} else {
		o, err := options[ir.ResizeNearestNeighborOptions](n)
		if err != nil {
			return err
		}
		k.align, k.halfPixel = o.AlignCorners, o.HalfPixelCenters
	}
	in, size, out := n.In[0], n.In[1], n.Out[0]
	es, err := sameTypes(n, in, out)
	if err != nil {
		return err
	}
	if len(in.Shape) != 4 {
		return nodeErr(n, "input %q has shape %v, want 4-d NHWC", in.Name, in.Shape)
	}
	if size.Type != ir.Int32 || len(size.Shape) != 1 || size.Shape[0] != 2 {
		return nodeErr(n, "size %q is %v %v, want int32 [2]", size.Name, size.Type, size.Shape)
	}
	k.b, k.inH, k.inW, k.c = in.Shape[0], in.Shape[1], in.Shape[2], in.Shape[3]
	if len(out.Shape) != 4 || out.Shape[0] != k.b || out.Shape[3] != k.c {
		return nodeErr(n, "output %q has shape %v, want [%d h w %d]", out.Name, out.Shape, k.b, k.c)
	}
	k.outH, k.outW = out.Shape[1], out.Shape[2]
	if k.outH < 1 || k.outW < 1 {
		return nodeErr(n, "output %q size %dx%d is not positive", out.Name, k.outH, k.outW)
	}
	if k.inH < 1 || k.inW < 1 {
		return nodeErr(n, "input %q has an empty spatial size %dx%d", in.Name, k.inH, k.inW)
	}
	warnQuantMismatch(n, in, out)
	k.dtype = in.Type
	k.rounding, k.kernels = fixedpoint.DoubleRounding, BuiltinKernels
	if n.Ctx != nil {
		k.rounding, k.kernels = n.Ctx.Rounding, n.Ctx.Kernels
	}
	if !k.bilinear {
		k.prepareNearest(es)
	} else if err := k.prepareBilinear(n); err != nil {
		return err
	} else {
		k.prepareBilinearXNN(n)
	}
	k.size.reset(2)
	if size.Data != nil {
		return k.check(n)
	}
	return nil
}

// nearest is TFLite's GetNearestNeighbor.
func nearest(x, inSize, outSize int, align, halfPixel bool) int {
	var scale float32
	if align && outSize > 1 {
		scale = float32(inSize-1) / float32(outSize-1)
	} else {
		scale = float32(inSize) / float32(outSize)
	}
	var offset float32
	if halfPixel {
		offset = 0.5
	}
	v := (float32(x) + offset) * scale
	var i int
	if align {
		i = int(math.Round(float64(v)))
	} else {
		i = int(math.Floor(float64(v)))
	}
	i = min(i, inSize-1)
	if halfPixel {
		i = max(i, 0)
	}
	return i
}

func (k *resizeKernel) prepareNearest(es int) {
	k.plan.init(es, []int{k.b, k.outH, k.outW, k.c})
	sB, sH, sW := k.inH*k.inW*k.c, k.inW*k.c, k.c
	for o := range k.plan.off[0] {
		k.plan.off[0][o] = o * sB
	}
	for y := range k.plan.off[1] {
		k.plan.off[1][y] = nearest(y, k.inH, k.outH, k.align, k.halfPixel) * sH
	}
	for x := range k.plan.off[2] {
		k.plan.off[2][x] = nearest(x, k.inW, k.outW, k.align, k.halfPixel) * sW
	}
	for o := range k.plan.off[3] {
		k.plan.off[3][o] = o
	}
	k.plan.finish()
}

func (k *resizeKernel) prepareBilinear(n *Node) error {
	switch k.dtype {
	case ir.Float32, ir.Uint8:
		k.ys = floatInterps(k.inH, k.outH, k.align, k.halfPixel)
		k.xs = floatInterps(k.inW, k.outW, k.align, k.halfPixel)
	case ir.Int8, ir.Int16, ir.Uint16:
		k.ys = fixedInterps(k.inH, k.outH, k.align, k.halfPixel)
		k.xs = fixedInterps(k.inW, k.outW, k.align, k.halfPixel)
	default:
		return unsupported(n, k.dtype.String()+" tensors")
	}
	return nil
}

// floatInterps computes TFLite's float ComputeInterpolationValues for each
// output coordinate.
func floatInterps(inSize, outSize int, align, halfPixel bool) []interp {
	scale := float32(inSize) / float32(outSize)
	if align && outSize > 1 {
		scale = float32(inSize-1) / float32(outSize-1)
	}
	t := make([]interp, outSize)
	for i := range t {
		var v float32
		if halfPixel {
			v = float32((float32(i)+0.5)*scale) - 0.5
		} else {
			v = float32(i) * scale
		}
		t[i] = interp{
			lo:  max(int(math.Floor(float64(v))), 0),
			hi:  min(int(math.Ceil(float64(v))), inSize-1),
			pos: v,
		}
	}
	return t
}

// fixedInterps computes TFLite's ComputeInterpolationValuesInteger (10-bit
// fixed point, C division truncating toward zero) for each output coordinate.
func fixedInterps(inSize, outSize int, align, halfPixel bool) []interp {
	scale := int32(((1<<10)*inSize + outSize/2) / outSize)
	if align && outSize > 1 {
		scale = int32(((1<<10)*(inSize-1) + (outSize-1)/2) / (outSize - 1))
	}
	t := make([]interp, outSize)
	for i := range t {
		v := int32(i) * scale
		if halfPixel {
			v += scale/2 - (1 << 9)
		}
		t[i] = interp{
			lo:    int(max(v/(1<<10), 0)),
			hi:    int(min((v+(1<<10)-1)/(1<<10), int32(inSize-1))),
			pos10: v,
		}
	}
	return t
}

// check verifies the size input against the output shape (it may be computed
// at run time).
func (k *resizeKernel) check(n *Node) error {
	s, changed, err := k.size.changed(n, n.In[1])
	if err != nil || !changed {
		return err
	}
	if s[0] != k.outH || s[1] != k.outW {
		return nodeErr(n, "size %v does not match output %q shape %v", s, n.Out[0].Name, n.Out[0].Shape)
	}
	k.size.keep(s)
	return nil
}

func (k *resizeKernel) Eval(n *Node) error {
	if err := k.check(n); err != nil {
		return err
	}
	in, out := n.In[0], n.Out[0]
	if !k.bilinear {
		k.plan.run(out.Data, in.Data)
		return nil
	}
	if k.xnn {
		k.evalBilinearXNN(in, out)
		return nil
	}
	switch k.dtype {
	case ir.Float32:
		bilinearFloat(k, in.Float32s(), out.Float32s(), 0)
	case ir.Uint8:
		if k.kernels == ReferenceKernels {
			bilinearFloat(k, in.Data, out.Data, 0.5)
		} else {
			bilinearUint8Builtin(k, in.Data, out.Data)
		}
	case ir.Int8:
		bilinearFixed(k, in.Int8s(), out.Int8s())
	case ir.Int16:
		bilinearFixed(k, in.Int16s(), out.Int16s())
	case ir.Uint16:
		bilinearFixed(k, ir.AsUint16(in.Data), ir.AsUint16(out.Data))
	}
	return nil
}

// corners returns the offsets of the four input pixels around output pixel
// (y, x) of batch b: (y0,x0), (y0,x1), (y1,x0), (y1,x1).
func (k *resizeKernel) corners(b int, y, x interp) (p00, p01, p10, p11 int) {
	row := k.inW * k.c
	base := b * k.inH * row
	lo, hi := base+y.lo*row, base+y.hi*row
	return lo + x.lo*k.c, lo + x.hi*k.c, hi + x.lo*k.c, hi + x.hi*k.c
}

// bilinearFloat is TFLite's reference float ResizeBilinear. Each product is
// rounded to float32 before the next operation, as the C++ evaluates it, and
// the rounding offset (0.5 for integers, which then truncate) is added to
// float results too, as there (turning -0 into +0).
func bilinearFloat[T float32 | uint8](k *resizeKernel, src, dst []T, offset float32) {
	o := 0
	for b := 0; b < k.b; b++ {
		for _, y := range k.ys {
			dy := y.pos - float32(y.lo)
			for _, x := range k.xs {
				dx := x.pos - float32(x.lo)
				p00, p01, p10, p11 := k.corners(b, y, x)
				for c := 0; c < k.c; c++ {
					v00 := float32(float32(src[p00+c])*(1-dy)) * (1 - dx)
					v10 := float32(float32(src[p10+c])*dy) * (1 - dx)
					v01 := float32(float32(src[p01+c])*(1-dy)) * dx
					v11 := float32(float32(src[p11+c])*dy) * dx
					dst[o] = T(float32(float32(float32(float32(v00)+float32(v10))+float32(v01))+float32(v11)) + offset)
					o++
				}
			}
		}
	}
}

// bilinearUint8Builtin is the uint8 arithmetic of TFLite's builtin kernel
// (optimized ResizeBilinearGenericSmallChannel): the four corner weights are
// formed first, the weighted corners summed in the order (y0,x0), (y0,x1),
// (y1,x0), (y1,x1), then 0.5 added and the sum truncated. (Its special path
// for exact 8x upsampling with half_pixel_centers and depth a multiple of 8
// is not reproduced.)
func bilinearUint8Builtin(k *resizeKernel, src, dst []uint8) {
	o := 0
	for b := 0; b < k.b; b++ {
		for _, y := range k.ys {
			dy := y.pos - float32(y.lo)
			for _, x := range k.xs {
				dx := x.pos - float32(x.lo)
				w00, w01 := float32((1-dy)*(1-dx)), float32((1-dy)*dx)
				w10, w11 := float32(dy*(1-dx)), float32(dy*dx)
				p00, p01, p10, p11 := k.corners(b, y, x)
				for c := 0; c < k.c; c++ {
					v := float32(float32(src[p00+c]) * w00)
					v = float32(v + float32(float32(src[p01+c])*w01))
					v = float32(v + float32(float32(src[p10+c])*w10))
					v = float32(v + float32(float32(src[p11+c])*w11))
					dst[o] = uint8(v + 0.5)
					o++
				}
			}
		}
	}
}

// bilinearFixed is TFLite's ResizeBilinearInteger: weights in 10-bit fixed
// point, a 20-bit fixed-point sum rounded half away from zero (or, with
// single rounding, half up by an arithmetic shift).
func bilinearFixed[T int8 | int16 | uint16](k *resizeKernel, src, dst []T) {
	single := k.rounding == fixedpoint.SingleRounding
	o := 0
	for b := 0; b < k.b; b++ {
		for _, y := range k.ys {
			wy1 := int64(y.pos10 - (1<<10)*int32(y.lo))
			wy0 := (1 << 10) - wy1
			for _, x := range k.xs {
				wx1 := int64(x.pos10 - (1<<10)*int32(x.lo))
				wx0 := (1 << 10) - wx1
				p00, p01, p10, p11 := k.corners(b, y, x)
				for c := 0; c < k.c; c++ {
					sum := int64(src[p00+c])*wy0*wx0 + int64(src[p10+c])*wy1*wx0 +
						int64(src[p01+c])*wy0*wx1 + int64(src[p11+c])*wy1*wx1
					var v int64
					if single {
						v = (sum + 1<<19) >> 20
					} else if sum > 0 {
						v = (sum + 1<<19) / (1 << 20)
					} else {
						v = (sum - 1<<19) / (1 << 20)
					}
					dst[o] = T(v)
					o++
				}
			}
		}
	}
}
