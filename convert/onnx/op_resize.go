package onnx

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/liteforge/liteforge/ir"
)

// Resize and Upsample become RESIZE_NEAREST_NEIGHBOR or RESIZE_BILINEAR on
// the spatial dimensions of a 4-D value when one of TFLite's three
// coordinate conventions (asymmetric, half-pixel centres, aligned corners)
// samples exactly the input positions ONNX's mode samples for these sizes,
// checked at every output coordinate. Any other resize (cubic, other
// coordinate modes or rounding, other axes) is computed exactly as a
// separable filter: per resized axis, a GATHER of each tap's input rows
// weighted by constants.

func init() {
	register(handler{conv: convResize, check: checkResize}, "Resize", "Upsample")
}

func checkResize(n *node) string {
	mode := strings.ToLower(n.str("mode", "nearest"))
	switch mode {
	case "nearest", "linear", "bilinear", "cubic":
	default:
		return fmt.Sprintf("mode=%q", mode)
	}
	if n.int("antialias", 0) != 0 {
		return "antialias=1"
	}
	if p := n.str("keep_aspect_ratio_policy", "stretch"); p != "stretch" {
		return fmt.Sprintf("keep_aspect_ratio_policy=%q", p)
	}
	return ""
}

// resizeSpec is what ONNX asks for along one axis.
type resizeSpec struct {
	in, out    int
	scale      float64 // ONNX's scale (out/in when sizes were given)
	start, end float64 // the region of interest, for tf_crop_and_resize
}

// identity reports whether the resize leaves the axis as it is.
func (s resizeSpec) identity(coord string) bool {
	return s.in == s.out && s.scale == 1 && (coord != "tf_crop_and_resize" || s.start == 0 && s.end == 1)
}

func convResize(n *node) error {
	c := n.c
	x := n.need(0, "X")
	if n.err != nil {
		return nil
	}
	xs := c.shape(x)
	r := len(xs)
	mode := strings.ToLower(n.str("mode", "nearest"))
	coord := n.str("coordinate_transformation_mode", "half_pixel")
	nearest := n.str("nearest_mode", "round_prefer_floor")
	var scales []float64
	var sizes []int
	switch {
	case n.OpType == "Upsample" && c.opset < 9:
		for _, f := range n.floats("scales", nil) {
			scales = append(scales, float64(f))
		}
		coord, nearest = "asymmetric", "floor"
	case n.OpType == "Upsample" || c.opset < 11:
		scales = n.constFloats(1, "scales")
		coord, nearest = "asymmetric", "floor"
	default:
		if v := n.in(2); v != nil && ir.NumElements(c.shape(v)) > 0 {
			scales = n.constFloats(2, "scales")
		}
		if v := n.in(3); v != nil && ir.NumElements(c.shape(v)) > 0 {
			sizes = n.constInts(3, "sizes")
		}
	}
	if n.err != nil {
		return nil
	}
	axes := n.ints("axes", nil)
	if axes == nil {
		axes = identityPerm(r)
	}
	if (scales == nil) == (sizes == nil) {
		return fmt.Errorf("exactly one of scales and sizes must be given")
	}
	if (scales != nil && len(scales) != len(axes)) || (sizes != nil && len(sizes) != len(axes)) {
		return fmt.Errorf("scales %v or sizes %v do not fit %d axes", scales, sizes, len(axes))
	}
	spec := make([]resizeSpec, r)
	for i := range spec {
		spec[i] = resizeSpec{in: xs[i], out: xs[i], scale: 1, start: 0, end: 1}
	}
	for i, a := range axes {
		a = n.axis(a, r, "axis")
		if sizes != nil {
			spec[a].out = sizes[i]
			spec[a].scale = float64(sizes[i]) / float64(xs[a])
		} else {
			if scales[i] <= 0 {
				return fmt.Errorf("scale %v must be positive", scales[i])
			}
			spec[a].scale = scales[i]
			spec[a].out = int(math.Floor(float64(xs[a]) * scales[i]))
		}
	}
	if n.err != nil {
		return nil
	}
	if coord == "tf_crop_and_resize" {
		// The region of interest: starts, then ends, of the axes resized.
		// Scales still size the output from the whole axis, as ONNX
		// Runtime and ONNX's reference implementation do.
		roi := n.constFloats(1, "roi")
		if n.err != nil {
			return nil
		}
		if len(roi) != 2*len(axes) {
			return fmt.Errorf("roi %v does not fit %d axes (tf_crop_and_resize takes starts then ends)", roi, len(axes))
		}
		for i, a := range axes {
			a = n.axis(a, r, "axis")
			spec[a].start, spec[a].end = roi[i], roi[i+len(axes)]
		}
	}
	for _, s := range spec {
		if s.out < 1 {
			return fmt.Errorf("output size %d", s.out)
		}
		if err := checkGenerated(s.out, "the resized dimension"); err != nil {
			return err
		}
	}
	linear := mode != "nearest"
	// TFLite's resizes have no region of interest or extrapolation value.
	native := r == 4 && spec[0].identity(coord) && spec[1].identity(coord) && mode != "cubic" && coord != "tf_crop_and_resize"
	var align, half bool
	if native {
		align, half, native = matchResize(spec[2:], linear, coord, nearest)
	}
	if !native {
		return n.resizeByTaps(x, spec, mode, coord, nearest)
	}
	t, err := c.nhwc(x)
	if err != nil {
		return err
	}
	size := c.constInt32(c.tmpName("size"), []int{spec[2].out, spec[3].out})
	typ, opts := ir.ResizeNearestNeighbor, ir.Options(&ir.ResizeNearestNeighborOptions{AlignCorners: align, HalfPixelCenters: half})
	if linear {
		typ, opts = ir.ResizeBilinear, &ir.ResizeBilinearOptions{AlignCorners: align, HalfPixelCenters: half}
	}
	out, err := c.emit1(typ, opts, []int{t, size}, n.outName(0), c.dtype(x))
	if err != nil {
		return err
	}
	n.set(0, out, channelsLast(4))
	return nil
}

