package optimize

import "github.com/liteforge/liteforge/ir"

// RemoveDead deletes ops none of whose outputs is read (by an op or as a
// graph output) and that have no side effects, repeatedly, then the tensors
// nothing refers to any more. It counts ops and tensors removed.
func RemoveDead(m *ir.Model) (int, error) {
	total := 0
	for gi, g := range m.Graphs {
		for {
			cons := g.Consumers()
			var drop []int
			for oi, op := range g.Ops {
				if hasSideEffects(op) {
					continue
				}
				live := false
				for _, t := range op.Outputs {
					if t >= 0 && (len(cons[t]) > 0 || g.IsOutput(t)) {
						live = true
						break
					}
				}
				if !live {
					drop = append(drop, oi)
				}
			}
			if len(drop) == 0 {
				break
			}
			g.RemoveOps(drop...)
			total += len(drop)
		}
		before := len(g.Tensors)
		m.RemoveUnusedTensors(gi)
		total += before - len(g.Tensors)
	}
	return total, nil
}
