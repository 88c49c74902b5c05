package dataset

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"strings"

	"golang.org/x/image/draw"

	"github.com/liteforge/liteforge/internal/half"
)

// Input describes the model input tensor an Encoder fills. It carries what
// dataset needs of an ir.Tensor, so that dataset imports nothing of
// liteforge.
type Input struct {
	// Shape is the tensor's shape, batch dimension included (it must be 1).
	Shape []int
	// DType is the element type: float32, float16, int8, uint8 or int16.
	DType string
	// Scale and ZeroPoint are the (per-tensor) quantization of an integer
	// input.
	Scale     float64
	ZeroPoint int64
}

// Preprocess is how examples become model inputs. The zero value suits a
// model trained on pixel/255 in NHWC order.
type Preprocess struct {
	// Resize picks the interpolation that brings images to the model's
	// height and width: "bilinear" (default), "nearest", "catmullrom",
	// "approx" (x/image/draw's ApproxBiLinear), or "none", which makes an
	// image of another size an error.
	Resize string
	// Color is "gray" to turn images gray (replicated to three channels for
	// an RGB model), "rgb", or "" to follow the model's channel count.
	Color string
	// Layout is the model input's layout for images: "NHWC" (as TFLite
	// models take them), "NCHW" (as models converted from PyTorch may), or
	// "" / "auto": NHWC unless only [1,C,H,W] with C of 1 or 3 fits (a
	// vector such as [1,1,1,N] is neither: it takes the pixels flattened).
	// Tensor data is used in its own order.
	Layout string
	// Scale multiplies every raw value first: pixels are 0..255, tensor
	// values are as stored. Zero means 1/255 for images and 1 for tensors.
	Scale float64
	// Mean and Std then normalize: x = (v*Scale - Mean[c]) / Std[c], with
	// one value for every channel or one per channel. Empty means 0 and 1.
	Mean, Std []float64
}

// Encoder turns examples into the bytes of one model input tensor:
// preprocessing them, then quantizing to an integer input's scale and zero
// point with TFLite's rounding (half away from zero, then clamped).
type Encoder struct {
	in         Input
	p          Preprocess
	layout     ImageLayout // of the model input, for images
	nchw       bool
	imageErr   error // why the input cannot take an image (nil if it can)
	flat       bool  // a vector input, which takes an image's pixels flattened
	elements   int
	elemSize   int
	interp     draw.Interpolator
	mean, std  []float64
	qlo, qhi   int64
	quantScale float32
}