// matchResize finds TFLite flags reproducing ONNX's sampling on both axes.
func matchResize(spec []resizeSpec, linear bool, coord, nearest string) (align, half, ok bool) {
	for _, cfg := range [][2]bool{{false, false}, {false, true}, {true, false}} {
		good := true
		for _, s := range spec {
			if !sameSampling(s, linear, coord, nearest, cfg[0], cfg[1]) {
				good = false
				break
			}
		}
		if good {
			return cfg[0], cfg[1], true
		}
	}
	return false, false, false
}

// onnxCoord is the input coordinate ONNX maps output coordinate x to.
func onnxCoord(s resizeSpec, mode string, x int) (float64, bool) {
	xf, in, out := float64(x), float64(s.in), float64(s.out)
	switch mode {
	case "half_pixel":
		return (xf+0.5)/s.scale - 0.5, true
	case "pytorch_half_pixel":
		if s.out == 1 {
			return 0, true
		}
		return (xf+0.5)/s.scale - 0.5, true
	case "align_corners":
		// The resized length is in*scale unrounded when scales were given.
		length := in * s.scale
		if length == 1 {
			return 0, true
		}
		return xf * (in - 1) / (length - 1), true
	case "asymmetric":
		return xf / s.scale, true
	case "tf_half_pixel_for_nn":
		return (xf + 0.5) / s.scale, true
	case "tf_crop_and_resize":
		// In float32, as ONNX Runtime computes it: the region's ends are
		// float32, and a coordinate landing on a whole number must stay on it.
		start, end, last := float32(s.start), float32(s.end), float32(s.in-1)
		if s.out == 1 {
			return float64(float32(float32(0.5)*float32(start+end)) * last), true
		}
		step := float32(float32(float32(float32(x)*float32(end-start))*last) / float32(s.out-1))
		return float64(float32(start*last) + step), true
	case "half_pixel_symmetric":
		adj := out / (s.scale * in)
		center := in / 2
		offset := center * (1 - adj)
		return offset + (xf+0.5)/s.scale - 0.5, true
	}
	return 0, false
}

// onnxNearest rounds a coordinate as ONNX's nearest_mode says, clamped.
func onnxNearest(v float64, mode string, in int) (int, bool) {
	var i float64
	switch mode {
	case "round_prefer_floor":
		if v == math.Floor(v)+0.5 {
			i = math.Floor(v)
		} else {
			i = math.Round(v)
		}
	case "round_prefer_ceil":
		if v == math.Floor(v)+0.5 {
			i = math.Ceil(v)
		} else {
			i = math.Round(v)
		}
	case "floor":
		i = math.Floor(v)
	case "ceil":
		i = math.Ceil(v)
	default:
		return 0, false
	}
	return max(0, min(int(i), in-1)), true
}

