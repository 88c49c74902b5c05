package tflite

import (
	"testing"

	"github.com/liteforge/liteforge/ir"
)

// TestBroadcastToVersion checks that BROADCAST_TO is written as version 2 at
// least: TFLite registers it from version 2 on and refuses version 1.
func TestBroadcastToVersion(t *testing.T) {
	g := &ir.Graph{
		Name: "main",
		Tensors: []*ir.Tensor{
			{Name: "x", Type: ir.Float32, Shape: []int{1, 3}, HasRank: true},
			{Name: "shape", Type: ir.Int32, Shape: []int{2}, HasRank: true, Data: ir.Int32Bytes([]int32{2, 3})},
			{Name: "y", Type: ir.Float32, Shape: []int{2, 3}, HasRank: true},
		},
		Inputs:  []int{0},
		Outputs: []int{2},
		Ops:     []*ir.Op{{Type: ir.BroadcastTo, Version: 1, Inputs: []int{0, 1}, Outputs: []int{2}}},
	}
	buf := mustWrite(t, &ir.Model{Version: 3, Graphs: []*ir.Graph{g}}, WriteOptions{})
	m, err := Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if v := m.Graphs[0].Ops[0].Version; v != 2 {
		t.Errorf("BROADCAST_TO written as version %d, want 2", v)
	}
}
