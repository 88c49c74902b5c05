package onnx

import (
	goruntime "runtime"
	"slices"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/runtime"
)

// TestPoolsAgainstONNXRuntime checks the pools TFLite has no op for, 3-D
// ones (pooled as two 2-D passes) and dilated ones (pooled over strided
// slices), with padding, strides, ceil mode and both average divisors,
// against ONNX Runtime and TFLite.
func TestPoolsAgainstONNXRuntime(t *testing.T) {
	ort := testutil.ORTOracle(t)
	pool := func(op, name string, attrs ...*AttributeProto) *NodeProto {
		return nodeOf(op, name, []string{"x"}, []string{name}, attrs...)
	}
	outputs := func(nodes []*NodeProto) []*ValueInfoProto {
		var outs []*ValueInfoProto
		for _, n := range nodes {
			outs = append(outs, &ValueInfoProto{Name: n.Outputs[0], Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}})
		}
		return outs
	}
	k3 := intsAttr("kernel_shape", 2, 3, 2)
	nodes3D := []*NodeProto{
		pool("MaxPool", "max3d_pads_strides", k3, intsAttr("pads", 1, 0, 1, 0, 2, 1), intsAttr("strides", 2, 1, 2)),
		pool("MaxPool", "max3d_ceil_dilated", k3, intsAttr("strides", 2, 2, 2), intAttr("ceil_mode", 1), intsAttr("dilations", 1, 2, 1)),
		pool("AveragePool", "avg3d_exclude_pad", k3, intsAttr("pads", 1, 1, 0, 0, 1, 1)),
		pool("AveragePool", "avg3d_include_pad_ceil", k3, intsAttr("pads", 0, 1, 1, 1, 0, 0), intsAttr("strides", 2, 2, 3),
			intAttr("count_include_pad", 1), intAttr("ceil_mode", 1)),
		pool("AveragePool", "avg3d_same_upper", k3, strAttr("auto_pad", "SAME_UPPER"), intsAttr("strides", 1, 2, 2)),
	}
	g3 := &GraphProto{Nodes: nodes3D, Outputs: outputs(nodes3D), Inputs: []*ValueInfoProto{tensorInfo("x", onnxFloat, 1, 3, 5, 6, 7)}}
	runLayoutModel(t, ort, modelOf(19, g3), func(s string) string { return s })

	k2 := intsAttr("kernel_shape", 3, 2)
	nodes2D := []*NodeProto{
		pool("MaxPool", "max_dilated_pads", k2, intsAttr("dilations", 2, 3), intsAttr("pads", 1, 1, 2, 0)),
		pool("MaxPool", "max_dilated_strides_ceil", k2, intsAttr("dilations", 2, 2), intsAttr("strides", 2, 3), intAttr("ceil_mode", 1)),
		pool("AveragePool", "avg_dilated_exclude_pad", k2, intsAttr("dilations", 2, 2), intsAttr("pads", 2, 1, 1, 1)),
		pool("AveragePool", "avg_dilated_include_pad", k2, intsAttr("dilations", 3, 1), intsAttr("pads", 1, 1, 2, 0),
			intsAttr("strides", 1, 2), intAttr("count_include_pad", 1)),
		nodeOf("MaxPool", "max1d_dilated", []string{"x1"}, []string{"max1d_dilated"}, intsAttr("kernel_shape", 3), intsAttr("dilations", 2), intsAttr("pads", 1, 1)),
	}
	g2 := &GraphProto{Nodes: append([]*NodeProto{nodeOf("Reshape", "as1d", []string{"x", "s1"}, []string{"x1"})}, nodes2D...),
		Initializers: []*TensorProto{i64s("s1", 1, 3, -1)},
		Outputs:      outputs(nodes2D), Inputs: []*ValueInfoProto{tensorInfo("x", onnxFloat, 1, 3, 9, 8)}}
	runLayoutModel(t, ort, modelOf(19, g2), func(s string) string { return s })
}

