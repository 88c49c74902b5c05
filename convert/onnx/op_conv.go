package onnx

import (
	"fmt"
	"slices"

	"github.com/liteforge/liteforge/ir"
)

// Convolutions and pools: TFLite's are 2-D and channels-last, with SAME or
// VALID padding. 1-D ones run as 2-D with a height of 1; padding TFLite
// cannot express becomes an explicit PAD.

func init() {
	register(handler{conv: convConv, check: checkConv}, "Conv")
	register(handler{conv: convConvTranspose, check: checkConvTranspose}, "ConvTranspose")
	register(handler{conv: convPool, check: checkPool}, "MaxPool", "AveragePool")
	register(handler{conv: convGlobalPool}, "GlobalAveragePool", "GlobalMaxPool")
}

// window is a convolution's or pool's geometry over its spatial dimensions,
// always two of them (a 1-D op gets height 1).
type window struct {
	in, k, s, d, pb, pe [2]int
	out                 [2]int
}

func spatialRank(n *node, x *value) (int, string) {
	r := n.c.rank(x)
	if r != 3 && r != 4 {
		return 0, fmt.Sprintf("%d-D input; liteforge converts 1-D and 2-D %s", r, n.OpType)
	}
	return r - 2, ""
}

// axisWindow is a convolution's or pool's geometry along one spatial axis.
type axisWindow struct{ in, k, s, d, pb, pe, out int }

// unitAxis is an axis of size n that a window leaves as it is.
func unitAxis(n int) axisWindow { return axisWindow{in: n, k: 1, s: 1, d: 1, out: n} }

// pairWindow makes a 2-D window of two axes' geometries.
func pairWindow(h, w axisWindow) window {
	var win window
	for i, a := range [2]axisWindow{h, w} {
		win.in[i], win.k[i], win.s[i], win.d[i] = a.in, a.k, a.s, a.d
		win.pb[i], win.pe[i], win.out[i] = a.pb, a.pe, a.out
	}
	return win
}

// geometry reads kernel, strides, dilations and padding attributes for
// spatial size in (1 or 2 dims) and kernel k, computing ONNX's pads (with
// auto_pad) and output sizes; ceil rounds the output up (pools' ceil_mode).
func (n *node) geometry(in, k []int, ceil bool) (window, error) {
	axes, err := n.axisWindows(in, k, ceil)
	if err != nil {
		return window{}, err
	}
	switch len(axes) {
	case 1:
		return pairWindow(unitAxis(1), axes[0]), nil
	case 2:
		return pairWindow(axes[0], axes[1]), nil
	}
	return window{}, fmt.Errorf("%d spatial dimensions; expected 1 or 2", len(axes))
}

// axisWindows is geometry for any number of spatial dimensions, one
// axisWindow each.
func (n *node) axisWindows(in, k []int, ceil bool) ([]axisWindow, error) {
	sp := len(in)
	ones := slices.Repeat([]int{1}, sp)
	s := n.ints("strides", ones)
	d := n.ints("dilations", ones)
	pads := n.ints("pads", make([]int, 2*sp))
	if len(s) != sp || len(d) != sp || len(pads) != 2*sp || len(k) != sp {
		return nil, fmt.Errorf("strides %v, dilations %v, pads %v or kernel %v do not fit %d spatial dimensions", s, d, pads, k, sp)
	}
	for _, v := range slices.Concat(s, d, pads, k) {
		if v > 1<<24 {
			return nil, fmt.Errorf("strides %v, dilations %v, pads %v or kernel %v: %d is out of range", s, d, pads, k, v)
		}
	}
	autoPad := n.str("auto_pad", "NOTSET")
	axes := make([]axisWindow, sp)
	for i := range sp {
		a := axisWindow{in: in[i], k: k[i], s: s[i], d: d[i]}
		if s[i] < 1 || d[i] < 1 || k[i] < 1 {
			return nil, fmt.Errorf("strides %v, dilations %v and kernel %v must be positive", s, d, k)
		}
		eff := (k[i]-1)*d[i] + 1
		switch autoPad {
		case "NOTSET", "":
			a.pb, a.pe = pads[i], pads[i+sp]
			if a.pb < 0 || a.pe < 0 {
				return nil, fmt.Errorf("negative pads %v", pads)
			}
		case "VALID":
		case "SAME_UPPER", "SAME_LOWER":
			out := (in[i] + s[i] - 1) / s[i]
			total := max(0, (out-1)*s[i]+eff-in[i])
			a.pb, a.pe = total/2, total-total/2
			if autoPad == "SAME_LOWER" {
				a.pb, a.pe = a.pe, a.pb
			}
		default:
			return nil, fmt.Errorf("auto_pad %q", autoPad)
		}
		span := in[i] + a.pb + a.pe - eff
		if span < 0 {
			return nil, fmt.Errorf("kernel %v (dilations %v) is larger than the padded input %v", k, d, in)
		}
		a.out = span/s[i] + 1
		if ceil && span%s[i] != 0 {
			a.out++
			// The last window must start inside the input or its left padding.
			if (a.out-1)*s[i] >= in[i]+a.pb {
				a.out--
			}
		}
		axes[i] = a
	}
	return axes, nil
}

