package ir

import (
	"fmt"
	"reflect"
)

// Activation is a fused activation function applied to an op's output. The
// numbering follows the TFLite schema's ActivationFunctionType.
type Activation int8

const (
	ActNone      Activation = 0
	ActRelu      Activation = 1
	ActReluN1To1 Activation = 2
	ActRelu6     Activation = 3
	ActTanh      Activation = 4
	ActSignBit   Activation = 5
)

func (a Activation) String() string {
	switch a {
	case ActNone:
		return "NONE"
	case ActRelu:
		return "RELU"
	case ActReluN1To1:
		return "RELU_N1_TO_1"
	case ActRelu6:
		return "RELU6"
	case ActTanh:
		return "TANH"
	case ActSignBit:
		return "SIGN_BIT"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// Padding is the padding scheme of convolutions and pools.
type Padding int8

const (
	PaddingSame  Padding = 0
	PaddingValid Padding = 1
)

func (p Padding) String() string {
	switch p {
	case PaddingSame:
		return "SAME"
	case PaddingValid:
		return "VALID"
	}
	return fmt.Sprintf("Padding(%d)", int(p))
}

// Options are an op's typed parameters: a pointer to one of the *Options
// structs below, or an opaque value that a reader attached for an option table
// liteforge does not model (passes carry such values along unchanged). Ops
// whose TFLite option table is empty (PAD, TRANSPOSE, ...) have nil Options.
type Options any

// OutputActivation returns the field that holds the activation fused into
// an op's output, for the ops whose kernels apply one (CONV_2D,
// DEPTHWISE_CONV_2D, TRANSPOSE_CONV, the pools, FULLY_CONNECTED, ADD, SUB,
// MUL, DIV, CONCATENATION), or nil: read it, or set it through the pointer.
// L2_NORMALIZATION's and the recurrent ops' fields are not an output
// activation and are left out.
func OutputActivation(o Options) *Activation {
	switch o := o.(type) {
	case *Conv2DOptions:
		return &o.Activation
	case *DepthwiseConv2DOptions:
		return &o.Activation
	case *TransposeConvOptions:
		return &o.Activation
	case *Pool2DOptions:
		return &o.Activation
	case *FullyConnectedOptions:
		return &o.Activation
	case *AddOptions:
		return &o.Activation
	case *SubOptions:
		return &o.Activation
	case *MulOptions:
		return &o.Activation
	case *DivOptions:
		return &o.Activation
	case *ConcatenationOptions:
		return &o.Activation
	}
	return nil
}

// OutputActivationOf is the activation fused into an op's output: ActNone
// for options without one.
func OutputActivationOf(o Options) Activation {
	if a := OutputActivation(o); a != nil {
		return *a
	}
	return ActNone
}

// Conv2DOptions parameterize CONV_2D.
type Conv2DOptions struct {
	Padding           Padding
	StrideW, StrideH  int
	Activation        Activation
	DilationW         int      // 1 when absent
	DilationH         int      // 1 when absent
	QuantizedBiasType DataType // Float32 (the zero value) means unset
}

// DepthwiseConv2DOptions parameterize DEPTHWISE_CONV_2D.
type DepthwiseConv2DOptions struct {
	Padding          Padding
	StrideW, StrideH int
	DepthMultiplier  int
	Activation       Activation
	DilationW        int // 1 when absent
	DilationH        int // 1 when absent
}

// TransposeConvOptions parameterize TRANSPOSE_CONV.
type TransposeConvOptions struct {
	Padding           Padding
	StrideW, StrideH  int
	Activation        Activation
	QuantizedBiasType DataType // Float32 (the zero value) means unset
}

// Pool2DOptions parameterize AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D.
type Pool2DOptions struct {
	Padding                   Padding
	StrideW, StrideH          int
	FilterWidth, FilterHeight int
	Activation                Activation
}

// FullyConnectedWeightsFormat is the layout of FULLY_CONNECTED weights.
type FullyConnectedWeightsFormat int8

const (
	WeightsDefault          FullyConnectedWeightsFormat = 0
	WeightsShuffled4x16Int8 FullyConnectedWeightsFormat = 1
)

// FullyConnectedOptions parameterize FULLY_CONNECTED.
type FullyConnectedOptions struct {
	Activation               Activation
	WeightsFormat            FullyConnectedWeightsFormat
	KeepNumDims              bool
	AsymmetricQuantizeInputs bool
	QuantizedBiasType        DataType // Float32 (the zero value) means unset
}

// BatchMatMulOptions parameterize BATCH_MATMUL.
type BatchMatMulOptions struct {
	AdjX, AdjY               bool
	AsymmetricQuantizeInputs bool
}

// SoftmaxOptions parameterize SOFTMAX.
type SoftmaxOptions struct{ Beta float32 }

// ConcatenationOptions parameterize CONCATENATION.
type ConcatenationOptions struct {
	Axis       int
	Activation Activation
}

// AddOptions parameterize ADD.
type AddOptions struct {
	Activation    Activation
	PotScaleInt16 bool // true when absent
}

// SubOptions parameterize SUB.
type SubOptions struct {
	Activation    Activation
	PotScaleInt16 bool // true when absent
}

// MulOptions parameterize MUL.
type MulOptions struct{ Activation Activation }

// DivOptions parameterize DIV.
type DivOptions struct{ Activation Activation }

// L2NormOptions parameterize L2_NORMALIZATION.
type L2NormOptions struct{ Activation Activation }

// LocalResponseNormalizationOptions parameterize LOCAL_RESPONSE_NORMALIZATION.
type LocalResponseNormalizationOptions struct {
	Radius            int
	Bias, Alpha, Beta float32
}

// ReducerOptions parameterize MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD,
// REDUCE_ANY and REDUCE_ALL.
type ReducerOptions struct{ KeepDims bool }

// ReshapeOptions parameterize RESHAPE. NewShape is used only when the op has
// no shape input.
type ReshapeOptions struct{ NewShape []int }

// SqueezeOptions parameterize SQUEEZE; an empty list squeezes every 1.
type SqueezeOptions struct{ SqueezeDims []int }

// SplitOptions parameterize SPLIT.
type SplitOptions struct{ NumSplits int }

// SplitVOptions parameterize SPLIT_V.
type SplitVOptions struct{ NumSplits int }

// PackOptions parameterize PACK.
type PackOptions struct{ ValuesCount, Axis int }

// UnpackOptions parameterize UNPACK.
type UnpackOptions struct{ Num, Axis int }

// StridedSliceOptions parameterize STRIDED_SLICE.
type StridedSliceOptions struct {
	BeginMask, EndMask, EllipsisMask, NewAxisMask, ShrinkAxisMask int32
	Offset                                                        bool
}

// GatherOptions parameterize GATHER.
type GatherOptions struct{ Axis, BatchDims int }

// MirrorPadMode says whether MIRROR_PAD includes the border.
type MirrorPadMode int8

const (
	MirrorReflect   MirrorPadMode = 0 // border excluded
	MirrorSymmetric MirrorPadMode = 1 // border included
)

// MirrorPadOptions parameterize MIRROR_PAD.
type MirrorPadOptions struct{ Mode MirrorPadMode }

// ResizeBilinearOptions parameterize RESIZE_BILINEAR.
type ResizeBilinearOptions struct{ AlignCorners, HalfPixelCenters bool }

// ResizeNearestNeighborOptions parameterize RESIZE_NEAREST_NEIGHBOR.
type ResizeNearestNeighborOptions struct{ AlignCorners, HalfPixelCenters bool }

// SpaceToDepthOptions parameterize SPACE_TO_DEPTH.
type SpaceToDepthOptions struct{ BlockSize int }

// DepthToSpaceOptions parameterize DEPTH_TO_SPACE.
type DepthToSpaceOptions struct{ BlockSize int }

// ShapeOptions parameterize SHAPE.
type ShapeOptions struct{ OutType DataType }

// CastOptions parameterize CAST.
type CastOptions struct{ InType, OutType DataType }

// ArgMaxOptions parameterize ARG_MAX.
type ArgMaxOptions struct{ OutputType DataType }

// ArgMinOptions parameterize ARG_MIN.
type ArgMinOptions struct{ OutputType DataType }

// LeakyReluOptions parameterize LEAKY_RELU.
type LeakyReluOptions struct{ Alpha float32 }

// GeluOptions parameterize GELU.
type GeluOptions struct{ Approximate bool }

// UnidirectionalSequenceLSTMOptions parameterize UNIDIRECTIONAL_SEQUENCE_LSTM.
type UnidirectionalSequenceLSTMOptions struct {
	Activation               Activation
	CellClip, ProjClip       float32 // 0 means no clipping
	TimeMajor                bool
	AsymmetricQuantizeInputs bool
	DiagonalRecurrentTensors bool
}

// LSTMKernelType selects the full or basic LSTM kernel.
type LSTMKernelType int8

const (
	LSTMFull  LSTMKernelType = 0
	LSTMBasic LSTMKernelType = 1
)

// LSTMOptions parameterize LSTM.
type LSTMOptions struct {
	Activation               Activation
	CellClip, ProjClip       float32
	KernelType               LSTMKernelType
	AsymmetricQuantizeInputs bool
}

// SVDFOptions parameterize SVDF.
type SVDFOptions struct {
	Rank                     int
	Activation               Activation
	AsymmetricQuantizeInputs bool
}

// FakeQuantOptions parameterize FAKE_QUANT.
type FakeQuantOptions struct {
	Min, Max    float32
	NumBits     int
	NarrowRange bool
}

// OneHotOptions parameterize ONE_HOT.
type OneHotOptions struct{ Axis int }

// CumsumOptions parameterize CUMSUM.
type CumsumOptions struct{ Exclusive, Reverse bool }

// CallOptions parameterize CALL.
type CallOptions struct{ Subgraph int }

// IfOptions parameterize IF.
type IfOptions struct{ ThenSubgraph, ElseSubgraph int }

// WhileOptions parameterize WHILE.
type WhileOptions struct{ CondSubgraph, BodySubgraph int }

// CallOnceOptions parameterize CALL_ONCE.
type CallOnceOptions struct{ InitSubgraph int }

// cloneOptions deep-copies typed options (a new struct, slices copied). An
// opaque value owned by a reader is immutable and shared as it is.
func cloneOptions(o Options) Options {
	v := reflect.ValueOf(o)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() ||
		v.Elem().Kind() != reflect.Struct || v.Elem().Type().PkgPath() != pkgPath {
		return o
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	for i := 0; i < c.Elem().NumField(); i++ {
		f := c.Elem().Field(i)
		if f.Kind() == reflect.Slice && !f.IsNil() {
			n := reflect.MakeSlice(f.Type(), f.Len(), f.Len())
			reflect.Copy(n, f)
			f.Set(n)
		}
	}
	return c.Interface()
}

var pkgPath = reflect.TypeOf(Conv2DOptions{}).PkgPath()
