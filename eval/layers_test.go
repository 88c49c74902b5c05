package eval

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/kernels"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
)

// exposeModel is in -> ADD(in, c1) = a -> MUL(a, f) = out, where f =
// MUL(c2, c3) depends on constants only, and b = ADD(a, in) is a tensor
// that nothing reads.
func exposeModel() *ir.Model {
	f32 := func(name string, data ...float32) *ir.Tensor {
		t := &ir.Tensor{Name: name, Type: ir.Float32, Shape: []int{2}, HasRank: true}
		if data != nil {
			t.Data = ir.Float32Bytes(data)
		}
		return t
	}
	g := &ir.Graph{
		Tensors: []*ir.Tensor{
			f32("in"), f32("c1", 1, 2), f32("a"), f32("c2", 3, 4), f32("c3", 5, 6), f32("f"), f32("out"), f32("b"),
		},
		Inputs:  []int{0},
		Outputs: []int{6},
		Ops: []*ir.Op{
			{Type: ir.Add, Version: 1, Inputs: []int{0, 1}, Outputs: []int{2}, Options: &ir.AddOptions{}},
			{Type: ir.Mul, Version: 1, Inputs: []int{3, 4}, Outputs: []int{5}, Options: &ir.MulOptions{}},
			{Type: ir.Mul, Version: 1, Inputs: []int{2, 5}, Outputs: []int{6}, Options: &ir.MulOptions{}},
			{Type: ir.Add, Version: 1, Inputs: []int{2, 0}, Outputs: []int{7}, Options: &ir.AddOptions{}},
		},
	}
	return &ir.Model{Version: 3, Graphs: []*ir.Graph{g},
		SignatureDefs: []ir.SignatureDef{{Key: "serving_default", Inputs: []ir.SignatureTensor{{Name: "x", Tensor: 0}}, Outputs: []ir.SignatureTensor{{Name: "y", Tensor: 6}}}}}
}