// tflitePadding says which TFLite padding computes w, and whether w needs
// an explicit PAD first (then the op runs VALID on the padded input).
func (w window) tflitePadding() (ir.Padding, bool) {
	zero, same := true, true
	for i := range 2 {
		eff := (w.k[i]-1)*w.d[i] + 1
		zero = zero && w.pb[i] == 0 && w.pe[i] == 0 && w.out[i] == (w.in[i]-eff)/w.s[i]+1
		out := (w.in[i] + w.s[i] - 1) / w.s[i]
		total := max(0, (out-1)*w.s[i]+eff-w.in[i])
		same = same && w.out[i] == out && w.pb[i] == total/2 && w.pe[i] == total-total/2
	}
	switch {
	case zero:
		return ir.PaddingValid, false
	case same:
		return ir.PaddingSame, false
	}
	return ir.PaddingValid, true
}

// extraEnd is the padding past pe that ceil-mode windows reach.
func (w window) extraEnd(i int) int {
	eff := (w.k[i]-1)*w.d[i] + 1
	return max(0, (w.out[i]-1)*w.s[i]+eff-(w.in[i]+w.pb[i]+w.pe[i]))
}

// spatialIn returns x as a 4-D channels-last tensor (a 1-D op's input gets a
// height of 1) and a function turning the op's 4-D result back into a value
// of x's rank.
func (n *node) spatialIn(x *value) (int, func(t int) (*value, error), error) {
	c := n.c
	t, err := c.nhwc(x)
	if err != nil {
		return 0, nil, err
	}
	if c.rank(x) == 4 {
		return t, func(t int) (*value, error) { return &value{t: t, perm: channelsLast(4)}, nil }, nil
	}
	s := c.tensor(t).Shape // [N, W, C]
	t4, err := c.reshape(t, []int{s[0], 1, s[1], s[2]}, c.tmpName("as_2d"))
	if err != nil {
		return 0, nil, err
	}
	back := func(r int) (*value, error) {
		o := c.tensor(r).Shape
		r3, err := c.reshape(r, []int{o[0], o[2], o[3]}, c.tmpName("as_1d"))
		if err != nil {
			return nil, err
		}
		return &value{t: r3, perm: channelsLast(3)}, nil
	}
	return t4, back, nil
}

// padNHWC pads a channels-last tensor's spatial dimensions with value fill.
func (n *node) padNHWC(t int, w window, extra [2]int, fill float32) (int, error) {
	c := n.c
	pads := []int{0, 0, w.pb[0], w.pe[0] + extra[0], w.pb[1], w.pe[1] + extra[1], 0, 0}
	pt := c.constant(c.tmpName("paddings"), ir.Int32, []int{4, 2}, int32Bytes(pads))
	if fill == 0 {
		return c.emit1(ir.Pad, nil, []int{t, pt}, c.tmpName("padded"), c.tensor(t).Type)
	}
	ft := c.constFloat32(c.tmpName("pad_value"), []int{}, []float32{fill})
	return c.emit1(ir.PadV2, nil, []int{t, pt, ft}, c.tmpName("padded"), c.tensor(t).Type)
}

func int32Bytes(v []int) []byte {
	d := make([]int32, len(v))
	for i, x := range v {
		d[i] = int32(x)
	}
	return ir.Int32Bytes(d)
}

func checkConv(n *node) string {
	if d := n.str("auto_pad", "NOTSET"); !slices.Contains([]string{"NOTSET", "", "VALID", "SAME_UPPER", "SAME_LOWER"}, d) {
		return fmt.Sprintf("auto_pad=%q", d)
	}
	if k := n.ints("kernel_shape", nil); len(k) > 2 {
		return fmt.Sprintf("%d-D kernel", len(k))
	}
	return ""
}

// convWeights reads Conv's weights as 2-D OIHW (a 1-D kernel gets height 1).
func (n *node) convWeights(w *value, sp int) (int, []int, error) {
	c := n.c
	t, err := c.plain(w)
	if err != nil {
		return 0, nil, err
	}
	s := c.tensor(t).Shape
	if len(s) != sp+2 {
		return 0, nil, fmt.Errorf("input 1 (W) has shape %v, expected rank %d", s, sp+2)
	}
	if sp == 1 {
		s = []int{s[0], s[1], 1, s[2]}
		if t, err = c.reshape(t, s, c.tmpName("weights_2d")); err != nil {
			return 0, nil, err
		}
	}
	return t, s, nil
}

// convOperands reads a convolution's input (float32, 1-D or 2-D), optional
// bias and weights as 2-D OIHW; x is nil when an input is missing (the
// node's error says which).
func (n *node) convOperands() (x, b *value, sp, wt int, ws []int, err error) {
	c := n.c
	x, w := n.need(0, "X"), n.need(1, "W")
	if n.err != nil {
		return nil, nil, 0, 0, nil, nil
	}
	sp, bad := spatialRank(n, x)
	if bad != "" {
		return nil, nil, 0, 0, nil, fmt.Errorf("%s", bad)
	}
	if c.dtype(x) != ir.Float32 {
		return nil, nil, 0, 0, nil, fmt.Errorf("input of type %v; float convolutions need float32", c.dtype(x))
	}
	wt, ws, err = n.convWeights(w, sp)
	return x, n.in(2), sp, wt, ws, err
}

func convConv(n *node) error {
	x, b, sp, wt, ws, err := n.convOperands()
	if err != nil || x == nil {
		return err
	}
	return n.convolve(convArgs{x: x, sp: sp, filter: wt, ws: ws, bias: b})
}

// convArgs are a convolution's operands, float or quantized. A quantized
// convolution reads the integer view of x, int8 weights and an int32 bias,
// and writes an int8 output with outQuant.
type convArgs struct {
	x      *value // the input (its integer view when quantized)
	sp     int    // spatial rank, 1 or 2
	filter int    // weights as 2-D OIHW
	ws     []int  // their shape
	bias   *value // float bias, nil for none
	// Quantized convolutions only:
	qbias    int // int32 bias tensor
	outQuant *ir.Quantization
	intOut   bool // the ONNX output is the integer tensor (QLinearConv)
}

