package runtime

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// checkPlan verifies the planner's contract: aligned offsets, everything
// inside the arena, and no two allocations with overlapping lifetimes
// sharing a byte.
func checkPlan(t *testing.T, allocs []allocation, offs []int, size int) {
	t.Helper()
	for i, a := range allocs {
		if offs[i]%arenaAlignment != 0 {
			t.Fatalf("allocation %d at offset %d is not %d-aligned", i, offs[i], arenaAlignment)
		}
		if offs[i] < 0 || offs[i]+a.size > size {
			t.Fatalf("allocation %d [%d, %d) is outside the arena of %d bytes", i, offs[i], offs[i]+a.size, size)
		}
		for j := range i {
			b := allocs[j]
			if a.overlaps(b) && a.size > 0 && b.size > 0 && offs[i] < offs[j]+b.size && offs[j] < offs[i]+a.size {
				t.Fatalf("allocations %d %+v at %d and %d %+v at %d are live together and share memory", i, a, offs[i], j, b, offs[j])
			}
		}
	}
}

func TestPlanArenaProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		n := 1 + r.IntN(40)
		steps := 1 + r.IntN(30)
		allocs := make([]allocation, n)
		sum := 0
		for i := range allocs {
			first := r.IntN(steps)
			allocs[i] = allocation{size: r.IntN(5000), first: first, last: first + r.IntN(steps-first)}
			sum += alignUp(allocs[i].size)
		}
		offs, size := planArena(allocs)
		checkPlan(t, allocs, offs, size)
		if size > sum {
			t.Fatalf("trial %d: arena %d exceeds the %d bytes of no sharing at all", trial, size, sum)
		}
	}
}

// On a chain a -> b -> c -> d of equal tensors, each lives from its producer
// to its consumer, so two buffers suffice: a and c share one, b and d the
// other.
func TestPlanArenaChainShares(t *testing.T) {
	allocs := []allocation{
		{size: 1000, first: 0, last: 1},
		{size: 1000, first: 1, last: 2},
		{size: 1000, first: 2, last: 3},
		{size: 1000, first: 3, last: 4},
	}
	offs, size := planArena(allocs)
	checkPlan(t, allocs, offs, size)
	if want := 2 * alignUp(1000); size != want {
		t.Fatalf("arena %d bytes, want %d (two buffers)", size, want)
	}
	if offs[0] != offs[2] || offs[1] != offs[3] {
		t.Fatalf("offsets %v: want a and c, b and d to share", offs)
	}
}

// A small tensor goes into the smallest gap that holds it. Placed largest
// first: A [0,4096) pinned, B [4096,7104) dies after step 1, C [7104,9152)
// pinned, D [9152,10176) dies after step 1, F [10176,10816) pinned. At step 5
// the gaps are B's 3008 bytes and D's 1024; E (512 bytes) takes D's.
func TestPlanArenaBestFit(t *testing.T) {
	allocs := []allocation{
		{size: 4096, first: 0, last: 10}, // A
		{size: 3000, first: 0, last: 1},  // B
		{size: 2000, first: 0, last: 10}, // C
		{size: 1024, first: 0, last: 1},  // D
		{size: 600, first: 0, last: 10},  // F
		{size: 512, first: 5, last: 6},   // E
	}
	offs, size := planArena(allocs)
	checkPlan(t, allocs, offs, size)
	if want := []int{0, 4096, 7104, 9152, 10176, 9152}; !slices.Equal(offs, want) {
		t.Fatalf("offsets %v, want %v", offs, want)
	}
	if size != 10816 {
		t.Fatalf("arena %d bytes, want 10816", size)
	}
}
