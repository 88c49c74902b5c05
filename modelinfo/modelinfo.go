// Package modelinfo describes a model for people and programs: its subgraphs,
// inputs and outputs, op counts, every tensor (type, shape, size,
// quantization), metadata, signatures and weight bytes. `liteforge inspect`
// prints it as text or, with --json, as the Info structure below.
//
// The JSON form is stable: keys are only ever added, never renamed or
// removed, and their meaning does not change. Lists keep the model's order
// (tensor ids, subgraph indices) except op_counts, which is sorted by count
// (descending) then name.
package modelinfo

import (
	"cmp"
	"slices"
	"unsafe"

	"github.com/liteforge/liteforge/ir"
)

// Info describes a whole model.
type Info struct {
	// File and FileBytes are the model file's path and size, when read from a
	// file (set by the caller).
	File      string `json:"file,omitempty"`
	FileBytes int64  `json:"file_bytes,omitempty"`
	// Version is the TFLite schema version the file declares (3).
	Version     uint32 `json:"version"`
	Description string `json:"description"`
	// WeightBytes is the bytes of constant tensor data in all subgraphs, each
	// distinct buffer counted once.
	WeightBytes int         `json:"weight_bytes"`
	Subgraphs   []Subgraph  `json:"subgraphs"`
	Metadata    []Metadata  `json:"metadata"`
	Signatures  []Signature `json:"signatures"`
}

// Subgraph describes one subgraph; subgraph 0 is the one a run executes.
type Subgraph struct {
	Index       int         `json:"index"`
	Name        string      `json:"name"`
	Inputs      []TensorRef `json:"inputs"`
	Outputs     []TensorRef `json:"outputs"`
	Ops         int         `json:"ops"`
	OpCounts    []OpCount   `json:"op_counts"`
	WeightBytes int         `json:"weight_bytes"`
	Tensors     []Tensor    `json:"tensors"`
}

// TensorRef names an input or output of a subgraph.
type TensorRef struct {
	Tensor int    `json:"tensor"` // tensor id in the subgraph
	Name   string `json:"name"`
	DType  string `json:"dtype"`
	Shape  []int  `json:"shape"`
	// ShapeSignature has -1 for dimensions that are dynamic; omitted when the
	// model gives none (all dimensions static).
	ShapeSignature []int `json:"shape_signature,omitempty"`
}

// OpCount is how many ops of one type a subgraph has.
type OpCount struct {
	Op     string `json:"op"` // TFLite builtin name ("CONV_2D") or custom code
	Custom bool   `json:"custom,omitempty"`
	Count  int    `json:"count"`
}

// Tensor describes one tensor of a subgraph.
type Tensor struct {
	ID             int    `json:"id"`
	Name           string `json:"name"`
	DType          string `json:"dtype"`
	Shape          []int  `json:"shape"`
	ShapeSignature []int  `json:"shape_signature,omitempty"`
	// Bytes is the size of the tensor's elements (for a constant, of its
	// data); -1 when it has no fixed size (strings, resources).
	Bytes    int           `json:"bytes"`
	Constant bool          `json:"constant"`
	Variable bool          `json:"variable,omitempty"`
	Sparse   bool          `json:"sparse,omitempty"`
	Quant    *Quantization `json:"quantization,omitempty"`
}

// Quantization is a tensor's quantization parameters: real = scale * (q -
// zero_point), per tensor or per index of quantized_dimension; min/max are
// recorded calibration ranges.
type Quantization struct {
	Scale              []float64 `json:"scale,omitempty"`
	ZeroPoint          []int64   `json:"zero_point,omitempty"`
	QuantizedDimension int       `json:"quantized_dimension"`
	PerAxis            bool      `json:"per_axis"`
	Min                []float64 `json:"min,omitempty"`
	Max                []float64 `json:"max,omitempty"`
}

// Metadata is one named metadata entry.
type Metadata struct {
	Name  string `json:"name"`
	Bytes int    `json:"bytes"`
}

// Signature is one signature def: names for a subgraph's tensors.
type Signature struct {
	Key      string        `json:"key"`
	Subgraph int           `json:"subgraph"`
	Inputs   []SignatureIO `json:"inputs"`
	Outputs  []SignatureIO `json:"outputs"`
}

