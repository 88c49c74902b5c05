package tflite

import (
	"reflect"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/liteforge/liteforge/ir"
	s "github.com/liteforge/liteforge/tflite/internal/schema"
)

// optionCases pairs, for every option table ir models, a table with a
// distinct non-default value in each field and the ir options it means. The
// generated object API packs and unpacks the tables, independently of the
// mapping under test.
var optionCases = []struct {
	op  ir.OpType
	tag s.BuiltinOptions
	fb  any
	ir  ir.Options
}{
	{ir.Conv2D, s.BuiltinOptionsConv2DOptions, &s.Conv2DOptionsT{Padding: s.PaddingVALID, StrideW: 2, StrideH: 3, FusedActivationFunction: s.ActivationFunctionTypeRELU6, DilationWFactor: 4, DilationHFactor: 5, QuantizedBiasType: s.TensorTypeINT64},
		&ir.Conv2DOptions{Padding: ir.PaddingValid, StrideW: 2, StrideH: 3, Activation: ir.ActRelu6, DilationW: 4, DilationH: 5, QuantizedBiasType: ir.Int64}},
	{ir.Conv2D, s.BuiltinOptionsConv2DOptions, &s.Conv2DOptionsT{DilationWFactor: 1, DilationHFactor: 1},
		&ir.Conv2DOptions{DilationW: 1, DilationH: 1}},
	{ir.DepthwiseConv2D, s.BuiltinOptionsDepthwiseConv2DOptions, &s.DepthwiseConv2DOptionsT{Padding: s.PaddingVALID, StrideW: 2, StrideH: 3, DepthMultiplier: 4, FusedActivationFunction: s.ActivationFunctionTypeRELU, DilationWFactor: 5, DilationHFactor: 6},
		&ir.DepthwiseConv2DOptions{Padding: ir.PaddingValid, StrideW: 2, StrideH: 3, DepthMultiplier: 4, Activation: ir.ActRelu, DilationW: 5, DilationH: 6}},
	{ir.TransposeConv, s.BuiltinOptionsTransposeConvOptions, &s.TransposeConvOptionsT{Padding: s.PaddingVALID, StrideW: 2, StrideH: 3, FusedActivationFunction: s.ActivationFunctionTypeTANH, QuantizedBiasType: s.TensorTypeINT32},
		&ir.TransposeConvOptions{Padding: ir.PaddingValid, StrideW: 2, StrideH: 3, Activation: ir.ActTanh, QuantizedBiasType: ir.Int32}},
	{ir.MaxPool2D, s.BuiltinOptionsPool2DOptions, &s.Pool2DOptionsT{Padding: s.PaddingVALID, StrideW: 2, StrideH: 3, FilterWidth: 4, FilterHeight: 5, FusedActivationFunction: s.ActivationFunctionTypeRELU_N1_TO_1},
		&ir.Pool2DOptions{Padding: ir.PaddingValid, StrideW: 2, StrideH: 3, FilterWidth: 4, FilterHeight: 5, Activation: ir.ActReluN1To1}},
	{ir.FullyConnected, s.BuiltinOptionsFullyConnectedOptions, &s.FullyConnectedOptionsT{FusedActivationFunction: s.ActivationFunctionTypeRELU, WeightsFormat: s.FullyConnectedOptionsWeightsFormatSHUFFLED4x16INT8, KeepNumDims: true, AsymmetricQuantizeInputs: true, QuantizedBiasType: s.TensorTypeINT32},
		&ir.FullyConnectedOptions{Activation: ir.ActRelu, WeightsFormat: ir.WeightsShuffled4x16Int8, KeepNumDims: true, AsymmetricQuantizeInputs: true, QuantizedBiasType: ir.Int32}},
	{ir.BatchMatMul, s.BuiltinOptionsBatchMatMulOptions, &s.BatchMatMulOptionsT{AdjX: true, AdjY: false, AsymmetricQuantizeInputs: true},
		&ir.BatchMatMulOptions{AdjX: true, AsymmetricQuantizeInputs: true}},
	{ir.Softmax, s.BuiltinOptionsSoftmaxOptions, &s.SoftmaxOptionsT{Beta: 0.5}, &ir.SoftmaxOptions{Beta: 0.5}},
	{ir.Concatenation, s.BuiltinOptionsConcatenationOptions, &s.ConcatenationOptionsT{Axis: -1, FusedActivationFunction: s.ActivationFunctionTypeRELU6},
		&ir.ConcatenationOptions{Axis: -1, Activation: ir.ActRelu6}},
	{ir.Add, s.BuiltinOptionsAddOptions, &s.AddOptionsT{FusedActivationFunction: s.ActivationFunctionTypeRELU, PotScaleInt16: false},
		&ir.AddOptions{Activation: ir.ActRelu, PotScaleInt16: false}},
	{ir.Add, s.BuiltinOptionsAddOptions, &s.AddOptionsT{PotScaleInt16: true}, &ir.AddOptions{PotScaleInt16: true}},
	{ir.Sub, s.BuiltinOptionsSubOptions, &s.SubOptionsT{FusedActivationFunction: s.ActivationFunctionTypeRELU6, PotScaleInt16: false},
		&ir.SubOptions{Activation: ir.ActRelu6}},
	{ir.Mul, s.BuiltinOptionsMulOptions, &s.MulOptionsT{FusedActivationFunction: s.ActivationFunctionTypeTANH}, &ir.MulOptions{Activation: ir.ActTanh}},
	{ir.Div, s.BuiltinOptionsDivOptions, &s.DivOptionsT{FusedActivationFunction: s.ActivationFunctionTypeRELU}, &ir.DivOptions{Activation: ir.ActRelu}},
	{ir.L2Normalization, s.BuiltinOptionsL2NormOptions, &s.L2NormOptionsT{FusedActivationFunction: s.ActivationFunctionTypeRELU}, &ir.L2NormOptions{Activation: ir.ActRelu}},
	{ir.LocalResponseNormalization, s.BuiltinOptionsLocalResponseNormalizationOptions, &s.LocalResponseNormalizationOptionsT{Radius: 2, Bias: 1.5, Alpha: 0.25, Beta: 0.75},
		&ir.LocalResponseNormalizationOptions{Radius: 2, Bias: 1.5, Alpha: 0.25, Beta: 0.75}},
	{ir.Mean, s.BuiltinOptionsReducerOptions, &s.ReducerOptionsT{KeepDims: true}, &ir.ReducerOptions{KeepDims: true}},
	{ir.Reshape, s.BuiltinOptionsReshapeOptions, &s.ReshapeOptionsT{NewShape: []int32{2, -1}}, &ir.ReshapeOptions{NewShape: []int{2, -1}}},
	{ir.Reshape, s.BuiltinOptionsReshapeOptions, &s.ReshapeOptionsT{NewShape: []int32{}}, &ir.ReshapeOptions{NewShape: []int{}}},
	{ir.Reshape, s.BuiltinOptionsReshapeOptions, &s.ReshapeOptionsT{}, &ir.ReshapeOptions{}},
	{ir.Squeeze, s.BuiltinOptionsSqueezeOptions, &s.SqueezeOptionsT{SqueezeDims: []int32{0, 2}}, &ir.SqueezeOptions{SqueezeDims: []int{0, 2}}},
	{ir.Split, s.BuiltinOptionsSplitOptions, &s.SplitOptionsT{NumSplits: 3}, &ir.SplitOptions{NumSplits: 3}},
	{ir.SplitV, s.BuiltinOptionsSplitVOptions, &s.SplitVOptionsT{NumSplits: 4}, &ir.SplitVOptions{NumSplits: 4}},
	{ir.Pack, s.BuiltinOptionsPackOptions, &s.PackOptionsT{ValuesCount: 3, Axis: 1}, &ir.PackOptions{ValuesCount: 3, Axis: 1}},
	{ir.Unpack, s.BuiltinOptionsUnpackOptions, &s.UnpackOptionsT{Num: 5, Axis: 2}, &ir.UnpackOptions{Num: 5, Axis: 2}},
	{ir.StridedSlice, s.BuiltinOptionsStridedSliceOptions, &s.StridedSliceOptionsT{BeginMask: 1, EndMask: 2, EllipsisMask: 4, NewAxisMask: 8, ShrinkAxisMask: 16, Offset: true},
		&ir.StridedSliceOptions{BeginMask: 1, EndMask: 2, EllipsisMask: 4, NewAxisMask: 8, ShrinkAxisMask: 16, Offset: true}},
	{ir.Gather, s.BuiltinOptionsGatherOptions, &s.GatherOptionsT{Axis: 1, BatchDims: 2}, &ir.GatherOptions{Axis: 1, BatchDims: 2}},
	{ir.MirrorPad, s.BuiltinOptionsMirrorPadOptions, &s.MirrorPadOptionsT{Mode: s.MirrorPadModeSYMMETRIC}, &ir.MirrorPadOptions{Mode: ir.MirrorSymmetric}},
	{ir.ResizeBilinear, s.BuiltinOptionsResizeBilinearOptions, &s.ResizeBilinearOptionsT{AlignCorners: false, HalfPixelCenters: true},
		&ir.ResizeBilinearOptions{HalfPixelCenters: true}},
	{ir.ResizeNearestNeighbor, s.BuiltinOptionsResizeNearestNeighborOptions, &s.ResizeNearestNeighborOptionsT{AlignCorners: true},
		&ir.ResizeNearestNeighborOptions{AlignCorners: true}},
	{ir.SpaceToDepth, s.BuiltinOptionsSpaceToDepthOptions, &s.SpaceToDepthOptionsT{BlockSize: 2}, &ir.SpaceToDepthOptions{BlockSize: 2}},
	{ir.DepthToSpace, s.BuiltinOptionsDepthToSpaceOptions, &s.DepthToSpaceOptionsT{BlockSize: 3}, &ir.DepthToSpaceOptions{BlockSize: 3}},
	{ir.Shape, s.BuiltinOptionsShapeOptions, &s.ShapeOptionsT{OutType: s.TensorTypeINT64}, &ir.ShapeOptions{OutType: ir.Int64}},
	{ir.Cast, s.BuiltinOptionsCastOptions, &s.CastOptionsT{InDataType: s.TensorTypeINT8, OutDataType: s.TensorTypeFLOAT16},
		&ir.CastOptions{InType: ir.Int8, OutType: ir.Float16}},
	{ir.ArgMax, s.BuiltinOptionsArgMaxOptions, &s.ArgMaxOptionsT{OutputType: s.TensorTypeINT64}, &ir.ArgMaxOptions{OutputType: ir.Int64}},
	{ir.ArgMin, s.BuiltinOptionsArgMinOptions, &s.ArgMinOptionsT{OutputType: s.TensorTypeINT32}, &ir.ArgMinOptions{OutputType: ir.Int32}},
	{ir.LeakyRelu, s.BuiltinOptionsLeakyReluOptions, &s.LeakyReluOptionsT{Alpha: 0.125}, &ir.LeakyReluOptions{Alpha: 0.125}},
	{ir.Gelu, s.BuiltinOptionsGeluOptions, &s.GeluOptionsT{Approximate: true}, &ir.GeluOptions{Approximate: true}},
	{ir.UnidirectionalSequenceLSTM, s.BuiltinOptionsUnidirectionalSequenceLSTMOptions, &s.UnidirectionalSequenceLSTMOptionsT{FusedActivationFunction: s.ActivationFunctionTypeTANH, CellClip: 10, ProjClip: 3, TimeMajor: true, AsymmetricQuantizeInputs: true, DiagonalRecurrentTensors: true},
		&ir.UnidirectionalSequenceLSTMOptions{Activation: ir.ActTanh, CellClip: 10, ProjClip: 3, TimeMajor: true, AsymmetricQuantizeInputs: true, DiagonalRecurrentTensors: true}},
	{ir.LSTM, s.BuiltinOptionsLSTMOptions, &s.LSTMOptionsT{FusedActivationFunction: s.ActivationFunctionTypeTANH, CellClip: 2, ProjClip: 1, KernelType: s.LSTMKernelTypeBASIC, AsymmetricQuantizeInputs: true},
		&ir.LSTMOptions{Activation: ir.ActTanh, CellClip: 2, ProjClip: 1, KernelType: ir.LSTMBasic, AsymmetricQuantizeInputs: true}},
	{ir.SVDF, s.BuiltinOptionsSVDFOptions, &s.SVDFOptionsT{Rank: 2, FusedActivationFunction: s.ActivationFunctionTypeRELU, AsymmetricQuantizeInputs: true},
		&ir.SVDFOptions{Rank: 2, Activation: ir.ActRelu, AsymmetricQuantizeInputs: true}},
	{ir.FakeQuant, s.BuiltinOptionsFakeQuantOptions, &s.FakeQuantOptionsT{Min: -6, Max: 6, NumBits: 8, NarrowRange: true},
		&ir.FakeQuantOptions{Min: -6, Max: 6, NumBits: 8, NarrowRange: true}},
	{ir.OneHot, s.BuiltinOptionsOneHotOptions, &s.OneHotOptionsT{Axis: -1}, &ir.OneHotOptions{Axis: -1}},
	{ir.Cumsum, s.BuiltinOptionsCumsumOptions, &s.CumsumOptionsT{Exclusive: true, Reverse: true}, &ir.CumsumOptions{Exclusive: true, Reverse: true}},
	{ir.Call, s.BuiltinOptionsCallOptions, &s.CallOptionsT{Subgraph: 1}, &ir.CallOptions{Subgraph: 1}},
	{ir.If, s.BuiltinOptionsIfOptions, &s.IfOptionsT{ThenSubgraphIndex: 1, ElseSubgraphIndex: 2}, &ir.IfOptions{ThenSubgraph: 1, ElseSubgraph: 2}},
	{ir.While, s.BuiltinOptionsWhileOptions, &s.WhileOptionsT{CondSubgraphIndex: 2, BodySubgraphIndex: 1}, &ir.WhileOptions{CondSubgraph: 2, BodySubgraph: 1}},
	{ir.CallOnce, s.BuiltinOptionsCallOnceOptions, &s.CallOnceOptionsT{InitSubgraphIndex: 2}, &ir.CallOnceOptions{InitSubgraph: 2}},
	// Empty tables are nil in ir; tables ir does not model stay raw.
	{ir.Pad, s.BuiltinOptionsPadOptions, nil, nil},
	{ir.SkipGram, s.BuiltinOptionsSkipGramOptions, &s.SkipGramOptionsT{NgramSize: 3, MaxSkipSize: 2, IncludeAllNgrams: true},
		&RawOptions{options: skipGram(3, 2, true)}},
}

