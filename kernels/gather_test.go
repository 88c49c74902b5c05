package kernels

import (
	"strings"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func TestGather(t *testing.T) {
	in := mvF32([]int{3, 2}, 1, 2, 3, 4, 5, 6)
	o := mvOut(ir.Float32, []int{2, 2})
	mvMustRun(t, ir.Gather, &ir.GatherOptions{Axis: 0}, []*ir.Tensor{in, mvI32([]int{2}, 2, 0)}, o)
	mvEqualF32(t, "axis 0", o.Float32s(), 5, 6, 1, 2)

	o1 := mvOut(ir.Float32, []int{3, 1})
	mvMustRun(t, ir.Gather, &ir.GatherOptions{Axis: -1}, []*ir.Tensor{in, mvI64([]int{1}, 1)}, o1)
	mvEqualF32(t, "axis -1, int64 indices", o1.Float32s(), 2, 4, 6)

	// 2-d indices make a 3-d output.
	o2 := mvOut(ir.Int8, []int{2, 2, 2})
	mvMustRun(t, ir.Gather, nil, []*ir.Tensor{mvI8([]int{2, 2}, 1, 2, 3, 4), mvI16([]int{2, 2}, 0, 1, 1, 0)}, o2)
	mvEqual(t, "2-d int16 indices", o2.Int8s(), 1, 2, 3, 4, 3, 4, 1, 2)

	// batch_dims 1: each row gathers with its own indices.
	o3 := mvOut(ir.Int32, []int{2, 2})
	mvMustRun(t, ir.Gather, &ir.GatherOptions{Axis: 1, BatchDims: 1}, []*ir.Tensor{mvI32([]int{2, 3}, 1, 2, 3, 4, 5, 6), mvI32([]int{2, 2}, 2, 0, 1, 1)}, o3)
	mvEqual(t, "batch_dims 1", o3.Int32s(), 3, 1, 5, 5)

	// batch_dims 1 with an outer axis between batch and gather axis:
	// x[b][o][a] = 100b + 10o + a, shape [2 2 3], indices [[2] [0]], axis 2.
	x := []int64{0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112}
	o4 := mvOut(ir.Int64, []int{2, 2, 1})
	mvMustRun(t, ir.Gather, &ir.GatherOptions{Axis: 2, BatchDims: -1}, []*ir.Tensor{mvI64([]int{2, 2, 3}, x...), mvI32([]int{2, 1}, 2, 0)}, o4)
	mvEqual(t, "batch and outer", o4.Int64s(), 2, 12, 100, 110)
}

func TestGatherIndexOutOfRange(t *testing.T) {
	in := mvF32([]int{3, 2}, 1, 2, 3, 4, 5, 6)
	for _, idx := range []int32{3, -1} {
		err := mvRun(t, ir.Gather, nil, []*ir.Tensor{in, mvI32([]int{2}, 0, idx)}, mvOut(ir.Float32, []int{2, 2}))
		if err == nil || !strings.Contains(err.Error(), "index 1") {
			t.Errorf("index %d: error %v, want one naming index 1", idx, err)
		}
	}
	if err := mvRun(t, ir.Gather, nil, []*ir.Tensor{in, mvF32([]int{1}, 0)}, mvOut(ir.Float32, []int{1, 2})); err == nil {
		t.Error("float indices accepted")
	}
	if err := mvRun(t, ir.Gather, &ir.GatherOptions{Axis: 0, BatchDims: 1}, []*ir.Tensor{in, mvI32([]int{3}, 0, 1, 0)}, mvOut(ir.Float32, []int{3, 2})); err == nil {
		t.Error("batch_dims above axis accepted")
	}
}