// NewEncoder checks the preprocessing against the input and prepares the
// conversion.
func NewEncoder(in Input, p Preprocess) (*Encoder, error) {
	e := &Encoder{in: in, p: p}
	n, err := numElements(in.Shape)
	if err != nil {
		return nil, fmt.Errorf("model input: %w", err)
	}
	e.elements = n
	switch in.DType {
	case "float32", "float16":
	case "int8":
		e.qlo, e.qhi = math.MinInt8, math.MaxInt8
	case "uint8":
		e.qlo, e.qhi = 0, math.MaxUint8
	case "int16":
		e.qlo, e.qhi = math.MinInt16, math.MaxInt16
	default:
		return nil, fmt.Errorf("model input of type %s: data sets can feed float32, float16, int8, uint8 and int16 inputs", in.DType)
	}
	e.elemSize = ElementSize(in.DType)
	if e.qhi != 0 {
		if !(in.Scale > 0) || math.IsInf(in.Scale, 0) {
			return nil, fmt.Errorf("model input of type %s has quantization scale %v; a positive scale is needed to quantize the data", in.DType, in.Scale)
		}
		if in.ZeroPoint < e.qlo || in.ZeroPoint > e.qhi {
			return nil, fmt.Errorf("model input of type %s has zero point %d outside %d..%d", in.DType, in.ZeroPoint, e.qlo, e.qhi)
		}
		e.quantScale = float32(in.Scale)
	}
	switch strings.ToLower(p.Resize) {
	case "", "bilinear":
		e.interp = draw.BiLinear
	case "nearest":
		e.interp = draw.NearestNeighbor
	case "catmullrom":
		e.interp = draw.CatmullRom
	case "approx":
		e.interp = draw.ApproxBiLinear
	case "none":
	default:
		return nil, fmt.Errorf("unknown resize %q (want bilinear, nearest, catmullrom, approx or none)", p.Resize)
	}
	switch strings.ToLower(p.Color) {
	case "", "gray", "grey", "rgb":
	default:
		return nil, fmt.Errorf("unknown color %q (want gray or rgb)", p.Color)
	}
	switch strings.ToUpper(p.Layout) {
	case "", "AUTO":
		// A shape that cannot be NHWC but is a channels-first image (as
		// models converted from PyTorch take: [1,1,28,28]) is NCHW. A
		// vector ([1,1,1,784]) is not an image one pixel high: it takes
		// the pixels flattened, as [1,784] does.
		e.layout, e.imageErr = ImageLayoutOf(in.Shape)
		if e.imageErr != nil && len(in.Shape) == 4 && !isVector(in.Shape) {
			if l, err := nchwLayoutOf(in.Shape); err == nil {
				e.nchw, e.layout, e.imageErr = true, l, nil
			}
		}
	case "NHWC":
		e.layout, e.imageErr = ImageLayoutOf(in.Shape)
	case "NCHW":
		e.nchw = true
		e.layout, e.imageErr = nchwLayoutOf(in.Shape)
	default:
		return nil, fmt.Errorf("unknown layout %q (want auto, NHWC or NCHW)", p.Layout)
	}
	e.flat = e.imageErr != nil && !e.nchw && isVector(in.Shape)
	if e.imageErr == nil && strings.EqualFold(p.Color, "rgb") && e.layout.Channels != 3 {
		return nil, fmt.Errorf("color rgb: the model input %v has %d channel", in.Shape, e.layout.Channels)
	}
	channels := max(e.layout.Channels, 1)
	var err2 error
	if e.mean, err2 = perChannel("mean", p.Mean, 0, channels); err2 != nil {
		return nil, err2
	}
	if e.std, err2 = perChannel("std", p.Std, 1, channels); err2 != nil {
		return nil, err2
	}
	for _, s := range e.std {
		if s == 0 || math.IsNaN(s) {
			return nil, fmt.Errorf("std %v: must be nonzero", s)
		}
	}
	return e, nil
}

// isVector reports whether shape has at most one dimension above 1.
func isVector(shape []int) bool {
	long := 0
	for _, d := range shape {
		if d > 1 {
			long++
		}
	}
	return long <= 1
}

// perChannel expands a list of one value, or one per channel, to channels.
func perChannel(what string, v []float64, def float64, channels int) ([]float64, error) {
	out := make([]float64, channels)
	switch len(v) {
	case 0:
		for i := range out {
			out[i] = def
		}
	case 1:
		for i := range out {
			out[i] = v[0]
		}
	case channels:
		copy(out, v)
	default:
		return nil, fmt.Errorf("%s has %d values; the model input has %d channels (give 1 or %d)", what, len(v), channels, channels)
	}
	return out, nil
}

// nchwLayoutOf reads an image layout from [1,C,H,W] or [C,H,W].
func nchwLayoutOf(shape []int) (ImageLayout, error) {
	s := shape
	if len(s) == 4 {
		if s[0] != 1 {
			return ImageLayout{}, fmt.Errorf("shape %v cannot hold one NCHW image: batch must be 1", shape)
		}
		s = s[1:]
	}
	if len(s) != 3 || (s[0] != 1 && s[0] != 3) || s[1] <= 0 || s[2] <= 0 {
		return ImageLayout{}, fmt.Errorf("shape %v cannot hold one NCHW image: want [1,C,H,W] or [C,H,W] with C of 1 or 3", shape)
	}
	return ImageLayout{Height: s[1], Width: s[2], Channels: s[0]}, nil
}

// ByteSize is the size of the input tensor the encoder fills.
func (e *Encoder) ByteSize() int { return e.elements * e.elemSize }

// Encode writes example ex into dst, which must be ByteSize long.
func (e *Encoder) Encode(ex Example, dst []byte) error {
	if len(dst) != e.ByteSize() {
		return fmt.Errorf("encode: destination has %d bytes, the input needs %d", len(dst), e.ByteSize())
	}
	switch {
	case ex.Image != nil:
		return e.encodeImage(ex.Image, dst)
	case ex.Tensor != nil:
		return e.encodeTensor(ex.Tensor, dst)
	}
	return fmt.Errorf("encode: example holds neither an image nor a tensor")
}

