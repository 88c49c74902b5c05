package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// eachDepthwise runs f once per set of depthwise kernels of this target.
func eachDepthwise(t *testing.T, f func(t *testing.T)) { eachKernelSet(t, &useDepthwiseAsm, f) }

// eachKernelSet runs f once per kernel set of this target (assembly, then
// pure Go), with *useAsm set to select it.
func eachKernelSet(t *testing.T, useAsm *bool, f func(t *testing.T)) {
	for _, k := range availableDepthwise() {
		t.Run(k.name, func(t *testing.T) {
			saved := *useAsm
			*useAsm = k.asm
			defer func() { *useAsm = saved }()
			f(t)
		})
	}
}

func TestDepthwiseF32MatchesDefinition(t *testing.T) {
	eachDepthwise(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, channels := range []int{1, 3, 8, 16, 24, 32, 33, 40, 64, 96, 144} {
			for trial := 0; trial < 6; trial++ {
				w, inLen, filterLen := randWindow(r, channels)
				w.Min, w.Max = -0.75, 1.5
				if trial == 0 {
					w.Min, w.Max = float32(math.Inf(-1)), float32(math.Inf(1))
				}
				in, filter := randF32(r, inLen), randF32(r, filterLen)
				bias := randF32(r, channels)
				out := make([]float32, w.OutOffset+w.Pixels*channels+5)
				for i := range out {
					out[i] = 99
				}
				if err := DepthwiseF32(&w, in, filter, bias, out); err != nil {
					t.Fatal(err)
				}
				for p := 0; p < w.Pixels; p++ {
					for c := 0; c < channels; c++ {
						want := float64(bias[c])
						for y := 0; y < w.Rows; y++ {
							for x := 0; x < w.Cols; x++ {
								want += float64(in[w.InOffset+p*w.InPixelStride+y*w.InRowStride+x*w.InColStride+c]) *
									float64(filter[w.FilterOffset+y*w.FilterRowStride+x*channels+c])
							}
						}
						want = min(max(want, float64(w.Min)), float64(w.Max))
						got := out[w.OutOffset+p*channels+c]
						if !closeTo(got, want, w.Rows*w.Cols+1) {
							t.Fatalf("%+v: pixel %d channel %d = %v, want %v", w, p, c, got, want)
						}
					}
				}
				for i, v := range out {
					if (i < w.OutOffset || i >= w.OutOffset+w.Pixels*channels) && v != 99 {
						t.Fatalf("%+v: element %d outside the output was written", w, i)
					}
				}
			}
		}
	})
}

// randWindow draws a window over an input of the given channels: a dilated,
// strided run of pixels along an input row, possibly with no taps.
func randWindow(r *rand.Rand, channels int) (w DepthwiseWindow, inLen, filterLen int) {
	w = DepthwiseWindow{Channels: channels, Rows: r.IntN(4), Cols: r.IntN(4), Pixels: 1 + r.IntN(5)}
	kw := max(w.Cols+r.IntN(2), 1)
	dil, stride := 1+r.IntN(2), 1+r.IntN(2)
	width := (w.Pixels-1)*stride + (kw-1)*dil + 1 + r.IntN(3)
	w.InColStride, w.InPixelStride = dil*channels, stride*channels
	w.InRowStride = width * channels * (1 + r.IntN(2))
	w.FilterRowStride = kw * channels
	w.InOffset, w.FilterOffset, w.OutOffset = r.IntN(3)*channels, r.IntN(2)*channels, r.IntN(4)
	return w, w.InOffset + max(w.Rows, 1)*w.InRowStride + width*channels, w.FilterOffset + max(w.Rows, 1)*w.FilterRowStride + channels
}

