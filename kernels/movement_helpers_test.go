package kernels

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"unsafe"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
)

// Helpers for the data-movement kernel tests: tensors from Go values, and a
// driver that runs one op through Prepare and Eval as the runtime would.

func mvTensor(dt ir.DataType, shape []int, data []byte) *ir.Tensor {
	return &ir.Tensor{Name: fmt.Sprintf("%v%v", dt, shape), Type: dt, Shape: shape, HasRank: true, Data: data}
}

func mvF32(shape []int, v ...float32) *ir.Tensor {
	return mvTensor(ir.Float32, shape, ir.Float32Bytes(v))
}
func mvI32(shape []int, v ...int32) *ir.Tensor { return mvTensor(ir.Int32, shape, ir.Int32Bytes(v)) }
func mvI64(shape []int, v ...int64) *ir.Tensor { return mvTensor(ir.Int64, shape, ir.Int64Bytes(v)) }
func mvI16(shape []int, v ...int16) *ir.Tensor { return mvTensor(ir.Int16, shape, ir.Int16Bytes(v)) }
func mvI8(shape []int, v ...int8) *ir.Tensor   { return mvTensor(ir.Int8, shape, ir.Int8Bytes(v)) }
func mvU8(shape []int, v ...uint8) *ir.Tensor  { return mvTensor(ir.Uint8, shape, slices.Clone(v)) }

// mvQ sets a per-tensor quantization on t and returns it.
func mvQ(t *ir.Tensor, scale float32, zp int64) *ir.Tensor {
	t.Quant = &ir.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
	return t
}

// mvOut is an output tensor of the given shape with zeroed (aligned) memory.
func mvOut(dt ir.DataType, shape []int) *ir.Tensor {
	t := mvTensor(dt, shape, nil)
	n, err := t.ByteSize()
	if err != nil {
		panic(err)
	}
	buf := make([]uint64, (n+7)/8+1)
	t.Data = unsafeBytes(buf)[:n]
	for i := range t.Data {
		t.Data[i] = 0xAB // catch elements a kernel forgets to write
	}
	return t
}

// mvNode builds the node of a one-op graph.
func mvNode(op ir.OpType, opts ir.Options, ins []*ir.Tensor, outs ...*ir.Tensor) *Node {
	return &Node{
		Op:  &ir.Op{Type: op, Options: opts},
		In:  ins,
		Out: outs,
		Ctx: &Context{Threads: 1, Rounding: fixedpoint.DoubleRounding},
	}
}

// mvPrepare makes the op's kernel and prepares it.
func mvPrepare(t testing.TB, n *Node) (Kernel, error) {
	t.Helper()
	f, ok := Lookup(n.Op.Type)
	if !ok {
		t.Fatalf("no kernel for %v", n.Op.Type)
	}
	k := f()
	return k, k.Prepare(n)
}

// mvRun prepares and evaluates the op once.
func mvRun(t testing.TB, op ir.OpType, opts ir.Options, ins []*ir.Tensor, outs ...*ir.Tensor) error {
	t.Helper()
	n := mvNode(op, opts, ins, outs...)
	k, err := mvPrepare(t, n)
	if err != nil {
		return err
	}
	return k.Eval(n)
}

// mvRunWarned prepares and evaluates n, failing on error, and returns the
// warnings the kernel gave.
func mvRunWarned(t testing.TB, n *Node) []string {
	t.Helper()
	var warned []string
	n.Ctx.Warnf = func(f string, args ...any) { warned = append(warned, fmt.Sprintf(f, args...)) }
	k, err := mvPrepare(t, n)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Eval(n); err != nil {
		t.Fatal(err)
	}
	return warned
}

// mvMustRun is mvRun that fails the test on error.
func mvMustRun(t testing.TB, op ir.OpType, opts ir.Options, ins []*ir.Tensor, outs ...*ir.Tensor) {
	t.Helper()
	if err := mvRun(t, op, opts, ins, outs...); err != nil {
		t.Fatal(err)
	}
}

func mvEqualF32(t testing.TB, what string, got []float32, want ...float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] && !(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
			t.Fatalf("%s: got %v, want %v (first difference at %d)", what, got, want, i)
		}
	}
}

func mvNearF32(t testing.TB, what string, got []float32, tol float64, want ...float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > tol {
			t.Fatalf("%s: element %d is %v, want %v (±%g)\ngot  %v\nwant %v", what, i, got[i], want[i], tol, got, want)
		}
	}
}

func mvEqual[T comparable](t testing.TB, what string, got []T, want ...T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// mvSeq returns 1, 2, ..., n as float32.
func mvSeq(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i + 1)
	}
	return v
}

// mvNoAllocs checks that Eval allocates nothing once prepared.
func mvNoAllocs(t *testing.T, n *Node) {
	t.Helper()
	k, err := mvPrepare(t, n)
	if err != nil {
		t.Fatal(err)
	}
	var evalErr error
	allocs := testing.AllocsPerRun(20, func() { evalErr = k.Eval(n) })
	if evalErr != nil {
		t.Fatal(evalErr)
	}
	if allocs != 0 {
		t.Errorf("%v: Eval allocated %v times per run", n.Op.Type, allocs)
	}
}

// unsafeBytes views 8-byte-aligned words as bytes, so that test outputs are
// aligned like the runtime's arena.
func unsafeBytes(w []uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), 8*len(w))
}
