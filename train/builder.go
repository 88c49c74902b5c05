package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/liteforge/liteforge/ir"
)

// Builder assembles a float training graph op by op, inferring each output's
// shape, and initializes weights from a seeded generator the way PyTorch
// initializes its layers by default (uniform in ±1/√fan_in, which is what
// kaiming_uniform with a=√5 gives).
type Builder struct {
	g    *ir.Graph
	rng  *rand.Rand
	err  error
	name int
}

// NewBuilder starts a graph whose input has the given shape (batch first).
func NewBuilder(seed uint64, inputShape ...int) *Builder {
	b := &Builder{g: &ir.Graph{Name: "main"}, rng: rand.New(rand.NewPCG(seed, 0x747261696e))}
	in := b.g.AddTensor(&ir.Tensor{Name: "input", Type: ir.Float32, Shape: inputShape, HasRank: true})
	b.g.Inputs = []int{in}
	return b
}

// Input is the graph input's tensor index.
func (b *Builder) Input() int { return b.g.Inputs[0] }

// Shape is tensor t's shape.
func (b *Builder) Shape(t int) []int { return b.g.Tensors[t].Shape }

// dims returns tensor x's shape when it has the given rank (any rank when
// rank is 0); otherwise it records an error and returns ones, so a chain of
// calls after a failure stays harmless and Model reports the first error.
func (b *Builder) dims(x, rank int) []int {
	s := b.g.Tensors[x].Shape
	if (rank == 0 && len(s) > 0) || (rank > 0 && len(s) == rank) {
		return s
	}
	if b.err == nil {
		b.err = fmt.Errorf("tensor %q has shape %v, want rank %d", b.g.Tensors[x].Name, s, rank)
	}
	if rank == 0 {
		rank = 1
	}
	ones := make([]int, rank)
	for i := range ones {
		ones[i] = 1
	}
	return ones
}

// Const adds a float32 constant.
func (b *Builder) Const(name string, shape []int, values []float32) int {
	return b.g.AddTensor(&ir.Tensor{Name: name, Type: ir.Float32, Shape: shape, HasRank: true, Data: ir.Float32Bytes(values)})
}

// IntConst adds an int32 constant (axes, paddings, shapes).
func (b *Builder) IntConst(name string, shape []int, values []int32) int {
	return b.g.AddTensor(&ir.Tensor{Name: name, Type: ir.Int32, Shape: shape, HasRank: true, Data: ir.Int32Bytes(values)})
}

// Uniform adds a constant of values drawn uniformly from [-bound, bound].
func (b *Builder) Uniform(name string, shape []int, bound float64) int {
	v := make([]float32, ir.NumElements(shape))
	for i := range v {
		v[i] = float32((2*b.rng.Float64() - 1) * bound)
	}
	return b.Const(name, shape, v)
}

// Filled adds a constant holding one value everywhere.
func (b *Builder) Filled(name string, shape []int, value float32) int {
	v := make([]float32, ir.NumElements(shape))
	for i := range v {
		v[i] = value
	}
	return b.Const(name, shape, v)
}

// Op adds an op reading inputs and returns its output tensor. The output's
// shape is inferred (a batch norm keeps its input's).
func (b *Builder) Op(t ir.OpType, opts ir.Options, inputs ...int) int {
	op := &ir.Op{Type: t, Version: 1, Options: opts, Inputs: inputs}
	return b.add(op)
}

func (b *Builder) add(op *ir.Op) int {
	b.name++
	out := b.g.AddTensor(&ir.Tensor{Name: fmt.Sprintf("%s_%d", op.Name(), b.name), Type: ir.Float32, HasRank: true})
	op.Outputs = []int{out}
	if b.err != nil {
		b.g.Ops = append(b.g.Ops, op)
		return out
	}
	if isBatchNorm(op) {
		b.g.Tensors[out].Shape = append([]int(nil), b.g.Tensors[op.Inputs[0]].Shape...)
	} else {
		in := make([]*ir.Tensor, len(op.Inputs))
		for i, t := range op.Inputs {
			if t >= 0 {
				in[i] = b.g.Tensors[t]
			}
		}
		shapes, err := ir.InferShapes(op, in)
		if err != nil {
			b.err = fmt.Errorf("op %d (%s): %w", len(b.g.Ops), op.Name(), err)
		} else {
			b.g.Tensors[out].Shape = shapes[0]
		}
	}
	b.g.Ops = append(b.g.Ops, op)
	return out
}

