package kernels

import (
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// TestFirstEvalDoesNotAllocate checks that Prepare reserves everything: even
// the first Eval allocates nothing, and the kernel reports its packed
// weights and buffers. MemStats counts the whole process's allocations, and
// another goroutine (the test runner's, the runtime's) may allocate in the
// window now and then; an allocation of Eval's own happens on every try, so
// the test fails only when each of a few fresh kernels' first Eval allocates.
func TestFirstEvalDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	in := actF32([]int{1, 12, 12, 8}, randVec(r, 12*12*8))
	filter := tensorF32([]int{16, 3, 3, 8}, randVec(r, 16*72))
	out := activation(ir.Float32, []int{1, 12, 12, 16})
	op := &ir.Op{Type: ir.Conv2D, Options: &ir.Conv2DOptions{Padding: ir.PaddingSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}}
	var k *conv2D
	var allocs []uint64
	for range 5 {
		k = &conv2D{}
		n := &Node{Op: op, In: []*ir.Tensor{in, filter}, Out: []*ir.Tensor{out}, Ctx: &Context{Threads: 1}}
		data := in.Data
		in.Data = nil
		if err := k.Prepare(n); err != nil {
			t.Fatal(err)
		}
		in.Data = data
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		if err := k.Eval(n); err != nil {
			t.Fatal(err)
		}
		goruntime.ReadMemStats(&after)
		allocs = append(allocs, after.Mallocs-before.Mallocs)
		if allocs[len(allocs)-1] == 0 {
			break
		}
	}
	if slices.Min(allocs) != 0 {
		t.Errorf("first Eval allocated on every try: %v times", allocs)
	}
	if got, weights := k.ScratchBytes(), 16*72*4; got < weights {
		t.Errorf("ScratchBytes = %d, less than the %d bytes of packed weights", got, weights)
	}
}
