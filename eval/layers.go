package eval

import (
	"fmt"
	"math"
	"slices"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tensorio"
)

// ExposeTensors returns a copy of m whose subgraph 0 has, after its own
// outputs, every tensor one of its ops computes from the graph's inputs (or
// variables) that keep accepts (nil keeps all), in execution order; and the
// indices of those tensors. Running the copy in another runtime yields every
// intermediate value, to compare layer by layer. Tensors computed from
// constants alone are left out: runtimes fold them, and a delegate may never
// materialize them at all (XNNPACK takes a float16 DEQUANTIZE's result as its
// weights). The copy drops the signature defs, which would hide the added
// outputs from runtimes that run a signature.
//
// Marking a tensor as an output can change how a runtime runs the graph (a
// delegate must then materialize it), so a comparison made this way checks
// the same arithmetic only as long as the partitioning stays the same.
func ExposeTensors(m *ir.Model, keep func(*ir.Tensor) bool) (*ir.Model, []int, error) {
	if len(m.Graphs) == 0 {
		return nil, nil, fmt.Errorf("eval: model has no subgraph")
	}
	c := m.Clone()
	c.SignatureDefs = nil
	g := c.Graphs[0]
	dynamic := make([]bool, len(g.Tensors))
	for _, ti := range g.Inputs {
		if ti >= 0 && ti < len(g.Tensors) {
			dynamic[ti] = true
		}
	}
	for ti, t := range g.Tensors {
		dynamic[ti] = dynamic[ti] || t.IsVariable
	}
	var added []int
	for oi, op := range g.Ops {
		fromInputs := false
		for _, ti := range op.Inputs {
			if ti >= len(g.Tensors) {
				return nil, nil, fmt.Errorf("eval: op %d (%s) reads tensor %d of %d", oi, op.Name(), ti, len(g.Tensors))
			}
			fromInputs = fromInputs || ti >= 0 && dynamic[ti]
		}
		for _, ti := range op.Outputs {
			if ti < 0 || ti >= len(g.Tensors) {
				return nil, nil, fmt.Errorf("eval: op %d (%s) writes tensor %d of %d", oi, op.Name(), ti, len(g.Tensors))
			}
			dynamic[ti] = dynamic[ti] || fromInputs
			if !dynamic[ti] || g.IsOutput(ti) || slices.Contains(added, ti) || keep != nil && !keep(g.Tensors[ti]) {
				continue
			}
			added = append(added, ti)
		}
	}
	g.Outputs = append(g.Outputs, added...)
	return c, added, nil
}

// OracleReadable reports whether the TFLite oracle (tfjs-tflite) can hand
// back a tensor of t's type: it exposes no int64, string, float16 or complex
// tensors.
func OracleReadable(t *ir.Tensor) bool {
	switch t.Type {
	case ir.Float32, ir.Int32, ir.Uint8, ir.Int8, ir.Int16, ir.Bool:
		return true
	}
	return false
}

// TensorDiff is how one tensor of a run differs from a reference value.
type TensorDiff struct {
	Op     int    `json:"op"`      // index of the op that computes the tensor
	OpType string `json:"op_type"` // its type
	Tensor int    `json:"tensor"`  // tensor index in subgraph 0
	Name   string `json:"name"`
	DType  string `json:"dtype"`
	// Elements compared and how many differ.
	Elements int `json:"elements"`
	Differ   int `json:"differ"`
	// MaxDiff is the largest difference: in stored steps for integer
	// tensors; for float ones absolute, or relative to the reference value
	// where that exceeds 1 in magnitude.
	MaxDiff float64 `json:"max_diff"`
	// Worst is the flat index of an element with the largest difference, and
	// Got and Want its values (stored, not dequantized).
	Worst int     `json:"worst"`
	Got   float64 `json:"got"`
	Want  float64 `json:"want"`
}

