package runtime

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/kernels"
)

// planMemory gives every activation that Invoke computes (and every input)
// a place in the arena, from the tensors' lifetimes in execution order.
// Inputs live from the first step and outputs to the last, as TFLite keeps
// them, so that inputs can be filled once and outputs read after Invoke.
func (it *Interpreter) planMemory() error {
	n := len(it.tensors)
	first := make([]int, n)
	last := make([]int, n)
	used := make([]bool, n)
	for i := range first {
		first[i], last[i] = -1, -1
	}
	touch := func(t, step int) {
		if t < 0 || it.kinds[t] != kindActivation {
			return
		}
		if !used[t] {
			used[t], first[t] = true, step
		}
		last[t] = max(last[t], step)
	}
	steps := 0
	for i := range it.ops {
		s := &it.ops[i]
		if s.folded {
			continue
		}
		for _, t := range s.op.Inputs {
			touch(t, steps)
		}
		for _, t := range s.op.Outputs {
			touch(t, steps)
		}
		steps++
	}
	end := max(steps-1, 0)
	for _, t := range it.inputs {
		touch(t, 0)
		if t >= 0 && used[t] {
			first[t] = 0
			last[t] = end
		}
	}
	for _, t := range it.outputs {
		touch(t, end)
		if t >= 0 && used[t] {
			last[t] = end
		}
	}
	sizes := make([]int, n)
	it.activations = 0
	for t := range n {
		if used[t] {
			size, err := it.tensors[t].ByteSize()
			if err != nil {
				return fmt.Errorf("runtime: tensor %d: %w", t, err)
			}
			sizes[t] = size
			it.activations += size
		}
	}
	owner := it.aliases(used, sizes, first, last)
	var ids []int
	var allocs []allocation
	slot := make([]int, n)
	for t := range n {
		if !used[t] || owner[t] != t {
			continue
		}
		a := allocation{size: sizes[t], first: first[t], last: last[t]}
		if it.cfg.preserveAll {
			a.first, a.last = 0, end
		}
		slot[t] = len(ids)
		ids = append(ids, t)
		allocs = append(allocs, a)
	}
	offsets, size := planArena(allocs)
	if cap(it.arena) < size {
		it.arena = alignedBytes(size)
	}
	it.arena = it.arena[:size]
	it.arenaSize = size
	for t := range n {
		if used[t] {
			off := offsets[slot[owner[t]]]
			it.tensors[t].Data = it.arena[off : off+sizes[t] : off+sizes[t]]
		}
	}
	return nil
}

// aliases lets the output of an op that only reinterprets its input's shape
// (RESHAPE, SQUEEZE, EXPAND_DIMS) share the input's memory, as TFLite's
// arena does: nothing writes either tensor afterwards, so one buffer living
// as long as both serves both. It returns each tensor's owner (itself when
// it has its own memory) and widens owners' lifetimes in first and last.
func (it *Interpreter) aliases(used []bool, sizes, first, last []int) []int {
	owner := make([]int, len(used))
	for t := range owner {
		owner[t] = t
	}
	for i := range it.ops {
		s := &it.ops[i]
		switch s.op.Type {
		case ir.Reshape, ir.Squeeze, ir.ExpandDims:
		default:
			continue
		}
		if s.folded || s.dynamic || len(s.op.Inputs) == 0 || len(s.op.Outputs) != 1 {
			continue
		}
		in, out := s.op.Inputs[0], s.op.Outputs[0]
		if in < 0 || !used[in] || !used[out] || sizes[in] != sizes[out] || owner[out] != out {
			continue
		}
		r := owner[in]
		owner[out] = r
		first[r] = min(first[r], first[out])
		last[r] = max(last[r], last[out])
	}
	return owner
}

// ArenaSize is the size in bytes of the activation arena: what the inputs,
// outputs and intermediate tensors of one Invoke occupy, with memory shared
// between tensors whose lifetimes do not overlap.
func (it *Interpreter) ArenaSize() int { return it.arenaSize }

// MemoryStats is an interpreter's memory, in bytes.
type MemoryStats struct {
	// Arena is the activation arena (ArenaSize).
	Arena int
	// Activations is what the arena's tensors would take without sharing:
	// the sum of their sizes.
	Activations int
	// Persistent is memory the interpreter keeps outside the arena:
	// variables, outputs of ops folded at prepare, tensors whose shape is
	// known only at invoke, and aligned copies of misaligned constants.
	Persistent int
	// Weights is the constant data the interpreter reads in place from the
	// model (shared by every interpreter over the model, not copied).
	Weights int
	// Scratch is the kernels' own working memory, as far as they report it
	// (kernels.ScratchReporter).
	Scratch int
}

// Total is everything this interpreter adds to the model: arena, persistent
// and scratch memory (weights are the model's).
func (s MemoryStats) Total() int { return s.Arena + s.Persistent + s.Scratch }

// Memory reports the interpreter's memory as planned by the last
// AllocateTensors (and, for tensors of dynamic shape, the last Invoke).
func (it *Interpreter) Memory() MemoryStats {
	st := MemoryStats{Arena: it.arenaSize, Activations: it.activations}
	for _, b := range it.persistent {
		st.Persistent += len(b)
	}
	for _, b := range it.dynBuf {
		st.Persistent += cap(b)
	}
	for ti, t := range it.tensors {
		if it.kinds[ti] == kindConstant && !it.isCopied(ti) {
			st.Weights += len(t.Data)
		}
	}
	for i := range it.ops {
		if r, ok := it.ops[i].kernel.(kernels.ScratchReporter); ok {
			st.Scratch += r.ScratchBytes()
		}
	}
	return st
}

// isCopied reports whether constant ti was copied to fix its alignment.
func (it *Interpreter) isCopied(ti int) bool {
	d := it.graph.Tensors[ti].Data
	t := it.tensors[ti].Data
	return len(d) > 0 && len(t) > 0 && &d[0] != &t[0]
}

// TensorKind names where a tensor's memory lives, for reports.
func (it *Interpreter) TensorKind(ti int) string {
	switch it.kinds[ti] {
	case kindConstant:
		return "constant"
	case kindVariable:
		return "variable"
	case kindFolded:
		return "folded"
	case kindDynamic:
		return "dynamic"
	}
	if it.tensors[ti].Data == nil {
		return "unused"
	}
	return "arena"
}
