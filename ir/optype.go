// The op numbering is a fact of the TFLite format (schema v3 BuiltinOperator).

package ir

import "fmt"

// OpType identifies an operation. The numbering follows the TFLite schema's
// BuiltinOperator enum, so builtin codes map one to one; Custom marks an op
// identified by Op.Custom instead.
type OpType int32

const (
	Add                          OpType = 0
	AveragePool2D                OpType = 1
	Concatenation                OpType = 2
	Conv2D                       OpType = 3
	DepthwiseConv2D              OpType = 4
	DepthToSpace                 OpType = 5
	Dequantize                   OpType = 6
	EmbeddingLookup              OpType = 7
	Floor                        OpType = 8
	FullyConnected               OpType = 9
	HashtableLookup              OpType = 10
	L2Normalization              OpType = 11
	L2Pool2D                     OpType = 12
	LocalResponseNormalization   OpType = 13
	Logistic                     OpType = 14
	LSHProjection                OpType = 15
	LSTM                         OpType = 16
	MaxPool2D                    OpType = 17
	Mul                          OpType = 18
	Relu                         OpType = 19
	ReluN1To1                    OpType = 20
	Relu6                        OpType = 21
	Reshape                      OpType = 22
	ResizeBilinear               OpType = 23
	RNN                          OpType = 24
	Softmax                      OpType = 25
	SpaceToDepth                 OpType = 26
	SVDF                         OpType = 27
	Tanh                         OpType = 28
	ConcatEmbeddings             OpType = 29
	SkipGram                     OpType = 30
	Call                         OpType = 31
	Custom                       OpType = 32
	EmbeddingLookupSparse        OpType = 33
	Pad                          OpType = 34
	UnidirectionalSequenceRNN    OpType = 35
	Gather                       OpType = 36
	BatchToSpaceND               OpType = 37
	SpaceToBatchND               OpType = 38
	Transpose                    OpType = 39
	Mean                         OpType = 40
	Sub                          OpType = 41
	Div                          OpType = 42
	Squeeze                      OpType = 43
	UnidirectionalSequenceLSTM   OpType = 44
	StridedSlice                 OpType = 45
	BidirectionalSequenceRNN     OpType = 46
	Exp                          OpType = 47
	TopKV2                       OpType = 48
	Split                        OpType = 49
	LogSoftmax                   OpType = 50
	Delegate                     OpType = 51
	BidirectionalSequenceLSTM    OpType = 52
	Cast                         OpType = 53
	PRelu                        OpType = 54
	Maximum                      OpType = 55
	ArgMax                       OpType = 56
	Minimum                      OpType = 57
	Less                         OpType = 58
	Neg                          OpType = 59
	PadV2                        OpType = 60
	Greater                      OpType = 61
	GreaterEqual                 OpType = 62
	LessEqual                    OpType = 63
	Select                       OpType = 64
	Slice                        OpType = 65
	Sin                          OpType = 66
	TransposeConv                OpType = 67
	SparseToDense                OpType = 68
	Tile                         OpType = 69
	ExpandDims                   OpType = 70
	Equal                        OpType = 71
	NotEqual                     OpType = 72
	Log                          OpType = 73
	Sum                          OpType = 74
	Sqrt                         OpType = 75
	Rsqrt                        OpType = 76
	Shape                        OpType = 77
	Pow                          OpType = 78
	ArgMin                       OpType = 79
	FakeQuant                    OpType = 80
	ReduceProd                   OpType = 81
	ReduceMax                    OpType = 82
	Pack                         OpType = 83
	LogicalOr                    OpType = 84
	OneHot                       OpType = 85
	LogicalAnd                   OpType = 86
	LogicalNot                   OpType = 87
	Unpack                       OpType = 88
	ReduceMin                    OpType = 89
	FloorDiv                     OpType = 90
	ReduceAny                    OpType = 91
	Square                       OpType = 92
	ZerosLike                    OpType = 93
	Fill                         OpType = 94
	FloorMod                     OpType = 95
	Range                        OpType = 96
	ResizeNearestNeighbor        OpType = 97
	LeakyRelu                    OpType = 98
	SquaredDifference            OpType = 99
	MirrorPad                    OpType = 100
	Abs                          OpType = 101
	SplitV                       OpType = 102
	Unique                       OpType = 103
	Ceil                         OpType = 104
	ReverseV2                    OpType = 105
	AddN                         OpType = 106
	GatherND                     OpType = 107
	Cos                          OpType = 108
	Where                        OpType = 109
	Rank                         OpType = 110
	Elu                          OpType = 111
	ReverseSequence              OpType = 112
	MatrixDiag                   OpType = 113
	Quantize                     OpType = 114
	MatrixSetDiag                OpType = 115
	Round                        OpType = 116
	HardSwish                    OpType = 117
	If                           OpType = 118
	While                        OpType = 119
	NonMaxSuppressionV4          OpType = 120
	NonMaxSuppressionV5          OpType = 121
	ScatterND                    OpType = 122
	SelectV2                     OpType = 123
	Densify                      OpType = 124
	SegmentSum                   OpType = 125
	BatchMatMul                  OpType = 126
	PlaceholderForGreaterOpCodes OpType = 127
	Cumsum                       OpType = 128
	CallOnce                     OpType = 129
	BroadcastTo                  OpType = 130
	RFFT2D                       OpType = 131
	Conv3D                       OpType = 132
	Imag                         OpType = 133
	Real                         OpType = 134
	ComplexAbs                   OpType = 135
	Hashtable                    OpType = 136
	HashtableFind                OpType = 137
	HashtableImport              OpType = 138
	HashtableSize                OpType = 139
	ReduceAll                    OpType = 140
	Conv3DTranspose              OpType = 141
	VarHandle                    OpType = 142
	ReadVariable                 OpType = 143
	AssignVariable               OpType = 144
	BroadcastArgs                OpType = 145
	RandomStandardNormal         OpType = 146
	Bucketize                    OpType = 147
	RandomUniform                OpType = 148
	Multinomial                  OpType = 149
	Gelu                         OpType = 150
	DynamicUpdateSlice           OpType = 151
	Relu0To1                     OpType = 152
	UnsortedSegmentProd          OpType = 153
	UnsortedSegmentMax           OpType = 154
	UnsortedSegmentSum           OpType = 155
	Atan2                        OpType = 156
	UnsortedSegmentMin           OpType = 157
	Sign                         OpType = 158
	Bitcast                      OpType = 159
	BitwiseXor                   OpType = 160
	RightShift                   OpType = 161
	StablehloLogistic            OpType = 162
	StablehloAdd                 OpType = 163
	StablehloDivide              OpType = 164
	StablehloMultiply            OpType = 165
	StablehloMaximum             OpType = 166
	StablehloReshape             OpType = 167
	StablehloClamp               OpType = 168
	StablehloConcatenate         OpType = 169
	StablehloBroadcastInDim      OpType = 170
	StablehloConvolution         OpType = 171
	StablehloSlice               OpType = 172
	StablehloCustomCall          OpType = 173
	StablehloReduce              OpType = 174
	StablehloAbs                 OpType = 175
	StablehloAnd                 OpType = 176
	StablehloCosine              OpType = 177
	StablehloExponential         OpType = 178
	StablehloFloor               OpType = 179
	StablehloLog                 OpType = 180
	StablehloMinimum             OpType = 181
	StablehloNegate              OpType = 182
	StablehloOr                  OpType = 183
	StablehloPower               OpType = 184
	StablehloRemainder           OpType = 185
	StablehloRsqrt               OpType = 186
	StablehloSelect              OpType = 187
	StablehloSubtract            OpType = 188
	StablehloTanh                OpType = 189
	StablehloScatter             OpType = 190
	StablehloCompare             OpType = 191
	StablehloConvert             OpType = 192
	StablehloDynamicSlice        OpType = 193
	StablehloDynamicUpdateSlice  OpType = 194
	StablehloPad                 OpType = 195
	StablehloIota                OpType = 196
	StablehloDotGeneral          OpType = 197
	StablehloReduceWindow        OpType = 198
	StablehloSort                OpType = 199
	StablehloWhile               OpType = 200
	StablehloGather              OpType = 201
	StablehloTranspose           OpType = 202
	Dilate                       OpType = 203
	StablehloRngBitGenerator     OpType = 204
	ReduceWindow                 OpType = 205
)