func TestExposeTensors(t *testing.T) {
	m := exposeModel()
	exposed, added, err := ExposeTensors(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	// a and b, in execution order; f is folded from constants and out is
	// already an output.
	if !slices.Equal(added, []int{2, 7}) {
		t.Errorf("added tensors %v, want [2 7]", added)
	}
	if got := exposed.Graphs[0].Outputs; !slices.Equal(got, []int{6, 2, 7}) {
		t.Errorf("outputs %v, want [6 2 7]", got)
	}
	if len(exposed.SignatureDefs) != 0 {
		t.Error("the copy keeps the signature defs, which would hide the added outputs")
	}
	if !slices.Equal(m.Graphs[0].Outputs, []int{6}) || len(m.SignatureDefs) != 1 {
		t.Error("ExposeTensors changed the original model")
	}
	_, added, err = ExposeTensors(m, func(t *ir.Tensor) bool { return t.Name != "b" })
	if err != nil || !slices.Equal(added, []int{2}) {
		t.Errorf("with b filtered out: added %v, %v; want [2]", added, err)
	}
	bad := exposeModel()
	bad.Graphs[0].Ops[0].Outputs = []int{99}
	if _, _, err := ExposeTensors(bad, nil); err == nil {
		t.Error("an op writing tensor 99 of 8: no error")
	}
}

func TestDiffValues(t *testing.T) {
	// Float differences are absolute up to 1 and relative beyond.
	d, err := DiffValues(ir.Float32, ir.Float32Bytes([]float32{1, 2.5, 100, 0.25}), ir.Float32Bytes([]float32{1, 2, 101, 0.5}))
	if err != nil {
		t.Fatal(err)
	}
	if d.Elements != 4 || d.Differ != 3 || d.MaxDiff != 0.25 || d.Got != 2.5 || d.Want != 2 {
		t.Errorf("float32: %+v; want 4 elements, 3 differ, largest 0.25 (2.5 against 2, relative)", d)
	}
	d, err = DiffValues(ir.Int8, []byte{1, 0xfd, 7}, []byte{1, 0, 7})
	if err != nil {
		t.Fatal(err)
	}
	if d.Differ != 1 || d.MaxDiff != 3 || d.Worst != 1 || d.Got != -3 {
		t.Errorf("int8: %+v; want 1 differing, by 3 steps, at element 1 (-3)", d)
	}
	if _, err := DiffValues(ir.Int8, []byte{1}, []byte{1, 2}); err == nil {
		t.Error("different lengths: no error")
	}
	diffs := []TensorDiff{{Differ: 0}, {Differ: 2, MaxDiff: 1e-7}, {Differ: 1, MaxDiff: 1}}
	if FirstDiffer(diffs, 0) != 1 || FirstDiffer(diffs, 1e-6) != 2 || FirstDiffer(diffs, 1) != -1 {
		t.Error("FirstDiffer does not skip differences within the tolerance")
	}
}

// TestCompareTensorsHandModel compares liteforge's run of the hand-made
// model with values worked out by hand.
func TestCompareTensorsHandModel(t *testing.T) {
	in := ir.Float32Bytes([]float32{1, -1})
	want := map[int][]byte{
		2: ir.Float32Bytes([]float32{2, 1}),   // in + c1
		6: ir.Float32Bytes([]float32{30, 24}), // a * (c2*c3)
		7: ir.Float32Bytes([]float32{3, 0.5}), // a + in, wrong in element 1 (is 0)
	}
	diffs, err := CompareTensors(exposeModel(), [][]byte{in}, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 3 || diffs[0].Tensor != 2 || diffs[1].Tensor != 6 || diffs[2].Tensor != 7 {
		t.Fatalf("compared %+v; want tensors 2, 6, 7 in execution order", diffs)
	}
	if i := FirstDiffer(diffs, 0); i != 2 || diffs[2].Op != 3 || diffs[2].OpType != "ADD" || diffs[2].MaxDiff != 0.5 {
		t.Errorf("first difference %d: %+v; want tensor 7 (op 3, ADD) off by 0.5", i, diffs)
	}
	if _, err := CompareTensors(exposeModel(), nil, want); err == nil {
		t.Error("no inputs for a model with one: no error")
	}
}

// TestOracleTensorsEmbedder compares every tensor of the hybrid
// MobileNetV2 embedder with TFLite's: under XNNPACKKernels (how TFLite ran
// it) all are identical; under BuiltinKernels the first difference is the
// first convolution's last bits (XNNPACK sums in another order), which the
// hybrid convolutions' input quantization later turns into whole steps.
func TestOracleTensorsEmbedder(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the TFLite oracle")
	}
	dir := testutil.TFLiteOracle(t)
	const name = "tf-examples/mobilenet_v2_035_96_embedder_with_metadata"
	m, err := tflite.ReadFile(testutil.Fixture(t, filepath.Join("tflite", name+".tflite")))
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile(testutil.Fixture(t, filepath.Join("tflite", "expected", name, "input_0.bin")))
	if err != nil {
		t.Fatal(err)
	}
	run, err := OracleTensors(context.Background(), m, [][]byte{in}, dir)
	if err != nil {
		t.Fatal(err)
	}
	xnn, err := CompareTensors(m, [][]byte{in}, run.Outputs, runtime.WithKernels(kernels.XNNPACKKernels))
	if err != nil {
		t.Fatal(err)
	}
	cmp := &OracleComparison{Diffs: xnn, NodeTypes: run.NodeTypes}
	if len(cmp.Diffs) != len(m.Graphs[0].Ops) {
		t.Errorf("compared %d tensors, want one per op (%d)", len(cmp.Diffs), len(m.Graphs[0].Ops))
	}
	if cmp.NodeTypes["CONV_2D"] == 0 || cmp.NodeTypes["TfLiteXNNPackDelegate"] == 0 {
		t.Errorf("node types %v: want builtin hybrid CONV_2D and XNNPACK partitions", cmp.NodeTypes)
	}
	if i := FirstDiffer(cmp.Diffs, 0); i >= 0 {
		d := cmp.Diffs[i]
		t.Errorf("XNNPACKKernels: tensor %d (%s, op %d %s) differs from TFLite in %d of %d elements (largest %v)",
			d.Tensor, d.Name, d.Op, d.OpType, d.Differ, d.Elements, d.MaxDiff)
	}
	builtin, err := CompareTensors(m, [][]byte{in}, run.Outputs, runtime.WithKernels(kernels.BuiltinKernels))
	if err != nil {
		t.Fatal(err)
	}
	i := FirstDiffer(builtin, 0)
	if i < 0 || builtin[i].OpType != "CONV_2D" || builtin[i].Op != 2 || builtin[i].MaxDiff > 1e-4 {
		t.Errorf("BuiltinKernels: first difference %d, want the first CONV_2D (op 2) within 1e-4: %+v", i, builtin[:3])
	}
	last := builtin[len(builtin)-1]
	t.Logf("BuiltinKernels: first difference at op %d (%s) largest %v; output: %d of %d differ, largest %v",
		builtin[i].Op, builtin[i].OpType, builtin[i].MaxDiff, last.Differ, last.Elements, last.MaxDiff)
}
