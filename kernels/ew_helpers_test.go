package kernels

import (
	"math"
	"testing"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// Helpers for the elementwise, activation, normalization and reduction
// kernel tests (prefixed ew to stay clear of other kernel families' tests).

func ewF32(shape []int, v ...float32) *ir.Tensor {
	return &ir.Tensor{Name: "f32", Type: ir.Float32, Shape: shape, HasRank: true, Data: ir.Float32Bytes(v)}
}

func ewI32(shape []int, v ...int32) *ir.Tensor {
	return &ir.Tensor{Name: "i32", Type: ir.Int32, Shape: shape, HasRank: true, Data: ir.Int32Bytes(v)}
}

func ewI64(shape []int, v ...int64) *ir.Tensor {
	return &ir.Tensor{Name: "i64", Type: ir.Int64, Shape: shape, HasRank: true, Data: ir.Int64Bytes(v)}
}

// ewOut is an output tensor of the given type and shape with zeroed data.
func ewOut(t ir.DataType, shape []int) *ir.Tensor {
	out := &ir.Tensor{Name: "out", Type: t, Shape: shape, HasRank: true}
	size, ok := t.ByteSize(ir.NumElements(shape))
	if !ok {
		panic("ewOut: type without fixed size")
	}
	out.Data = make([]byte, size)
	return out
}

// ewQuant sets per-tensor quantization on t and returns it.
func ewQuant(t *ir.Tensor, scale float32, zp int64) *ir.Tensor {
	t.Quant = &ir.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
	return t
}

// ewNode builds a node for op type typ with options opts.
func ewNode(typ ir.OpType, opts ir.Options, in []*ir.Tensor, out ...*ir.Tensor) *Node {
	op := &ir.Op{Type: typ, Version: 1, Options: opts}
	for i := range in {
		op.Inputs = append(op.Inputs, i)
	}
	for i := range out {
		op.Outputs = append(op.Outputs, len(in)+i)
	}
	return &Node{Op: op, In: in, Out: out, Ctx: &Context{Threads: 1, Rounding: fixedpoint.DoubleRounding}}
}

// ewRun prepares and evaluates a fresh kernel for n, checks that Eval does
// not allocate, and returns the first error.
func ewRun(t testing.TB, n *Node) error {
	t.Helper()
	f, ok := LookupOp(n.Op)
	if !ok {
		t.Fatalf("no kernel for %v", n.Op.Type)
	}
	k := f()
	if err := k.Prepare(n); err != nil {
		return err
	}
	if err := k.Eval(n); err != nil {
		return err
	}
	if allocs := testing.AllocsPerRun(3, func() { _ = k.Eval(n) }); allocs != 0 {
		t.Errorf("%v: Eval allocates %v times per run", n.Op.Type, allocs)
	}
	return nil
}

// ewMustRun is ewRun failing the test on error.
func ewMustRun(t testing.TB, n *Node) {
	t.Helper()
	if err := ewRun(t, n); err != nil {
		t.Fatal(err)
	}
}

// ewClose reports whether got is within tol of want, absolutely or, for
// large values, relatively; NaNs and infinities must match exactly.
func ewClose(got, want, tol float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return math.IsNaN(got) == math.IsNaN(want) && (math.IsNaN(got) || got == want)
	}
	d := math.Abs(got - want)
	return d <= tol || d <= tol*math.Abs(want)
}

func ewCheckF32(t testing.TB, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !ewClose(float64(got[i]), want[i], tol) {
			t.Errorf("%s: [%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func ewCheckInts[T int8 | uint8 | int16 | int32 | int64](t testing.TB, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		if got[i] != want[i] {
			if bad < 10 {
				t.Errorf("%s: [%d] = %d, want %d", what, i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 10 {
		t.Errorf("%s: %d of %d values differ", what, bad, len(got))
	}
}

// ewUnravel turns a flat row-major index into a multi-index.
func ewUnravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
	return idx
}

// ewBroadcastIndex is the flat index into shape s of the element that the
// output multi-index idx reads under NumPy broadcasting: the definition,
// written out directly.
func ewBroadcastIndex(idx, s []int) int {
	off := len(idx) - len(s)
	flat := 0
	for d, n := range s {
		j := idx[off+d]
		if n == 1 {
			j = 0
		}
		flat = flat*n + j
	}
	return flat
}

// ewRamp returns n values spread over [lo, hi] in a fixed, irregular order.
func ewRamp(n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		u := float32((i*37+11)%97) / 96
		v[i] = lo + (hi-lo)*u
	}
	return v
}