func (n *node) convolve(a convArgs) error {
	c := n.c
	x, sp, ws := a.x, a.sp, a.ws
	quantized := a.outQuant != nil
	xs := c.shape(x)
	group := n.int("group", 1)
	if k := n.ints("kernel_shape", nil); k != nil && !slices.Equal(k, ws[4-sp:]) {
		return fmt.Errorf("kernel_shape %v does not match weights %v", k, ws)
	}
	cin, cout := xs[1], ws[0]
	if group < 1 || cin%group != 0 || cout%group != 0 || ws[1]*group != cin {
		return fmt.Errorf("weights %v with group %d do not fit %d input channels", ws, group, cin)
	}
	win, err := n.geometry(xs[2:], ws[4-sp:], false)
	if err != nil {
		return err
	}
	in, back, err := n.spatialIn(x)
	if err != nil {
		return err
	}
	padding, explicit := win.tflitePadding()
	if explicit {
		// Quantized padding is the zero point, which stands for 0.
		if in, err = n.padNHWC(in, win, [2]int{}, 0); err != nil {
			return err
		}
	}
	var bias int
	switch {
	case quantized:
		bias = a.qbias
	case a.bias != nil:
		if bias, err = c.plain(a.bias); err != nil {
			return err
		}
	default:
		bias = c.constFloat32(c.tmpName("bias"), []int{cout}, make([]float32, cout))
	}
	var opType ir.OpType
	var opts ir.Options
	var filter int
	if group > 1 && group == cin {
		// Depthwise: OIHW [C*M, 1, H, W] becomes [1, H, W, C*M].
		opType = ir.DepthwiseConv2D
		opts = &ir.DepthwiseConv2DOptions{Padding: padding, StrideH: win.s[0], StrideW: win.s[1],
			DilationH: win.d[0], DilationW: win.d[1], DepthMultiplier: cout / cin}
		filter, err = c.transposeTensor(a.filter, []int{1, 2, 3, 0}, c.tmpName("depthwise_filter"))
	} else {
		// OIHW becomes OHWI; groups split the input channels, as TFLite's
		// CONV_2D does when the filter has fewer of them than the input.
		opType = ir.Conv2D
		opts = &ir.Conv2DOptions{Padding: padding, StrideH: win.s[0], StrideW: win.s[1],
			DilationH: win.d[0], DilationW: win.d[1]}
		filter, err = c.transposeTensor(a.filter, []int{0, 2, 3, 1}, c.tmpName("filter"))
	}
	if err != nil {
		return err
	}
	name := n.outName(0)
	if sp == 1 {
		name = c.tmpName("conv_2d")
	}
	outType := ir.Float32
	if quantized {
		outType = ir.Int8
	}
	t, err := c.emit1(opType, opts, []int{in, filter, bias}, name, outType)
	if err != nil {
		return err
	}
	c.tensor(t).Quant = a.outQuant
	v, err := back(t)
	if err != nil {
		return err
	}
	if quantized && !a.intOut {
		return n.setQuantized(0, v.t, v.perm)
	}
	if v.t != t || quantized {
		c.tensor(v.t).Name = n.outName(0)
	}
	n.set(0, v.t, v.perm)
	return nil
}

func checkConvTranspose(n *node) string {
	if d := n.str("auto_pad", "NOTSET"); !slices.Contains([]string{"NOTSET", "", "VALID", "SAME_UPPER", "SAME_LOWER"}, d) {
		return fmt.Sprintf("auto_pad=%q", d)
	}
	if k := n.ints("kernel_shape", nil); len(k) > 3 {
		return fmt.Sprintf("%d-D kernel", len(k))
	}
	if g := n.int("group", 1); g != 1 {
		return fmt.Sprintf("group=%d (TFLite's TRANSPOSE_CONV has no groups)", g)
	}
	return ""
}

