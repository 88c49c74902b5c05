// Package kernels holds one file per op family, each with float and integer
// paths. A kernel validates and precomputes in Prepare and computes in Eval,
// which allocates nothing. Integer paths reproduce TFLite's reference kernels
// bit for bit.
package kernels

import (
	"fmt"
	"sync"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// Context carries one interpreter's settings to its kernels.
type Context struct {
	// Threads is how many goroutines a kernel may use (at least 1).
	Threads int
	// Rounding selects MultiplyByQuantizedMultiplier's rounding.
	Rounding fixedpoint.Rounding
	// Kernels selects which of TFLite's implementations the integer kernels
	// reproduce for the few ops where TFLite's own differ.
	Kernels KernelSet
	// Warnf reports something the user should know once (a model TFLite
	// would reject but liteforge runs, say). It may be nil.
	Warnf func(format string, args ...any)
}

// KernelSet names one of TFLite's sets of kernels. For most integer ops they
// compute the same bytes; they differ for int8/uint8 SOFTMAX and LOG_SOFTMAX
// (a float lookup table against gemmlowp fixed point), int16 LOGISTIC and TANH
// with power-of-two scales, and int8/uint8 MEAN and SUM.
type KernelSet int

const (
	// BuiltinKernels are the kernels of TFLite's default op resolver, which
	// TFLite interpreters on phones and desktops run.
	BuiltinKernels KernelSet = iota
	// ReferenceKernels are TFLite's reference kernels (its
	// BuiltinRefOpResolver), whose arithmetic TFLite Micro follows.
	ReferenceKernels
	// XNNPACKKernels are the builtin kernels with the XNNPACK delegate that
	// TFLite applies by default, as its WebAssembly build computes (the
	// TFLite oracle): the ops XNNPACK takes compute XNNPACK's arithmetic.
	// 8-bit CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and TRANSPOSE_CONV
	// requantize in float32 (the sum times input*filter/output scale,
	// rounded half to even); 8-bit ADD, SUB, MUL, LEAKY_RELU, ELU, LOGISTIC,
	// height-width MEAN, RESIZE_BILINEAR and QUANTIZE (from float or another
	// 8-bit scale) use XNNPACK's own formulas (*_xnnpack.go); float CONV_2D,
	// DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE_POOL_2D, height-width MEAN
	// and RESIZE_BILINEAR sum in XNNPACK's order, so their results are
	// bit-identical too. Other ops (those TFLite keeps, such as hybrid ones)
	// compute as BuiltinKernels.
	XNNPACKKernels
)

func (s KernelSet) String() string {
	switch s {
	case ReferenceKernels:
		return "reference"
	case XNNPACKKernels:
		return "xnnpack"
	}
	return "builtin"
}

// Warn calls Warnf when it is set.
func (c *Context) Warn(format string, args ...any) {
	if c != nil && c.Warnf != nil {
		c.Warnf(format, args...)
	}
}

// Node is what a kernel sees of one op in one interpreter. In and Out are the
// interpreter's own tensors: their shapes are final when Prepare is called,
// constant inputs hold their data, and the data of the other inputs and of
// the outputs is set (to arena memory) before Eval.
//
// So during Prepare an input's Data is non-nil exactly when its values are
// fixed (a constant, or the output of an op the runtime folded at prepare),
// while during Eval every tensor has Data: a kernel that treats constant
// inputs specially must decide it in Prepare (IsConst there) and remember
// it; IsConst in Eval is always true.
type Node struct {
	Op    *ir.Op
	Index int          // the op's index in its graph, for messages
	In    []*ir.Tensor // nil for an absent optional input
	Out   []*ir.Tensor
	Ctx   *Context
	// Intermediates are the interpreter's tensors for Op.Intermediates
	// (quantization parameters of an integer LSTM's gates, for instance).
	// They carry no data.
	Intermediates []*ir.Tensor
}

// Input returns input i, or nil when it is absent or beyond the op's inputs.
func (n *Node) Input(i int) *ir.Tensor {
	if i < len(n.In) {
		return n.In[i]
	}
	return nil
}

// Kernel runs one op in one interpreter; each interpreter makes its own, so a
// kernel may keep state from Prepare for Eval.
type Kernel interface {
	// Prepare validates everything Eval relies on (types, ranks, quantization
	// parameters) and precomputes what Eval needs. It is called again when
	// input shapes change.
	Prepare(n *Node) error
	// Eval computes the outputs. It must not allocate.
	Eval(n *Node) error
}

// Shaper is implemented by kernels whose op has no shape inference in ir
// (custom ops, mostly): the runtime calls OutputShapes, with the input shapes
// final, before Prepare, and sizes the outputs from its result.
type Shaper interface {
	OutputShapes(n *Node) ([][]int, error)
}

// ScratchReporter is implemented by kernels that keep working memory of their
// own (im2col buffers, packed weights); the runtime adds ScratchBytes, read
// after Prepare, to the interpreter's memory report.
type ScratchReporter interface {
	ScratchBytes() int
}

// Factory makes a fresh kernel.
type Factory func() Kernel

var (
	mu       sync.RWMutex
	registry = map[ir.OpType]Factory{}
	customs  = map[string]Factory{}
)

// Register makes f the kernel of op type t. Kernel files call it from init.
func Register(t ir.OpType, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[t]; dup {
		panic(fmt.Sprintf("kernels: %v registered twice", t))
	}
	registry[t] = f
}

// Lookup returns the kernel factory of op type t.
func Lookup(t ir.OpType) (Factory, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := registry[t]
	return f, ok
}

// RegisterCustom makes f the kernel of custom ops whose custom code is name.
// Users call it (before creating interpreters) to plug in their own ops.
func RegisterCustom(name string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := customs[name]; dup {
		panic(fmt.Sprintf("kernels: custom op %q registered twice", name))
	}
	customs[name] = f
}

// LookupCustom returns the kernel factory of the custom op named name.
func LookupCustom(name string) (Factory, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := customs[name]
	return f, ok
}

// LookupOp returns the kernel factory for op: by custom code for a custom op,
// by type otherwise.
func LookupOp(op *ir.Op) (Factory, bool) {
	if op.Type == ir.Custom {
		return LookupCustom(op.Custom)
	}
	return Lookup(op.Type)
}

// Supported lists the op types that have kernels.
func Supported() []ir.OpType {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]ir.OpType, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	return out
}

// unsupported is the error for a type combination a kernel does not handle.
func unsupported(n *Node, what string) error {
	return fmt.Errorf("%s does not support %s", n.Op.Name(), what)
}