// TestMaxPoolIndicesAgainstONNXRuntime checks MaxPool's Indices output
// (positions in the NCHW input, row- or column-major, batch and channel
// included) with padding, strides, ceil mode and dilations, after a RELU
// whose zeros make ties (the first in scan order wins), against ONNX
// Runtime and TFLite.
func TestMaxPoolIndicesAgainstONNXRuntime(t *testing.T) {
	ort := testutil.ORTOracle(t)
	nodes := []*NodeProto{nodeOf("Relu", "relu", []string{"x"}, []string{"xr"})}
	var outs []string
	withIndices := func(name string, in string, attrs ...*AttributeProto) {
		nodes = append(nodes,
			nodeOf("MaxPool", name, []string{in}, []string{name, name + "_i64"}, attrs...),
			nodeOf("Cast", name+"_cast", []string{name + "_i64"}, []string{name + "_indices"}, intAttr("to", onnxFloat)))
		outs = append(outs, name, name+"_indices")
	}
	withIndices("pads_strides", "xr", intsAttr("kernel_shape", 3, 2), intsAttr("pads", 1, 1, 1, 0), intsAttr("strides", 2, 1))
	withIndices("ceil_column_major", "xr", intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2), intAttr("ceil_mode", 1), intAttr("storage_order", 1))
	withIndices("dilated", "xr", intsAttr("kernel_shape", 2, 2), intsAttr("dilations", 2, 2), intsAttr("pads", 1, 0, 1, 1))
	nodes = append(nodes, nodeOf("Reshape", "as1d", []string{"xr", "s1"}, []string{"x1"}))
	withIndices("one_d", "x1", intsAttr("kernel_shape", 3), intsAttr("strides", 2), intsAttr("pads", 1, 1))
	g := &GraphProto{Nodes: nodes, Initializers: []*TensorProto{i64s("s1", 2, 3, -1)},
		Inputs: []*ValueInfoProto{tensorInfo("x", onnxFloat, 2, 3, 7, 6)}}
	for _, o := range outs {
		g.Outputs = append(g.Outputs, &ValueInfoProto{Name: o, Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}})
	}
	runLayoutModel(t, ort, modelOf(13, g), func(s string) string { return s })
}

// TestConvTranspose3DAgainstONNXRuntime checks 3-D ConvTranspose (one 2-D
// TRANSPOSE_CONV per depth tap, spread and shifted along depth) with
// strides, pads, output_padding, dilations, output_shape, auto_pad and a
// bias, against ONNX Runtime and TFLite.
func TestConvTranspose3DAgainstONNXRuntime(t *testing.T) {
	ort := testutil.ORTOracle(t)
	tc := func(name string, w string, attrs ...*AttributeProto) *NodeProto {
		return nodeOf("ConvTranspose", name, []string{"x", w, "b"}, []string{name}, attrs...)
	}
	nodes := []*NodeProto{
		tc("plain", "w"),
		tc("strided_padded", "w", intsAttr("strides", 2, 1, 3), intsAttr("pads", 1, 0, 1, 0, 1, 2), intsAttr("output_padding", 1, 0, 2)),
		tc("dilated", "w", intsAttr("dilations", 2, 1, 2), intsAttr("strides", 1, 2, 1)),
		tc("output_shape", "w", intsAttr("strides", 3, 2, 2), intsAttr("output_shape", 9, 6, 9)),
		tc("same_upper", "w", intsAttr("strides", 2, 2, 1), strAttr("auto_pad", "SAME_UPPER")),
	}
	g := &GraphProto{Nodes: nodes,
		Initializers: []*TensorProto{floatTensor("w", []int64{3, 2, 3, 2, 3}, seq(108)), floatTensor("b", []int64{2}, []float32{0.5, -1})},
		Inputs:       []*ValueInfoProto{tensorInfo("x", onnxFloat, 2, 3, 3, 3, 4)}}
	for _, nd := range nodes {
		g.Outputs = append(g.Outputs, &ValueInfoProto{Name: nd.Outputs[0], Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}})
	}
	runLayoutModel(t, ort, modelOf(13, g), func(s string) string { return s })
}