func (e *Encoder) encodeImage(img image.Image, dst []byte) error {
	b := img.Bounds()
	if e.flat {
		return e.encodeFlatImage(img, dst)
	}
	if e.imageErr != nil {
		return fmt.Errorf("%w: image [%d %d %d] (height, width, channels) for input %v: %v", ErrShape, b.Dy(), b.Dx(), imageChannels(img), e.in.Shape, e.imageErr)
	}
	l := e.layout
	if b.Dy() != l.Height || b.Dx() != l.Width {
		if e.interp == nil {
			return fmt.Errorf("%w: image [%d %d %d] (height, width, channels) and input %v (%dx%d pixels) differ, and resizing is off", ErrShape, b.Dy(), b.Dx(), imageChannels(img), e.in.Shape, l.Height, l.Width)
		}
		img = e.resize(img)
	}
	gray := l.Channels == 1 || strings.EqualFold(e.p.Color, "gray") || strings.EqualFold(e.p.Color, "grey")
	px := interleavedPixels(img, gray, l.Channels)
	hw := l.Height * l.Width
	for i, v := range px {
		c := i % l.Channels
		x := e.normalize(float64(v), true, c)
		at := i
		if e.nchw {
			at = c*hw + i/l.Channels
		}
		e.put(dst, at, x)
	}
	return nil
}

// encodeFlatImage feeds a vector input the image's pixels in HWC order, as
// a multilayer perceptron on MNIST takes them ([1,784] from 28x28). A vector
// has no height and width to resize to, so the image must hold exactly as
// many values: gray when its pixel count is the input's size, RGB when three
// times it, or as --color says.
func (e *Encoder) encodeFlatImage(img image.Image, dst []byte) error {
	b := img.Bounds()
	hw := b.Dx() * b.Dy()
	channels := 0
	switch {
	case strings.EqualFold(e.p.Color, "gray") || strings.EqualFold(e.p.Color, "grey"):
		channels = 1
	case strings.EqualFold(e.p.Color, "rgb"):
		channels = 3
	case hw == e.elements:
		channels = 1
	case 3*hw == e.elements:
		channels = 3
	}
	if channels == 0 || channels*hw != e.elements {
		return fmt.Errorf("%w: image [%d %d %d] (height, width, channels) does not flatten into the vector input %v of %d values (a vector cannot be resized to)",
			ErrShape, b.Dy(), b.Dx(), imageChannels(img), e.in.Shape, e.elements)
	}
	for i, v := range interleavedPixels(img, channels == 1, channels) {
		e.put(dst, i, e.normalize(float64(v), true, 0))
	}
	return nil
}

// interleavedPixels returns img's pixels as bytes, HWC order: the gray level
// repeated channels times when gray is set, else R, G and B.
func interleavedPixels(img image.Image, gray bool, channels int) []byte {
	b := img.Bounds()
	px := make([]byte, 0, b.Dx()*b.Dy()*channels)
	if g, ok := img.(*image.Gray); ok && gray {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := g.Pix[g.PixOffset(b.Min.X, y):]
			for x := range b.Dx() {
				for range channels {
					px = append(px, row[x])
				}
			}
		}
		return px
	}
	if n, ok := img.(*image.NRGBA); ok && !gray {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := n.Pix[n.PixOffset(b.Min.X, y):]
			for x := range b.Dx() {
				px = append(px, row[4*x], row[4*x+1], row[4*x+2])
			}
		}
		return px
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.At(x, y)
			if gray {
				v := color.GrayModel.Convert(c).(color.Gray).Y
				for range channels {
					px = append(px, v)
				}
				continue
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			px = append(px, n.R, n.G, n.B)
		}
	}
	return px
}

// resize scales img to the input's height and width.
func (e *Encoder) resize(img image.Image) image.Image {
	r := image.Rect(0, 0, e.layout.Width, e.layout.Height)
	var dst draw.Image
	if _, ok := img.(*image.Gray); ok {
		dst = image.NewGray(r)
	} else {
		dst = image.NewNRGBA(r)
	}
	e.interp.Scale(dst, r, img, img.Bounds(), draw.Src, nil)
	return dst
}