// tfliteScale is the scale TFLite's resize kernels compute, in float32.
func tfliteScale(in, out int, align bool) float32 {
	if align && out > 1 {
		return float32(in-1) / float32(out-1)
	}
	return float32(in) / float32(out)
}

// sameSampling compares, for every output coordinate, where ONNX and TFLite
// (with the given flags) read the input.
func sameSampling(s resizeSpec, linear bool, coord, nearest string, align, half bool) bool {
	scale := tfliteScale(s.in, s.out, align)
	for x := range s.out {
		v, ok := onnxCoord(s, coord, x)
		if !ok {
			return false
		}
		if !linear {
			want, ok := onnxNearest(v, nearest, s.in)
			if !ok {
				return false
			}
			// TFLite's nearest neighbour, as its reference kernel computes it.
			var got int
			if align {
				got = int(math.Round(float64(float32(x) * scale)))
			} else {
				offset := float32(0)
				if half {
					offset = 0.5
				}
				got = int(math.Floor(float64((float32(x) + offset) * scale)))
			}
			got = max(0, min(got, s.in-1))
			if got != want {
				return false
			}
			continue
		}
		// Bilinear: both clamp the coordinate to the input's extent.
		var t float32
		if half {
			t = (float32(x)+0.5)*scale - 0.5
		} else {
			t = float32(x) * scale
		}
		clamp := func(f float64) float64 { return max(0, min(f, float64(s.in-1))) }
		if math.Abs(clamp(float64(t))-clamp(v)) > 1e-5*max(1, math.Abs(v)) {
			return false
		}
	}
	return true
}

// tap is one term of a separable resize along an axis: the input index and
// weight for each output position.
type tap struct {
	idx []int
	w   []float32
}

// resizeTaps computes ONNX's sampling of one axis as taps. With
// tf_crop_and_resize, outputs sampling outside the input get no taps (all
// weights 0) and are marked in outside.
func resizeTaps(s resizeSpec, mode, coord, nearest string, cubicA float64, excludeOutside bool) (taps []tap, outside []bool, err error) {
	clampIdx := func(i int) int { return max(0, min(i, s.in-1)) }
	outside = make([]bool, s.out)
	k := map[string]int{"nearest": 1, "linear": 2, "bilinear": 2, "cubic": 4}[mode]
	for range k {
		taps = append(taps, tap{idx: make([]int, s.out), w: make([]float32, s.out)})
	}
	for x := range s.out {
		v, ok := onnxCoord(s, coord, x)
		if !ok {
			return nil, nil, fmt.Errorf("coordinate_transformation_mode %q", coord)
		}
		if coord == "tf_crop_and_resize" && (v < 0 || v > float64(s.in-1)) {
			outside[x] = true
			continue
		}
		switch k {
		case 1:
			i, ok := onnxNearest(v, nearest, s.in)
			if !ok {
				return nil, nil, fmt.Errorf("nearest_mode %q", nearest)
			}
			taps[0].idx[x], taps[0].w[x] = i, 1
		case 2:
			v = max(0, min(v, float64(s.in-1)))
			i0 := math.Floor(v)
			t := v - i0
			taps[0].idx[x], taps[0].w[x] = clampIdx(int(i0)), float32(1-t)
			taps[1].idx[x], taps[1].w[x] = clampIdx(int(i0)+1), float32(t)
		case 4:
			i0 := math.Floor(v)
			t := v - i0
			a := cubicA
			c := [4]float64{
				((a*(t+1)-5*a)*(t+1)+8*a)*(t+1) - 4*a,
				((a+2)*t-(a+3))*t*t + 1,
				((a+2)*(1-t)-(a+3))*(1-t)*(1-t) + 1,
				((a*(2-t)-5*a)*(2-t)+8*a)*(2-t) - 4*a,
			}
			sum := 0.0
			for j := range 4 {
				i := int(i0) - 1 + j
				if excludeOutside && (i < 0 || i >= s.in) {
					c[j] = 0
				}
				sum += c[j]
			}
			for j := range 4 {
				if excludeOutside && sum != 0 {
					c[j] /= sum
				}
				taps[j].idx[x], taps[j].w[x] = clampIdx(int(i0)-1+j), float32(c[j])
			}
		}
	}
	return taps, outside, nil
}