// TestGatherNDBatchDimsAgainstONNXRuntime checks GatherND with batch
// dimensions (each index tuple gets its batch position in front for
// TFLite's GATHER_ND), with negative indices, against ONNX Runtime and
// TFLite.
func TestGatherNDBatchDimsAgainstONNXRuntime(t *testing.T) {
	ort := testutil.ORTOracle(t)
	nodes := []*NodeProto{
		nodeOf("GatherND", "rows", []string{"x", "i1"}, []string{"rows"}, intAttr("batch_dims", 1)),
		nodeOf("GatherND", "elements", []string{"x", "i2"}, []string{"elements"}, intAttr("batch_dims", 1)),
		nodeOf("GatherND", "two_batch_dims", []string{"x", "i3"}, []string{"two_batch_dims"}, intAttr("batch_dims", 2)),
	}
	g := &GraphProto{Nodes: nodes,
		Initializers: []*TensorProto{
			int64Tensor("i1", []int64{2, 3, 1}, []int64{2, -1, 0, -3, 1, 1}),
			int64Tensor("i2", []int64{2, 2, 2}, []int64{0, 4, -1, -2, 2, 0, 1, 3}),
			int64Tensor("i3", []int64{2, 3, 1}, []int64{4, 0, -2, 1, 3, -5}),
		},
		Inputs: []*ValueInfoProto{tensorInfo("x", onnxFloat, 2, 3, 5)}}
	for _, nd := range nodes {
		g.Outputs = append(g.Outputs, &ValueInfoProto{Name: nd.Outputs[0], Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}})
	}
	runLayoutModel(t, ort, modelOf(13, g), func(s string) string { return s })
}

// TestPerAxisQDQAgainstONNXRuntime checks QuantizeLinear and
// DequantizeLinear per axis of a computed (channels-last) tensor, which
// become the ops' arithmetic since TFLite quantizes activations per tensor,
// against ONNX Runtime and TFLite. The scales are small enough that some
// values saturate.
func TestPerAxisQDQAgainstONNXRuntime(t *testing.T) {
	ort := testutil.ORTOracle(t)
	m := convThen(13, []*NodeProto{
		nodeOf("QuantizeLinear", "q_channels", []string{"c", "cs", "cz"}, []string{"qc"}, intAttr("axis", 1)),
		nodeOf("DequantizeLinear", "dq_channels", []string{"qc", "cs", "cz"}, []string{"y"}, intAttr("axis", 1)),
		nodeOf("QuantizeLinear", "q_height", []string{"c", "hs", "hz"}, []string{"qh"}, intAttr("axis", 2)),
		nodeOf("DequantizeLinear", "dq_height", []string{"qh", "hs", "hz"}, []string{"y_height"}, intAttr("axis", 2)),
	},
		floatTensor("cs", []int64{4}, []float32{0.01, 0.02, 0.005, 0.05}),
		&TensorProto{Name: "cz", Dims: []int64{4}, DataType: onnxUint8, Int32Data: []int32{128, 0, 250, 100}},
		floatTensor("hs", []int64{6}, []float32{0.01, 0.03, 0.004, 0.02, 0.1, 0.008}),
		&TensorProto{Name: "hz", Dims: []int64{6}, DataType: onnxInt8, Int32Data: []int32{0, -3, 100, 7, -128, 1}})
	m.Graph.Outputs = append(m.Graph.Outputs, &ValueInfoProto{Name: "y_height", Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}})
	runLayoutModel(t, ort, m, func(s string) string { return s })
}

