package runtime

import (
	"cmp"
	"slices"
)

// arenaAlignment is the alignment of every tensor in the arena: a cache line,
// and enough for any SIMD load.
const arenaAlignment = 64

// allocation is one tensor to place in the arena: its size in bytes and the
// first and last step (op position in execution order) at which it is live.
type allocation struct {
	size        int
	first, last int
}

func (a allocation) overlaps(b allocation) bool { return a.first <= b.last && b.first <= a.last }

func alignUp(n int) int { return (n + arenaAlignment - 1) &^ (arenaAlignment - 1) }

// planArena places allocations in one buffer so that two allocations whose
// lifetimes overlap never share a byte, and returns each one's offset
// (aligned to arenaAlignment) and the buffer's size. It follows TFLite's
// arena planner: largest first (ties: the earlier-born first), each put into
// the smallest gap left between the already-placed allocations it overlaps
// in time, or after the last of them.
func planArena(allocs []allocation) (offsets []int, size int) {
	offsets = make([]int, len(allocs))
	order := make([]int, len(allocs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(allocs[b].size, allocs[a].size); c != 0 {
			return c
		}
		return cmp.Compare(allocs[a].first, allocs[b].first)
	})
	type span struct{ start, end int }
	var placed []int
	var live []span
	for _, i := range order {
		a := allocs[i]
		need := alignUp(a.size)
		live = live[:0]
		for _, j := range placed {
			if allocs[j].overlaps(a) {
				live = append(live, span{offsets[j], offsets[j] + alignUp(allocs[j].size)})
			}
		}
		slices.SortFunc(live, func(x, y span) int { return cmp.Compare(x.start, y.start) })
		best, bestGap, cursor := -1, 0, 0
		for _, s := range live {
			if gap := s.start - cursor; gap >= need && (best < 0 || gap < bestGap) {
				best, bestGap = cursor, gap
			}
			cursor = max(cursor, s.end)
		}
		if best < 0 {
			best = cursor
		}
		offsets[i] = best
		placed = append(placed, i)
		size = max(size, best+need)
	}
	return offsets, size
}
