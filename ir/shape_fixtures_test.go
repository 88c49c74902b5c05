package ir_test

import (
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/tflite"
)

// TestInferShapesMatchesConverter re-infers every activation shape of every
// fixture model from its input shapes and compares it with the shape
// TensorFlow's converter stored in the file, an independent record of the
// same rules.
func TestInferShapesMatchesConverter(t *testing.T) {
	root := filepath.Join(testutil.SharedDir(t), "fixtures", "tflite")
	var models []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tflite") {
			models = append(models, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, p := range models {
		name, _ := filepath.Rel(root, p)
		t.Run(strings.TrimSuffix(name, ".tflite"), func(t *testing.T) {
			m, err := tflite.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for gi, g := range m.Graphs {
				want := make([][]int, len(g.Tensors))
				for ti, tt := range g.Tensors {
					want[ti] = slices.Clone(tt.Shape)
				}
				c := g.Clone()
				// Forget every computed shape, so only the graph inputs'
				// shapes and constants drive inference.
				produced := map[int]bool{}
				for _, op := range c.Ops {
					for _, o := range op.Outputs {
						produced[o] = true
						c.Tensors[o].Shape = []int{}
					}
				}
				if err := c.InferShapes(); err != nil {
					t.Fatalf("subgraph %d: %v", gi, err)
				}
				for ti := range produced {
					if len(want[ti]) == 0 && !g.Tensors[ti].HasRank {
						continue // the file leaves this shape unknown
					}
					checked++
					if got := c.Tensors[ti].Shape; !slices.Equal(got, want[ti]) {
						t.Errorf("subgraph %d tensor %d (%q): inferred %v, the file has %v", gi, ti, g.Tensors[ti].Name, got, want[ti])
					}
				}
			}
		})
	}
	t.Logf("%d op outputs of %d models inferred as the converter recorded them", checked, len(models))
}
