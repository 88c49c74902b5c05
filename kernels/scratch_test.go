package kernels

import (
	"math/rand/v2"
	goruntime "runtime"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// TestFirstEvalDoesNotAllocate checks that Prepare reserves everything: even
// the first Eval allocates nothing, and the kernel reports its packed
// weights and buffers.
func TestFirstEvalDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	in := actF32([]int{1, 12, 12, 8}, randVec(r, 12*12*8))
	filter := tensorF32([]int{16, 3, 3, 8}, randVec(r, 16*72))
	out := activation(ir.Float32, []int{1, 12, 12, 16})
	op := &ir.Op{Type: ir.Conv2D, Options: &ir.Conv2DOptions{Padding: ir.PaddingSame, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}}
	k := &conv2D{}
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
	if allocs := after.Mallocs - before.Mallocs; allocs != 0 {
		t.Errorf("first Eval allocated %d times", allocs)
	}
	if got, weights := k.ScratchBytes(), 16*72*4; got < weights {
		t.Errorf("ScratchBytes = %d, less than the %d bytes of packed weights", got, weights)
	}
}
