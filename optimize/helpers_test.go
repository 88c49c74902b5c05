package optimize

import (
	"slices"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// graphBuilder assembles small graphs for the pass tests.
type graphBuilder struct{ g *ir.Graph }

func newGraph() *graphBuilder { return &graphBuilder{g: &ir.Graph{Name: "test"}} }

func (b *graphBuilder) input(name string, shape ...int) int {
	t := b.g.AddTensor(&ir.Tensor{Name: name, Type: ir.Float32, Shape: shape, HasRank: true})
	b.g.Inputs = append(b.g.Inputs, t)
	return t
}

func (b *graphBuilder) act(name string, typ ir.DataType, shape ...int) int {
	return b.g.AddTensor(&ir.Tensor{Name: name, Type: typ, Shape: shape, HasRank: true})
}

func (b *graphBuilder) f32(name string, shape []int, v ...float32) int {
	return b.g.AddTensor(&ir.Tensor{Name: name, Type: ir.Float32, Shape: shape, HasRank: true, Data: ir.Float32Bytes(v)})
}

func (b *graphBuilder) i32(name string, shape []int, v ...int32) int {
	return b.g.AddTensor(&ir.Tensor{Name: name, Type: ir.Int32, Shape: shape, HasRank: true, Data: ir.Int32Bytes(v)})
}

// op adds an op writing a new float32 tensor of the given shape.
func (b *graphBuilder) op(t ir.OpType, opts ir.Options, shape []int, in ...int) int {
	out := b.act(t.String()+"_out", ir.Float32, shape...)
	b.g.Ops = append(b.g.Ops, &ir.Op{Type: t, Version: 1, Inputs: in, Outputs: []int{out}, Options: opts})
	return out
}

func (b *graphBuilder) model(outputs ...int) *ir.Model {
	b.g.Outputs = outputs
	return &ir.Model{Version: 3, Graphs: []*ir.Graph{b.g}}
}

func opTypes(g *ir.Graph) []ir.OpType {
	var ts []ir.OpType
	for _, op := range g.Ops {
		ts = append(ts, op.Type)
	}
	return ts
}

func wantOps(t *testing.T, g *ir.Graph, want ...ir.OpType) {
	t.Helper()
	if got := opTypes(g); !slices.Equal(got, want) {
		t.Fatalf("ops %v, want %v", got, want)
	}
}

func wantFloats(t *testing.T, what string, got []float32, want ...float32) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func mustRun(t *testing.T, m *ir.Model, p func(*ir.Model) (int, error)) int {
	t.Helper()
	n, err := p(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("invalid after the pass: %v", err)
	}
	return n
}