func TestDepthwiseIntMatchesDefinition(t *testing.T) {
	eachDepthwise(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		for _, channels := range []int{1, 5, 8, 16, 24, 32, 40, 45, 64, 96} {
			for trial := 0; trial < 8; trial++ {
				w, inLen, filterLen := randWindow(r, channels)
				filter := make([]int32, filterLen)
				for i := range filter {
					filter[i] = int32(r.IntN(511) - 255) // int8 or uint8 weights less their zero point
					if trial == 7 {
						// Products and sums that wrap around int32 must
						// wrap the same way in every kernel.
						filter[i] = interestingInt32(r)
					}
				}
				acc := make([]int32, w.OutOffset+w.Pixels*channels+3)
				for i := range acc {
					acc[i] = 99
				}
				signed := trial%2 == 0
				zp := int32(r.IntN(256))
				in8, inU8 := make([]int8, inLen), make([]uint8, inLen)
				in := make([]int32, inLen)
				for i := range in {
					inU8[i] = uint8(r.Uint32())
					in8[i] = int8(inU8[i])
					in[i] = int32(inU8[i])
					if signed {
						in[i] = int32(in8[i])
					}
				}
				var err error
				if signed {
					zp -= 128
					err = DepthwiseInt(&w, in8, filter, zp, acc)
				} else {
					err = DepthwiseInt(&w, inU8, filter, zp, acc)
				}
				if err != nil {
					t.Fatal(err)
				}
				for p := 0; p < w.Pixels; p++ {
					for c := 0; c < channels; c++ {
						var want int32
						for y := 0; y < w.Rows; y++ {
							for x := 0; x < w.Cols; x++ {
								want += filter[w.FilterOffset+y*w.FilterRowStride+x*channels+c] *
									(in[w.InOffset+p*w.InPixelStride+y*w.InRowStride+x*w.InColStride+c] - zp)
							}
						}
						if got := acc[w.OutOffset+p*channels+c]; got != want {
							t.Fatalf("%+v signed %v: pixel %d channel %d = %d, want %d", w, signed, p, c, got, want)
						}
					}
				}
				for i, v := range acc {
					if (i < w.OutOffset || i >= w.OutOffset+w.Pixels*channels) && v != 99 {
						t.Fatalf("%+v: element %d outside the sums was written", w, i)
					}
				}
			}
		}
	})
}

func TestDepthwiseF32PropagatesNaN(t *testing.T) {
	eachDepthwise(t, func(t *testing.T) {
		in := make([]float32, 16)
		in[3] = float32(math.NaN())
		out := make([]float32, 16)
		w := DepthwiseWindow{Channels: 16, Rows: 1, Cols: 1, Pixels: 1, Min: 0, Max: 6}
		if err := DepthwiseF32(&w, in, make([]float32, 16), make([]float32, 16), out); err != nil {
			t.Fatal(err)
		}
		if !math.IsNaN(float64(out[3])) || out[2] != 0 {
			t.Errorf("got %v, want NaN in channel 3 and 0 elsewhere (a clamp must not hide a NaN)", out[:4])
		}
	})
}

func TestDepthwiseF32Errors(t *testing.T) {
	ok := DepthwiseWindow{Channels: 8, Rows: 3, Cols: 3, InRowStride: 24, InColStride: 8, FilterRowStride: 24,
		Pixels: 1, InPixelStride: 8, Max: 1}
	buf := make([]float32, 72)
	if err := DepthwiseF32(&ok, buf, buf, buf, buf); err != nil {
		t.Fatalf("a window that fits: %v", err)
	}
	for name, w := range map[string]DepthwiseWindow{
		"no channels":       {Rows: 1, Cols: 1, Pixels: 1},
		"input too small":   {Channels: 8, Rows: 3, Cols: 3, InRowStride: 32, InColStride: 8, FilterRowStride: 24, Pixels: 1},
		"filter too small":  {Channels: 8, Rows: 3, Cols: 3, InRowStride: 24, InColStride: 8, FilterRowStride: 32, Pixels: 1},
		"output too small":  {Channels: 8, Rows: 1, Cols: 1, Pixels: 10, InPixelStride: 1},
		"negative stride":   {Channels: 8, Rows: 2, Cols: 1, InRowStride: -8, Pixels: 1},
		"negative offset":   {Channels: 8, Rows: 1, Cols: 1, Pixels: 1, OutOffset: -1},
		"bias too small":    {Channels: 80, Rows: 0, Cols: 0, Pixels: 1},
		"no output pixels":  {Channels: 8, Rows: 1, Cols: 1},
		"input past offset": {Channels: 8, Rows: 1, Cols: 1, Pixels: 1, InOffset: 70},
	} {
		if err := DepthwiseF32(&w, buf, buf, buf[:72], buf); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDepthwiseF32DoesNotAllocate(t *testing.T) {
	w := DepthwiseWindow{Channels: 32, Rows: 3, Cols: 3, InRowStride: 96, InColStride: 32, FilterRowStride: 96,
		Pixels: 1, InPixelStride: 32, Max: 1}
	buf := make([]float32, 288)
	call := func(w DepthwiseWindow) { _ = DepthwiseF32(&w, buf, buf, buf, buf) }
	if n := testing.AllocsPerRun(10, func() { call(w) }); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}