// convConvTranspose runs TFLite's TRANSPOSE_CONV with VALID padding, which
// computes the whole scattered output, then crops ONNX's pads (and pads for
// output_padding) before adding the bias.
func convConvTranspose(n *node) error {
	c := n.c
	if x := n.in(0); x != nil && c.rank(x) == 5 {
		return n.convTranspose3D(x)
	}
	x, b, sp, wt, ws, err := n.convOperands() // weights [Cin, Cout, kH, kW]
	if err != nil || x == nil {
		return err
	}
	w := n.in(1)
	xs := c.shape(x)
	if ws[0] != xs[1] {
		return fmt.Errorf("weights %v do not fit %d input channels", ws, xs[1])
	}
	cout := ws[1]
	ones := slices.Repeat([]int{1}, sp)
	s, d, pads, outPad, outShape, autoPad, err := n.transposeAttrs(sp)
	if err != nil || n.err != nil {
		return err
	}
	// Dilation spreads the kernel with zeros; TRANSPOSE_CONV has none.
	if !slices.Equal(d, ones) {
		if !c.isConst(w) {
			return fmt.Errorf("dilations %v need constant weights", d)
		}
		if wt, ws, err = n.dilateKernel(wt, ws, d, sp); err != nil {
			return err
		}
	}
	off := 2 - sp
	var full, out, pb [2]int
	for i := range 2 {
		full[i], out[i] = 1, 1
	}
	fullAxes, outAxes, startAxes, err := transposeGeometry(xs[2:], ws[2+off:], s, pads, outPad, outShape, autoPad)
	if err != nil {
		return err
	}
	copy(full[off:], fullAxes)
	copy(out[off:], outAxes)
	copy(pb[off:], startAxes)
	in, back, err := n.spatialIn(x)
	if err != nil {
		return err
	}
	filter, err := c.transposeTensor(wt, []int{1, 2, 3, 0}, c.tmpName("filter")) // [Cout, kH, kW, Cin]
	if err != nil {
		return err
	}
	batch := c.tensor(in).Shape[0]
	crop := pb != [2]int{} || out != full
	inputs := []int{c.constInt32(c.tmpName("output_shape"), []int{batch, full[0], full[1], cout}), filter, in}
	var bias int = -1
	if b != nil {
		if bias, err = c.plain(b); err != nil {
			return err
		}
		if !crop {
			inputs = append(inputs, bias)
		}
	}
	name := n.outName(0)
	if crop || sp == 1 {
		name = c.tmpName("transpose_conv")
	}
	opts := &ir.TransposeConvOptions{Padding: ir.PaddingValid, StrideH: 1, StrideW: s[sp-1]}
	if sp == 2 {
		opts.StrideH = s[0]
	}
	t, err := c.emit1(ir.TransposeConv, opts, inputs, name, ir.Float32)
	if err != nil {
		return err
	}
	if crop {
		var extra [2]int
		for i := range 2 {
			extra[i] = max(0, pb[i]+out[i]-full[i])
		}
		if extra != [2]int{} {
			pt := c.constant(c.tmpName("output_padding"), ir.Int32, []int{4, 2}, int32Bytes([]int{0, 0, 0, extra[0], 0, extra[1], 0, 0}))
			if t, err = c.emit1(ir.Pad, nil, []int{t, pt}, c.tmpName("padded"), ir.Float32); err != nil {
				return err
			}
		}
		t, err = c.emit1(ir.Slice, nil, []int{t,
			c.constInt32(c.tmpName("crop_begin"), []int{0, pb[0], pb[1], 0}),
			c.constInt32(c.tmpName("crop_size"), []int{batch, out[0], out[1], cout})}, c.tmpName("cropped"), ir.Float32)
		if err != nil {
			return err
		}
		if bias >= 0 {
			if t, err = c.emit1(ir.Add, &ir.AddOptions{PotScaleInt16: true}, []int{t, bias}, c.tmpName("biased"), ir.Float32); err != nil {
				return err
			}
		}
	}
	v, err := back(t)
	if err != nil {
		return err
	}
	if v.t != x.t {
		c.tensor(v.t).Name = n.outName(0)
	}
	n.set(0, v.t, v.perm)
	return nil
}

