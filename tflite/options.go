package tflite

import (
	"fmt"
	"math"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite/internal/schema"
)

// RawOptions holds an operator's builtin option table that liteforge does not
// model (SkipGramOptions, the StableHLO tables, ...). Read attaches it to
// ir.Op.Options so that Write emits the table unchanged; it is immutable.
type RawOptions struct {
	options  *schema.BuiltinOptionsT
	options2 *schema.BuiltinOptions2T
}

// Name is the option table's schema name ("SkipGramOptions").
func (r *RawOptions) Name() string {
	if r.options2 != nil {
		return r.options2.Type.String()
	}
	return r.options.Type.String()
}

func (r *RawOptions) String() string { return r.Name() }

// emptyOptions is the empty option table TFLite's converter attaches to ops
// whose table has no fields; ir leaves their Options nil, and the writer puts
// the table back so files look like the converter's (TFLite loads either).
var emptyOptions = map[ir.OpType]schema.BuiltinOptions{
	ir.Pad:                 schema.BuiltinOptionsPadOptions,
	ir.PadV2:               schema.BuiltinOptionsPadV2Options,
	ir.BatchToSpaceND:      schema.BuiltinOptionsBatchToSpaceNDOptions,
	ir.SpaceToBatchND:      schema.BuiltinOptionsSpaceToBatchNDOptions,
	ir.Transpose:           schema.BuiltinOptionsTransposeOptions,
	ir.Exp:                 schema.BuiltinOptionsExpOptions,
	ir.Cos:                 schema.BuiltinOptionsCosOptions,
	ir.TopKV2:              schema.BuiltinOptionsTopKV2Options,
	ir.LogSoftmax:          schema.BuiltinOptionsLogSoftmaxOptions,
	ir.Dequantize:          schema.BuiltinOptionsDequantizeOptions,
	ir.Maximum:             schema.BuiltinOptionsMaximumMinimumOptions,
	ir.Minimum:             schema.BuiltinOptionsMaximumMinimumOptions,
	ir.Tile:                schema.BuiltinOptionsTileOptions,
	ir.Less:                schema.BuiltinOptionsLessOptions,
	ir.Neg:                 schema.BuiltinOptionsNegOptions,
	ir.Greater:             schema.BuiltinOptionsGreaterOptions,
	ir.GreaterEqual:        schema.BuiltinOptionsGreaterEqualOptions,
	ir.LessEqual:           schema.BuiltinOptionsLessEqualOptions,
	ir.Select:              schema.BuiltinOptionsSelectOptions,
	ir.Slice:               schema.BuiltinOptionsSliceOptions,
	ir.ExpandDims:          schema.BuiltinOptionsExpandDimsOptions,
	ir.Equal:               schema.BuiltinOptionsEqualOptions,
	ir.NotEqual:            schema.BuiltinOptionsNotEqualOptions,
	ir.Rank:                schema.BuiltinOptionsRankOptions,
	ir.Pow:                 schema.BuiltinOptionsPowOptions,
	ir.LogicalOr:           schema.BuiltinOptionsLogicalOrOptions,
	ir.LogicalAnd:          schema.BuiltinOptionsLogicalAndOptions,
	ir.LogicalNot:          schema.BuiltinOptionsLogicalNotOptions,
	ir.FloorDiv:            schema.BuiltinOptionsFloorDivOptions,
	ir.Square:              schema.BuiltinOptionsSquareOptions,
	ir.ZerosLike:           schema.BuiltinOptionsZerosLikeOptions,
	ir.Fill:                schema.BuiltinOptionsFillOptions,
	ir.FloorMod:            schema.BuiltinOptionsFloorModOptions,
	ir.Range:               schema.BuiltinOptionsRangeOptions,
	ir.SquaredDifference:   schema.BuiltinOptionsSquaredDifferenceOptions,
	ir.Abs:                 schema.BuiltinOptionsAbsOptions,
	ir.ReverseV2:           schema.BuiltinOptionsReverseV2Options,
	ir.AddN:                schema.BuiltinOptionsAddNOptions,
	ir.GatherND:            schema.BuiltinOptionsGatherNdOptions,
	ir.Where:               schema.BuiltinOptionsWhereOptions,
	ir.MatrixDiag:          schema.BuiltinOptionsMatrixDiagOptions,
	ir.Quantize:            schema.BuiltinOptionsQuantizeOptions,
	ir.MatrixSetDiag:       schema.BuiltinOptionsMatrixSetDiagOptions,
	ir.HardSwish:           schema.BuiltinOptionsHardSwishOptions,
	ir.NonMaxSuppressionV4: schema.BuiltinOptionsNonMaxSuppressionV4Options,
	ir.NonMaxSuppressionV5: schema.BuiltinOptionsNonMaxSuppressionV5Options,
	ir.ScatterND:           schema.BuiltinOptionsScatterNdOptions,
	ir.SelectV2:            schema.BuiltinOptionsSelectV2Options,
	ir.Densify:             schema.BuiltinOptionsDensifyOptions,
	ir.SegmentSum:          schema.BuiltinOptionsSegmentSumOptions,
	ir.BroadcastTo:         schema.BuiltinOptionsBroadcastToOptions,
	ir.RFFT2D:              schema.BuiltinOptionsRfft2dOptions,
	ir.HashtableFind:       schema.BuiltinOptionsHashtableFindOptions,
	ir.HashtableImport:     schema.BuiltinOptionsHashtableImportOptions,
	ir.HashtableSize:       schema.BuiltinOptionsHashtableSizeOptions,
	ir.ReadVariable:        schema.BuiltinOptionsReadVariableOptions,
	ir.AssignVariable:      schema.BuiltinOptionsAssignVariableOptions,
	ir.DynamicUpdateSlice:  schema.BuiltinOptionsDynamicUpdateSliceOptions,
	ir.UnsortedSegmentProd: schema.BuiltinOptionsUnsortedSegmentProdOptions,
	ir.UnsortedSegmentMax:  schema.BuiltinOptionsUnsortedSegmentMaxOptions,
	ir.UnsortedSegmentMin:  schema.BuiltinOptionsUnsortedSegmentMinOptions,
	ir.UnsortedSegmentSum:  schema.BuiltinOptionsUnsortedSegmentSumOptions,
	ir.Atan2:               schema.BuiltinOptionsATan2Options,
	ir.Sign:                schema.BuiltinOptionsSignOptions,
	ir.Bitcast:             schema.BuiltinOptionsBitcastOptions,
	ir.BitwiseXor:          schema.BuiltinOptionsBitwiseXorOptions,
	ir.RightShift:          schema.BuiltinOptionsRightShiftOptions,
}