// DiffValues compares two tensors of type dt held as little-endian bytes.
func DiffValues(dt ir.DataType, got, want []byte) (TensorDiff, error) {
	d := TensorDiff{DType: dt.String()}
	g, err := tensorio.Float64s(dt, got)
	if err != nil {
		return d, err
	}
	w, err := tensorio.Float64s(dt, want)
	if err != nil {
		return d, err
	}
	if len(g) != len(w) {
		return d, fmt.Errorf("%d elements against %d", len(g), len(w))
	}
	isFloat := dt == ir.Float32 || dt == ir.Float64 || dt == ir.Float16 || dt == ir.BFloat16
	d.Elements = len(w)
	for i := range w {
		if g[i] == w[i] || math.IsNaN(g[i]) && math.IsNaN(w[i]) {
			continue
		}
		d.Differ++
		diff := math.Abs(g[i] - w[i])
		if isFloat {
			diff /= math.Max(1, math.Abs(w[i]))
		}
		if math.IsNaN(diff) {
			diff = math.Inf(1)
		}
		if diff > d.MaxDiff || d.Differ == 1 {
			d.MaxDiff, d.Worst, d.Got, d.Want = diff, i, g[i], w[i]
		}
	}
	return d, nil
}

// runKeepingTensors runs subgraph 0 of m once on inputs (raw bytes, in input
// order) with every tensor kept in memory of its own.
func runKeepingTensors(m *ir.Model, inputs [][]byte, opts []runtime.Option) (*runtime.Interpreter, error) {
	it, err := runtime.New(m, append(slices.Clone(opts), runtime.WithPreserveAllTensors())...)
	if err != nil {
		return nil, err
	}
	if len(inputs) != it.NumInputs() {
		return nil, fmt.Errorf("eval: %d inputs given, the model has %d", len(inputs), it.NumInputs())
	}
	for i, b := range inputs {
		in := it.Input(i)
		if len(b) != len(in.Data) {
			return nil, fmt.Errorf("eval: input %d (%s) has %d bytes, the tensor needs %d", i, in.Name, len(b), len(in.Data))
		}
		copy(in.Data, b)
	}
	if err := it.Invoke(); err != nil {
		return nil, err
	}
	return it, nil
}

// TensorValues runs subgraph 0 of m on inputs (raw bytes, in input order)
// with opts and returns the bytes of every tensor its ops compute, by tensor
// index: a reference for CompareTensors from liteforge itself (another kernel
// set or rounding, say).
func TensorValues(m *ir.Model, inputs [][]byte, opts ...runtime.Option) (map[int][]byte, error) {
	it, err := runKeepingTensors(m, inputs, opts)
	if err != nil {
		return nil, err
	}
	values := map[int][]byte{}
	for _, op := range it.Graph().Ops {
		for _, ti := range op.Outputs {
			if ti >= 0 {
				values[ti] = slices.Clone(it.Tensor(ti).Data)
			}
		}
	}
	return values, nil
}

// CompareTensors runs subgraph 0 of m on inputs (raw bytes, in input order)
// with opts, keeping every tensor, and compares each tensor that want holds
// (by tensor index) with liteforge's value. The result follows execution
// order, one entry per compared tensor, so the first entry that differs
// points at the first op whose arithmetic departs from the reference.
func CompareTensors(m *ir.Model, inputs [][]byte, want map[int][]byte, opts ...runtime.Option) ([]TensorDiff, error) {
	it, err := runKeepingTensors(m, inputs, opts)
	if err != nil {
		return nil, err
	}
	var diffs []TensorDiff
	for oi, op := range it.Graph().Ops {
		for _, ti := range op.Outputs {
			ref, ok := want[ti]
			if !ok {
				continue
			}
			t := it.Tensor(ti)
			d, err := DiffValues(t.Type, t.Data, ref)
			if err != nil {
				return nil, fmt.Errorf("eval: tensor %d (%s) of op %d %s: %w", ti, t.Name, oi, op.Name(), err)
			}
			d.Op, d.OpType, d.Tensor, d.Name = oi, op.Name(), ti, t.Name
			diffs = append(diffs, d)
		}
	}
	return diffs, nil
}

// FirstDiffer returns the index in diffs of the first tensor that differs by
// more than tol (see TensorDiff.MaxDiff), or -1.
func FirstDiffer(diffs []TensorDiff, tol float64) int {
	for i, d := range diffs {
		if d.Differ > 0 && d.MaxDiff > tol {
			return i
		}
	}
	return -1
}