// convTranspose3D converts a 3-D ConvTranspose (constant weights) as one
// 2-D TRANSPOSE_CONV per kernel depth tap over the input's depth slices
// (depth moved into the batch), each result spread by the depth stride and
// shifted by its tap before they are summed; the whole scatter is then
// cropped to ONNX's pads as in 2-D.
func (n *node) convTranspose3D(x *value) error {
	c := n.c
	w, b := n.need(1, "W"), n.in(2)
	if n.err != nil {
		return nil
	}
	if c.dtype(x) != ir.Float32 {
		return fmt.Errorf("input of type %v; float convolutions need float32", c.dtype(x))
	}
	if !c.isConst(w) {
		return fmt.Errorf("3-D ConvTranspose needs constant weights")
	}
	wt, err := c.plain(w)
	if err != nil {
		return err
	}
	xs, ws := c.shape(x), c.tensor(wt).Shape // [N, C, D, H, W], [Cin, Cout, kD, kH, kW]
	if len(ws) != 5 || ws[0] != xs[1] || c.tensor(wt).Type != ir.Float32 {
		return fmt.Errorf("weights %v %v do not fit input %v", c.tensor(wt).Type, ws, xs)
	}
	if ws[2] > maxWindowTaps {
		return fmt.Errorf("kernel depth %d: each depth tap is a few ops; liteforge converts 3-D ConvTranspose of at most %d depth taps", ws[2], maxWindowTaps)
	}
	s, d, pads, outPad, outShape, autoPad, err := n.transposeAttrs(3)
	if err != nil || n.err != nil {
		return err
	}
	if !slices.Equal(d, []int{1, 1, 1}) {
		if wt, ws, err = n.dilateKernel(wt, ws, d, 3); err != nil {
			return err
		}
	}
	full, out, pb, err := transposeGeometry(xs[2:], ws[2:], s, pads, outPad, outShape, autoPad)
	if err != nil {
		return err
	}
	in, err := c.nhwc(x)
	if err != nil {
		return err
	}
	nb, depth, cin, cout, kd := xs[0], xs[2], ws[0], ws[1], ws[2]
	if in, err = c.reshape(in, []int{nb * depth, xs[3], xs[4], cin}, c.tmpName("depth_in_batch")); err != nil {
		return err
	}
	kh, kw := ws[3], ws[4]
	vals := c.tensor(wt).Float32s()
	plane := full[1] * full[2] * cout
	opts := &ir.TransposeConvOptions{Padding: ir.PaddingValid, StrideH: s[1], StrideW: s[2]}
	outShapeT := c.constInt32(c.tmpName("output_shape"), []int{nb * depth, full[1], full[2], cout})
	pad3 := func(t int, pads []int, name string) (int, error) {
		pt := c.constant(c.tmpName(name+"_paddings"), ir.Int32, []int{len(pads) / 2, 2}, int32Bytes(pads))
		return c.emit1(ir.Pad, nil, []int{t, pt}, c.tmpName(name), ir.Float32)
	}
	sum := -1
	for z := range kd {
		// The tap's filter, [Cout, kH, kW, Cin] as TRANSPOSE_CONV takes it.
		f := make([]float32, cout*kh*kw*cin)
		for o := range cout {
			for i := range kh {
				for j := range kw {
					for ci := range cin {
						f[((o*kh+i)*kw+j)*cin+ci] = vals[(((ci*cout+o)*kd+z)*kh+i)*kw+j]
					}
				}
			}
		}
		if allZeroF(f) && (sum >= 0 || z < kd-1) {
			continue // a tap that depth dilation inserted
		}
		filter := c.constFloat32(c.tmpName("depth_tap_filter"), []int{cout, kh, kw, cin}, f)
		t, err := c.emit1(ir.TransposeConv, opts, []int{outShapeT, filter, in}, c.tmpName("depth_tap"), ir.Float32)
		if err != nil {
			return err
		}
		if t, err = c.reshape(t, []int{nb, depth, plane}, c.tmpName("depth_tap_planes")); err != nil {
			return err
		}
		if s[0] > 1 {
			// Spread the planes s[0] apart: a plane, then s[0]-1 zero planes.
			if t, err = c.reshape(t, []int{nb, depth, 1, plane}, c.tmpName("depth_tap_planes")); err != nil {
				return err
			}
			if t, err = pad3(t, []int{0, 0, 0, 0, 0, s[0] - 1, 0, 0}, "depth_spread"); err != nil {
				return err
			}
			if t, err = c.reshape(t, []int{nb, depth * s[0], plane}, c.tmpName("depth_spread")); err != nil {
				return err
			}
			t, err = c.emit1(ir.Slice, nil, []int{t, c.constInt32(c.tmpName("spread_begin"), []int{0, 0, 0}),
				c.constInt32(c.tmpName("spread_size"), []int{nb, (depth-1)*s[0] + 1, plane})}, c.tmpName("depth_spread"), ir.Float32)
			if err != nil {
				return err
			}
		}
		if t, err = pad3(t, []int{0, 0, z, kd - 1 - z, 0, 0}, "depth_shift"); err != nil {
			return err
		}
		if sum < 0 {
			sum = t
		} else if sum, err = c.emit1(ir.Add, &ir.AddOptions{PotScaleInt16: true}, []int{sum, t}, c.tmpName("depth_sum"), ir.Float32); err != nil {
			return err
		}
	}
	t, err := c.reshape(sum, []int{nb, full[0], full[1], full[2], cout}, c.tmpName("scatter"))
	if err != nil {
		return err
	}
	extra := make([]int, 10)
	for i := range 3 {
		extra[2*(i+1)+1] = max(0, pb[i]+out[i]-full[i])
	}
	if slices.ContainsFunc(extra, func(v int) bool { return v != 0 }) {
		if t, err = pad3(t, extra, "output_padding"); err != nil {
			return err
		}
	}
	if !slices.Equal(pb, []int{0, 0, 0}) || !slices.Equal(out, full) {
		t, err = c.emit1(ir.Slice, nil, []int{t, c.constInt32(c.tmpName("crop_begin"), []int{0, pb[0], pb[1], pb[2], 0}),
			c.constInt32(c.tmpName("crop_size"), []int{nb, out[0], out[1], out[2], cout})}, c.tmpName("cropped"), ir.Float32)
		if err != nil {
			return err
		}
	}
	if b != nil {
		bias, err := c.plain(b)
		if err != nil {
			return err
		}
		if t, err = c.emit1(ir.Add, &ir.AddOptions{PotScaleInt16: true}, []int{t, bias}, c.tmpName("biased"), ir.Float32); err != nil {
			return err
		}
	}
	c.tensor(t).Name = n.outName(0)
	n.set(0, t, channelsLast(5))
	return nil
}

// transposeAttrs reads ConvTranspose's geometry attributes for sp spatial
// dimensions.
func (n *node) transposeAttrs(sp int) (s, d, pads, outPad, outShape []int, autoPad string, err error) {
	ones := slices.Repeat([]int{1}, sp)
	s = n.ints("strides", ones)
	d = n.ints("dilations", ones)
	pads = n.ints("pads", make([]int, 2*sp))
	outPad = n.ints("output_padding", make([]int, sp))
	outShape = n.ints("output_shape", nil)
	autoPad = n.str("auto_pad", "NOTSET")
	if n.err != nil {
		return
	}
	if len(s) != sp || len(d) != sp || len(pads) != 2*sp || len(outPad) != sp || (outShape != nil && len(outShape) != sp && len(outShape) != sp+2) {
		err = fmt.Errorf("strides %v, dilations %v, pads %v, output_padding %v or output_shape %v do not fit %d spatial dimensions", s, d, pads, outPad, outShape, sp)
		return
	}
	if len(outShape) == sp+2 {
		outShape = outShape[2:]
	}
	return
}

// transposeGeometry computes, per spatial axis of a ConvTranspose with
// input sizes in and kernel k (dilated), the length of the whole scattered
// output, ONNX's output length, and where ONNX's output starts in the
// scatter.
func transposeGeometry(in, k, s, pads, outPad, outShape []int, autoPad string) (full, out, pb []int, err error) {
	sp := len(in)
	full, out, pb = make([]int, sp), make([]int, sp), make([]int, sp)
	for i := range sp {
		full[i] = s[i]*(in[i]-1) + k[i]
		switch {
		case outShape != nil:
			// A larger output_shape than the scatter covers pads the end.
			total := max(0, s[i]*(in[i]-1)+outPad[i]+k[i]-outShape[i])
			out[i] = outShape[i]
			if autoPad == "SAME_UPPER" {
				pb[i] = total / 2
			} else {
				pb[i] = total - total/2
			}
		case autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER":
			out[i] = in[i] * s[i]
			total := full[i] + outPad[i] - out[i]
			if autoPad == "SAME_UPPER" {
				pb[i] = total / 2
			} else {
				pb[i] = total - total/2
			}
		default:
			pe := pads[i+sp]
			if autoPad == "VALID" {
				pb[i], pe = 0, 0
			} else {
				pb[i] = pads[i]
			}
			out[i] = full[i] + outPad[i] - pb[i] - pe
		}
		if out[i] < 1 || pb[i] < 0 {
			return nil, nil, nil, fmt.Errorf("output size %d with pads %v is invalid", out[i], pads)
		}
	}
	return full, out, pb, nil
}

