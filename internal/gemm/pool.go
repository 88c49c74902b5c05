// Package gemm is liteforge's one matrix-multiply engine: convolution,
// fully-connected and batch-matmul kernels all route through it, so its
// packing, cache blocking, threading and micro-kernels serve every one of
// them. The constant operand (weights) is packed once, before inference; the
// other operand is packed block by block as the multiply runs, which for a
// convolution is where the im2col gathering happens.
package gemm

import "sync"

// Task is work split into parts that run concurrently.
type Task interface {
	RunPart(part, parts int)
}

type job struct {
	task        Task
	part, parts int
	done        *sync.WaitGroup
}

// The workers are shared by every engine in the process and live as long as
// it does, so a multiply spawns no goroutine and allocates nothing.
var workers struct {
	mu   sync.Mutex
	n    int
	jobs chan job
}

// maxWorkers bounds the pool whatever a caller asks for.
const maxWorkers = 64

func ensureWorkers(n int) {
	workers.mu.Lock()
	defer workers.mu.Unlock()
	if workers.jobs == nil {
		workers.jobs = make(chan job, 4*maxWorkers)
	}
	for workers.n < n && workers.n < maxWorkers {
		go func(jobs <-chan job) {
			for j := range jobs {
				j.task.RunPart(j.part, j.parts)
				j.done.Done()
			}
		}(workers.jobs)
		workers.n++
	}
}

// Parallel runs task.RunPart(i, parts) for every i in [0, parts): part 0 on
// the calling goroutine, the others on the shared workers. done must outlive
// the call (keep it in a long-lived struct, so that passing it does not
// allocate); Parallel returns when every part has finished.
func Parallel(task Task, parts int, done *sync.WaitGroup) {
	if parts <= 1 {
		task.RunPart(0, 1)
		return
	}
	if parts-1 > maxWorkers {
		parts = maxWorkers + 1
	}
	ensureWorkers(parts - 1)
	done.Add(parts - 1)
	for i := 1; i < parts; i++ {
		workers.jobs <- job{task, i, parts, done}
	}
	task.RunPart(0, parts)
	done.Wait()
}

// Split returns the half-open range of part p when n units are divided among
// parts as evenly as possible, in multiples of step units (the last part
// takes the remainder).
func Split(n, step, p, parts int) (lo, hi int) {
	blocks := (n + step - 1) / step
	lo = blocks * p / parts * step
	hi = blocks * (p + 1) / parts * step
	return min(lo, n), min(hi, n)
}
