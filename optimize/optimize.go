// Package optimize rewrites ir graphs into equivalent, smaller or faster
// ones: constant folding, batch-norm folding, activation fusion, identity and
// dead-code removal. Each pass is a pure ir → ir function over a whole model
// and reports how many rewrites it made; Apply runs a pipeline until nothing
// changes.
package optimize

import (
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// Pass is one graph rewrite. Run changes m in place and returns the number
// of rewrites it made (0 when m was left as it was).
type Pass struct {
	Name string
	Run  func(m *ir.Model) (int, error)
}

// Default is the pipeline importers and the command line run: fold
// constants, drop identities, fold batch norms into convolutions, fuse
// activations, then remove what became dead.
var Default = []Pass{
	{"fold-constants", FoldConstants},
	{"drop-identities", DropIdentities},
	{"fold-transpose-into-fully-connected", FoldTransposeIntoFullyConnected},
	{"fold-batch-norm", FoldBatchNorm},
	{"fuse-activations", FuseActivations},
	{"remove-dead", RemoveDead},
}

// maxRounds bounds Apply's iterations; each round of the default passes
// shrinks the graph, so a handful suffices.
const maxRounds = 16

// Report counts the rewrites each pass made, by pass name.
type Report map[string]int

// Apply runs the passes in order, repeatedly, until a whole round changes
// nothing, and returns how many rewrites each made.
func Apply(m *ir.Model, passes ...Pass) (Report, error) {
	rep := Report{}
	for range maxRounds {
		changed := 0
		for _, p := range passes {
			n, err := p.Run(m)
			if err != nil {
				return rep, fmt.Errorf("%s: %w", p.Name, err)
			}
			rep[p.Name] += n
			changed += n
		}
		if changed == 0 {
			break
		}
	}
	return rep, nil
}