// dilateKernel inserts d-1 zeros between the taps of constant weights
// [O, I, spatial...] (d may omit leading spatial axes, which stay as they are).
func (n *node) dilateKernel(wt int, ws, d []int, sp int) (int, []int, error) {
	c := n.c
	src := c.tensor(wt)
	if src.Type != ir.Float32 {
		return 0, nil, fmt.Errorf("dilated weights of type %v", src.Type)
	}
	dd := append(slices.Repeat([]int{1}, len(ws)-2-len(d)), d...)
	ns := slices.Clone(ws)
	for i, f := range dd {
		ns[2+i] = (ws[2+i]-1)*f + 1
	}
	if err := checkGenerated(ir.NumElements(ns), "the dilated kernel"); err != nil {
		return 0, nil, err
	}
	data := make([]float32, ir.NumElements(ns))
	for i, v := range src.Float32s()[:ir.NumElements(ws)] {
		// Split i into its coordinates, last axis first, and place it.
		dst, stride, rest := 0, 1, i
		for a := len(ws) - 1; a >= 0; a-- {
			coord := rest % ws[a]
			rest /= ws[a]
			if a >= 2 {
				coord *= dd[a-2]
			}
			dst += coord * stride
			stride *= ns[a]
		}
		data[dst] = v
	}
	return c.constFloat32(c.tmpName("dilated_weights"), ns, data), ns, nil
}

func checkPool(n *node) string {
	if d := n.str("auto_pad", "NOTSET"); !slices.Contains([]string{"NOTSET", "", "VALID", "SAME_UPPER", "SAME_LOWER"}, d) {
		return fmt.Sprintf("auto_pad=%q", d)
	}
	if k := n.ints("kernel_shape", nil); len(k) > 3 {
		return fmt.Sprintf("%d-D kernel", len(k))
	}
	if n.wants(1) && len(n.ints("kernel_shape", nil)) > 2 {
		return "the Indices output of a 3-D MaxPool"
	}
	return ""
}

// convPool converts 1-, 2- and 3-D pools into TFLite's 2-D ones: a 3-D
// window is separable, so it pools height and width first and then depth
// (the product of the two axes' counts is the 3-D window's count, padded or
// not, so averages compose too).
func convPool(n *node) error {
	c := n.c
	x := n.need(0, "X")
	k := n.ints("kernel_shape", nil)
	ceil := n.int("ceil_mode", 0) != 0
	countPad := n.int("count_include_pad", 0) != 0
	if n.err != nil {
		return nil
	}
	r := c.rank(x)
	if r < 3 || r > 5 {
		return fmt.Errorf("%d-D input; liteforge converts 1-D, 2-D and 3-D %s", r, n.OpType)
	}
	if len(k) != r-2 {
		return fmt.Errorf("kernel_shape %v for %d spatial dimensions", k, r-2)
	}
	axes, err := n.axisWindows(c.shape(x)[2:], k, ceil)
	if err != nil {
		return err
	}
	in, err := c.nhwc(x)
	if err != nil {
		return err
	}
	maxPool := n.OpType == "MaxPool"
	typ := c.tensor(in).Type
	asFloat := typ != ir.Float32 && !c.tensor(in).Quant.Quantized()
	if asFloat {
		// TFLite pools integers only quantized: pool plain integers as
		// floats, exactly for 8- and 16-bit values, and cast back.
		if !maxPool || typ.Size() > 2 {
			return fmt.Errorf("%s of %v values", n.OpType, typ)
		}
		if in, err = c.castTensor(in, ir.Float32, c.tmpName("as_float")); err != nil {
			return err
		}
	}
	p := pooler{n: n, maxPool: maxPool, countPad: countPad}
	s := c.tensor(in).Shape // [N, spatial..., C]
	nb, ch := s[0], s[len(s)-1]
	var t int
	switch len(axes) {
	case 1, 2:
		w := pairWindow(unitAxis(1), axes[0])
		if len(axes) == 2 {
			w = pairWindow(axes[0], axes[1])
		}
		t4 := in
		if len(axes) == 1 {
			if t4, err = c.reshape(in, []int{nb, 1, s[1], ch}, c.tmpName("as_2d")); err != nil {
				return err
			}
		}
		idx := -1
		if n.wants(1) {
			t, idx, err = p.tapPool2D(t4, w, maxPool, n.int("storage_order", 0) != 0)
		} else {
			t, err = p.pool2D(t4, w)
		}
		if err != nil {
			return err
		}
		if len(axes) == 1 {
			if t, err = c.reshape(t, []int{nb, axes[0].out, ch}, c.tmpName("as_1d")); err != nil {
				return err
			}
			if idx >= 0 {
				if idx, err = c.reshape(idx, []int{nb, axes[0].out, ch}, n.outName(1)); err != nil {
					return err
				}
			}
		}
		if idx >= 0 {
			c.tensor(idx).Name = n.outName(1)
			n.set(1, idx, channelsLast(r))
		}
	case 3:
		d, h, w := axes[0], axes[1], axes[2]
		if t, err = c.reshape(in, []int{nb * s[1], s[2], s[3], ch}, c.tmpName("depth_in_batch")); err != nil {
			return err
		}
		if t, err = p.pool2D(t, pairWindow(h, w)); err != nil {
			return err
		}
		if t, err = c.reshape(t, []int{nb, s[1], h.out * w.out, ch}, c.tmpName("depth_as_height")); err != nil {
			return err
		}
		if t, err = p.pool2D(t, pairWindow(d, unitAxis(h.out*w.out))); err != nil {
			return err
		}
		t, err = c.reshape(t, []int{nb, d.out, h.out, w.out, ch}, c.tmpName("as_3d"))
	}
	if err != nil {
		return err
	}
	if asFloat {
		if t, err = c.castTensor(t, typ, c.tmpName("pooled")); err != nil {
			return err
		}
	}
	c.tensor(t).Name = n.outName(0)
	n.set(0, t, channelsLast(r))
	return nil
}

