package train

import (
	"sync"
	"sync/atomic"

	"github.com/liteforge/liteforge/internal/gemm"
)

// workers runs chunks of work on up to threads goroutines. Callers divide
// their work into a number of chunks that depends only on the data, never on
// the thread count, and each chunk writes only its own results, so the
// threads change the speed and nothing else.
type workers struct {
	threads int
	done    sync.WaitGroup
}

// chunkTask hands its chunks out one at a time to whichever thread asks
// first: a thread that starts late (woken late, or sharing its core with
// another process) takes fewer chunks instead of holding the others up at
// the end. Which thread runs a chunk changes nothing in its results.
type chunkTask struct {
	n    int
	next atomic.Int64
	f    func(chunk int)
}

func (t *chunkTask) RunPart(part, parts int) {
	for {
		i := int(t.next.Add(1) - 1)
		if i >= t.n {
			return
		}
		t.f(i)
	}
}

// run calls f(i) for every i in [0, n), spread over the threads.
func (w *workers) run(n int, f func(chunk int)) {
	if n <= 0 {
		return
	}
	parts := min(w.threads, n)
	if parts <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	gemm.Parallel(&chunkTask{n: n, f: f}, parts, &w.done)
}

// chunkRange splits n units into fixed chunks of size at most size: the
// chunk count and bounds depend only on n and size.
func chunkRange(n, size, chunk int) (lo, hi int) {
	lo = chunk * size
	return lo, min(lo+size, n)
}

func numChunks(n, size int) int { return (n + size - 1) / size }

type rangeTask struct {
	n int
	f func(lo, hi int)
}

func (t *rangeTask) RunPart(part, parts int) {
	if lo, hi := gemm.Split(t.n, 1, part, parts); lo < hi {
		t.f(lo, hi)
	}
}

// runRanges calls f on one contiguous range of [0, n) per thread. It suits
// work that walks shared data in an outer loop and splits only the inner
// one; f's results for a unit must not depend on the range it falls in.
func (w *workers) runRanges(n int, f func(lo, hi int)) {
	if n <= 0 {
		return
	}
	parts := min(w.threads, n)
	if parts <= 1 {
		f(0, n)
		return
	}
	gemm.Parallel(&rangeTask{n: n, f: f}, parts, &w.done)
}
