package kernels

import (
	"math/rand"
	"testing"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// ewRandQ is a quantized tensor of random stored integers.
func ewRandQ(rng *rand.Rand, t ir.DataType, shape []int, scale float32, zp int64) *ir.Tensor {
	n := ir.NumElements(shape)
	x := ewOut(t, shape)
	switch t {
	case ir.Int16:
		v := x.Int16s()
		for i := range v {
			v[i] = int16(rng.Intn(65536) - 32768)
		}
	default:
		rng.Read(x.Data[:n])
	}
	return ewQuant(x, scale, zp)
}

// ewAll8 is a 256-element 8-bit tensor holding every stored value once, so
// that an 8-bit activation is checked on its whole table.
func ewAll8(t ir.DataType, scale float32, zp int64) *ir.Tensor {
	x := ewQuant(ewOut(t, []int{256}), scale, zp)
	for i := range x.Data {
		x.Data[i] = byte(i)
	}
	return x
}

// ewQuantCase is one integer op checked against TFLite. XNNPACK marks the
// cases that TFLite hands to XNNPACK, whose 8-bit arithmetic is its own:
// those run under XNNPACKKernels; every case must match exactly.
type ewQuantCase struct {
	name    string
	op      ir.OpType
	opts    ir.Options
	in      []*ir.Tensor
	out     *ir.Tensor
	xnnpack bool
}

func ewQuantCases() []ewQuantCase {
	rng := rand.New(rand.NewSource(7))
	q := func(t ir.DataType, s []int, sc float32, zp int64) *ir.Tensor { return ewRandQ(rng, t, s, sc, zp) }
	o := func(t ir.DataType, s []int, sc float32, zp int64) *ir.Tensor { return ewQuant(ewOut(t, s), sc, zp) }
	ax := func(v ...int32) *ir.Tensor { return ewI32([]int{len(v)}, v...) }
	i8, u8, i16 := ir.Int8, ir.Uint8, ir.Int16
	return []ewQuantCase{
		{"ADD int8 broadcast relu", ir.Add, &ir.AddOptions{Activation: ir.ActRelu}, []*ir.Tensor{q(i8, []int{2, 3, 8}, 0.05, -3), q(i8, []int{3, 1}, 0.11, 7)}, o(i8, []int{2, 3, 8}, 0.09, -10), true},
		{"ADD uint8", ir.Add, &ir.AddOptions{}, []*ir.Tensor{q(u8, []int{4, 8}, 0.05, 120), q(u8, []int{4, 8}, 0.07, 130)}, o(u8, []int{4, 8}, 0.1, 128), true},
		{"ADD int16 general", ir.Add, &ir.AddOptions{Activation: ir.ActRelu6}, []*ir.Tensor{q(i16, []int{4, 8}, 0.0005, 0), q(i16, []int{8}, 0.0007, 0)}, o(i16, []int{4, 8}, 0.001, 0), false},
		{"ADD int16 pot", ir.Add, &ir.AddOptions{PotScaleInt16: true}, []*ir.Tensor{q(i16, []int{4, 8}, 1.0/4096, 0), q(i16, []int{4, 8}, 1.0/32768, 0)}, o(i16, []int{4, 8}, 1.0/4096, 0), false},
		{"SUB int8", ir.Sub, &ir.SubOptions{}, []*ir.Tensor{q(i8, []int{4, 8}, 0.05, -3), q(i8, []int{4, 8}, 0.11, 7)}, o(i8, []int{4, 8}, 0.09, 2), true},
		{"SUB uint8 relu6", ir.Sub, &ir.SubOptions{Activation: ir.ActRelu6}, []*ir.Tensor{q(u8, []int{4, 8}, 0.05, 120), q(u8, []int{1}, 0.07, 130)}, o(u8, []int{4, 8}, 0.1, 128), true},
		{"SUB int16 general", ir.Sub, &ir.SubOptions{}, []*ir.Tensor{q(i16, []int{4, 8}, 0.0005, 0), q(i16, []int{4, 8}, 0.0007, 0)}, o(i16, []int{4, 8}, 0.001, 0), false},
		{"SUB int16 pot", ir.Sub, &ir.SubOptions{PotScaleInt16: true}, []*ir.Tensor{q(i16, []int{4, 8}, 1.0/32768, 0), q(i16, []int{4, 8}, 1.0/4096, 0)}, o(i16, []int{4, 8}, 1.0/4096, 0), false},
		{"MUL int8", ir.Mul, &ir.MulOptions{}, []*ir.Tensor{q(i8, []int{4, 8}, 0.05, -3), q(i8, []int{8}, 0.11, 7)}, o(i8, []int{4, 8}, 0.2, 2), true},
		{"MUL uint8", ir.Mul, &ir.MulOptions{}, []*ir.Tensor{q(u8, []int{4, 8}, 0.05, 120), q(u8, []int{4, 8}, 0.07, 130)}, o(u8, []int{4, 8}, 0.1, 128), true},
		{"MUL int16", ir.Mul, &ir.MulOptions{Activation: ir.ActReluN1To1}, []*ir.Tensor{q(i16, []int{4, 8}, 0.0005, 0), q(i16, []int{4, 8}, 0.0007, 0)}, o(i16, []int{4, 8}, 0.00001, 0), false},
		{"SQUARED_DIFFERENCE int8", ir.SquaredDifference, nil, []*ir.Tensor{q(i8, []int{4, 8}, 0.05, -3), q(i8, []int{8}, 0.11, 7)}, o(i8, []int{4, 8}, 0.3, -128), false},
		{"MAXIMUM int8", ir.Maximum, nil, []*ir.Tensor{q(i8, []int{4, 8}, 0.05, -3), q(i8, []int{4, 8}, 0.05, -3)}, o(i8, []int{4, 8}, 0.05, -3), false},
		{"MINIMUM uint8", ir.Minimum, nil, []*ir.Tensor{q(u8, []int{4, 8}, 0.05, 3), q(u8, []int{8}, 0.05, 3)}, o(u8, []int{4, 8}, 0.05, 3), false},
		{"MAXIMUM int16", ir.Maximum, nil, []*ir.Tensor{q(i16, []int{4, 8}, 0.05, 0), q(i16, []int{4, 8}, 0.05, 0)}, o(i16, []int{4, 8}, 0.05, 0), false},

		{"RELU int8", ir.Relu, nil, []*ir.Tensor{ewAll8(i8, 0.05, -3)}, o(i8, []int{256}, 0.03, -128), false},
		{"RELU uint8", ir.Relu, nil, []*ir.Tensor{ewAll8(u8, 0.05, 100)}, o(u8, []int{256}, 0.07, 3), false},
		{"RELU int16", ir.Relu, nil, []*ir.Tensor{q(i16, []int{256}, 0.001, 0)}, o(i16, []int{256}, 0.0007, 0), false},
		{"RELU6 int8", ir.Relu6, nil, []*ir.Tensor{ewAll8(i8, 0.05, -3)}, o(i8, []int{256}, 0.03, -128), false},
		{"RELU6 uint8", ir.Relu6, nil, []*ir.Tensor{ewAll8(u8, 0.05, 100)}, o(u8, []int{256}, 0.03, 0), false},
		{"RELU6 int16", ir.Relu6, nil, []*ir.Tensor{q(i16, []int{256}, 0.001, 0)}, o(i16, []int{256}, 0.0003, 0), false},
		{"RELU_N1_TO_1 int8", ir.ReluN1To1, nil, []*ir.Tensor{ewAll8(i8, 0.02, -3)}, o(i8, []int{256}, 0.01, 0), false},
		{"RELU_N1_TO_1 uint8", ir.ReluN1To1, nil, []*ir.Tensor{ewAll8(u8, 0.02, 128)}, o(u8, []int{256}, 0.01, 128), false},
		{"LEAKY_RELU int8", ir.LeakyRelu, &ir.LeakyReluOptions{Alpha: 0.2}, []*ir.Tensor{ewAll8(i8, 0.05, -3)}, o(i8, []int{256}, 0.04, -20), true},
		{"LEAKY_RELU uint8", ir.LeakyRelu, &ir.LeakyReluOptions{Alpha: 0.3}, []*ir.Tensor{ewAll8(u8, 0.05, 100)}, o(u8, []int{256}, 0.04, 50), true},
		{"LEAKY_RELU int16", ir.LeakyRelu, &ir.LeakyReluOptions{Alpha: 0.2}, []*ir.Tensor{q(i16, []int{256}, 0.001, 0)}, o(i16, []int{256}, 0.0009, 0), false},
		{"HARD_SWISH int8", ir.HardSwish, nil, []*ir.Tensor{ewAll8(i8, 0.05, -3)}, o(i8, []int{256}, 0.04, -20), false},
		{"HARD_SWISH uint8", ir.HardSwish, nil, []*ir.Tensor{ewAll8(u8, 0.06, 100)}, o(u8, []int{256}, 0.04, 30), false},
		{"LOGISTIC int8", ir.Logistic, nil, []*ir.Tensor{ewAll8(i8, 0.06, -3)}, o(i8, []int{256}, 1.0/256, -128), true},
		{"LOGISTIC uint8", ir.Logistic, nil, []*ir.Tensor{ewAll8(u8, 0.06, 120)}, o(u8, []int{256}, 1.0/256, 0), true},
		{"LOGISTIC int16 pot", ir.Logistic, nil, []*ir.Tensor{q(i16, []int{512}, 1.0/4096, 0)}, o(i16, []int{512}, 1.0/32768, 0), false},
		{"LOGISTIC int16 general", ir.Logistic, nil, []*ir.Tensor{q(i16, []int{512}, 0.0003, 0)}, o(i16, []int{512}, 1.0/32768, 0), false},
		{"TANH int8", ir.Tanh, nil, []*ir.Tensor{ewAll8(i8, 0.03, 5)}, o(i8, []int{256}, 1.0/128, 0), false},
		{"TANH uint8", ir.Tanh, nil, []*ir.Tensor{ewAll8(u8, 0.03, 128)}, o(u8, []int{256}, 1.0/128, 128), false},
		{"TANH int16 pot shift 0", ir.Tanh, nil, []*ir.Tensor{q(i16, []int{512}, 1.0/4096, 0)}, o(i16, []int{512}, 1.0/32768, 0), false},
		{"TANH int16 pot shift 1", ir.Tanh, nil, []*ir.Tensor{q(i16, []int{512}, 1.0/8192, 0)}, o(i16, []int{512}, 1.0/32768, 0), false},
		{"TANH int16 general", ir.Tanh, nil, []*ir.Tensor{q(i16, []int{512}, 0.0003, 0)}, o(i16, []int{512}, 1.0/32768, 0), false},
		{"GELU int8", ir.Gelu, &ir.GeluOptions{}, []*ir.Tensor{ewAll8(i8, 0.03, 5)}, o(i8, []int{256}, 0.02, -30), false},
		{"GELU uint8 approximate", ir.Gelu, &ir.GeluOptions{Approximate: true}, []*ir.Tensor{ewAll8(u8, 0.03, 128)}, o(u8, []int{256}, 0.02, 20), false},
		{"ELU int8", ir.Elu, nil, []*ir.Tensor{ewAll8(i8, 0.03, 5)}, o(i8, []int{256}, 0.02, 10), true},
		{"PRELU int8", ir.PRelu, nil, []*ir.Tensor{q(i8, []int{1, 4, 4, 8}, 0.05, -3), q(i8, []int{8}, 0.01, 2)}, o(i8, []int{1, 4, 4, 8}, 0.04, 10), false},
		{"PRELU uint8", ir.PRelu, nil, []*ir.Tensor{q(u8, []int{1, 4, 4, 8}, 0.05, 128), q(u8, []int{1, 1, 8}, 0.01, 100)}, o(u8, []int{1, 4, 4, 8}, 0.04, 100), false},

		{"SOFTMAX int8", ir.Softmax, &ir.SoftmaxOptions{Beta: 1}, []*ir.Tensor{q(i8, []int{3, 40}, 0.1, 3)}, o(i8, []int{3, 40}, 1.0/256, -128), false},
		{"SOFTMAX int8 beta", ir.Softmax, &ir.SoftmaxOptions{Beta: 0.3}, []*ir.Tensor{q(i8, []int{3, 40}, 0.3, 3)}, o(i8, []int{3, 40}, 1.0/256, -128), false},
		{"SOFTMAX uint8", ir.Softmax, &ir.SoftmaxOptions{Beta: 1}, []*ir.Tensor{q(u8, []int{3, 40}, 0.1, 3)}, o(u8, []int{3, 40}, 1.0/256, 0), false},
		{"SOFTMAX int8 to int16", ir.Softmax, &ir.SoftmaxOptions{Beta: 1}, []*ir.Tensor{q(i8, []int{3, 40}, 0.1, 3)}, o(i16, []int{3, 40}, 1.0/32768, 0), false},
		{"SOFTMAX int16", ir.Softmax, &ir.SoftmaxOptions{Beta: 1}, []*ir.Tensor{q(i16, []int{3, 40}, 0.0004, 0)}, o(i16, []int{3, 40}, 1.0/32768, 0), false},
		{"LOG_SOFTMAX int8", ir.LogSoftmax, nil, []*ir.Tensor{q(i8, []int{3, 40}, 0.1, 3)}, o(i8, []int{3, 40}, 16.0/256, 127), false},
		{"LOG_SOFTMAX uint8", ir.LogSoftmax, nil, []*ir.Tensor{q(u8, []int{3, 40}, 0.1, 3)}, o(u8, []int{3, 40}, 16.0/256, 255), false},
		{"L2_NORMALIZATION int8", ir.L2Normalization, &ir.L2NormOptions{}, []*ir.Tensor{q(i8, []int{3, 40}, 0.1, 3)}, o(i8, []int{3, 40}, 1.0/128, 0), false},
		{"L2_NORMALIZATION uint8", ir.L2Normalization, &ir.L2NormOptions{}, []*ir.Tensor{q(u8, []int{3, 40}, 0.1, 100)}, o(u8, []int{3, 40}, 1.0/128, 128), false},

		{"MEAN int8 height-width", ir.Mean, &ir.ReducerOptions{KeepDims: true}, []*ir.Tensor{q(i8, []int{1, 5, 7, 16}, 0.1, 3), ax(1, 2)}, o(i8, []int{1, 1, 1, 16}, 0.05, -7), true},
		{"MEAN uint8 height-width", ir.Mean, &ir.ReducerOptions{KeepDims: true}, []*ir.Tensor{q(u8, []int{2, 5, 7, 16}, 0.1, 130), ax(2, 1)}, o(u8, []int{2, 1, 1, 16}, 0.05, 120), true},
		{"MEAN int8", ir.Mean, &ir.ReducerOptions{}, []*ir.Tensor{q(i8, []int{3, 5, 7}, 0.1, 3), ax(0, 2)}, o(i8, []int{5}, 0.07, -7), false},
		{"MEAN uint8", ir.Mean, &ir.ReducerOptions{}, []*ir.Tensor{q(u8, []int{3, 5, 7}, 0.1, 130), ax(-1)}, o(u8, []int{3, 5}, 0.07, 100), false},
		{"MEAN int16", ir.Mean, &ir.ReducerOptions{}, []*ir.Tensor{q(i16, []int{3, 5, 7}, 0.001, 0), ax(1)}, o(i16, []int{3, 7}, 0.0007, 0), false},
		{"SUM int8", ir.Sum, &ir.ReducerOptions{}, []*ir.Tensor{q(i8, []int{3, 5, 7}, 0.01, 3), ax(1)}, o(i8, []int{3, 7}, 0.07, -7), false},
		{"SUM uint8", ir.Sum, &ir.ReducerOptions{KeepDims: true}, []*ir.Tensor{q(u8, []int{3, 5, 7}, 0.01, 130), ax(0, 2)}, o(u8, []int{1, 5, 1}, 0.2, 100), false},
		{"REDUCE_MAX int8", ir.ReduceMax, &ir.ReducerOptions{}, []*ir.Tensor{q(i8, []int{3, 5, 7}, 0.01, 3), ax(1)}, o(i8, []int{3, 7}, 0.01, 3), false},
		{"REDUCE_MIN uint8", ir.ReduceMin, &ir.ReducerOptions{}, []*ir.Tensor{q(u8, []int{3, 5, 7}, 0.01, 3), ax(0)}, o(u8, []int{5, 7}, 0.01, 3), false},
		{"ARG_MAX int8", ir.ArgMax, &ir.ArgMaxOptions{OutputType: ir.Int32}, []*ir.Tensor{q(i8, []int{3, 5, 7}, 0.01, 3), ax(1)}, ewOut(ir.Int32, []int{3, 7}), false},
		{"ARG_MIN uint8", ir.ArgMin, &ir.ArgMinOptions{OutputType: ir.Int32}, []*ir.Tensor{q(u8, []int{3, 5, 7}, 0.01, 3), ax(2)}, ewOut(ir.Int32, []int{3, 5}), false},
	}
}

// ewStoredInts decodes an integer tensor's bytes for comparison.
func ewStoredInts(t ir.DataType, b []byte) []int32 {
	v, _ := ir.IntValues(t, b)
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

// TestIntegerOpsAgainstOracle runs every integer path in one TFLite model
// and requires the same bytes.
func TestIntegerOpsAgainstOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("oracle comparisons are slow")
	}
	cases := ewQuantCases()
	var ops []ewOracleOp
	for _, c := range cases {
		var consts []int
		if len(c.in) > 1 && c.in[1].Type == ir.Int32 {
			consts = []int{1} // axes
		}
		ops = append(ops, ewOracleOp{N: ewNode(c.op, c.opts, c.in, c.out), Consts: consts})
	}
	res := ewOracle(t, ops...)
	for i, c := range cases {
		if !c.xnnpack && !res.Builtin(c.op) {
			t.Errorf("%s: TFLite did not run %v itself (node types %v)", c.name, c.op, res.NodeTypes)
		}
		out := c.out.Clone()
		out.Data = make([]byte, len(c.out.Data))
		n := ewNode(c.op, c.opts, c.in, out)
		if c.xnnpack {
			n.Ctx.Kernels = XNNPACKKernels
		}
		if err := ewRun(t, n); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got, want := ewStoredInts(out.Type, out.Data), ewStoredInts(out.Type, res.Outputs[i][0])
		differ := 0
		for j := range got {
			if got[j] != want[j] {
				if differ < 5 {
					t.Errorf("%s: element %d is %d, TFLite gives %d", c.name, j, got[j], want[j])
				}
				differ++
			}
		}
		if differ > 0 {
			t.Errorf("%s: %d of %d elements differ from TFLite", c.name, differ, len(got))
		}
	}
}

// TestIntegerOpsRoundingAndFlavor checks that every case also runs under the
// other rounding and the reference kernels (their arithmetic is checked by
// hand-worked values elsewhere), and that Eval allocates nothing there too.
func TestIntegerOpsRoundingAndFlavor(t *testing.T) {
	for _, c := range ewQuantCases() {
		for _, r := range []fixedpoint.Rounding{fixedpoint.DoubleRounding, fixedpoint.SingleRounding} {
			for _, ks := range []KernelSet{BuiltinKernels, ReferenceKernels, XNNPACKKernels} {
				out := c.out.Clone()
				out.Data = make([]byte, len(c.out.Data))
				n := ewNode(c.op, c.opts, c.in, out)
				n.Ctx.Rounding, n.Ctx.Kernels = r, ks
				if err := ewRun(t, n); err != nil {
					t.Errorf("%s (%v rounding, %v kernels): %v", c.name, r, ks, err)
				}
			}
		}
	}
}
