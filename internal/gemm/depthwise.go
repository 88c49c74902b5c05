package gemm

import (
	"fmt"
	"unsafe"
)

// The depthwise convolution's micro-kernels. A depthwise convolution with
// depth multiplier 1 is, per output pixel, a short dot product per channel
// over the filter window: no multiply to pack, so the kernels run straight
// over the NHWC image, a run of output pixels of one row per call, with the
// channels in vector lanes.

// DepthwiseWindow is the part of a depthwise convolution one call computes:
// Pixels output pixels of one output row, each summing over Rows by Cols
// filter taps (the in-bounds part of its window; padded taps are skipped).
// All strides count elements.
type DepthwiseWindow struct {
	// Channels of the input, the filter and the output (multiplier 1).
	Channels int
	// Rows and Cols are the taps summed: tap (r, q) reads the input at
	// r*InRowStride + q*InColStride and the filter at r*FilterRowStride +
	// q*Channels, from the first tap's element.
	Rows, Cols               int
	InRowStride, InColStride int
	FilterRowStride          int
	Pixels, InPixelStride    int // output pixel p reads the input from p*InPixelStride; it writes out[p*Channels:]
	Min, Max                 float32
	InOffset, FilterOffset   int // where the first tap of the first pixel is in In and in Filter
	OutOffset                int
}

// check returns an error when the window reaches past in, filter, bias or
// out, so the kernels (assembly among them) can trust it.
func (w *DepthwiseWindow) check(in, filter, bias, out int) error {
	if w.Channels <= 0 || w.Pixels <= 0 || w.Rows < 0 || w.Cols < 0 {
		return fmt.Errorf("gemm: depthwise window %+v has a non-positive size", *w)
	}
	if w.InRowStride < 0 || w.InColStride < 0 || w.FilterRowStride < 0 || w.InPixelStride < 0 ||
		w.InOffset < 0 || w.FilterOffset < 0 || w.OutOffset < 0 {
		return fmt.Errorf("gemm: depthwise window %+v has a negative stride or offset", *w)
	}
	lastIn, lastF := w.InOffset+(w.Pixels-1)*w.InPixelStride+w.Channels-1, w.FilterOffset+w.Channels-1
	if w.Rows > 0 && w.Cols > 0 {
		lastIn += (w.Rows-1)*w.InRowStride + (w.Cols-1)*w.InColStride
		lastF += (w.Rows-1)*w.FilterRowStride + (w.Cols-1)*w.Channels
	}
	switch {
	case lastIn >= in:
		return fmt.Errorf("gemm: depthwise window reads input element %d of %d", lastIn, in)
	case lastF >= filter:
		return fmt.Errorf("gemm: depthwise window reads filter element %d of %d", lastF, filter)
	case w.Channels > bias:
		return fmt.Errorf("gemm: depthwise bias has %d elements for %d channels", bias, w.Channels)
	case w.OutOffset+w.Pixels*w.Channels > out:
		return fmt.Errorf("gemm: depthwise output of %d elements is too small for %d pixels of %d channels", out, w.Pixels, w.Channels)
	}
	return nil
}

// useDepthwiseAsm selects the assembly depthwise kernels (dwF32Lanes), where
// the target has them. It is a flag, not a func value, so that the window
// passed by pointer stays on the caller's stack.
var useDepthwiseAsm = false

// DepthwiseF32 computes out = clamp(bias + sum over the window's taps of
// in*filter, Min, Max) for every pixel and channel of w.
func DepthwiseF32(w *DepthwiseWindow, in, filter, bias, out []float32) error {
	if err := w.check(len(in), len(filter), len(bias), len(out)); err != nil {
		return err
	}
	c0 := 0
	if useDepthwiseAsm {
		c0 = dwF32Lanes(w, in, filter, bias, out)
	}
	if c0 < w.Channels {
		dwF32Go(w, in, filter, bias, out, c0)
	}
	return nil
}

// dwF32Go is the pure-Go kernel over channels [c0, Channels): the fallback
// and the reference for the assembly kernel. Each product is rounded to
// float32 before it is added (see goF32).
func dwF32Go(w *DepthwiseWindow, in, filter, bias, out []float32, c0 int) {
	C := w.Channels
	for p := 0; p < w.Pixels; p++ {
		acc := out[w.OutOffset+p*C+c0 : w.OutOffset+(p+1)*C]
		copy(acc, bias[c0:C])
		for r := 0; r < w.Rows; r++ {
			for q := 0; q < w.Cols; q++ {
				src := in[w.InOffset+p*w.InPixelStride+r*w.InRowStride+q*w.InColStride+c0:][:len(acc)]
				f := filter[w.FilterOffset+r*w.FilterRowStride+q*C+c0:][:len(acc)]
				for c, v := range src {
					acc[c] += float32(v * f[c])
				}
			}
		}
		for c, v := range acc {
			acc[c] = min(max(v, w.Min), w.Max)
		}
	}
}

// DepthwiseInt computes, in int32 like TFLite's integer kernels, acc =
// sum over the window's taps of filter*(in - zeroPoint) for every pixel and
// channel of w (acc takes the place of the output; Min and Max are not
// used). The filter is widened to int32 beforehand, its own zero point
// already subtracted.
func DepthwiseInt[T int8 | uint8](w *DepthwiseWindow, in []T, filter []int32, zeroPoint int32, acc []int32) error {
	if err := w.check(len(in), len(filter), w.Channels, len(acc)); err != nil {
		return err
	}
	c0 := 0
	if useDepthwiseAsm {
		var zero T
		_, signed := any(zero).(int8)
		c0 = dwIntLanes(w, unsafe.Pointer(unsafe.SliceData(in)), signed, filter, zeroPoint, acc)
	}
	if c0 < w.Channels {
		dwIntGo(w, in, filter, zeroPoint, acc, c0)
	}
	return nil
}

// dwIntGo is the pure-Go integer kernel over channels [c0, Channels).
func dwIntGo[T int8 | uint8](w *DepthwiseWindow, in []T, filter []int32, zeroPoint int32, acc []int32, c0 int) {
	C := w.Channels
	for p := 0; p < w.Pixels; p++ {
		sum := acc[w.OutOffset+p*C+c0 : w.OutOffset+(p+1)*C]
		clear(sum)
		for r := 0; r < w.Rows; r++ {
			for q := 0; q < w.Cols; q++ {
				src := in[w.InOffset+p*w.InPixelStride+r*w.InRowStride+q*w.InColStride+c0:][:len(sum)]
				f := filter[w.FilterOffset+r*w.FilterRowStride+q*C+c0:][:len(sum)]
				for c, v := range src {
					sum[c] += f[c] * (int32(v) - zeroPoint)
				}
			}
		}
	}
}
