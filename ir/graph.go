package ir

import (
	"fmt"
	"slices"
)

// Producers maps each tensor index to the index of the op that writes it, or
// -1 when no op does (graph inputs, constants, variables).
func (g *Graph) Producers() []int {
	p := make([]int, len(g.Tensors))
	for i := range p {
		p[i] = -1
	}
	for oi, op := range g.Ops {
		for _, t := range op.Outputs {
			if t >= 0 && t < len(p) {
				p[t] = oi
			}
		}
	}
	return p
}

// Consumers maps each tensor index to the indices of the ops that read it, in
// op order (an op that reads a tensor twice appears once).
func (g *Graph) Consumers() [][]int {
	c := make([][]int, len(g.Tensors))
	for oi, op := range g.Ops {
		for _, t := range op.Inputs {
			if t >= 0 && t < len(c) && (len(c[t]) == 0 || c[t][len(c[t])-1] != oi) {
				c[t] = append(c[t], oi)
			}
		}
	}
	return c
}

// IsOutput reports whether tensor t is one of the graph's outputs.
func (g *Graph) IsOutput(t int) bool { return slices.Contains(g.Outputs, t) }

// IsInput reports whether tensor t is one of the graph's inputs.
func (g *Graph) IsInput(t int) bool { return slices.Contains(g.Inputs, t) }

// TopoOrder returns an execution order of the ops in which every op runs after
// the ops producing its inputs. Among ready ops it keeps the existing order, so
// a graph already in order gets the identity. A cycle is an error naming a
// tensor on it.
func (g *Graph) TopoOrder() ([]int, error) {
	prod := g.Producers()
	pending := make([]int, len(g.Ops)) // unfinished producer count per op
	users := make([][]int, len(g.Ops))
	for oi, op := range g.Ops {
		seen := map[int]bool{}
		for _, t := range op.Inputs {
			if t < 0 || t >= len(prod) || prod[t] < 0 || seen[prod[t]] {
				continue
			}
			seen[prod[t]] = true
			pending[oi]++
			users[prod[t]] = append(users[prod[t]], oi)
		}
	}
	// A min-heap would be O(n log n); ops are few enough that scanning from
	// the lowest ready index keeps the code short and the order stable.
	ready := make([]bool, len(g.Ops))
	for oi := range g.Ops {
		ready[oi] = pending[oi] == 0
	}
	order := make([]int, 0, len(g.Ops))
	done := make([]bool, len(g.Ops))
	for len(order) < len(g.Ops) {
		next := -1
		for oi := range g.Ops {
			if ready[oi] && !done[oi] {
				next = oi
				break
			}
		}
		if next < 0 {
			for oi, op := range g.Ops {
				if !done[oi] {
					for _, t := range op.Inputs {
						if t >= 0 && t < len(prod) && prod[t] >= 0 && !done[prod[t]] {
							return nil, fmt.Errorf("graph %q: cycle through op %d (%s) and tensor %d (%q)",
								g.Name, oi, op.Name(), t, g.Tensors[t].Name)
						}
					}
				}
			}
			return nil, fmt.Errorf("graph %q: ops cannot be ordered", g.Name)
		}
		done[next] = true
		order = append(order, next)
		for _, u := range users[next] {
			pending[u]--
			if pending[u] == 0 {
				ready[u] = true
			}
		}
	}
	return order, nil
}

// SortOps reorders g.Ops into a valid execution order (see TopoOrder).
func (g *Graph) SortOps() error {
	order, err := g.TopoOrder()
	if err != nil {
		return err
	}
	ops := make([]*Op, len(order))
	for i, oi := range order {
		ops[i] = g.Ops[oi]
	}
	g.Ops = ops
	return nil
}

// AddTensor appends t and returns its index.
func (g *Graph) AddTensor(t *Tensor) int {
	g.Tensors = append(g.Tensors, t)
	return len(g.Tensors) - 1
}

// InsertOp inserts op at position i of g.Ops (len(g.Ops) appends).
func (g *Graph) InsertOp(i int, op *Op) { g.Ops = slices.Insert(g.Ops, i, op) }

// ReplaceUses makes every op input and graph output that reads tensor old read
// tensor new instead.
func (g *Graph) ReplaceUses(old, new int) {
	for _, op := range g.Ops {
		for i, t := range op.Inputs {
			if t == old {
				op.Inputs[i] = new
			}
		}
	}
	for i, t := range g.Outputs {
		if t == old {
			g.Outputs[i] = new
		}
	}
}

// RemoveOps deletes the ops whose indices are in drop.
func (g *Graph) RemoveOps(drop ...int) {
	del := make(map[int]bool, len(drop))
	for _, d := range drop {
		del[d] = true
	}
	kept := g.Ops[:0]
	for i, op := range g.Ops {
		if !del[i] {
			kept = append(kept, op)
		}
	}
	clear(g.Ops[len(kept):])
	g.Ops = kept
}

// RemoveUnusedTensors deletes tensors that no op, graph input or output, or
// op intermediate refers to, renumbering the rest. It returns the map from old
// to new indices (-1 for removed ones); callers holding indices into g (a
// model's signature defs, say) must remap them. Model.RemoveUnusedTensors does
// that for signatures.
func (g *Graph) RemoveUnusedTensors() []int {
	used := make([]bool, len(g.Tensors))
	mark := func(ts []int) {
		for _, t := range ts {
			if t >= 0 && t < len(used) {
				used[t] = true
			}
		}
	}
	mark(g.Inputs)
	mark(g.Outputs)
	for _, op := range g.Ops {
		mark(op.Inputs)
		mark(op.Outputs)
		mark(op.Intermediates)
	}
	remap := make([]int, len(g.Tensors))
	kept := make([]*Tensor, 0, len(g.Tensors))
	for i, t := range g.Tensors {
		if used[i] {
			remap[i] = len(kept)
			kept = append(kept, t)
		} else {
			remap[i] = -1
		}
	}
	apply := func(ts []int) {
		for i, t := range ts {
			if t >= 0 && t < len(remap) {
				ts[i] = remap[t]
			}
		}
	}
	apply(g.Inputs)
	apply(g.Outputs)
	for _, op := range g.Ops {
		apply(op.Inputs)
		apply(op.Outputs)
		apply(op.Intermediates)
	}
	g.Tensors = kept
	return remap
}

// RemoveUnusedTensors compacts graph gi (see Graph.RemoveUnusedTensors) and
// remaps the signature defs that refer to it.
func (m *Model) RemoveUnusedTensors(gi int) {
	remap := m.Graphs[gi].RemoveUnusedTensors()
	for si := range m.SignatureDefs {
		s := &m.SignatureDefs[si]
		if s.Graph != gi {
			continue
		}
		for _, list := range [][]SignatureTensor{s.Inputs, s.Outputs} {
			for i := range list {
				if t := list[i].Tensor; t >= 0 && t < len(remap) {
					list[i].Tensor = remap[t]
				}
			}
		}
	}
}
