package ir

import (
	"fmt"
	"slices"
)

// Model is a whole network: one or more subgraphs (subgraph 0 is the main
// one; control-flow ops call the others), with the metadata a file carried.
type Model struct {
	Version       uint32 // format version (3 for TFLite schema v3)
	Description   string
	Graphs        []*Graph
	Metadata      []Metadata
	SignatureDefs []SignatureDef
}

// Metadata is a named blob a model carries (TFLite's "min_runtime_version",
// "TFLITE_METADATA", ...). Data is kept byte for byte.
type Metadata struct {
	Name string
	Data []byte
}

// SignatureDef names a subgraph's inputs and outputs for callers.
type SignatureDef struct {
	Key     string
	Graph   int // index into Model.Graphs
	Inputs  []SignatureTensor
	Outputs []SignatureTensor
}

// SignatureTensor maps a signature name to a tensor of the signature's graph.
type SignatureTensor struct {
	Name   string
	Tensor int
}

// Graph is one subgraph: its tensors, its ops in execution order, and which
// tensors are its inputs and outputs.
type Graph struct {
	Name    string
	Tensors []*Tensor
	Ops     []*Op
	Inputs  []int // tensor indices
	Outputs []int // tensor indices
}

// Tensor is a typed n-dimensional array: a constant when Data is set, an
// activation (computed at run time) otherwise.
type Tensor struct {
	Name string
	Type DataType
	// Shape has one entry per dimension; a scalar has an empty shape. A
	// dimension that is unknown until run time is -1 in ShapeSignature and
	// holds a placeholder size (usually 1) here.
	Shape []int
	// ShapeSignature is the shape with -1 for dynamic dimensions, or nil when
	// the file gave none (all dimensions static).
	ShapeSignature []int
	// HasRank is false only for a tensor of unknown rank (Shape is then empty
	// but the tensor is not a scalar).
	HasRank bool
	// Data holds a constant's elements, little-endian, row-major. It may alias
	// the file the model was read from; treat it as read-only.
	Data       []byte
	Quant      *Quantization
	IsVariable bool
	Sparsity   *Sparsity
	// VariantSubtypes describe the nested tensors of a Variant tensor.
	VariantSubtypes []VariantSubtype
}

// VariantSubtype is the shape and type of a tensor nested in a Variant.
type VariantSubtype struct {
	Shape   []int
	Type    DataType
	HasRank bool
}

// Quantization maps stored integers q to real values: real = Scale*(q-ZeroPoint).
// A per-tensor quantization has one scale and zero point; a per-axis one has
// one per index of dimension Axis.
type Quantization struct {
	Scale     []float32
	ZeroPoint []int64
	// Min and Max are the recorded real range (calibration statistics), kept
	// even when Scale is empty.
	Min, Max []float32
	Axis     int // quantized dimension, for per-axis quantization
	// Custom is a custom quantization's opaque details, kept byte for byte.
	Custom []byte
}

// PerAxis reports whether q has more than one scale.
func (q *Quantization) PerAxis() bool { return q != nil && len(q.Scale) > 1 }

// Quantized reports whether q carries scales (as opposed to nil or only a
// calibration range).
func (q *Quantization) Quantized() bool { return q != nil && len(q.Scale) > 0 }

// Sparsity describes how a sparse constant's Data is stored (TFLite's
// SparsityParameters).
type Sparsity struct {
	TraversalOrder []int
	BlockMap       []int
	Dims           []DimensionMetadata
}

// DimensionFormat says whether a dimension of a sparse tensor is dense or
// compressed (CSR).
type DimensionFormat int8

const (
	DimDense     DimensionFormat = 0
	DimSparseCSR DimensionFormat = 1
)

// IndexVectorType is the element type of a sparse dimension's segments or
// indices, as the file stored them.
type IndexVectorType int8

const (
	IndexNone   IndexVectorType = 0
	IndexInt32  IndexVectorType = 1
	IndexUint16 IndexVectorType = 2
	IndexUint8  IndexVectorType = 3
)

// DimensionMetadata is one dimension of a sparse tensor.
type DimensionMetadata struct {
	Format       DimensionFormat
	DenseSize    int
	Segments     []int
	SegmentsType IndexVectorType
	Indices      []int
	IndicesType  IndexVectorType
}

// Op is one operation: it reads Inputs and writes Outputs (tensor indices into
// its graph; -1 marks an absent optional input).
type Op struct {
	Type OpType
	// Custom is the custom code when Type is Custom.
	Custom  string
	Version int // op version (1 when unknown)
	Inputs  []int
	Outputs []int
	// Intermediates are tensors internal to the op that carry quantization
	// parameters (LSTM gates, for instance).
	Intermediates []int
	// MutatingVariableInputs marks, per input, whether the op writes it.
	MutatingVariableInputs []bool
	Options                Options
	// CustomOptions are a custom op's (or any op's) custom options, byte for byte.
	CustomOptions []byte
}

