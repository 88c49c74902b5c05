package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// Helpers for the convolution, fully-connected, batch-matmul and pool tests:
// they drive a kernel directly, as the runtime would.

// tensorF32 is a constant float32 tensor.
func tensorF32(shape []int, v []float32) *ir.Tensor {
	return &ir.Tensor{Name: "t", Type: ir.Float32, Shape: shape, HasRank: true, Data: ir.Float32Bytes(v)}
}

// actF32 is a float32 activation holding v.
func actF32(shape []int, v []float32) *ir.Tensor {
	t := activation(ir.Float32, shape)
	copy(t.Float32s(), v)
	return t
}

// activation returns an activation tensor (named "act") of the given shape
// with its data allocated, as the runtime's arena would; the test helpers
// hide the data during Prepare, so kernels see it as computed, not constant.
func activation(typ ir.DataType, shape []int) *ir.Tensor {
	t := &ir.Tensor{Name: "act", Type: typ, Shape: shape, HasRank: true}
	size, _ := t.ByteSize()
	t.Data = make([]byte, size)
	return t
}

// runKernel prepares and evaluates op over in and out, checks that Eval does
// not allocate, and fails the test on any error.
func runKernel(t *testing.T, op *ir.Op, in []*ir.Tensor, out []*ir.Tensor, threads int) {
	t.Helper()
	if err := tryKernel(op, in, out, threads); err != nil {
		t.Fatal(err)
	}
}

// runKernelCtx is runKernel with a given context (rounding, warnings).
func runKernelCtx(t *testing.T, op *ir.Op, in []*ir.Tensor, out []*ir.Tensor, ctx *Context) {
	t.Helper()
	if err := tryKernelCtx(op, in, out, ctx); err != nil {
		t.Fatal(err)
	}
}

// tryKernel is runKernel returning the error (for tests of bad input); it
// panics when Eval allocates.
func tryKernel(op *ir.Op, in []*ir.Tensor, out []*ir.Tensor, threads int) error {
	return tryKernelCtx(op, in, out, &Context{Threads: threads})
}

func tryKernelCtx(op *ir.Op, in []*ir.Tensor, out []*ir.Tensor, ctx *Context) error {
	f, ok := LookupOp(op)
	if !ok {
		panic("no kernel for " + op.Name())
	}
	k := f()
	n := &Node{Op: op, In: in, Out: out, Ctx: ctx}
	// Activations have no data at Prepare, as in the runtime.
	saved := map[*ir.Tensor][]byte{}
	for _, t := range append(append([]*ir.Tensor(nil), in...), out...) {
		if t != nil && t.Name == "act" {
			saved[t], t.Data = t.Data, nil
		}
	}
	err := k.Prepare(n)
	for t, d := range saved {
		t.Data = d
	}
	if err != nil {
		return err
	}
	if err := k.Eval(n); err != nil {
		return err
	}
	var evalErr error
	allocs := testing.AllocsPerRun(3, func() { evalErr = k.Eval(n) })
	if evalErr != nil {
		return evalErr
	}
	if allocs != 0 {
		panic(op.Name() + ": Eval allocates")
	}
	return nil
}

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

// checkClose compares float32 results with float64 references.
func checkClose(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d results, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > tol*(1+math.Abs(want[i])) || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func clamp64(v float64, a ir.Activation) float64 {
	switch a {
	case ir.ActRelu:
		return math.Max(v, 0)
	case ir.ActRelu6:
		return math.Min(math.Max(v, 0), 6)
	case ir.ActReluN1To1:
		return math.Min(math.Max(v, -1), 1)
	}
	return v
}

// samePad is the padding before the first element that TFLite's SAME uses:
// half the total, rounded down, where the total makes ceil(in/stride)
// windows fit.
func samePad(in, filter, stride, dilation int) (out, pad int) {
	out = (in + stride - 1) / stride
	total := (out-1)*stride + (filter-1)*dilation + 1 - in
	return out, max(total, 0) / 2
}

func validOut(in, filter, stride, dilation int) int {
	return (in-(filter-1)*dilation-1)/stride + 1
}

// outputGeometry is the output size and leading padding of a window over in
// elements, for SAME (see samePad) or VALID (no padding).
func outputGeometry(p ir.Padding, in, filter, stride, dilation int) (out, pad int) {
	if p == ir.PaddingSame {
		return samePad(in, filter, stride, dilation)
	}
	return validOut(in, filter, stride, dilation), 0
}