// TestTrainingBatchNormAgainstONNXRuntime checks BatchNormalization in
// training mode (the batch's own statistics, and the running ones moved
// towards them) after a convolution, against ONNX Runtime and TFLite.
func TestTrainingBatchNormAgainstONNXRuntime(t *testing.T) {
	ort := testutil.ORTOracle(t)
	m := convThen(15, []*NodeProto{
		nodeOf("BatchNormalization", "bn", []string{"c", "sc", "bb", "mu", "va"}, []string{"y", "running_mean", "running_var"},
			intAttr("training_mode", 1), floatAttr("momentum", 0.8), floatAttr("epsilon", 1e-3)),
	},
		floatTensor("sc", []int64{4}, []float32{1, 2, 0.5, -1}), floatTensor("bb", []int64{4}, []float32{0, 1, -1, 0.5}),
		floatTensor("mu", []int64{4}, []float32{0.1, 0.2, 0.3, 0.4}), floatTensor("va", []int64{4}, []float32{1, 2, 0.5, 0.25}))
	for _, o := range []string{"running_mean", "running_var"} {
		m.Graph.Outputs = append(m.Graph.Outputs, &ValueInfoProto{Name: o, Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}})
	}
	runLayoutModel(t, ort, m, func(s string) string { return s })
}

// TestInt64PowAgainstONNXRuntime checks Pow of int64 bases with constant
// exponents (per element, and one float exponent for all), which becomes
// squaring and per-element selection since TFLite's POW takes no int64,
// against ONNX Runtime and TFLite.
func TestInt64PowAgainstONNXRuntime(t *testing.T) {
	ort := testutil.ORTOracle(t)
	nodes := []*NodeProto{
		nodeOf("Mul", "spread", []string{"x", "k"}, []string{"xs"}),
		nodeOf("Cast", "as_int64", []string{"xs"}, []string{"xi"}, intAttr("to", onnxInt64)),
		nodeOf("Pow", "pow_each", []string{"xi", "e"}, []string{"pe"}),
		nodeOf("Cast", "pow_each_float", []string{"pe"}, []string{"pow_each"}, intAttr("to", onnxFloat)),
		nodeOf("Pow", "pow_all", []string{"xi", "f"}, []string{"pa"}),
		nodeOf("Cast", "pow_all_float", []string{"pa"}, []string{"pow_all"}, intAttr("to", onnxFloat)),
	}
	g := &GraphProto{Nodes: nodes,
		Initializers: []*TensorProto{
			floatTensor("k", nil, []float32{2.5}),
			int64Tensor("e", []int64{6}, []int64{0, 1, 2, 5, 9, 3}),
			floatTensor("f", nil, []float32{7}),
		},
		Inputs: []*ValueInfoProto{tensorInfo("x", onnxFloat, 4, 6)}}
	for _, o := range []string{"pow_each", "pow_all"} {
		g.Outputs = append(g.Outputs, &ValueInfoProto{Name: o, Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}})
	}
	runLayoutModel(t, ort, modelOf(15, g), func(s string) string { return s })
}

// TestCropAndResizeAgainstONNXRuntime checks Resize with
// coordinate_transformation_mode tf_crop_and_resize (a region of interest,
// and extrapolation_value where it reaches outside the input), which runs
// as the separable GATHER filter, against ONNX Runtime and TFLite. (ONNX
// Runtime ignores the region of an axis it does not resize, so each case
// resizes both spatial axes; TestCropWithoutResize covers the other.)
func TestCropAndResizeAgainstONNXRuntime(t *testing.T) {
	ort := testutil.ORTOracle(t)
	crop := func(name, mode string, roi, sizes string, attrs ...*AttributeProto) *NodeProto {
		attrs = append(attrs, strAttr("mode", mode), strAttr("coordinate_transformation_mode", "tf_crop_and_resize"))
		return nodeOf("Resize", name, []string{"c", roi, "", sizes}, []string{name}, attrs...)
	}
	nodes := []*NodeProto{
		crop("linear_outside", "linear", "roi_out", "sz_a", floatAttr("extrapolation_value", 10)),
		crop("linear_inside", "linear", "roi_in", "sz_b"),
		crop("nearest_outside", "nearest", "roi_out", "sz_b", strAttr("nearest_mode", "floor"), floatAttr("extrapolation_value", -3)),
		crop("cubic_inside", "cubic", "roi_in", "sz_a"),
		nodeOf("Resize", "linear_scales", []string{"c", "roi_out", "sc"}, []string{"linear_scales"},
			strAttr("mode", "linear"), strAttr("coordinate_transformation_mode", "tf_crop_and_resize")),
	}
	m := convThen(13, nodes,
		floatTensor("roi_out", []int64{8}, []float32{0, 0, -0.2, 0.1, 1, 1, 1.3, 0.8}),
		floatTensor("roi_in", []int64{8}, []float32{0, 0, 0.1, 0.3, 1, 1, 0.7, 0.9}),
		i64s("sz_a", 1, 4, 7, 9), i64s("sz_b", 1, 4, 4, 6), floatTensor("sc", []int64{4}, []float32{1, 1, 2, 2}))
	m.Graph.Outputs = nil
	for _, nd := range nodes {
		m.Graph.Outputs = append(m.Graph.Outputs, &ValueInfoProto{Name: nd.Outputs[0], Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}})
	}
	runLayoutModel(t, ort, m, func(s string) string { return s })
}