// optionsModel is one graph with one op per case (each reading x and writing
// its own tensor) and two extra subgraphs for the control-flow options.
func optionsModel(options func(i int) ir.Options) *ir.Model {
	g := &ir.Graph{Tensors: []*ir.Tensor{{Name: "x", Type: ir.Float32, Shape: []int{1}, HasRank: true}}, Inputs: []int{0}}
	for i, c := range optionCases {
		g.Tensors = append(g.Tensors, &ir.Tensor{Name: "y", Type: ir.Float32, Shape: []int{1}, HasRank: true})
		g.Ops = append(g.Ops, &ir.Op{Type: c.op, Version: 1, Inputs: []int{0}, Outputs: []int{i + 1}, Options: options(i)})
		g.Outputs = append(g.Outputs, i+1)
	}
	sub := func() *ir.Graph {
		return &ir.Graph{Tensors: []*ir.Tensor{{Name: "p", Type: ir.Float32, Shape: []int{1}, HasRank: true}}, Inputs: []int{0}, Outputs: []int{0}}
	}
	return &ir.Model{Version: 3, Graphs: []*ir.Graph{g, sub(), sub()}}
}

func TestReadOptions(t *testing.T) {
	// The file is written with the tables packed by the object API.
	m := optionsModel(func(i int) ir.Options {
		return &RawOptions{options: &s.BuiltinOptionsT{Type: optionCases[i].tag, Value: optionCases[i].fb}}
	})
	got, err := Read(mustWrite(t, m, WriteOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range optionCases {
		if d := diff(reflect.ValueOf(got.Graphs[0].Ops[i].Options), reflect.ValueOf(c.ir), "Options"); d != "" {
			t.Errorf("case %d (%v): %s", i, c.tag, d)
		}
	}
}

func TestWriteOptions(t *testing.T) {
	m := optionsModel(func(i int) ir.Options { return optionCases[i].ir })
	buf := mustWrite(t, m, WriteOptions{})
	fm := s.GetRootAsModel(buf, 0)
	var g s.SubGraph
	fm.Subgraphs(&g, 0)
	var op s.Operator
	for i, c := range optionCases {
		g.Operators(&op, i)
		if op.BuiltinOptionsType() != c.tag {
			t.Errorf("case %d: union tag %v, want %v", i, op.BuiltinOptionsType(), c.tag)
			continue
		}
		var tbl flatbuffers.Table
		op.BuiltinOptions(&tbl)
		want := c.fb
		if want == nil {
			want = &s.PadOptionsT{}
		}
		if r, ok := c.ir.(*ir.ReshapeOptions); ok && r.NewShape == nil {
			// UnPack cannot show an absent vector; the table must not have one.
			if tbl.Offset(4) != 0 {
				t.Errorf("case %d: nil NewShape written as a vector", i)
			}
			continue
		}
		if d := diff(reflect.ValueOf(c.tag.UnPack(tbl).Value), reflect.ValueOf(want), "Options"); d != "" {
			t.Errorf("case %d (%v): %s", i, c.tag, d)
		}
	}
}

// TestEmptyOptionTables checks that every table the writer attaches to an op
// with nil options really is empty, and that each op gets its own kind.
func TestEmptyOptionTables(t *testing.T) {
	for op, tag := range emptyOptions {
		if n := s.BuiltinOptionsFields(tag); n != 0 {
			t.Errorf("%v: %v has %d fields", op, tag, n)
		}
	}
	for op, tag := range emptyOptions2 {
		if n := s.BuiltinOptions2Fields(tag); n != 0 {
			t.Errorf("%v: %v has %d fields", op, tag, n)
		}
	}
	if emptyOptions[ir.Pad] != s.BuiltinOptionsPadOptions || emptyOptions[ir.Maximum] != s.BuiltinOptionsMaximumMinimumOptions {
		t.Error("PAD or MAXIMUM mapped to the wrong table")
	}
}