// SignatureIO maps a signature name to a tensor id.
type SignatureIO struct {
	Name   string `json:"name"`
	Tensor int    `json:"tensor"`
}

// Describe summarizes m. Tensor ids and op indices are not checked beyond
// what is needed not to fail: an id out of range is described by id alone.
func Describe(m *ir.Model) *Info {
	info := &Info{
		Version: m.Version, Description: m.Description,
		Subgraphs: []Subgraph{}, Metadata: []Metadata{}, Signatures: []Signature{},
	}
	seen := map[*byte]int{} // constant buffers, by first byte, so that shared ones count once
	for gi, g := range m.Graphs {
		info.Subgraphs = append(info.Subgraphs, describeGraph(gi, g, seen))
	}
	for _, n := range seen {
		info.WeightBytes += n
	}
	for _, md := range m.Metadata {
		info.Metadata = append(info.Metadata, Metadata{Name: md.Name, Bytes: len(md.Data)})
	}
	for _, s := range m.SignatureDefs {
		sig := Signature{Key: s.Key, Subgraph: s.Graph, Inputs: []SignatureIO{}, Outputs: []SignatureIO{}}
		for _, in := range s.Inputs {
			sig.Inputs = append(sig.Inputs, SignatureIO{in.Name, in.Tensor})
		}
		for _, out := range s.Outputs {
			sig.Outputs = append(sig.Outputs, SignatureIO{out.Name, out.Tensor})
		}
		info.Signatures = append(info.Signatures, sig)
	}
	return info
}

func describeGraph(gi int, g *ir.Graph, seen map[*byte]int) Subgraph {
	s := Subgraph{Index: gi, Name: g.Name, Ops: len(g.Ops), Tensors: []Tensor{}, OpCounts: []OpCount{}}
	s.Inputs = refs(g, g.Inputs)
	s.Outputs = refs(g, g.Outputs)

	counts := map[string]*OpCount{}
	for _, op := range g.Ops {
		name := op.Name()
		c, ok := counts[name]
		if !ok {
			c = &OpCount{Op: name, Custom: op.Type == ir.Custom}
			counts[name] = c
		}
		c.Count++
	}
	for _, c := range counts {
		s.OpCounts = append(s.OpCounts, *c)
	}
	slices.SortFunc(s.OpCounts, func(a, b OpCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Op, b.Op))
	})

	local := map[*byte]int{}
	for id, t := range g.Tensors {
		s.Tensors = append(s.Tensors, describeTensor(id, t))
		if len(t.Data) > 0 {
			p := unsafe.SliceData(t.Data)
			local[p] = max(local[p], len(t.Data))
		}
	}
	for p, n := range local {
		s.WeightBytes += n
		seen[p] = max(seen[p], n)
	}
	return s
}

func refs(g *ir.Graph, ids []int) []TensorRef {
	out := []TensorRef{}
	for _, id := range ids {
		r := TensorRef{Tensor: id, Shape: []int{}}
		if id >= 0 && id < len(g.Tensors) {
			t := g.Tensors[id]
			r.Name, r.DType, r.ShapeSignature = t.Name, t.Type.String(), t.ShapeSignature
			r.Shape = nonNil(t.Shape)
		}
		out = append(out, r)
	}
	return out
}

func describeTensor(id int, t *ir.Tensor) Tensor {
	d := Tensor{
		ID: id, Name: t.Name, DType: t.Type.String(), Shape: nonNil(t.Shape),
		ShapeSignature: t.ShapeSignature, Constant: t.IsConst(), Variable: t.IsVariable,
		Sparse: t.Sparsity != nil, Bytes: -1,
	}
	if t.IsConst() {
		d.Bytes = len(t.Data)
	} else if n, err := t.ByteSize(); err == nil {
		d.Bytes = n
	}
	if q := t.Quant; q != nil && (len(q.Scale) > 0 || len(q.Min) > 0 || len(q.Max) > 0) {
		d.Quant = &Quantization{
			Scale: float64s(q.Scale), ZeroPoint: slices.Clone(q.ZeroPoint), QuantizedDimension: q.Axis,
			PerAxis: q.PerAxis(), Min: float64s(q.Min), Max: float64s(q.Max),
		}
	}
	return d
}

func nonNil(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

func float64s(v []float32) []float64 {
	if len(v) == 0 {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