// TestCropWithoutResize checks tf_crop_and_resize regions worked by hand
// on x = [0, 10, 20]: [0.5, 1] keeps the size and samples input positions
// 1, 1.5 and 2; [1.5, 2] samples 3 and 4, both outside, so both outputs
// are the extrapolation value.
func TestCropWithoutResize(t *testing.T) {
	for _, c := range []struct {
		roi   [2]float32
		size  int64
		extra float32
		want  []float32
	}{
		{[2]float32{0.5, 1}, 3, 0, []float32{10, 15, 20}},
		{[2]float32{1.5, 2}, 2, 7, []float32{7, 7}},
	} {
		g := &GraphProto{
			Nodes: []*NodeProto{nodeOf("Resize", "crop", []string{"x", "roi", "", "sz"}, []string{"y"}, strAttr("mode", "linear"),
				strAttr("coordinate_transformation_mode", "tf_crop_and_resize"), floatAttr("extrapolation_value", c.extra))},
			Initializers: []*TensorProto{floatTensor("roi", []int64{6}, []float32{0, 0, c.roi[0], 1, 1, c.roi[1]}), i64s("sz", 1, 1, c.size)},
			Inputs:       []*ValueInfoProto{tensorInfo("x", onnxFloat, 1, 1, 3)},
			Outputs:      []*ValueInfoProto{{Name: "y", Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}}},
		}
		m, err := ConvertModel(modelOf(13, g), Options{})
		if err != nil {
			t.Fatal(err)
		}
		it, err := runtime.New(m)
		if err != nil {
			t.Fatal(err)
		}
		copy(it.Input(0).Float32s(), []float32{0, 10, 20})
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		if got := it.Output(0).Float32s(); !slices.Equal(got, c.want) {
			t.Errorf("roi %v: got %v, want %v", c.roi, got, c.want)
		}
	}
}

// TestCropMaskBounded: a region reaching outside the input on two large
// output axes needs a mask as large as the whole output plane (8192x16384
// here, over the converter's limit). It is built only for a nonzero
// extrapolation_value, and its size is checked before it is allocated:
// the converter built it whatever the value and checked it only when done,
// so a file asking for two axes of 2^24 made it allocate 2^50 bytes.
func TestCropMaskBounded(t *testing.T) {
	for _, extra := range []float32{0, 5} {
		g := &GraphProto{
			Nodes: []*NodeProto{nodeOf("Resize", "crop", []string{"x", "roi", "", "sz"}, []string{"y"}, strAttr("mode", "nearest"),
				strAttr("coordinate_transformation_mode", "tf_crop_and_resize"), floatAttr("extrapolation_value", extra))},
			Initializers: []*TensorProto{floatTensor("roi", []int64{8}, []float32{0, 0, -0.5, -0.5, 1, 1, 1.5, 1.5}), i64s("sz", 1, 1, 8192, 16384)},
			Inputs:       []*ValueInfoProto{tensorInfo("x", onnxFloat, 1, 1, 2, 2)},
			Outputs:      []*ValueInfoProto{{Name: "y", Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}}},
		}
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		_, err := ConvertModel(modelOf(13, g), Options{})
		goruntime.ReadMemStats(&after)
		switch {
		case extra == 0 && err != nil:
			t.Errorf("extrapolation_value 0: %v", err)
		case extra != 0 && (err == nil || !strings.Contains(err.Error(), "extrapolation mask")):
			t.Errorf("extrapolation_value %v: error %v, want one about the extrapolation mask", extra, err)
		}
		// The mask would be 512 MiB; the taps and indices take well under 1 MiB.
		if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
			t.Errorf("extrapolation_value %v: converting allocated %d MiB", extra, got>>20)
		}
	}
}