var emptyOptions2 = map[ir.OpType]schema.BuiltinOptions2{
	ir.Dilate:      schema.BuiltinOptions2DilateOptions,
	ir.OpType(207): schema.BuiltinOptions2StablehloShiftLeftOptions, // STABLEHLO_SHIFT_LEFT, newer than ir's names
}

// readOptions turns an operator's option union(s) into ir options: a typed
// struct for the tables ir models (absent fields take the schema defaults),
// nil for empty tables, a *RawOptions for the rest.
func readOptions(op *schema.Operator) (ir.Options, error) {
	t1, t2 := op.BuiltinOptionsType(), op.BuiltinOptions2Type()
	if t1 != schema.BuiltinOptionsNONE && t2 != schema.BuiltinOptions2NONE {
		return nil, fmt.Errorf("has both builtin_options (%v) and builtin_options_2 (%v)", t1, t2)
	}
	var tbl flatbuffers.Table
	switch {
	case t2 != schema.BuiltinOptions2NONE:
		op.BuiltinOptions2(&tbl)
		if schema.BuiltinOptions2Fields(t2) == 0 {
			return nil, nil
		}
		return &RawOptions{options2: t2.UnPack(tbl)}, nil
	case t1 == schema.BuiltinOptionsNONE:
		return nil, nil
	}
	op.BuiltinOptions(&tbl)
	u := t1.UnPack(tbl)
	// present reports whether the table stores the field of a slot, to keep
	// an absent vector (nil) apart from an empty one.
	present := func(slot int) bool { return tbl.Offset(flatbuffers.VOffsetT(4+2*slot)) != 0 }
	switch o := u.Value.(type) {
	case *schema.Conv2DOptionsT:
		return &ir.Conv2DOptions{Padding: ir.Padding(o.Padding), StrideW: int(o.StrideW), StrideH: int(o.StrideH),
			Activation: ir.Activation(o.FusedActivationFunction), DilationW: int(o.DilationWFactor),
			DilationH: int(o.DilationHFactor), QuantizedBiasType: ir.DataType(o.QuantizedBiasType)}, nil
	case *schema.DepthwiseConv2DOptionsT:
		return &ir.DepthwiseConv2DOptions{Padding: ir.Padding(o.Padding), StrideW: int(o.StrideW), StrideH: int(o.StrideH),
			DepthMultiplier: int(o.DepthMultiplier), Activation: ir.Activation(o.FusedActivationFunction),
			DilationW: int(o.DilationWFactor), DilationH: int(o.DilationHFactor)}, nil
	case *schema.TransposeConvOptionsT:
		return &ir.TransposeConvOptions{Padding: ir.Padding(o.Padding), StrideW: int(o.StrideW), StrideH: int(o.StrideH),
			Activation: ir.Activation(o.FusedActivationFunction), QuantizedBiasType: ir.DataType(o.QuantizedBiasType)}, nil
	case *schema.Pool2DOptionsT:
		return &ir.Pool2DOptions{Padding: ir.Padding(o.Padding), StrideW: int(o.StrideW), StrideH: int(o.StrideH),
			FilterWidth: int(o.FilterWidth), FilterHeight: int(o.FilterHeight), Activation: ir.Activation(o.FusedActivationFunction)}, nil
	case *schema.FullyConnectedOptionsT:
		return &ir.FullyConnectedOptions{Activation: ir.Activation(o.FusedActivationFunction),
			WeightsFormat: ir.FullyConnectedWeightsFormat(o.WeightsFormat), KeepNumDims: o.KeepNumDims,
			AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs, QuantizedBiasType: ir.DataType(o.QuantizedBiasType)}, nil
	case *schema.BatchMatMulOptionsT:
		return &ir.BatchMatMulOptions{AdjX: o.AdjX, AdjY: o.AdjY, AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs}, nil
	case *schema.SoftmaxOptionsT:
		return &ir.SoftmaxOptions{Beta: o.Beta}, nil
	case *schema.ConcatenationOptionsT:
		return &ir.ConcatenationOptions{Axis: int(o.Axis), Activation: ir.Activation(o.FusedActivationFunction)}, nil
	case *schema.AddOptionsT:
		return &ir.AddOptions{Activation: ir.Activation(o.FusedActivationFunction), PotScaleInt16: o.PotScaleInt16}, nil
	case *schema.SubOptionsT:
		return &ir.SubOptions{Activation: ir.Activation(o.FusedActivationFunction), PotScaleInt16: o.PotScaleInt16}, nil
	case *schema.MulOptionsT:
		return &ir.MulOptions{Activation: ir.Activation(o.FusedActivationFunction)}, nil
	case *schema.DivOptionsT:
		return &ir.DivOptions{Activation: ir.Activation(o.FusedActivationFunction)}, nil
	case *schema.L2NormOptionsT:
		return &ir.L2NormOptions{Activation: ir.Activation(o.FusedActivationFunction)}, nil
	case *schema.LocalResponseNormalizationOptionsT:
		return &ir.LocalResponseNormalizationOptions{Radius: int(o.Radius), Bias: o.Bias, Alpha: o.Alpha, Beta: o.Beta}, nil
	case *schema.ReducerOptionsT:
		return &ir.ReducerOptions{KeepDims: o.KeepDims}, nil
	case *schema.ReshapeOptionsT:
		r := &ir.ReshapeOptions{}
		if present(0) {
			r.NewShape = ints32(o.NewShape)
		}
		return r, nil
	case *schema.SqueezeOptionsT:
		r := &ir.SqueezeOptions{}
		if present(0) {
			r.SqueezeDims = ints32(o.SqueezeDims)
		}
		return r, nil
	case *schema.SplitOptionsT:
		return &ir.SplitOptions{NumSplits: int(o.NumSplits)}, nil
	case *schema.SplitVOptionsT:
		return &ir.SplitVOptions{NumSplits: int(o.NumSplits)}, nil
	case *schema.PackOptionsT:
		return &ir.PackOptions{ValuesCount: int(o.ValuesCount), Axis: int(o.Axis)}, nil
	case *schema.UnpackOptionsT:
		return &ir.UnpackOptions{Num: int(o.Num), Axis: int(o.Axis)}, nil
	case *schema.StridedSliceOptionsT:
		return &ir.StridedSliceOptions{BeginMask: o.BeginMask, EndMask: o.EndMask, EllipsisMask: o.EllipsisMask,
			NewAxisMask: o.NewAxisMask, ShrinkAxisMask: o.ShrinkAxisMask, Offset: o.Offset}, nil
	case *schema.GatherOptionsT:
		return &ir.GatherOptions{Axis: int(o.Axis), BatchDims: int(o.BatchDims)}, nil
	case *schema.MirrorPadOptionsT:
		return &ir.MirrorPadOptions{Mode: ir.MirrorPadMode(o.Mode)}, nil
	case *schema.ResizeBilinearOptionsT:
		return &ir.ResizeBilinearOptions{AlignCorners: o.AlignCorners, HalfPixelCenters: o.HalfPixelCenters}, nil
	case *schema.ResizeNearestNeighborOptionsT:
		return &ir.ResizeNearestNeighborOptions{AlignCorners: o.AlignCorners, HalfPixelCenters: o.HalfPixelCenters}, nil
	case *schema.SpaceToDepthOptionsT:
		return &ir.SpaceToDepthOptions{BlockSize: int(o.BlockSize)}, nil
	case *schema.DepthToSpaceOptionsT:
		return &ir.DepthToSpaceOptions{BlockSize: int(o.BlockSize)}, nil
	case *schema.ShapeOptionsT:
		return &ir.ShapeOptions{OutType: ir.DataType(o.OutType)}, nil
	case *schema.CastOptionsT:
		return &ir.CastOptions{InType: ir.DataType(o.InDataType), OutType: ir.DataType(o.OutDataType)}, nil
	case *schema.ArgMaxOptionsT:
		return &ir.ArgMaxOptions{OutputType: ir.DataType(o.OutputType)}, nil
	case *schema.ArgMinOptionsT:
		return &ir.ArgMinOptions{OutputType: ir.DataType(o.OutputType)}, nil
	case *schema.LeakyReluOptionsT:
		return &ir.LeakyReluOptions{Alpha: o.Alpha}, nil
	case *schema.GeluOptionsT:
		return &ir.GeluOptions{Approximate: o.Approximate}, nil
	case *schema.UnidirectionalSequenceLSTMOptionsT:
		return &ir.UnidirectionalSequenceLSTMOptions{Activation: ir.Activation(o.FusedActivationFunction),
			CellClip: o.CellClip, ProjClip: o.ProjClip, TimeMajor: o.TimeMajor,
			AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs, DiagonalRecurrentTensors: o.DiagonalRecurrentTensors}, nil
	case *schema.LSTMOptionsT:
		return &ir.LSTMOptions{Activation: ir.Activation(o.FusedActivationFunction), CellClip: o.CellClip,
			ProjClip: o.ProjClip, KernelType: ir.LSTMKernelType(o.KernelType), AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs}, nil
	case *schema.SVDFOptionsT:
		return &ir.SVDFOptions{Rank: int(o.Rank), Activation: ir.Activation(o.FusedActivationFunction),
			AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs}, nil
	case *schema.FakeQuantOptionsT:
		return &ir.FakeQuantOptions{Min: o.Min, Max: o.Max, NumBits: int(o.NumBits), NarrowRange: o.NarrowRange}, nil
	case *schema.OneHotOptionsT:
		return &ir.OneHotOptions{Axis: int(o.Axis)}, nil
	case *schema.CumsumOptionsT:
		return &ir.CumsumOptions{Exclusive: o.Exclusive, Reverse: o.Reverse}, nil
	case *schema.CallOptionsT:
		return &ir.CallOptions{Subgraph: int(o.Subgraph)}, nil
	case *schema.IfOptionsT:
		return &ir.IfOptions{ThenSubgraph: int(o.ThenSubgraphIndex), ElseSubgraph: int(o.ElseSubgraphIndex)}, nil
	case *schema.WhileOptionsT:
		return &ir.WhileOptions{CondSubgraph: int(o.CondSubgraphIndex), BodySubgraph: int(o.BodySubgraphIndex)}, nil
	case *schema.CallOnceOptionsT:
		return &ir.CallOnceOptions{InitSubgraph: int(o.InitSubgraphIndex)}, nil
	}
	if schema.BuiltinOptionsFields(t1) == 0 {
		return nil, nil
	}
	return &RawOptions{options: u}, nil
}