var opTypeNames = [...]string{
	Add:                          "ADD",
	AveragePool2D:                "AVERAGE_POOL_2D",
	Concatenation:                "CONCATENATION",
	Conv2D:                       "CONV_2D",
	DepthwiseConv2D:              "DEPTHWISE_CONV_2D",
	DepthToSpace:                 "DEPTH_TO_SPACE",
	Dequantize:                   "DEQUANTIZE",
	EmbeddingLookup:              "EMBEDDING_LOOKUP",
	Floor:                        "FLOOR",
	FullyConnected:               "FULLY_CONNECTED",
	HashtableLookup:              "HASHTABLE_LOOKUP",
	L2Normalization:              "L2_NORMALIZATION",
	L2Pool2D:                     "L2_POOL_2D",
	LocalResponseNormalization:   "LOCAL_RESPONSE_NORMALIZATION",
	Logistic:                     "LOGISTIC",
	LSHProjection:                "LSH_PROJECTION",
	LSTM:                         "LSTM",
	MaxPool2D:                    "MAX_POOL_2D",
	Mul:                          "MUL",
	Relu:                         "RELU",
	ReluN1To1:                    "RELU_N1_TO_1",
	Relu6:                        "RELU6",
	Reshape:                      "RESHAPE",
	ResizeBilinear:               "RESIZE_BILINEAR",
	RNN:                          "RNN",
	Softmax:                      "SOFTMAX",
	SpaceToDepth:                 "SPACE_TO_DEPTH",
	SVDF:                         "SVDF",
	Tanh:                         "TANH",
	ConcatEmbeddings:             "CONCAT_EMBEDDINGS",
	SkipGram:                     "SKIP_GRAM",
	Call:                         "CALL",
	Custom:                       "CUSTOM",
	EmbeddingLookupSparse:        "EMBEDDING_LOOKUP_SPARSE",
	Pad:                          "PAD",
	UnidirectionalSequenceRNN:    "UNIDIRECTIONAL_SEQUENCE_RNN",
	Gather:                       "GATHER",
	BatchToSpaceND:               "BATCH_TO_SPACE_ND",
	SpaceToBatchND:               "SPACE_TO_BATCH_ND",
	Transpose:                    "TRANSPOSE",
	Mean:                         "MEAN",
	Sub:                          "SUB",
	Div:                          "DIV",
	Squeeze:                      "SQUEEZE",
	UnidirectionalSequenceLSTM:   "UNIDIRECTIONAL_SEQUENCE_LSTM",
	StridedSlice:                 "STRIDED_SLICE",
	BidirectionalSequenceRNN:     "BIDIRECTIONAL_SEQUENCE_RNN",
	Exp:                          "EXP",
	TopKV2:                       "TOPK_V2",
	Split:                        "SPLIT",
	LogSoftmax:                   "LOG_SOFTMAX",
	Delegate:                     "DELEGATE",
	BidirectionalSequenceLSTM:    "BIDIRECTIONAL_SEQUENCE_LSTM",
	Cast:                         "CAST",
	PRelu:                        "PRELU",
	Maximum:                      "MAXIMUM",
	ArgMax:                       "ARG_MAX",
	Minimum:                      "MINIMUM",
	Less:                         "LESS",
	Neg:                          "NEG",
	PadV2:                        "PADV2",
	Greater:                      "GREATER",
	GreaterEqual:                 "GREATER_EQUAL",
	LessEqual:                    "LESS_EQUAL",
	Select:                       "SELECT",
	Slice:                        "SLICE",
	Sin:                          "SIN",
	TransposeConv:                "TRANSPOSE_CONV",
	SparseToDense:                "SPARSE_TO_DENSE",
	Tile:                         "TILE",
	ExpandDims:                   "EXPAND_DIMS",
	Equal:                        "EQUAL",
	NotEqual:                     "NOT_EQUAL",
	Log:                          "LOG",
	Sum:                          "SUM",
	Sqrt:                         "SQRT",
	Rsqrt:                        "RSQRT",
	Shape:                        "SHAPE",
	Pow:                          "POW",
	ArgMin:                       "ARG_MIN",
	FakeQuant:                    "FAKE_QUANT",
	ReduceProd:                   "REDUCE_PROD",
	ReduceMax:                    "REDUCE_MAX",
	Pack:                         "PACK",
	LogicalOr:                    "LOGICAL_OR",
	OneHot:                       "ONE_HOT",
	LogicalAnd:                   "LOGICAL_AND",
	LogicalNot:                   "LOGICAL_NOT",
	Unpack:                       "UNPACK",
	ReduceMin:                    "REDUCE_MIN",
	FloorDiv:                     "FLOOR_DIV",
	ReduceAny:                    "REDUCE_ANY",
	Square:                       "SQUARE",
	ZerosLike:                    "ZEROS_LIKE",
	Fill:                         "FILL",
	FloorMod:                     "FLOOR_MOD",
	Range:                        "RANGE",
	ResizeNearestNeighbor:        "RESIZE_NEAREST_NEIGHBOR",
	LeakyRelu:                    "LEAKY_RELU",
	SquaredDifference:            "SQUARED_DIFFERENCE",
	MirrorPad:                    "MIRROR_PAD",
	Abs:                          "ABS",
	SplitV:                       "SPLIT_V",
	Unique:                       "UNIQUE",
	Ceil:                         "CEIL",
	ReverseV2:                    "REVERSE_V2",
	AddN:                         "ADD_N",
	GatherND:                     "GATHER_ND",
	Cos:                          "COS",
	Where:                        "WHERE",
	Rank:                         "RANK",
	Elu:                          "ELU",
	ReverseSequence:              "REVERSE_SEQUENCE",
	MatrixDiag:                   "MATRIX_DIAG",
	Quantize:                     "QUANTIZE",
	MatrixSetDiag:                "MATRIX_SET_DIAG",
	Round:                        "ROUND",
	HardSwish:                    "HARD_SWISH",
	If:                           "IF",
	While:                        "WHILE",
	NonMaxSuppressionV4:          "NON_MAX_SUPPRESSION_V4",
	NonMaxSuppressionV5:          "NON_MAX_SUPPRESSION_V5",
	ScatterND:                    "SCATTER_ND",
	SelectV2:                     "SELECT_V2",
	Densify:                      "DENSIFY",
	SegmentSum:                   "SEGMENT_SUM",
	BatchMatMul:                  "BATCH_MATMUL",
	PlaceholderForGreaterOpCodes: "PLACEHOLDER_FOR_GREATER_OP_CODES",
	Cumsum:                       "CUMSUM",
	CallOnce:                     "CALL_ONCE",
	BroadcastTo:                  "BROADCAST_TO",
	RFFT2D:                       "RFFT2D",
	Conv3D:                       "CONV_3D",
	Imag:                         "IMAG",
	Real:                         "REAL",
	ComplexAbs:                   "COMPLEX_ABS",
	Hashtable:                    "HASHTABLE",
	HashtableFind:                "HASHTABLE_FIND",
	HashtableImport:              "HASHTABLE_IMPORT",
	HashtableSize:                "HASHTABLE_SIZE",
	ReduceAll:                    "REDUCE_ALL",
	Conv3DTranspose:              "CONV_3D_TRANSPOSE",
	VarHandle:                    "VAR_HANDLE",
	ReadVariable:                 "READ_VARIABLE",
	AssignVariable:               "ASSIGN_VARIABLE",
	BroadcastArgs:                "BROADCAST_ARGS",
	RandomStandardNormal:         "RANDOM_STANDARD_NORMAL",
	Bucketize:                    "BUCKETIZE",
	RandomUniform:                "RANDOM_UNIFORM",
	Multinomial:                  "MULTINOMIAL",
	Gelu:                         "GELU",
	DynamicUpdateSlice:           "DYNAMIC_UPDATE_SLICE",
	Relu0To1:                     "RELU_0_TO_1",
	UnsortedSegmentProd:          "UNSORTED_SEGMENT_PROD",
	UnsortedSegmentMax:           "UNSORTED_SEGMENT_MAX",
	UnsortedSegmentSum:           "UNSORTED_SEGMENT_SUM",
	Atan2:                        "ATAN2",
	UnsortedSegmentMin:           "UNSORTED_SEGMENT_MIN",
	Sign:                         "SIGN",
	Bitcast:                      "BITCAST",
	BitwiseXor:                   "BITWISE_XOR",
	RightShift:                   "RIGHT_SHIFT",
	StablehloLogistic:            "STABLEHLO_LOGISTIC",
	StablehloAdd:                 "STABLEHLO_ADD",
	StablehloDivide:              "STABLEHLO_DIVIDE",
	StablehloMultiply:            "STABLEHLO_MULTIPLY",
	StablehloMaximum:             "STABLEHLO_MAXIMUM",
	StablehloReshape:             "STABLEHLO_RESHAPE",
	StablehloClamp:               "STABLEHLO_CLAMP",
	StablehloConcatenate:         "STABLEHLO_CONCATENATE",
	StablehloBroadcastInDim:      "STABLEHLO_BROADCAST_IN_DIM",
	StablehloConvolution:         "STABLEHLO_CONVOLUTION",
	StablehloSlice:               "STABLEHLO_SLICE",
	StablehloCustomCall:          "STABLEHLO_CUSTOM_CALL",
	StablehloReduce:              "STABLEHLO_REDUCE",
	StablehloAbs:                 "STABLEHLO_ABS",
	StablehloAnd:                 "STABLEHLO_AND",
	StablehloCosine:              "STABLEHLO_COSINE",
	StablehloExponential:         "STABLEHLO_EXPONENTIAL",
	StablehloFloor:               "STABLEHLO_FLOOR",
	StablehloLog:                 "STABLEHLO_LOG",
	StablehloMinimum:             "STABLEHLO_MINIMUM",
	StablehloNegate:              "STABLEHLO_NEGATE",
	StablehloOr:                  "STABLEHLO_OR",
	StablehloPower:               "STABLEHLO_POWER",
	StablehloRemainder:           "STABLEHLO_REMAINDER",
	StablehloRsqrt:               "STABLEHLO_RSQRT",
	StablehloSelect:              "STABLEHLO_SELECT",
	StablehloSubtract:            "STABLEHLO_SUBTRACT",
	StablehloTanh:                "STABLEHLO_TANH",
	StablehloScatter:             "STABLEHLO_SCATTER",
	StablehloCompare:             "STABLEHLO_COMPARE",
	StablehloConvert:             "STABLEHLO_CONVERT",
	StablehloDynamicSlice:        "STABLEHLO_DYNAMIC_SLICE",
	StablehloDynamicUpdateSlice:  "STABLEHLO_DYNAMIC_UPDATE_SLICE",
	StablehloPad:                 "STABLEHLO_PAD",
	StablehloIota:                "STABLEHLO_IOTA",
	StablehloDotGeneral:          "STABLEHLO_DOT_GENERAL",
	StablehloReduceWindow:        "STABLEHLO_REDUCE_WINDOW",
	StablehloSort:                "STABLEHLO_SORT",
	StablehloWhile:               "STABLEHLO_WHILE",
	StablehloGather:              "STABLEHLO_GATHER",
	StablehloTranspose:           "STABLEHLO_TRANSPOSE",
	Dilate:                       "DILATE",
	StablehloRngBitGenerator:     "STABLEHLO_RNG_BIT_GENERATOR",
	ReduceWindow:                 "REDUCE_WINDOW",
}

// String returns the TFLite name of the op type ("CONV_2D").
func (t OpType) String() string {
	if t >= 0 && int(t) < len(opTypeNames) {
		return opTypeNames[t]
	}
	return fmt.Sprintf("BUILTIN_%d", int(t))
}

// Known reports whether t is a builtin code this version of liteforge can name.
func (t OpType) Known() bool { return t >= 0 && int(t) < len(opTypeNames) }

// ParseOpType is the inverse of String.
func ParseOpType(s string) (OpType, error) {
	for i, n := range opTypeNames {
		if n == s {
			return OpType(i), nil
		}
	}
	return 0, fmt.Errorf("unknown op type %q", s)
}