// Name is the op's type name, or its custom code for a custom op.
func (o *Op) Name() string {
	if o.Type == Custom {
		return o.Custom
	}
	return o.Type.String()
}

// NumElements is the product of the dimensions of shape (1 for a scalar). It
// returns -1 when a dimension is negative or the product overflows an int.
func NumElements(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return -1
		}
		if d != 0 && n > maxElements/d {
			return -1
		}
		n *= d
	}
	return n
}

// maxElements bounds element counts so that byte sizes of any type stay well
// inside an int on every platform.
const maxElements = 1 << 46

// NumElements is the tensor's element count, -1 when its shape is invalid.
func (t *Tensor) NumElements() int { return NumElements(t.Shape) }

// ByteSize is the number of bytes the tensor's elements occupy, or an error
// when its shape or type has no fixed size.
func (t *Tensor) ByteSize() (int, error) {
	n := t.NumElements()
	if n < 0 {
		return 0, fmt.Errorf("tensor %q: invalid shape %v", t.Name, t.Shape)
	}
	b, ok := t.Type.ByteSize(n)
	if !ok {
		return 0, fmt.Errorf("tensor %q: type %v has no fixed element size", t.Name, t.Type)
	}
	return b, nil
}

// IsConst reports whether the tensor holds constant data.
func (t *Tensor) IsConst() bool { return t.Data != nil }

// Clone returns a deep copy of the model. Tensor data is shared, since it is
// read-only; everything else is copied, so passes may edit the clone freely.
func (m *Model) Clone() *Model {
	c := *m
	c.Graphs = make([]*Graph, len(m.Graphs))
	for i, g := range m.Graphs {
		c.Graphs[i] = g.Clone()
	}
	c.Metadata = slices.Clone(m.Metadata)
	c.SignatureDefs = make([]SignatureDef, len(m.SignatureDefs))
	for i, s := range m.SignatureDefs {
		s.Inputs = slices.Clone(s.Inputs)
		s.Outputs = slices.Clone(s.Outputs)
		c.SignatureDefs[i] = s
	}
	return &c
}

// Clone returns a deep copy of the graph, sharing tensor data.
func (g *Graph) Clone() *Graph {
	c := *g
	c.Tensors = make([]*Tensor, len(g.Tensors))
	for i, t := range g.Tensors {
		c.Tensors[i] = t.Clone()
	}
	c.Ops = make([]*Op, len(g.Ops))
	for i, o := range g.Ops {
		c.Ops[i] = o.Clone()
	}
	c.Inputs = slices.Clone(g.Inputs)
	c.Outputs = slices.Clone(g.Outputs)
	return &c
}

// Clone returns a copy of the tensor that shares its (read-only) data.
func (t *Tensor) Clone() *Tensor {
	c := *t
	c.Shape = slices.Clone(t.Shape)
	c.ShapeSignature = slices.Clone(t.ShapeSignature)
	c.Quant = t.Quant.Clone()
	if t.Sparsity != nil {
		s := *t.Sparsity
		s.TraversalOrder = slices.Clone(s.TraversalOrder)
		s.BlockMap = slices.Clone(s.BlockMap)
		s.Dims = slices.Clone(s.Dims)
		for i := range s.Dims {
			s.Dims[i].Segments = slices.Clone(s.Dims[i].Segments)
			s.Dims[i].Indices = slices.Clone(s.Dims[i].Indices)
		}
		c.Sparsity = &s
	}
	c.VariantSubtypes = slices.Clone(t.VariantSubtypes)
	for i := range c.VariantSubtypes {
		c.VariantSubtypes[i].Shape = slices.Clone(c.VariantSubtypes[i].Shape)
	}
	return &c
}

// Clone returns a deep copy of q (nil for nil).
func (q *Quantization) Clone() *Quantization {
	if q == nil {
		return nil
	}
	c := *q
	c.Scale = slices.Clone(q.Scale)
	c.ZeroPoint = slices.Clone(q.ZeroPoint)
	c.Min = slices.Clone(q.Min)
	c.Max = slices.Clone(q.Max)
	c.Custom = slices.Clone(q.Custom)
	return &c
}

// Clone returns a deep copy of the op.
func (o *Op) Clone() *Op {
	c := *o
	c.Inputs = slices.Clone(o.Inputs)
	c.Outputs = slices.Clone(o.Outputs)
	c.Intermediates = slices.Clone(o.Intermediates)
	c.MutatingVariableInputs = slices.Clone(o.MutatingVariableInputs)
	c.Options = cloneOptions(o.Options)
	c.CustomOptions = slices.Clone(o.CustomOptions)
	return &c
}