// TestPoolTapsBounded: a dilated pool, or a MaxPool with Indices, becomes
// ops per window tap, so a large window in a small file is refused with a
// reason instead of millions of ops (the bound was 2^24 taps); so is a 3-D
// ConvTranspose, ops per kernel depth tap.
func TestPoolTapsBounded(t *testing.T) {
	for _, c := range []struct {
		name  string
		attrs []*AttributeProto
		outs  []string
	}{
		{"dilated", []*AttributeProto{intsAttr("kernel_shape", 100, 100), intsAttr("dilations", 2, 2)}, []string{"y"}},
		{"indices", []*AttributeProto{intsAttr("kernel_shape", 100, 100)}, []string{"y", "i"}},
	} {
		g := &GraphProto{
			Nodes:   []*NodeProto{nodeOf("MaxPool", "pool", []string{"x"}, c.outs, c.attrs...)},
			Inputs:  []*ValueInfoProto{tensorInfo("x", onnxFloat, 1, 1, 300, 300)},
			Outputs: []*ValueInfoProto{{Name: "y", Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}}},
		}
		if len(c.outs) == 2 {
			g.Outputs = append(g.Outputs, &ValueInfoProto{Name: "i", Type: &TypeProto{Kind: "tensor", ElemType: onnxInt64}})
		}
		_, err := ConvertModel(modelOf(13, g), Options{})
		if err == nil || !strings.Contains(err.Error(), "10000 taps") {
			t.Errorf("%s 100x100 MaxPool: error %v, want one about its 10000 taps", c.name, err)
		}
	}
	// A 3-D ConvTranspose is a few ops per kernel depth tap, so depth taps
	// are bounded too: 5000 (a 20 KB file) made 30,000 ops, a 4 MB file
	// would make six million.
	g := &GraphProto{
		Nodes:        []*NodeProto{nodeOf("ConvTranspose", "deconv", []string{"x", "w"}, []string{"y"})},
		Initializers: []*TensorProto{floatTensor("w", []int64{1, 1, 5000, 1, 1}, make([]float32, 5000))},
		Inputs:       []*ValueInfoProto{tensorInfo("x", onnxFloat, 1, 1, 1, 1, 1)},
		Outputs:      []*ValueInfoProto{{Name: "y", Type: &TypeProto{Kind: "tensor", ElemType: onnxFloat}}},
	}
	for i := range g.Initializers[0].FloatData {
		g.Initializers[0].FloatData[i] = 1 // no tap is skipped as zero
	}
	if _, err := ConvertModel(modelOf(13, g), Options{}); err == nil || !strings.Contains(err.Error(), "kernel depth 5000") {
		t.Errorf("3-D ConvTranspose of kernel depth 5000: error %v, want one about its depth taps", err)
	}
}

// tapsWithin agrees with counting the taps one by one, the definition, over
// every small base, dilation, kernel and range, negative ones included.
func TestTapsWithin(t *testing.T) {
	for base := -7; base <= 7; base++ {
		for d := 1; d <= 4; d++ {
			for k := 1; k <= 6; k++ {
				for lo := -5; lo <= 5; lo++ {
					for hi := lo; hi <= 9; hi++ {
						want := 0
						for t := range k {
							if p := base + t*d; p >= lo && p < hi {
								want++
							}
						}
						if got := tapsWithin(base, d, k, lo, hi); got != want {
							t.Fatalf("tapsWithin(%d, %d, %d, %d, %d) = %d, want %d", base, d, k, lo, hi, got, want)
						}
					}
				}
			}
		}
	}
}