// Conv adds a CONV_2D with a k×k filter (bias when withBias) and SAME or
// VALID padding, initialized like PyTorch's Conv2d.
func (b *Builder) Conv(x, outC, k, stride int, pad ir.Padding, act ir.Activation, withBias bool) int {
	inC := b.dims(x, 4)[3]
	bound := 1 / math.Sqrt(float64(inC*k*k))
	b.name++
	f := b.Uniform(fmt.Sprintf("conv%d/filter", b.name), []int{outC, k, k, inC}, bound)
	bias := -1
	if withBias {
		bias = b.Uniform(fmt.Sprintf("conv%d/bias", b.name), []int{outC}, bound)
	}
	return b.Op(ir.Conv2D, &ir.Conv2DOptions{Padding: pad, StrideW: stride, StrideH: stride, Activation: act, DilationW: 1, DilationH: 1}, x, f, bias)
}

// Depthwise adds a DEPTHWISE_CONV_2D (multiplier 1) with a k×k filter.
func (b *Builder) Depthwise(x, k, stride int, pad ir.Padding, act ir.Activation, withBias bool) int {
	c := b.dims(x, 4)[3]
	bound := 1 / math.Sqrt(float64(k*k))
	b.name++
	f := b.Uniform(fmt.Sprintf("dw%d/filter", b.name), []int{1, k, k, c}, bound)
	bias := -1
	if withBias {
		bias = b.Uniform(fmt.Sprintf("dw%d/bias", b.name), []int{c}, bound)
	}
	return b.Op(ir.DepthwiseConv2D, &ir.DepthwiseConv2DOptions{Padding: pad, StrideW: stride, StrideH: stride, DepthMultiplier: 1,
		Activation: act, DilationW: 1, DilationH: 1}, x, f, bias)
}

// FC adds a FULLY_CONNECTED layer with bias, initialized like nn.Linear.
func (b *Builder) FC(x, units int, act ir.Activation) int {
	s := b.dims(x, 0)
	in := s[len(s)-1]
	bound := 1 / math.Sqrt(float64(in))
	b.name++
	w := b.Uniform(fmt.Sprintf("fc%d/weights", b.name), []int{units, in}, bound)
	bias := b.Uniform(fmt.Sprintf("fc%d/bias", b.name), []int{units}, bound)
	return b.Op(ir.FullyConnected, &ir.FullyConnectedOptions{Activation: act}, x, w, bias)
}

// BatchNorm adds a train-only batch normalization over the last dimension,
// with PyTorch's defaults (γ=1, β=0, running mean 0 and variance 1,
// ε=1e-5, momentum 0.1).
func (b *Builder) BatchNorm(x int, act ir.Activation) int {
	s := b.dims(x, 0)
	c := s[len(s)-1]
	b.name++
	pre := fmt.Sprintf("bn%d/", b.name)
	gamma := b.Filled(pre+"gamma", []int{c}, 1)
	beta := b.Filled(pre+"beta", []int{c}, 0)
	mean := b.Filled(pre+"running_mean", []int{c}, 0)
	variance := b.Filled(pre+"running_var", []int{c}, 1)
	op := &ir.Op{Type: ir.Custom, Custom: BatchNormCode, Version: 1,
		Options: &BatchNormOptions{Epsilon: 1e-5, Momentum: 0.1, Activation: act},
		Inputs:  []int{x, gamma, beta, mean, variance}}
	return b.add(op)
}

// MaxPool adds a MAX_POOL_2D with a k×k window.
func (b *Builder) MaxPool(x, k, stride int) int {
	return b.Op(ir.MaxPool2D, &ir.Pool2DOptions{Padding: ir.PaddingValid, StrideW: stride, StrideH: stride, FilterWidth: k, FilterHeight: k}, x)
}

// GlobalAverage adds a MEAN over the spatial dimensions of an NHWC tensor.
func (b *Builder) GlobalAverage(x int) int {
	b.name++
	axes := b.IntConst(fmt.Sprintf("mean%d/axes", b.name), []int{2}, []int32{1, 2})
	return b.Op(ir.Mean, &ir.ReducerOptions{KeepDims: false}, x, axes)
}

// Flatten adds a RESHAPE to [batch, rest].
func (b *Builder) Flatten(x int) int {
	s := b.dims(x, 0)
	b.name++
	shape := b.IntConst(fmt.Sprintf("flatten%d/shape", b.name), []int{2}, []int32{-1, int32(ir.NumElements(s[1:]))})
	return b.Op(ir.Reshape, &ir.ReshapeOptions{}, x, shape)
}

// Model finishes the graph with output t.
func (b *Builder) Model(output int, description string) (*ir.Model, error) {
	if b.err != nil {
		return nil, b.err
	}
	b.g.Outputs = []int{output}
	b.g.Tensors[output].Name = "logits"
	m := &ir.Model{Version: 3, Description: description, Graphs: []*ir.Graph{b.g}}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}
