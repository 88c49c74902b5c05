package train

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unsafe"

	"github.com/liteforge/liteforge/internal/gemm"
	"github.com/liteforge/liteforge/ir"
)

// BatchNormCode is the custom code of the train-only batch-normalization op.
// Its inputs are x (channels last), gamma, beta, the running mean and the
// running variance; its options are a *BatchNormOptions. It never reaches a
// written model: Export folds it into the op before it.
const BatchNormCode = "LiteforgeTrainBatchNorm"

// BatchNormOptions parameterize the train-only batch normalization.
type BatchNormOptions struct {
	Epsilon float32
	// Momentum is the weight of a batch's statistics in the running ones
	// (PyTorch's momentum: 0.1 keeps 90% of the old running value).
	Momentum   float32
	Activation ir.Activation // a fused activation, applied after the affine step
}

// Param is one trainable tensor: a constant float32 input of the graph.
type Param struct {
	Name   string
	Tensor int // index in the training graph
	Shape  []int
	Value  []float32
	Grad   []float32
	// Decay says whether weight decay applies: to filters and weight
	// matrices (rank 2 and more), not to biases or normalization parameters.
	Decay bool
	// Frozen parameters keep their values (optimizers skip them).
	Frozen bool
}

// Options configure a Net.
type Options struct {
	// Threads is how many goroutines forward and backward passes use (at
	// least 1). Results do not depend on it.
	Threads int
}

// Net is a float model prepared for training: its trainable parameters, the
// per-sample shape of every activation, and per-batch-size execution plans.
type Net struct {
	model      *ir.Model
	g          *ir.Graph
	order      []int // op indices in execution order
	params     []*Param
	paramOf    []int // tensor index -> index in params, or -1
	input      int
	output     int
	logits     int     // the tensor the loss reads: the output, or the input of a final SOFTMAX
	logitScale float32 // the final SOFTMAX's beta (1 without one)
	classes    int
	sample     [][]int     // per tensor: its shape without the batch dimension (nil for constants)
	consts     [][]float32 // per tensor: float32 constant values (running statistics are updated in place)
	needGrad   []bool
	inputGrad  bool // tests ask for the gradient of the input too
	w          workers
	eng        *gemm.Engine
	plans      map[planKey]*plan
}

// trainable lists the op types the package differentiates.
var trainable = map[ir.OpType]bool{
	ir.Conv2D: true, ir.DepthwiseConv2D: true, ir.FullyConnected: true,
	ir.Add: true, ir.Sub: true, ir.Mul: true,
	ir.Relu: true, ir.Relu6: true, ir.HardSwish: true, ir.Logistic: true, ir.Tanh: true,
	ir.MaxPool2D: true, ir.AveragePool2D: true, ir.Mean: true,
	ir.Reshape: true, ir.Concatenation: true, ir.Pad: true, ir.Softmax: true,
}

func isBatchNorm(op *ir.Op) bool { return op.Type == ir.Custom && op.Custom == BatchNormCode }

// NewNet prepares a float model for training. The model is copied; every
// constant float32 input of its ops becomes a parameter (but a batch norm's
// running statistics, which the forward pass updates). Graph 0 must have one
// float32 input whose first dimension is the batch and one float32 output
// (logits or the SOFTMAX of logits) whose last dimension is the classes.
func NewNet(m *ir.Model, opts Options) (*Net, error) {
	if !littleEndian() {
		return nil, errors.New("train: training needs a little-endian machine")
	}
	if m == nil || len(m.Graphs) == 0 {
		return nil, errors.New("train: the model has no graph")
	}
	m = m.Clone()
	g := m.Graphs[0]
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return nil, fmt.Errorf("train: the model must have one input and one output, it has %d and %d", len(g.Inputs), len(g.Outputs))
	}
	n := &Net{model: m, g: g, input: g.Inputs[0], output: g.Outputs[0], plans: map[planKey]*plan{}}
	n.w.threads = max(1, opts.Threads)
	n.eng = gemm.NewEngine(n.w.threads)
	in, out := g.Tensors[n.input], g.Tensors[n.output]
	if in.Type != ir.Float32 || len(in.Shape) < 2 || in.Shape[0] <= 0 {
		return nil, fmt.Errorf("train: input %q must be float32 with a leading batch dimension, it is %v %v", in.Name, in.Type, in.Shape)
	}
	if out.Type != ir.Float32 || len(out.Shape) != 2 || out.Shape[1] < 2 {
		return nil, fmt.Errorf("train: output %q must be float32 [batch, classes], it is %v %v", out.Name, out.Type, out.Shape)
	}
	n.classes = out.Shape[1]
	if err := n.checkOps(); err != nil {
		return nil, err
	}
	var err error
	if n.order, err = g.TopoOrder(); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if err := n.collect(); err != nil {
		return nil, err
	}
	n.logits, n.logitScale = n.output, 1
	prod := g.Producers()
	if p := prod[n.output]; p >= 0 && g.Ops[p].Type == ir.Softmax {
		n.logits = g.Ops[p].Inputs[0]
		if o, ok := g.Ops[p].Options.(*ir.SoftmaxOptions); ok && o != nil && o.Beta != 0 {
			n.logitScale = o.Beta
		}
	}
	n.markGrads()
	return n, nil
}

func littleEndian() bool { x := uint16(1); return *(*byte)(unsafe.Pointer(&x)) == 1 }

