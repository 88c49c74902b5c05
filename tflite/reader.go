// Package tflite reads and writes TensorFlow Lite model files (FlatBuffers,
// schema version 3) as ir.Models. A file is untrusted input: Read checks every
// offset, size and index before using it and reports a malformed file as an
// error naming the object at fault, never by panicking.
package tflite

import (
	"fmt"
	"os"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite/internal/schema"
)

// Read decodes a TFLite model. Tensor data (and metadata and custom options)
// alias data rather than being copied, so weights cost no extra memory; the
// caller must not modify data while the model is in use. The model is
// checked with ir.Model.Validate before it is returned.
func Read(data []byte) (*ir.Model, error) {
	if err := schema.VerifyModel(data); err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	r := &reader{data: data}
	m, err := r.read()
	if err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("tflite: invalid model: %w", err)
	}
	return m, nil
}

// ReadFile reads the model file at path (see Read).
func ReadFile(path string) (*ir.Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Read(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// schemaVersion is the TFLite schema version liteforge reads and writes.
const schemaVersion = 3

type reader struct {
	data    []byte
	buffers [][]byte // resolved buffer contents; nil for an empty buffer
	codes   []opCode
	// where names the object being decoded, for the last-resort recover.
	where string
}

type opCode struct {
	typ     ir.OpType
	custom  string
	version int
}

func (r *reader) read() (m *ir.Model, err error) {
	defer func() {
		// VerifyModel has checked every offset the accessors follow, so this
		// should never fire; if it does, the error still says where.
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("internal error decoding %s: %v", r.where, p)
		}
	}()
	fm := schema.GetRootAsModel(r.data, 0)
	// TFLite itself refuses files of any other schema version.
	if v := fm.Version(); v != schemaVersion {
		return nil, fmt.Errorf("schema version %d, not %d", v, schemaVersion)
	}
	m = &ir.Model{Version: fm.Version(), Description: string(fm.Description())}

	r.where = "buffers"
	r.buffers = make([][]byte, fm.BuffersLength())
	var b schema.Buffer
	for i := range r.buffers {
		r.where = fmt.Sprintf("buffer %d", i)
		fm.Buffers(&b, i)
		if off := b.Offset(); off > 1 {
			d, err := r.external(off, b.Size())
			if err != nil {
				return nil, fmt.Errorf("buffer %d: %w", i, err)
			}
			r.buffers[i] = d
		} else if d := b.DataBytes(); len(d) > 0 {
			r.buffers[i] = d[:len(d):len(d)]
		}
	}

	r.codes = make([]opCode, fm.OperatorCodesLength())
	var oc schema.OperatorCode
	for i := range r.codes {
		r.where = fmt.Sprintf("operator code %d", i)
		fm.OperatorCodes(&oc, i)
		// Files written before builtin_code existed carry only the byte-wide
		// deprecated field; newer ones put 127 there. TFLite takes the larger.
		code := max(int32(oc.DeprecatedBuiltinCode()), int32(oc.BuiltinCode()))
		if _, ok := schema.EnumNamesBuiltinOperator[schema.BuiltinOperator(code)]; !ok || code < 0 {
			return nil, fmt.Errorf("operator code %d: unknown builtin code %d", i, code)
		}
		c := opCode{typ: ir.OpType(code), version: int(oc.Version())}
		if c.version < 1 {
			return nil, fmt.Errorf("operator code %d (%v): version %d (versions start at 1)", i, c.typ, c.version)
		}
		if c.typ == ir.Custom {
			c.custom = string(oc.CustomCode())
		}
		r.codes[i] = c
	}

	m.Graphs = make([]*ir.Graph, fm.SubgraphsLength())
	var sg schema.SubGraph
	for gi := range m.Graphs {
		fm.Subgraphs(&sg, gi)
		g, err := r.graph(&sg, gi)
		if err != nil {
			return nil, err
		}
		m.Graphs[gi] = g
	}

	var md schema.Metadata
	for i := 0; i < fm.MetadataLength(); i++ {
		r.where = fmt.Sprintf("metadata %d", i)
		fm.Metadata(&md, i)
		name := string(md.Name())
		bi := md.Buffer()
		if int64(bi) >= int64(len(r.buffers)) {
			return nil, fmt.Errorf("metadata %d (%q): buffer %d out of range (the model has %d buffers)", i, name, bi, len(r.buffers))
		}
		m.Metadata = append(m.Metadata, ir.Metadata{Name: name, Data: r.buffers[bi]})
	}

	var sd schema.SignatureDef
	var tm schema.TensorMap
	for i := 0; i < fm.SignatureDefsLength(); i++ {
		r.where = fmt.Sprintf("signature %d", i)
		fm.SignatureDefs(&sd, i)
		s := ir.SignatureDef{Key: string(sd.SignatureKey()), Graph: int(sd.SubgraphIndex())}
		for j := 0; j < sd.InputsLength(); j++ {
			sd.Inputs(&tm, j)
			s.Inputs = append(s.Inputs, ir.SignatureTensor{Name: string(tm.Name()), Tensor: int(tm.TensorIndex())})
		}
		for j := 0; j < sd.OutputsLength(); j++ {
			sd.Outputs(&tm, j)
			s.Outputs = append(s.Outputs, ir.SignatureTensor{Name: string(tm.Name()), Tensor: int(tm.TensorIndex())})
		}
		m.SignatureDefs = append(m.SignatureDefs, s)
	}
	return m, nil
}

// external resolves the offset/size form of large models: bytes at an
// offset from the start of the file, past the FlatBuffer.
func (r *reader) external(off, size uint64) ([]byte, error) {
	n := uint64(len(r.data))
	if off > n || size > n-off {
		return nil, fmt.Errorf("data at offset %d with size %d lies outside the file (%d bytes)", off, size, n)
	}
	if size == 0 {
		return nil, nil
	}
	return r.data[off : off+size : off+size], nil
}

func (r *reader) graph(sg *schema.SubGraph, gi int) (*ir.Graph, error) {
	g := &ir.Graph{Name: string(sg.Name())}
	where := fmt.Sprintf("subgraph %d", gi)
	if g.Name != "" {
		where = fmt.Sprintf("subgraph %d (%q)", gi, g.Name)
	}
	r.where = where
	g.Inputs = intVector(sg.InputsLength(), sg.Inputs)
	g.Outputs = intVector(sg.OutputsLength(), sg.Outputs)

	g.Tensors = make([]*ir.Tensor, sg.TensorsLength())
	bufferOf := make([]uint32, len(g.Tensors))
	var ft schema.Tensor
	for ti := range g.Tensors {
		r.where = fmt.Sprintf("%s tensor %d", where, ti)
		sg.Tensors(&ft, ti)
		t, err := r.tensor(&ft)
		if err != nil {
			return nil, fmt.Errorf("%s tensor %d (%q): %w", where, ti, string(ft.Name()), err)
		}
		g.Tensors[ti] = t
		bufferOf[ti] = ft.Buffer()
	}

	g.Ops = make([]*ir.Op, sg.OperatorsLength())
	var fo schema.Operator
	for oi := range g.Ops {
		r.where = fmt.Sprintf("%s operator %d", where, oi)
		sg.Operators(&fo, oi)
		op, err := r.op(&fo)
		if err != nil {
			return nil, fmt.Errorf("%s operator %d: %w", where, oi, err)
		}
		g.Ops[oi] = op
	}

	// A constant with no elements has an empty buffer, which looks like "no
	// buffer"; a tensor with its own buffer that no op writes and that is not
	// an input is such a constant (RESHAPE's empty shape, for one).
	produced := make([]bool, len(g.Tensors))
	for _, op := range g.Ops {
		for _, t := range op.Outputs {
			if t >= 0 && t < len(produced) {
				produced[t] = true
			}
		}
	}
	for _, t := range g.Inputs {
		if t >= 0 && t < len(produced) {
			produced[t] = true
		}
	}
	for ti, t := range g.Tensors {
		if t.Data == nil && bufferOf[ti] != 0 && !produced[ti] && !t.IsVariable && t.HasRank && t.NumElements() == 0 {
			t.Data = []byte{}
		}
	}
	return g, nil
}

func (r *reader) tensor(ft *schema.Tensor) (*ir.Tensor, error) {
	t := &ir.Tensor{
		Name:       string(ft.Name()),
		Type:       ir.DataType(ft.Type()),
		Shape:      intVector(ft.ShapeLength(), ft.Shape),
		IsVariable: ft.IsVariable(),
	}
	for i, d := range t.Shape {
		if d < 0 {
			return nil, fmt.Errorf("dimension %d of shape %v is negative", i, t.Shape)
		}
	}
	if t.NumElements() < 0 {
		return nil, fmt.Errorf("shape %v has too many elements", t.Shape)
	}
	if ft.ShapeSignatureLength() > 0 {
		t.ShapeSignature = intVector(ft.ShapeSignatureLength(), ft.ShapeSignature)
	}
	// Older converters never set has_rank; a tensor with dimensions, or a
	// constant, obviously has a rank.
	t.HasRank = ft.HasRank() || len(t.Shape) > 0 || len(t.ShapeSignature) > 0

	bi := ft.Buffer()
	if int64(bi) >= int64(len(r.buffers)) {
		return nil, fmt.Errorf("buffer %d out of range (the model has %d buffers)", bi, len(r.buffers))
	}
	if d := r.buffers[bi]; d != nil {
		t.Data = d
		t.HasRank = true
	}

	if q := ft.Quantization(nil); q != nil {
		quant, err := readQuant(q)
		if err != nil {
			return nil, err
		}
		t.Quant = quant
	}
	if sp := ft.Sparsity(nil); sp != nil {
		s, err := readSparsity(sp)
		if err != nil {
			return nil, err
		}
		t.Sparsity = s
	}
	var vs schema.VariantSubType
	for i := 0; i < ft.VariantTensorsLength(); i++ {
		ft.VariantTensors(&vs, i)
		t.VariantSubtypes = append(t.VariantSubtypes, ir.VariantSubtype{
			Shape: intVector(vs.ShapeLength(), vs.Shape), Type: ir.DataType(vs.Type()), HasRank: vs.HasRank(),
		})
	}

	// A conv bias may carry its weights' quantized dimension (3) although it has
	// one dimension (old converters; TFLite Micro's person_detect). It is kept as
	// written so the file round-trips; the runtime reads it as dimension 0, as
	// TFLite Micro does, and warns.
	if t.Data != nil && t.Sparsity == nil {
		if want, ok := t.Type.ByteSize(t.NumElements()); ok && t.Type != ir.Int4 && want != len(t.Data) {
			return nil, fmt.Errorf("buffer %d has %d bytes, shape %v %v needs %d", bi, len(t.Data), dims(t.Shape), t.Type, want)
		}
	}
	return t, nil
}

// dims formats a shape the way TFLite tools print it: [8,3,3,3].
func dims(shape []int) string {
	s := "["
	for i, d := range shape {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(d)
	}
	return s + "]"
}

func readQuant(q *schema.QuantizationParameters) (*ir.Quantization, error) {
	out := &ir.Quantization{
		Axis:      int(q.QuantizedDimension()),
		Scale:     vectorOf(q.ScaleLength(), q.Scale),
		ZeroPoint: vectorOf(q.ZeroPointLength(), q.ZeroPoint),
		Min:       vectorOf(q.MinLength(), q.Min),
		Max:       vectorOf(q.MaxLength(), q.Max),
	}
	switch q.DetailsType() {
	case schema.QuantizationDetailsNONE:
	case schema.QuantizationDetailsCustomQuantization:
		var tbl flatbuffers.Table
		q.Details(&tbl)
		var cq schema.CustomQuantization
		cq.Init(tbl.Bytes, tbl.Pos)
		if c := cq.CustomBytes(); c != nil {
			out.Custom = c[:len(c):len(c)]
		} else {
			out.Custom = []byte{}
		}
	default:
		return nil, fmt.Errorf("quantization details of type %v are not supported", q.DetailsType())
	}
	if out.Scale == nil && out.ZeroPoint == nil && out.Min == nil && out.Max == nil && out.Custom == nil && out.Axis == 0 {
		return nil, nil // the empty table converters attach to every tensor
	}
	return out, nil
}

func readSparsity(sp *schema.SparsityParameters) (*ir.Sparsity, error) {
	s := &ir.Sparsity{
		TraversalOrder: intVector(sp.TraversalOrderLength(), sp.TraversalOrder),
		BlockMap:       nilIfEmpty(intVector(sp.BlockMapLength(), sp.BlockMap)),
	}
	var dm schema.DimensionMetadata
	for i := 0; i < sp.DimMetadataLength(); i++ {
		sp.DimMetadata(&dm, i)
		d := ir.DimensionMetadata{Format: ir.DimensionFormat(dm.Format()), DenseSize: int(dm.DenseSize())}
		var tbl flatbuffers.Table
		if dm.ArraySegments(&tbl) {
			d.SegmentsType = ir.IndexVectorType(dm.ArraySegmentsType())
			d.Segments = indexVector(dm.ArraySegmentsType(), tbl)
		}
		if dm.ArrayIndices(&tbl) {
			d.IndicesType = ir.IndexVectorType(dm.ArrayIndicesType())
			d.Indices = indexVector(dm.ArrayIndicesType(), tbl)
		}
		s.Dims = append(s.Dims, d)
	}
	return s, nil
}

func indexVector(t schema.SparseIndexVector, tbl flatbuffers.Table) []int {
	switch t {
	case schema.SparseIndexVectorInt32Vector:
		var v schema.Int32Vector
		v.Init(tbl.Bytes, tbl.Pos)
		return intVector(v.ValuesLength(), v.Values)
	case schema.SparseIndexVectorUint16Vector:
		var v schema.Uint16Vector
		v.Init(tbl.Bytes, tbl.Pos)
		return intVector(v.ValuesLength(), v.Values)
	case schema.SparseIndexVectorUint8Vector:
		var v schema.Uint8Vector
		v.Init(tbl.Bytes, tbl.Pos)
		return intVector(v.ValuesLength(), v.Values)
	}
	return nil
}

func (r *reader) op(fo *schema.Operator) (*ir.Op, error) {
	ci := fo.OpcodeIndex()
	if int64(ci) >= int64(len(r.codes)) {
		return nil, fmt.Errorf("opcode index %d out of range (the model has %d operator codes)", ci, len(r.codes))
	}
	c := r.codes[ci]
	op := &ir.Op{
		Type:          c.typ,
		Custom:        c.custom,
		Version:       c.version,
		Inputs:        intVector(fo.InputsLength(), fo.Inputs),
		Outputs:       intVector(fo.OutputsLength(), fo.Outputs),
		Intermediates: nilIfEmpty(intVector(fo.IntermediatesLength(), fo.Intermediates)),
	}
	if n := fo.MutatingVariableInputsLength(); n > 0 {
		op.MutatingVariableInputs = make([]bool, n)
		for i := range op.MutatingVariableInputs {
			op.MutatingVariableInputs[i] = fo.MutatingVariableInputs(i)
		}
	}
	if off := fo.LargeCustomOptionsOffset(); off > 1 {
		d, err := r.external(off, fo.LargeCustomOptionsSize())
		if err != nil {
			return nil, fmt.Errorf("large custom options: %w", err)
		}
		if d == nil {
			d = []byte{}
		}
		op.CustomOptions = d
	} else if d := fo.CustomOptionsBytes(); d != nil {
		op.CustomOptions = d[:len(d):len(d)]
	}
	opts, err := readOptions(fo)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.Name(), err)
	}
	op.Options = opts
	return op, nil
}

// intVector copies a FlatBuffer int vector (its length and element accessor)
// into ints. The verifier has bounded the length by the file size.
func intVector[T int32 | uint32 | uint16 | uint8](n int, at func(int) T) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = int(at(i))
	}
	return out
}

// vectorOf copies a FlatBuffer vector of n elements, or returns nil when it
// is empty or absent.
func vectorOf[T any](n int, at func(int) T) []T {
	if n == 0 {
		return nil
	}
	out := make([]T, n)
	for i := range out {
		out[i] = at(i)
	}
	return out
}

func nilIfEmpty(v []int) []int {
	if len(v) == 0 {
		return nil
	}
	return v
}