// resizeByTaps resizes x axis by axis with GATHERs and weights.
func (n *node) resizeByTaps(x *value, spec []resizeSpec, mode, coord, nearest string) error {
	c := n.c
	cubicA := float64(n.float("cubic_coeff_a", -0.75))
	exclude := n.int("exclude_outside", 0) != 0
	if c.dtype(x) != ir.Float32 && (mode != "nearest" || coord == "tf_crop_and_resize") {
		return fmt.Errorf("%s resize (%s) of %v values", mode, coord, c.dtype(x))
	}
	cur := x
	r := len(spec)
	// inside is 1 where every axis samples inside the input, along the
	// resized axes (physical order, 1 elsewhere): tf_crop_and_resize puts
	// extrapolation_value where it is 0. It is built only for a nonzero
	// value (the outputs outside are 0 already), its size checked before
	// each axis multiplies it.
	ext := n.float("extrapolation_value", 0)
	insideShape := slices.Repeat([]int{1}, r)
	inside := []float32{1}
	for a, s := range spec {
		if s.identity(coord) {
			continue
		}
		taps, outside, err := resizeTaps(s, mode, coord, nearest, cubicA, exclude)
		if err != nil {
			return err
		}
		pa := physicalAxis(cur.perm, a)
		if ext != 0 && slices.Contains(outside, true) {
			if err := checkGenerated(len(inside)*s.out, "the extrapolation mask"); err != nil {
				return err
			}
			insideShape[pa] = s.out
			inside = outerAlong(inside, insideShape, pa, outside)
		}
		wShape := make([]int, r)
		for i := range wShape {
			wShape[i] = 1
		}
		wShape[pa] = s.out
		sum := -1
		for j, tp := range taps {
			if allZeroF(tp.w) {
				continue
			}
			name := c.tmpName(fmt.Sprintf("axis%d_tap%d", a, j))
			g, err := c.emit1(ir.Gather, &ir.GatherOptions{Axis: pa}, []int{cur.t, c.constInt32(name+"/indices", tp.idx)}, name, c.dtype(x))
			if err != nil {
				return err
			}
			if !allOneF(tp.w) {
				wt := c.constFloat32(name+"/weights", wShape, tp.w)
				if g, err = c.emit1(ir.Mul, &ir.MulOptions{}, []int{g, wt}, name+"/weighted", ir.Float32); err != nil {
					return err
				}
			}
			if sum < 0 {
				sum = g
			} else if sum, err = c.emit1(ir.Add, &ir.AddOptions{PotScaleInt16: true}, []int{sum, g}, name+"/sum", ir.Float32); err != nil {
				return err
			}
		}
		if sum < 0 { // every output samples outside
			if sum, err = c.emit1(ir.Mul, &ir.MulOptions{}, []int{cur.t, c.constFloat32(c.tmpName("zero"), []int{}, []float32{0})}, c.tmpName("outside"), ir.Float32); err != nil {
				return err
			}
			zeros := make([]int, s.out) // one input row, weighted 0
			if sum, err = c.emit1(ir.Gather, &ir.GatherOptions{Axis: pa}, []int{sum, c.constInt32(c.tmpName("outside_rows"), zeros)}, c.tmpName("outside_rows"), ir.Float32); err != nil {
				return err
			}
		}
		cur = &value{t: sum, perm: cur.perm}
	}
	if ext != 0 && slices.Contains(inside, 0) {
		fill := make([]float32, len(inside))
		for i, in := range inside {
			fill[i] = ext * (1 - in)
		}
		t, err := c.emit1(ir.Add, &ir.AddOptions{PotScaleInt16: true}, []int{cur.t, c.constFloat32(c.tmpName("extrapolated"), insideShape, fill)}, c.tmpName("extrapolated"), ir.Float32)
		if err != nil {
			return err
		}
		cur = &value{t: t, perm: cur.perm}
	}
	if cur == x {
		n.set(0, x.t, x.perm)
		return nil
	}
	c.tensor(cur.t).Name = n.outName(0)
	n.set(0, cur.t, cur.perm)
	return nil
}

// outerAlong multiplies mask m (of shape, whose axis pa is already the new
// length, and had length 1 before) by 0 where outside is true along axis pa.
func outerAlong(m []float32, shape []int, pa int, outside []bool) []float32 {
	inner := ir.NumElements(shape[pa+1:])
	n := len(outside)
	out := make([]float32, len(m)*n)
	for i := range out {
		outer, o, in := i/(n*inner), i/inner%n, i%inner
		if !outside[o] {
			out[i] = m[outer*inner+in]
		}
	}
	return out
}

func allZeroF(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

func allOneF(v []float32) bool {
	for _, x := range v {
		if x != 1 {
			return false
		}
	}
	return true
}