func ints32(v []int32) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// encoder converts ir values to schema fields, remembering the first value
// that does not fit so that callers can check once.
type encoder struct{ err error }

func (e *encoder) i32(v int, what string) int32 {
	if v < math.MinInt32 || v > math.MaxInt32 {
		if e.err == nil {
			e.err = fmt.Errorf("%s %d does not fit in 32 bits", what, v)
		}
		return 0
	}
	return int32(v)
}

func (e *encoder) u32(v int, what string) uint32 {
	if v < 0 || v > math.MaxUint32 {
		if e.err == nil {
			e.err = fmt.Errorf("%s %d does not fit in an unsigned 32-bit field", what, v)
		}
		return 0
	}
	return uint32(v)
}

func (e *encoder) ints(v []int, what string) []int32 {
	if v == nil {
		return nil
	}
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = e.i32(x, what)
	}
	return out
}

// optionsTable converts an op's ir options into the union value Write
// stores: the union holding it (1 or 2), its tag, and the object to pack.
// ok is false when the op carries no option table.
func optionsTable(op *ir.Op, e *encoder) (u1 *schema.BuiltinOptionsT, u2 *schema.BuiltinOptions2T) {
	one := func(t schema.BuiltinOptions, v any) *schema.BuiltinOptionsT {
		return &schema.BuiltinOptionsT{Type: t, Value: v}
	}
	act := func(a ir.Activation) schema.ActivationFunctionType { return schema.ActivationFunctionType(a) }
	pad := func(p ir.Padding) schema.Padding { return schema.Padding(p) }
	tt := func(d ir.DataType) schema.TensorType { return schema.TensorType(d) }
	switch o := op.Options.(type) {
	case nil:
		if t, ok := emptyOptions[op.Type]; ok {
			return one(t, nil), nil
		}
		if t, ok := emptyOptions2[op.Type]; ok {
			return nil, &schema.BuiltinOptions2T{Type: t}
		}
		return nil, nil
	case *RawOptions:
		return o.options, o.options2
	case *ir.Conv2DOptions:
		return one(schema.BuiltinOptionsConv2DOptions, &schema.Conv2DOptionsT{Padding: pad(o.Padding),
			StrideW: e.i32(o.StrideW, "stride_w"), StrideH: e.i32(o.StrideH, "stride_h"), FusedActivationFunction: act(o.Activation),
			DilationWFactor: e.i32(o.DilationW, "dilation_w"), DilationHFactor: e.i32(o.DilationH, "dilation_h"),
			QuantizedBiasType: tt(o.QuantizedBiasType)}), nil
	case *ir.DepthwiseConv2DOptions:
		return one(schema.BuiltinOptionsDepthwiseConv2DOptions, &schema.DepthwiseConv2DOptionsT{Padding: pad(o.Padding),
			StrideW: e.i32(o.StrideW, "stride_w"), StrideH: e.i32(o.StrideH, "stride_h"),
			DepthMultiplier: e.i32(o.DepthMultiplier, "depth_multiplier"), FusedActivationFunction: act(o.Activation),
			DilationWFactor: e.i32(o.DilationW, "dilation_w"), DilationHFactor: e.i32(o.DilationH, "dilation_h")}), nil
	case *ir.TransposeConvOptions:
		return one(schema.BuiltinOptionsTransposeConvOptions, &schema.TransposeConvOptionsT{Padding: pad(o.Padding),
			StrideW: e.i32(o.StrideW, "stride_w"), StrideH: e.i32(o.StrideH, "stride_h"),
			FusedActivationFunction: act(o.Activation), QuantizedBiasType: tt(o.QuantizedBiasType)}), nil
	case *ir.Pool2DOptions:
		return one(schema.BuiltinOptionsPool2DOptions, &schema.Pool2DOptionsT{Padding: pad(o.Padding),
			StrideW: e.i32(o.StrideW, "stride_w"), StrideH: e.i32(o.StrideH, "stride_h"),
			FilterWidth: e.i32(o.FilterWidth, "filter_width"), FilterHeight: e.i32(o.FilterHeight, "filter_height"),
			FusedActivationFunction: act(o.Activation)}), nil
	case *ir.FullyConnectedOptions:
		return one(schema.BuiltinOptionsFullyConnectedOptions, &schema.FullyConnectedOptionsT{
			FusedActivationFunction: act(o.Activation), WeightsFormat: schema.FullyConnectedOptionsWeightsFormat(o.WeightsFormat),
			KeepNumDims: o.KeepNumDims, AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs,
			QuantizedBiasType: tt(o.QuantizedBiasType)}), nil
	case *ir.BatchMatMulOptions:
		return one(schema.BuiltinOptionsBatchMatMulOptions, &schema.BatchMatMulOptionsT{AdjX: o.AdjX, AdjY: o.AdjY,
			AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs}), nil
	case *ir.SoftmaxOptions:
		return one(schema.BuiltinOptionsSoftmaxOptions, &schema.SoftmaxOptionsT{Beta: o.Beta}), nil
	case *ir.ConcatenationOptions:
		return one(schema.BuiltinOptionsConcatenationOptions, &schema.ConcatenationOptionsT{Axis: e.i32(o.Axis, "axis"),
			FusedActivationFunction: act(o.Activation)}), nil
	case *ir.AddOptions:
		return one(schema.BuiltinOptionsAddOptions, &schema.AddOptionsT{FusedActivationFunction: act(o.Activation),
			PotScaleInt16: o.PotScaleInt16}), nil
	case *ir.SubOptions:
		return one(schema.BuiltinOptionsSubOptions, &schema.SubOptionsT{FusedActivationFunction: act(o.Activation),
			PotScaleInt16: o.PotScaleInt16}), nil
	case *ir.MulOptions:
		return one(schema.BuiltinOptionsMulOptions, &schema.MulOptionsT{FusedActivationFunction: act(o.Activation)}), nil
	case *ir.DivOptions:
		return one(schema.BuiltinOptionsDivOptions, &schema.DivOptionsT{FusedActivationFunction: act(o.Activation)}), nil
	case *ir.L2NormOptions:
		return one(schema.BuiltinOptionsL2NormOptions, &schema.L2NormOptionsT{FusedActivationFunction: act(o.Activation)}), nil
	case *ir.LocalResponseNormalizationOptions:
		return one(schema.BuiltinOptionsLocalResponseNormalizationOptions, &schema.LocalResponseNormalizationOptionsT{
			Radius: e.i32(o.Radius, "radius"), Bias: o.Bias, Alpha: o.Alpha, Beta: o.Beta}), nil
	case *ir.ReducerOptions:
		return one(schema.BuiltinOptionsReducerOptions, &schema.ReducerOptionsT{KeepDims: o.KeepDims}), nil
	case *ir.ReshapeOptions:
		return one(schema.BuiltinOptionsReshapeOptions, &schema.ReshapeOptionsT{NewShape: e.ints(o.NewShape, "new_shape")}), nil
	case *ir.SqueezeOptions:
		return one(schema.BuiltinOptionsSqueezeOptions, &schema.SqueezeOptionsT{SqueezeDims: e.ints(o.SqueezeDims, "squeeze_dims")}), nil
	case *ir.SplitOptions:
		return one(schema.BuiltinOptionsSplitOptions, &schema.SplitOptionsT{NumSplits: e.i32(o.NumSplits, "num_splits")}), nil
	case *ir.SplitVOptions:
		return one(schema.BuiltinOptionsSplitVOptions, &schema.SplitVOptionsT{NumSplits: e.i32(o.NumSplits, "num_splits")}), nil
	case *ir.PackOptions:
		return one(schema.BuiltinOptionsPackOptions, &schema.PackOptionsT{ValuesCount: e.i32(o.ValuesCount, "values_count"),
			Axis: e.i32(o.Axis, "axis")}), nil
	case *ir.UnpackOptions:
		return one(schema.BuiltinOptionsUnpackOptions, &schema.UnpackOptionsT{Num: e.i32(o.Num, "num"), Axis: e.i32(o.Axis, "axis")}), nil
	case *ir.StridedSliceOptions:
		return one(schema.BuiltinOptionsStridedSliceOptions, &schema.StridedSliceOptionsT{BeginMask: o.BeginMask,
			EndMask: o.EndMask, EllipsisMask: o.EllipsisMask, NewAxisMask: o.NewAxisMask, ShrinkAxisMask: o.ShrinkAxisMask,
			Offset: o.Offset}), nil
	case *ir.GatherOptions:
		return one(schema.BuiltinOptionsGatherOptions, &schema.GatherOptionsT{Axis: e.i32(o.Axis, "axis"),
			BatchDims: e.i32(o.BatchDims, "batch_dims")}), nil
	case *ir.MirrorPadOptions:
		return one(schema.BuiltinOptionsMirrorPadOptions, &schema.MirrorPadOptionsT{Mode: schema.MirrorPadMode(o.Mode)}), nil
	case *ir.ResizeBilinearOptions:
		return one(schema.BuiltinOptionsResizeBilinearOptions, &schema.ResizeBilinearOptionsT{AlignCorners: o.AlignCorners,
			HalfPixelCenters: o.HalfPixelCenters}), nil
	case *ir.ResizeNearestNeighborOptions:
		return one(schema.BuiltinOptionsResizeNearestNeighborOptions, &schema.ResizeNearestNeighborOptionsT{
			AlignCorners: o.AlignCorners, HalfPixelCenters: o.HalfPixelCenters}), nil
	case *ir.SpaceToDepthOptions:
		return one(schema.BuiltinOptionsSpaceToDepthOptions, &schema.SpaceToDepthOptionsT{BlockSize: e.i32(o.BlockSize, "block_size")}), nil
	case *ir.DepthToSpaceOptions:
		return one(schema.BuiltinOptionsDepthToSpaceOptions, &schema.DepthToSpaceOptionsT{BlockSize: e.i32(o.BlockSize, "block_size")}), nil
	case *ir.ShapeOptions:
		return one(schema.BuiltinOptionsShapeOptions, &schema.ShapeOptionsT{OutType: tt(o.OutType)}), nil
	case *ir.CastOptions:
		return one(schema.BuiltinOptionsCastOptions, &schema.CastOptionsT{InDataType: tt(o.InType), OutDataType: tt(o.OutType)}), nil
	case *ir.ArgMaxOptions:
		return one(schema.BuiltinOptionsArgMaxOptions, &schema.ArgMaxOptionsT{OutputType: tt(o.OutputType)}), nil
	case *ir.ArgMinOptions:
		return one(schema.BuiltinOptionsArgMinOptions, &schema.ArgMinOptionsT{OutputType: tt(o.OutputType)}), nil
	case *ir.LeakyReluOptions:
		return one(schema.BuiltinOptionsLeakyReluOptions, &schema.LeakyReluOptionsT{Alpha: o.Alpha}), nil
	case *ir.GeluOptions:
		return one(schema.BuiltinOptionsGeluOptions, &schema.GeluOptionsT{Approximate: o.Approximate}), nil
	case *ir.UnidirectionalSequenceLSTMOptions:
		return one(schema.BuiltinOptionsUnidirectionalSequenceLSTMOptions, &schema.UnidirectionalSequenceLSTMOptionsT{
			FusedActivationFunction: act(o.Activation), CellClip: o.CellClip, ProjClip: o.ProjClip, TimeMajor: o.TimeMajor,
			AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs, DiagonalRecurrentTensors: o.DiagonalRecurrentTensors}), nil
	case *ir.LSTMOptions:
		return one(schema.BuiltinOptionsLSTMOptions, &schema.LSTMOptionsT{FusedActivationFunction: act(o.Activation),
			CellClip: o.CellClip, ProjClip: o.ProjClip, KernelType: schema.LSTMKernelType(o.KernelType),
			AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs}), nil
	case *ir.SVDFOptions:
		return one(schema.BuiltinOptionsSVDFOptions, &schema.SVDFOptionsT{Rank: e.i32(o.Rank, "rank"),
			FusedActivationFunction: act(o.Activation), AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs}), nil
	case *ir.FakeQuantOptions:
		return one(schema.BuiltinOptionsFakeQuantOptions, &schema.FakeQuantOptionsT{Min: o.Min, Max: o.Max,
			NumBits: e.i32(o.NumBits, "num_bits"), NarrowRange: o.NarrowRange}), nil
	case *ir.OneHotOptions:
		return one(schema.BuiltinOptionsOneHotOptions, &schema.OneHotOptionsT{Axis: e.i32(o.Axis, "axis")}), nil
	case *ir.CumsumOptions:
		return one(schema.BuiltinOptionsCumsumOptions, &schema.CumsumOptionsT{Exclusive: o.Exclusive, Reverse: o.Reverse}), nil
	case *ir.CallOptions:
		return one(schema.BuiltinOptionsCallOptions, &schema.CallOptionsT{Subgraph: e.u32(o.Subgraph, "subgraph")}), nil
	case *ir.IfOptions:
		return one(schema.BuiltinOptionsIfOptions, &schema.IfOptionsT{ThenSubgraphIndex: e.i32(o.ThenSubgraph, "then_subgraph"),
			ElseSubgraphIndex: e.i32(o.ElseSubgraph, "else_subgraph")}), nil
	case *ir.WhileOptions:
		return one(schema.BuiltinOptionsWhileOptions, &schema.WhileOptionsT{CondSubgraphIndex: e.i32(o.CondSubgraph, "cond_subgraph"),
			BodySubgraphIndex: e.i32(o.BodySubgraph, "body_subgraph")}), nil
	case *ir.CallOnceOptions:
		return one(schema.BuiltinOptionsCallOnceOptions, &schema.CallOnceOptionsT{InitSubgraphIndex: e.i32(o.InitSubgraph, "init_subgraph")}), nil
	}
	if e.err == nil {
		e.err = fmt.Errorf("options of type %T cannot be written to a TFLite file", op.Options)
	}
	return nil, nil
}