// checkOps lists every op the package cannot train, with counts, at once.
func (n *Net) checkOps() error {
	bad := map[string]int{}
	for _, op := range n.g.Ops {
		if !trainable[op.Type] && !isBatchNorm(op) {
			bad[op.Name()]++
			continue
		}
		if isBatchNorm(op) {
			if o, ok := op.Options.(*BatchNormOptions); !ok || o == nil || len(op.Inputs) != 5 {
				return fmt.Errorf("train: %s op needs 5 inputs and *BatchNormOptions", BatchNormCode)
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	var names []string
	for k, c := range bad {
		names = append(names, fmt.Sprintf("%s (%d)", k, c))
	}
	sort.Strings(names)
	return fmt.Errorf("train: cannot train ops of type %s", strings.Join(names, ", "))
}

// collect finds parameters, constants and per-sample shapes.
func (n *Net) collect() error {
	g := n.g
	nt := len(g.Tensors)
	n.paramOf = make([]int, nt)
	for i := range n.paramOf {
		n.paramOf[i] = -1
	}
	n.sample = make([][]int, nt)
	n.consts = make([][]float32, nt)
	batch0 := g.Tensors[n.input].Shape[0]
	activation := func(t int) error {
		tt := g.Tensors[t]
		if tt.Type != ir.Float32 {
			return fmt.Errorf("train: tensor %d (%q) is %v; training computes float32 only", t, tt.Name, tt.Type)
		}
		if len(tt.Shape) < 1 || tt.Shape[0] != batch0 {
			return fmt.Errorf("train: tensor %d (%q) of shape %v does not lead with the input's batch %d", t, tt.Name, tt.Shape, batch0)
		}
		if ir.NumElements(tt.Shape) < 0 {
			return fmt.Errorf("train: tensor %d (%q) has an invalid shape %v", t, tt.Name, tt.Shape)
		}
		n.sample[t] = slices.Clone(tt.Shape[1:])
		return nil
	}
	if err := activation(n.input); err != nil {
		return err
	}
	for _, oi := range n.order {
		op := g.Ops[oi]
		for i, t := range op.Inputs {
			if t < 0 {
				continue
			}
			tt := g.Tensors[t]
			if !tt.IsConst() {
				if n.sample[t] == nil {
					return fmt.Errorf("train: op %d (%s) reads tensor %d (%q), which is neither a constant nor computed before it", oi, op.Name(), t, tt.Name)
				}
				continue
			}
			if tt.Type != ir.Float32 {
				continue // shapes, axes, paddings
			}
			if n.consts[t] == nil {
				size := ir.NumElements(tt.Shape)
				if size < 0 || len(tt.Data) < 4*size {
					return fmt.Errorf("train: constant %d (%q) holds %d bytes for shape %v", t, tt.Name, len(tt.Data), tt.Shape)
				}
				n.consts[t] = append([]float32(nil), ir.AsFloat32(tt.Data)[:size]...)
			}
			if isBatchNorm(op) && i >= 3 {
				continue // running statistics
			}
			if n.paramOf[t] < 0 {
				n.paramOf[t] = len(n.params)
				n.params = append(n.params, &Param{
					Name: tt.Name, Tensor: t, Shape: slices.Clone(tt.Shape),
					Value: n.consts[t], Grad: make([]float32, len(n.consts[t])),
					Decay: len(tt.Shape) >= 2,
				})
			}
		}
		for _, t := range op.Outputs {
			if err := activation(t); err != nil {
				return fmt.Errorf("train: op %d (%s): %w", oi, op.Name(), err)
			}
		}
	}
	if n.sample[n.output] == nil {
		return fmt.Errorf("train: output %q is computed by no op", g.Tensors[n.output].Name)
	}
	return nil
}

// markGrads marks the tensors whose gradients a backward pass needs: those
// computed from a parameter (or from the input, when asked).
func (n *Net) markGrads() {
	n.needGrad = make([]bool, len(n.g.Tensors))
	for _, p := range n.params {
		n.needGrad[p.Tensor] = true
	}
	n.needGrad[n.input] = n.inputGrad
	for _, oi := range n.order {
		op := n.g.Ops[oi]
		need := false
		for i, t := range op.Inputs {
			if t >= 0 && n.needGrad[t] && !(isBatchNorm(op) && i >= 3) {
				need = true
			}
		}
		for _, t := range op.Outputs {
			n.needGrad[t] = need
		}
	}
	clear(n.plans) // plans size their gradient buffers by needGrad
}

// Params are the trainable parameters, in the order the graph first uses them.
func (n *Net) Params() []*Param { return n.params }

// Classes is the number of classes the output scores.
func (n *Net) Classes() int { return n.classes }

// InputShape is the shape of one input sample (without the batch dimension).
func (n *Net) InputShape() []int { return slices.Clone(n.sample[n.input]) }

// NumParams is the number of trainable values.
func (n *Net) NumParams() int {
	s := 0
	for _, p := range n.params {
		s += len(p.Value)
	}
	return s
}

// ZeroGrad clears the parameters' gradients.
func (n *Net) ZeroGrad() {
	for _, p := range n.params {
		clear(p.Grad)
	}
}

// sampleSize is the number of elements of one sample of tensor t.
func (n *Net) sampleSize(t int) int { return ir.NumElements(n.sample[t]) }

// batchShape is tensor t's shape for a batch of the given size.
func (n *Net) batchShape(t, batch int) []int {
	if n.sample[t] == nil {
		return slices.Clone(n.g.Tensors[t].Shape)
	}
	return append([]int{batch}, n.sample[t]...)
}

// f32bytes views float32s as the little-endian bytes kernels read.
func f32bytes(v []float32) []byte {
	if len(v) == 0 {
		return []byte{}
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
}

// checkFinite reports the first parameter holding a NaN or an infinity: a
// diverged run should stop with a message, not write garbage.
func (n *Net) checkFinite() error {
	for _, p := range n.params {
		for _, v := range p.Value {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("train: parameter %q is no longer finite (the learning rate may be too high)", p.Name)
			}
		}
	}
	return nil
}