// pooler emits one node's pools.
type pooler struct {
	n                 *node
	maxPool, countPad bool
}

// pool2D pools a 4-D channels-last tensor over window w.
func (p pooler) pool2D(in int, w window) (int, error) {
	c := p.n.c
	if w.d != [2]int{1, 1} {
		t, _, err := p.tapPool2D(in, w, false, false)
		return t, err
	}
	padding, explicit := w.tflitePadding()
	extra := [2]int{w.extraEnd(0), w.extraEnd(1)}
	if !p.maxPool && padding == ir.PaddingSame && p.countPad {
		explicit = true // TFLite's SAME average excludes the padding
	}
	var factors []float32
	var err error
	if explicit {
		padding = ir.PaddingValid
		fill := float32(0)
		if p.maxPool {
			fill = lowestFloat32
		} else {
			if err := checkGenerated(w.out[0]*w.out[1], "the average's divisor table"); err != nil {
				return 0, err
			}
			factors = avgFactors(w, p.countPad, true)
		}
		if in, err = p.n.padNHWC(in, w, extra, fill); err != nil {
			return 0, err
		}
	}
	opType := ir.MaxPool2D
	if !p.maxPool {
		opType = ir.AveragePool2D
	}
	opts := &ir.Pool2DOptions{Padding: padding, StrideH: w.s[0], StrideW: w.s[1], FilterHeight: w.k[0], FilterWidth: w.k[1]}
	t, err := c.emit1(opType, opts, []int{in}, c.tmpName("pool"), c.tensor(in).Type)
	if err != nil || factors == nil {
		return t, err
	}
	ft := c.constFloat32(c.tmpName("divisor_correction"), []int{1, w.out[0], w.out[1], 1}, factors)
	return c.emit1(ir.Mul, &ir.MulOptions{}, []int{t, ft}, c.tmpName("average"), ir.Float32)
}

// maxWindowTaps bounds the windows converted as a few ops per tap (dilated
// pools and MaxPool's Indices in tapPool2D, the depth taps of a 3-D
// ConvTranspose), so that a small file cannot ask for millions of ops (a
// 100x100 pool window took 10 s). Real models have a few dozen taps.
const maxWindowTaps = 1 << 12

// tapPool2D pools over the window's taps, each a strided slice of the
// padded input: for dilations, which TFLite's pools lack, and for
// MaxPool's Indices output. The pool is the taps' MAXIMUM, or their sum
// times 1/count. With indices wanted (max pools only), it also returns
// where each maximum is, as ONNX numbers the input's elements (NCHW, rows
// or, with colMajor, columns innermost): a constant table of positions
// sliced like the input, and at each tap a SELECT_V2 where the tap is
// greater than the maximum so far (so the first of equal maxima wins).
// Indices are -1 when none is computed.
func (p pooler) tapPool2D(in int, w window, withIndices, colMajor bool) (pooled, indices int, err error) {
	c := p.n.c
	indices = -1
	if c.tensor(in).Quant.Quantized() && !p.maxPool {
		return 0, 0, fmt.Errorf("dilated average pool of a quantized tensor")
	}
	if taps := w.k[0] * w.k[1]; taps > maxWindowTaps {
		return 0, 0, fmt.Errorf("%dx%d window: %d taps, each a few ops; liteforge converts dilated pools and MaxPool's Indices for at most %d", w.k[0], w.k[1], taps, maxWindowTaps)
	}
	fill := float32(0)
	if p.maxPool {
		fill = lowestFloat32
	}
	padded, err := p.n.padNHWC(in, w, [2]int{w.extraEnd(0), w.extraEnd(1)}, fill)
	if err != nil {
		return 0, 0, err
	}
	s := c.tensor(padded).Shape
	table := -1
	if withIndices {
		if table, err = p.positionTable(c.tensor(in).Shape, s, w, colMajor); err != nil {
			return 0, 0, err
		}
	}
	strides := c.constInt32(c.tmpName("tap_strides"), []int{1, w.s[0], w.s[1], 1})
	acc := -1
	for i := range w.k[0] {
		for j := range w.k[1] {
			y, x := i*w.d[0], j*w.d[1]
			begin := c.constInt32(c.tmpName("tap_begin"), []int{0, y, x, 0})
			end := c.constInt32(c.tmpName("tap_end"), []int{s[0], y + (w.out[0]-1)*w.s[0] + 1, x + (w.out[1]-1)*w.s[1] + 1, s[3]})
			tap, err := c.emit1(ir.StridedSlice, &ir.StridedSliceOptions{}, []int{padded, begin, end, strides}, c.tmpName("tap"), c.tensor(padded).Type)
			if err != nil {
				return 0, 0, err
			}
			tapIdx := -1
			if table >= 0 {
				if tapIdx, err = c.emit1(ir.StridedSlice, &ir.StridedSliceOptions{}, []int{table, begin, end, strides}, c.tmpName("tap_positions"), ir.Int64); err != nil {
					return 0, 0, err
				}
			}
			switch {
			case acc < 0:
				acc, indices = tap, tapIdx
			case p.maxPool:
				if tapIdx >= 0 {
					gt, err := c.emit1(ir.Greater, nil, []int{tap, acc}, c.tmpName("tap_greater"), ir.Bool)
					if err != nil {
						return 0, 0, err
					}
					if indices, err = c.emit1(ir.SelectV2, nil, []int{gt, tapIdx, indices}, c.tmpName("argmax"), ir.Int64); err != nil {
						return 0, 0, err
					}
				}
				acc, err = c.emit1(ir.Maximum, nil, []int{acc, tap}, c.tmpName("pool_max"), c.tensor(tap).Type)
			default:
				acc, err = c.emit1(ir.Add, &ir.AddOptions{PotScaleInt16: true}, []int{acc, tap}, c.tmpName("pool_sum"), c.tensor(tap).Type)
			}
			if err != nil {
				return 0, 0, err
			}
		}
	}
	if p.maxPool {
		return acc, indices, nil
	}
	if err := checkGenerated(w.out[0]*w.out[1], "the average's divisor table"); err != nil {
		return 0, 0, err
	}
	ft := c.constFloat32(c.tmpName("divisor"), []int{1, w.out[0], w.out[1], 1}, avgFactors(w, p.countPad, false))
	acc, err = c.emit1(ir.Mul, &ir.MulOptions{}, []int{acc, ft}, c.tmpName("average"), ir.Float32)
	return acc, indices, err
}

