package kernels

import (
	"testing"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// Cases of TFLite's resize_nearest_neighbor_test.cc.
func TestResizeNearestNeighborTFLiteCases(t *testing.T) {
	in := mvF32([]int{2, 2, 2, 1}, 3, 6, 9, 12, 4, 10, 10, 16)
	size := mvI32([]int{2}, 3, 3)
	cases := []struct {
		name string
		opts *ir.ResizeNearestNeighborOptions
		want []float32
	}{
		{"plain", nil, []float32{3, 3, 6, 3, 3, 6, 9, 9, 12, 4, 4, 10, 4, 4, 10, 10, 10, 16}},
		{"align corners", &ir.ResizeNearestNeighborOptions{AlignCorners: true}, []float32{3, 6, 6, 9, 12, 12, 9, 12, 12, 4, 10, 10, 10, 16, 16, 10, 16, 16}},
		{"half pixel centers", &ir.ResizeNearestNeighborOptions{HalfPixelCenters: true}, []float32{3, 6, 6, 9, 12, 12, 9, 12, 12, 4, 10, 10, 10, 16, 16, 10, 16, 16}},
	}
	for _, c := range cases {
		out := mvOut(ir.Float32, []int{2, 3, 3, 1})
		mvMustRun(t, ir.ResizeNearestNeighbor, c.opts, []*ir.Tensor{in, size}, out)
		mvEqualF32(t, c.name, out.Float32s(), c.want...)
	}
	// ThreeDimensionalResizeInt8: two channels move together.
	o8 := mvOut(ir.Int8, []int{1, 3, 3, 2})
	mvMustRun(t, ir.ResizeNearestNeighbor, nil, []*ir.Tensor{mvI8([]int{1, 2, 2, 2}, 3, 4, -6, 10, 10, 12, -14, 16), size}, o8)
	mvEqual(t, "int8", o8.Int8s(), 3, 4, 3, 4, -6, 10, 3, 4, 3, 4, -6, 10, 10, 12, 10, 12, -14, 16)
	// ThreeDimensionalResizeUInt8_HalfPixelCenters.
	u8 := mvOut(ir.Uint8, []int{1, 3, 3, 2})
	mvMustRun(t, ir.ResizeNearestNeighbor, &ir.ResizeNearestNeighborOptions{HalfPixelCenters: true}, []*ir.Tensor{mvU8([]int{1, 2, 2, 2}, 3, 4, 6, 10, 10, 12, 14, 16), size}, u8)
	mvEqual(t, "uint8 half pixel", u8.Data, 3, 4, 6, 10, 6, 10, 10, 12, 14, 16, 14, 16, 10, 12, 14, 16, 14, 16)
}

// The float case of TFLite's internal resize_bilinear_test.cc: 2x2 to 4x4.
func TestResizeBilinearFloatTFLiteCase(t *testing.T) {
	in := mvF32([]int{1, 2, 2, 1}, 1, 2, 3, 4)
	size := mvI32([]int{2}, 4, 4)
	out := mvOut(ir.Float32, []int{1, 4, 4, 1})
	mvMustRun(t, ir.ResizeBilinear, nil, []*ir.Tensor{in, size}, out)
	mvEqualF32(t, "plain", out.Float32s(), 1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4)
	mvMustRun(t, ir.ResizeBilinear, &ir.ResizeBilinearOptions{HalfPixelCenters: true}, []*ir.Tensor{in, size}, out)
	mvEqualF32(t, "half pixel centers", out.Float32s(), 1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4)

	// align_corners, worked by hand: 2 to 3 samples at 0, 0.5 and 1.
	o3 := mvOut(ir.Float32, []int{1, 3, 3, 1})
	mvMustRun(t, ir.ResizeBilinear, &ir.ResizeBilinearOptions{AlignCorners: true}, []*ir.Tensor{in, mvI32([]int{2}, 3, 3)}, o3)
	mvEqualF32(t, "align corners", o3.Float32s(), 1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4)

	if err := mvRun(t, ir.ResizeBilinear, &ir.ResizeBilinearOptions{AlignCorners: true, HalfPixelCenters: true}, []*ir.Tensor{in, size}, mvOut(ir.Float32, []int{1, 4, 4, 1})); err == nil {
		t.Error("align_corners with half_pixel_centers accepted")
	}
}

// TFLite's ResizeBilinearInteger goldens (internal/resize_bilinear_test.cc,
// 2x2 to 4x6), for int8 and int16, with the default double rounding.
func TestResizeBilinearIntegerTFLiteCase(t *testing.T) {
	size := mvI32([]int{2}, 4, 6)
	plain := []int16{127, 42, -43, -128, -128, -128, 96, 42, -11, -64, -64, -64, 64, 43, 21, 0, 0, 0, 64, 43, 21, 0, 0, 0}
	half := []int16{127, 127, 42, -43, -128, -128, 111, 111, 42, -27, -96, -96, 80, 80, 43, 5, -32, -32, 64, 64, 43, 21, 0, 0}
	for _, c := range []struct {
		opts *ir.ResizeBilinearOptions
		want []int16
	}{{nil, plain}, {&ir.ResizeBilinearOptions{HalfPixelCenters: true}, half}} {
		o8 := mvOut(ir.Int8, []int{1, 4, 6, 1})
		mvMustRun(t, ir.ResizeBilinear, c.opts, []*ir.Tensor{mvI8([]int{1, 2, 2, 1}, 127, -128, 64, 0), size}, o8)
		for i, v := range o8.Int8s() {
			if int16(v) != c.want[i] {
				t.Fatalf("int8 %+v: got %v, want %v", c.opts, o8.Int8s(), c.want)
			}
		}
		o16 := mvOut(ir.Int16, []int{1, 4, 6, 1})
		mvMustRun(t, ir.ResizeBilinear, c.opts, []*ir.Tensor{mvI16([]int{1, 2, 2, 1}, 127, -128, 64, 0), size}, o16)
		mvEqual(t, "int16", o16.Int16s(), c.want...)
	}
}

// Rounding of the 20-bit fixed-point sum: 2 samples between -1 and 0 (int8)
// land exactly on -0.5; double rounding gives -1 (away from zero), single
// rounding (an arithmetic shift after adding half) gives 0.
func TestResizeBilinearIntegerRounding(t *testing.T) {
	in := mvI8([]int{1, 1, 2, 1}, -1, 0)
	size := mvI32([]int{2}, 1, 4)
	// Width 2 to 4: scale10 = 512, x = 0, 512, 1024, 1536 → weights at
	// x=1: half of -1 and half of 0 = -0.5.
	for _, c := range []struct {
		r    fixedpoint.Rounding
		want []int8
	}{{fixedpoint.DoubleRounding, []int8{-1, -1, 0, 0}}, {fixedpoint.SingleRounding, []int8{-1, 0, 0, 0}}} {
		out := mvOut(ir.Int8, []int{1, 1, 4, 1})
		n := mvNode(ir.ResizeBilinear, nil, []*ir.Tensor{in, size}, out)
		n.Ctx.Rounding = c.r
		k, err := mvPrepare(t, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Eval(n); err != nil {
			t.Fatal(err)
		}
		mvEqual(t, c.r.String(), out.Int8s(), c.want...)
	}
}

// uint8 takes TFLite's reference float path, adding 0.5 and truncating:
// 0 and 255 resized from 2 to 3 columns give 0, 170 (255·2/3 = 170.0) and
// 255; from 2 to 4, 127.5+0.5 truncates to 128.
func TestResizeBilinearUint8(t *testing.T) {
	in := mvU8([]int{1, 1, 2, 1}, 0, 255)
	o3 := mvOut(ir.Uint8, []int{1, 1, 3, 1})
	mvMustRun(t, ir.ResizeBilinear, nil, []*ir.Tensor{in, mvI32([]int{2}, 1, 3)}, o3)
	mvEqual(t, "2 to 3", o3.Data, 0, 170, 255)
	o4 := mvOut(ir.Uint8, []int{1, 1, 4, 1})
	mvMustRun(t, ir.ResizeBilinear, nil, []*ir.Tensor{in, mvI32([]int{2}, 1, 4)}, o4)
	mvEqual(t, "2 to 4", o4.Data, 0, 128, 255, 255)
}