func (e *Encoder) encodeTensor(a *Array, dst []byte) error {
	n := len(a.Data) / max(ElementSize(a.DType), 1)
	if a.Shape != nil && !sameLayoutShapes(a.Shape, e.in.Shape) || a.Shape == nil && n != e.elements {
		shape := fmt.Sprint(a.Shape)
		if a.Shape == nil {
			shape = fmt.Sprintf("of %d elements", n)
		}
		return fmt.Errorf("%w: sample %s %s and input %s %v differ", ErrShape, a.DType, shape, e.in.DType, e.in.Shape)
	}
	get, err := elementReader(a.DType)
	if err != nil {
		return err
	}
	channels := len(e.mean)
	for i := range e.elements {
		e.put(dst, i, e.normalize(get(a.Data, i), false, i%channels))
	}
	return nil
}

// normalize applies scale, mean and std to one raw value of channel c.
func (e *Encoder) normalize(v float64, pixel bool, c int) float32 {
	var x float64
	switch {
	case e.p.Scale != 0:
		x = v * e.p.Scale
	case pixel:
		// Divide (not multiply by 1/255) so that the default gives exactly
		// the float32 pixel/255 that models are trained on.
		x = v / 255
	default:
		x = v
	}
	return float32((x - e.mean[c]) / e.std[c])
}

// put stores value x as element i of dst in the input's type.
func (e *Encoder) put(dst []byte, i int, x float32) {
	switch e.in.DType {
	case "float32":
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(x))
	case "float16":
		binary.LittleEndian.PutUint16(dst[2*i:], half.Float32ToFloat16(x))
	case "int16":
		binary.LittleEndian.PutUint16(dst[2*i:], uint16(e.quantize(x)))
	default: // int8, uint8
		dst[i] = byte(e.quantize(x))
	}
}

// quantize is TFLite's affine quantization of one value: the quotient in
// float32 (as TFLite divides), rounded half away from zero, plus the zero
// point, clamped to the type's range.
func (e *Encoder) quantize(x float32) int64 {
	return QuantizeValue(x, e.quantScale, e.in.ZeroPoint, e.qlo, e.qhi)
}

// QuantizeValue quantizes x to scale and zeroPoint within lo..hi as TFLite
// does: round(x/scale) + zeroPoint with the quotient in float32 and ties
// rounded away from zero, then clamped. NaN becomes the zero point.
func QuantizeValue(x, scale float32, zeroPoint, lo, hi int64) int64 {
	r := math.Round(float64(x / scale))
	switch {
	case math.IsNaN(r):
		r = 0
	case r > float64(hi-zeroPoint):
		return hi
	case r < float64(lo-zeroPoint):
		return lo
	}
	return min(max(int64(r)+zeroPoint, lo), hi)
}

// elementReader returns how to read element i of a little-endian array of
// dtype as a float64.
func elementReader(dtype string) (func(b []byte, i int) float64, error) {
	le := binary.LittleEndian
	switch dtype {
	case "uint8":
		return func(b []byte, i int) float64 { return float64(b[i]) }, nil
	case "int8":
		return func(b []byte, i int) float64 { return float64(int8(b[i])) }, nil
	case "int16":
		return func(b []byte, i int) float64 { return float64(int16(le.Uint16(b[2*i:]))) }, nil
	case "uint16":
		return func(b []byte, i int) float64 { return float64(le.Uint16(b[2*i:])) }, nil
	case "int32":
		return func(b []byte, i int) float64 { return float64(int32(le.Uint32(b[4*i:]))) }, nil
	case "uint32":
		return func(b []byte, i int) float64 { return float64(le.Uint32(b[4*i:])) }, nil
	case "int64":
		return func(b []byte, i int) float64 { return float64(int64(le.Uint64(b[8*i:]))) }, nil
	case "float16":
		return func(b []byte, i int) float64 { return float64(half.Float16ToFloat32(le.Uint16(b[2*i:]))) }, nil
	case "float32":
		return func(b []byte, i int) float64 { return float64(math.Float32frombits(le.Uint32(b[4*i:]))) }, nil
	case "float64":
		return func(b []byte, i int) float64 { return math.Float64frombits(le.Uint64(b[8*i:])) }, nil
	}
	return nil, fmt.Errorf("samples of type %s cannot feed a model", dtype)
}

// sameLayoutShapes reports whether two shapes order the same elements the
// same way: equal once dimensions of size 1 are dropped (a sample [28,28]
// fits an input [1,28,28] or [1,28,28,1]).
func sameLayoutShapes(a, b []int) bool {
	drop := func(s []int) []int {
		return slices.DeleteFunc(slices.Clone(s), func(d int) bool { return d == 1 })
	}
	return slices.Equal(drop(a), drop(b))
}