// positionTable is a constant of the padded input's shape ps (NHWC) holding
// each input element's ONNX index (-1 in the padding), for an input of
// shape is (NHWC).
func (p pooler) positionTable(is, ps []int, w window, colMajor bool) (int, error) {
	if err := checkGenerated(ir.NumElements(ps), "MaxPool's index table"); err != nil {
		return 0, err
	}
	nb, h, wd, ch := is[0], is[1], is[2], is[3]
	pos := make([]int64, 0, ir.NumElements(ps))
	for b := range ps[0] {
		for y := range ps[1] {
			for x := range ps[2] {
				for k := range ps[3] {
					iy, ix := y-w.pb[0], x-w.pb[1]
					if b >= nb || iy < 0 || iy >= h || ix < 0 || ix >= wd {
						pos = append(pos, -1)
						continue
					}
					inner := iy*wd + ix
					if colMajor {
						inner = ix*h + iy
					}
					pos = append(pos, int64((b*ch+k)*h*wd+inner))
				}
			}
		}
	}
	return p.n.c.constant(p.n.c.tmpName("positions"), ir.Int64, ps, ir.Int64Bytes(pos)), nil
}

// tapsWithin counts the taps base + t*d (t in [0, k), d >= 1) that fall in
// [lo, hi), without visiting them: kernels of up to 2^24 taps per axis
// over as many outputs made a loop over the taps run for hours.
func tapsWithin(base, d, k, lo, hi int) int {
	t0, t1 := max(0, ceilDiv(lo-base, d)), min(k, ceilDiv(hi-base, d))
	return max(0, t1-t0)
}

// ceilDiv is a/d rounded up, for d > 0.
func ceilDiv(a, d int) int {
	q := a / d
	if a%d != 0 && a > 0 {
		q++
	}
	return q
}

// avgFactors corrects a sum or average over the explicitly padded input to
// ONNX's divisor at each output position: the window's taps inside the
// padded input with count_include_pad, inside the input without it. With
// overWindow the factors correct an average (which divided by the window
// size) and are nil when no correction is needed; else they divide a sum.
func avgFactors(w window, countPad, overWindow bool) []float32 {
	div := [2][]int{}
	for i := range 2 {
		div[i] = make([]int, w.out[i])
		lo, hi := 0, w.in[i]
		if countPad {
			lo, hi = -w.pb[i], w.in[i]+w.pe[i]
		}
		for o := range w.out[i] {
			div[i][o] = max(tapsWithin(o*w.s[i]-w.pb[i], w.d[i], w.k[i], lo, hi), 1)
		}
	}
	area := 1
	if overWindow {
		area = w.k[0] * w.k[1]
	}
	f := make([]float32, 0, w.out[0]*w.out[1])
	needed := !overWindow
	for _, a := range div[0] {
		for _, b := range div[1] {
			f = append(f, float32(area)/float32(a*b))
			needed = needed || a*b != area
		}
	}
	if !needed {
		return nil
	}
	return f
}

func convGlobalPool(n *node) error {
	x := n.need(0, "X")
	if n.err != nil {
		return nil
	}
	r := n.c.rank(x)
	if r < 3 {
		return fmt.Errorf("input of rank %d; expected at least 3", r)
	}
	axes := make([]int, 0, r-2)
	for a := 2; a < r; a++ {
		axes = append(axes, a)
	}
	typ := ir.Mean
	if n.OpType == "GlobalMaxPool" {
		typ = ir.ReduceMax
	}
	v, err := n.reduce(typ, x, axes, true, n.outName(0))
	if err != nil {
		return err
	}
	n.set(0, v.t, v.perm)
	return nil
}
