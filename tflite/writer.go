package tflite

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math"
	"os"
	"path/filepath"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite/internal/schema"
)

// WriteOptions control the layout of a written file.
type WriteOptions struct {
	// ExternalData stores constant data and custom options after the
	// FlatBuffer, referenced by offset and size from the start of the file:
	// the form TFLite uses for models past the 2 GiB FlatBuffer limit. Write
	// switches to it by itself when the model would not fit in a FlatBuffer;
	// setting it forces it.
	ExternalData bool
}

// dataAlign is the alignment of constant data in the file, TFLite's
// force_align for buffers, so that the data can be used in place.
const dataAlign = 16

// maxFlatBuffer is where Write switches to external data: a FlatBuffer's
// 32-bit offsets reach 2 GiB, and the margin covers what the estimate of the
// non-data part misses.
const maxFlatBuffer = 1<<31 - 1<<26

// Write encodes m as a TFLite file. Identical constant data is stored once;
// buffer 0 is the empty buffer; constant data is 16-byte aligned.
func Write(m *ir.Model) ([]byte, error) { return WriteWithOptions(m, WriteOptions{}) }

// WriteWithOptions is Write with control over the layout.
func WriteWithOptions(m *ir.Model, opts WriteOptions) (out []byte, err error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("tflite: cannot write an invalid model: %w", err)
	}
	w := &writer{m: m, external: opts.ExternalData, seed: maphash.MakeSeed(), dedupe: map[uint64][]int{}}
	defer func() {
		// The FlatBuffers builder panics when asked for more than 2 GiB.
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("tflite: writing %s: %v", w.where, p)
		}
	}()
	out, err = w.write()
	if err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	return out, nil
}

// WriteFile writes m to path through a temporary file in the same directory
// that is renamed into place, so path never holds a half-written model.
func WriteFile(path string, m *ir.Model) error {
	data, err := Write(m)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

type opKey struct {
	typ     ir.OpType
	custom  string
	version int
}

type writer struct {
	m        *ir.Model
	b        *flatbuffers.Builder
	e        encoder
	external bool
	where    string

	buffers [][]byte // index 0 is the empty buffer
	seed    maphash.Seed
	dedupe  map[uint64][]int

	codes     []opKey
	codeIndex map[opKey]int

	// bufferOf maps each constant tensor to its buffer, per graph.
	bufferOf [][]int
	metaBuf  []int
	// largeCustom lists the custom options stored externally, in the order
	// of the operators that own them.
	largeCustom []largeCustom
}

type largeCustom struct {
	graph, op int
	data      []byte
}

func (w *writer) intern(d []byte) int {
	h := maphash.Bytes(w.seed, d)
	for _, i := range w.dedupe[h] {
		if bytes.Equal(w.buffers[i], d) {
			return i
		}
	}
	w.buffers = append(w.buffers, d)
	i := len(w.buffers) - 1
	w.dedupe[h] = append(w.dedupe[h], i)
	return i
}

func (w *writer) write() ([]byte, error) {
	m := w.m
	w.buffers = [][]byte{nil}
	w.codeIndex = map[opKey]int{}
	estimate := 1 << 16
	for _, g := range m.Graphs {
		idx := make([]int, len(g.Tensors))
		for ti, t := range g.Tensors {
			if t.Data != nil {
				idx[ti] = w.intern(t.Data)
			}
			estimate += 128 + len(t.Name) + 8*len(t.Shape)
			if t.Quant != nil {
				estimate += 64 + 8*len(t.Quant.Scale) + 8*len(t.Quant.ZeroPoint) + len(t.Quant.Custom)
			}
		}
		w.bufferOf = append(w.bufferOf, idx)
		for _, op := range g.Ops {
			k := opCodeKey(op)
			if _, ok := w.codeIndex[k]; !ok {
				w.codeIndex[k] = len(w.codes)
				w.codes = append(w.codes, k)
			}
			estimate += 128 + 4*(len(op.Inputs)+len(op.Outputs)) + len(op.CustomOptions)
		}
	}
	for _, md := range m.Metadata {
		w.metaBuf = append(w.metaBuf, w.intern(md.Data))
	}
	dataBytes := 0
	for _, d := range w.buffers {
		dataBytes += len(d) + dataAlign + 32
	}
	if estimate+dataBytes > maxFlatBuffer {
		w.external = true
	}
	if !w.external {
		estimate += dataBytes
	}
	w.b = flatbuffers.NewBuilder(min(estimate, maxFlatBuffer))
	b := w.b

	// Buffers go first so that the bulky data ends up at the end of the file.
	w.where = "buffers"
	bufs := make([]flatbuffers.UOffsetT, len(w.buffers))
	for i, d := range w.buffers {
		var data flatbuffers.UOffsetT
		if len(d) > 0 && !w.external {
			data = w.alignedBytes(d, dataAlign)
		}
		schema.BufferStart(b)
		if len(d) > 0 {
			if w.external {
				// A placeholder that the real offset replaces once the
				// FlatBuffer's size is known (any value > 1 is stored).
				schema.BufferAddOffset(b, 2)
				schema.BufferAddSize(b, uint64(len(d)))
			} else {
				schema.BufferAddData(b, data)
			}
		}
		bufs[i] = schema.BufferEnd(b)
	}
	buffers := w.tableVector(bufs)

	w.where = "operator codes"
	codes := make([]flatbuffers.UOffsetT, len(w.codes))
	for i, k := range w.codes {
		var custom flatbuffers.UOffsetT
		if k.typ == ir.Custom {
			custom = b.CreateString(k.custom)
		}
		schema.OperatorCodeStart(b)
		// Readers older than builtin_code look only at the byte-wide field,
		// which says "look further" (127) for codes that do not fit.
		schema.OperatorCodeAddDeprecatedBuiltinCode(b, int8(min(int(k.typ), int(ir.PlaceholderForGreaterOpCodes))))
		schema.OperatorCodeAddBuiltinCode(b, schema.BuiltinOperator(k.typ))
		if k.typ == ir.Custom {
			schema.OperatorCodeAddCustomCode(b, custom)
		}
		schema.OperatorCodeAddVersion(b, w.e.i32(k.version, "operator version"))
		codes[i] = schema.OperatorCodeEnd(b)
	}
	opCodes := w.tableVector(codes)

	graphs := make([]flatbuffers.UOffsetT, len(m.Graphs))
	for gi, g := range m.Graphs {
		off, err := w.graph(gi, g)
		if err != nil {
			return nil, err
		}
		graphs[gi] = off
	}
	subgraphs := w.tableVector(graphs)

	w.where = "metadata"
	var metadata flatbuffers.UOffsetT
	if len(m.Metadata) > 0 {
		mds := make([]flatbuffers.UOffsetT, len(m.Metadata))
		for i, md := range m.Metadata {
			name := b.CreateString(md.Name)
			schema.MetadataStart(b)
			schema.MetadataAddName(b, name)
			schema.MetadataAddBuffer(b, uint32(w.metaBuf[i]))
			mds[i] = schema.MetadataEnd(b)
		}
		metadata = w.tableVector(mds)
	}

	w.where = "signature defs"
	var signatures flatbuffers.UOffsetT
	if len(m.SignatureDefs) > 0 {
		sigs := make([]flatbuffers.UOffsetT, len(m.SignatureDefs))
		for i, s := range m.SignatureDefs {
			ins, outs := w.tensorMaps(s.Inputs), w.tensorMaps(s.Outputs)
			key := b.CreateString(s.Key)
			schema.SignatureDefStart(b)
			schema.SignatureDefAddInputs(b, ins)
			schema.SignatureDefAddOutputs(b, outs)
			schema.SignatureDefAddSignatureKey(b, key)
			schema.SignatureDefAddSubgraphIndex(b, w.e.u32(s.Graph, "signature subgraph"))
			sigs[i] = schema.SignatureDefEnd(b)
		}
		signatures = w.tableVector(sigs)
	}

	w.where = "model"
	var desc flatbuffers.UOffsetT
	if m.Description != "" {
		desc = b.CreateString(m.Description)
	}
	schema.ModelStart(b)
	version := m.Version
	if version == 0 {
		version = schemaVersion
	}
	schema.ModelAddVersion(b, version)
	schema.ModelAddOperatorCodes(b, opCodes)
	schema.ModelAddSubgraphs(b, subgraphs)
	if desc != 0 {
		schema.ModelAddDescription(b, desc)
	}
	schema.ModelAddBuffers(b, buffers)
	if metadata != 0 {
		schema.ModelAddMetadata(b, metadata)
	}
	if signatures != 0 {
		schema.ModelAddSignatureDefs(b, signatures)
	}
	root := schema.ModelEnd(b)
	if w.e.err != nil {
		return nil, w.e.err
	}
	b.FinishWithFileIdentifier(root, []byte(schema.Identifier))
	fb := b.FinishedBytes()
	if !w.external {
		return fb, nil
	}
	return w.appendExternal(fb), nil
}

// appendExternal lays out the external data after the FlatBuffer, patches
// the placeholder offsets, and returns the whole file.
func (w *writer) appendExternal(fb []byte) []byte {
	align := func(n int) int { return (n + dataAlign - 1) / dataAlign * dataAlign }
	end := align(len(fb))
	bufOff := make([]int, len(w.buffers))
	for i, d := range w.buffers {
		if len(d) > 0 {
			bufOff[i] = end
			end = align(end + len(d))
		}
	}
	customOff := make([]int, len(w.largeCustom))
	for i, c := range w.largeCustom {
		customOff[i] = end
		end = align(end + len(c.data))
	}
	out := make([]byte, end)
	copy(out, fb)
	fm := schema.GetRootAsModel(out, 0)
	var buf schema.Buffer
	for i, d := range w.buffers {
		if len(d) > 0 {
			fm.Buffers(&buf, i)
			buf.MutateOffset(uint64(bufOff[i]))
			copy(out[bufOff[i]:], d)
		}
	}
	var sg schema.SubGraph
	var op schema.Operator
	for i, c := range w.largeCustom {
		fm.Subgraphs(&sg, c.graph)
		sg.Operators(&op, c.op)
		op.MutateLargeCustomOptionsOffset(uint64(customOff[i]))
		copy(out[customOff[i]:], c.data)
	}
	return out
}

func (w *writer) graph(gi int, g *ir.Graph) (flatbuffers.UOffsetT, error) {
	b := w.b
	tensors := make([]flatbuffers.UOffsetT, len(g.Tensors))
	for ti, t := range g.Tensors {
		w.where = fmt.Sprintf("subgraph %d tensor %d", gi, ti)
		tensors[ti] = w.tensor(t, w.bufferOf[gi][ti])
		if w.e.err != nil {
			return 0, fmt.Errorf("subgraph %d tensor %d (%q): %w", gi, ti, t.Name, w.e.err)
		}
	}
	tensorVec := w.tableVector(tensors)
	ops := make([]flatbuffers.UOffsetT, len(g.Ops))
	for oi, op := range g.Ops {
		w.where = fmt.Sprintf("subgraph %d operator %d", gi, oi)
		ops[oi] = w.op(gi, oi, op)
		if w.e.err != nil {
			return 0, fmt.Errorf("subgraph %d operator %d (%s): %w", gi, oi, op.Name(), w.e.err)
		}
	}
	opVec := w.tableVector(ops)
	inputs := w.int32s(g.Inputs, "graph input")
	outputs := w.int32s(g.Outputs, "graph output")
	var name flatbuffers.UOffsetT
	if g.Name != "" {
		name = b.CreateString(g.Name)
	}
	schema.SubGraphStart(b)
	schema.SubGraphAddTensors(b, tensorVec)
	schema.SubGraphAddInputs(b, inputs)
	schema.SubGraphAddOutputs(b, outputs)
	schema.SubGraphAddOperators(b, opVec)
	if name != 0 {
		schema.SubGraphAddName(b, name)
	}
	return schema.SubGraphEnd(b), nil
}

func (w *writer) tensor(t *ir.Tensor, buffer int) flatbuffers.UOffsetT {
	b := w.b
	shape := w.int32s(t.Shape, "dimension")
	var sig flatbuffers.UOffsetT
	if t.ShapeSignature != nil {
		sig = w.int32s(t.ShapeSignature, "shape signature dimension")
	}
	name := b.CreateString(t.Name)
	var quant, sparsity, variants flatbuffers.UOffsetT
	if t.Quant != nil {
		quant = w.quant(t.Quant)
	}
	if t.Sparsity != nil {
		sparsity = w.sparsity(t.Sparsity)
	}
	if len(t.VariantSubtypes) > 0 {
		vs := make([]flatbuffers.UOffsetT, len(t.VariantSubtypes))
		for i, v := range t.VariantSubtypes {
			s := w.int32s(v.Shape, "variant dimension")
			schema.VariantSubTypeStart(b)
			schema.VariantSubTypeAddShape(b, s)
			schema.VariantSubTypeAddType(b, schema.TensorType(v.Type))
			schema.VariantSubTypeAddHasRank(b, v.HasRank)
			vs[i] = schema.VariantSubTypeEnd(b)
		}
		variants = w.tableVector(vs)
	}
	schema.TensorStart(b)
	schema.TensorAddShape(b, shape)
	schema.TensorAddType(b, schema.TensorType(t.Type))
	schema.TensorAddBuffer(b, uint32(buffer))
	schema.TensorAddName(b, name)
	if quant != 0 {
		schema.TensorAddQuantization(b, quant)
	}
	schema.TensorAddIsVariable(b, t.IsVariable)
	if sparsity != 0 {
		schema.TensorAddSparsity(b, sparsity)
	}
	if sig != 0 {
		schema.TensorAddShapeSignature(b, sig)
	}
	schema.TensorAddHasRank(b, t.HasRank)
	if variants != 0 {
		schema.TensorAddVariantTensors(b, variants)
	}
	return schema.TensorEnd(b)
}

func (w *writer) quant(q *ir.Quantization) flatbuffers.UOffsetT {
	b := w.b
	floats := func(v []float32) flatbuffers.UOffsetT {
		if len(v) == 0 {
			return 0
		}
		b.StartVector(4, len(v), 4)
		for i := len(v) - 1; i >= 0; i-- {
			b.PrependFloat32(v[i])
		}
		return b.EndVector(len(v))
	}
	minV, maxV, scale := floats(q.Min), floats(q.Max), floats(q.Scale)
	var zp flatbuffers.UOffsetT
	if len(q.ZeroPoint) > 0 {
		b.StartVector(8, len(q.ZeroPoint), 8)
		for i := len(q.ZeroPoint) - 1; i >= 0; i-- {
			b.PrependInt64(q.ZeroPoint[i])
		}
		zp = b.EndVector(len(q.ZeroPoint))
	}
	var custom flatbuffers.UOffsetT
	if q.Custom != nil {
		data := w.alignedBytes(q.Custom, 16)
		schema.CustomQuantizationStart(b)
		schema.CustomQuantizationAddCustom(b, data)
		custom = schema.CustomQuantizationEnd(b)
	}
	schema.QuantizationParametersStart(b)
	if minV != 0 {
		schema.QuantizationParametersAddMin(b, minV)
	}
	if maxV != 0 {
		schema.QuantizationParametersAddMax(b, maxV)
	}
	if scale != 0 {
		schema.QuantizationParametersAddScale(b, scale)
	}
	if zp != 0 {
		schema.QuantizationParametersAddZeroPoint(b, zp)
	}
	if custom != 0 {
		schema.QuantizationParametersAddDetailsType(b, schema.QuantizationDetailsCustomQuantization)
		schema.QuantizationParametersAddDetails(b, custom)
	}
	schema.QuantizationParametersAddQuantizedDimension(b, w.e.i32(q.Axis, "quantized dimension"))
	return schema.QuantizationParametersEnd(b)
}

func (w *writer) sparsity(s *ir.Sparsity) flatbuffers.UOffsetT {
	b := w.b
	order := w.int32s(s.TraversalOrder, "traversal order")
	var blockMap flatbuffers.UOffsetT
	if len(s.BlockMap) > 0 {
		blockMap = w.int32s(s.BlockMap, "block map")
	}
	dims := make([]flatbuffers.UOffsetT, len(s.Dims))
	for i, d := range s.Dims {
		seg := w.indexVector(d.SegmentsType, d.Segments)
		idx := w.indexVector(d.IndicesType, d.Indices)
		schema.DimensionMetadataStart(b)
		schema.DimensionMetadataAddFormat(b, schema.DimensionType(d.Format))
		schema.DimensionMetadataAddDenseSize(b, w.e.i32(d.DenseSize, "dense size"))
		if seg != 0 {
			schema.DimensionMetadataAddArraySegmentsType(b, schema.SparseIndexVector(d.SegmentsType))
			schema.DimensionMetadataAddArraySegments(b, seg)
		}
		if idx != 0 {
			schema.DimensionMetadataAddArrayIndicesType(b, schema.SparseIndexVector(d.IndicesType))
			schema.DimensionMetadataAddArrayIndices(b, idx)
		}
		dims[i] = schema.DimensionMetadataEnd(b)
	}
	dimVec := w.tableVector(dims)
	schema.SparsityParametersStart(b)
	schema.SparsityParametersAddTraversalOrder(b, order)
	if blockMap != 0 {
		schema.SparsityParametersAddBlockMap(b, blockMap)
	}
	schema.SparsityParametersAddDimMetadata(b, dimVec)
	return schema.SparsityParametersEnd(b)
}

// indexVector writes a sparse dimension's segments or indices in the element
// type the model asks for, or nothing for IndexNone.
func (w *writer) indexVector(t ir.IndexVectorType, v []int) flatbuffers.UOffsetT {
	b := w.b
	switch t {
	case ir.IndexInt32:
		vec := w.int32s(v, "sparse index")
		schema.Int32VectorStart(b)
		schema.Int32VectorAddValues(b, vec)
		return schema.Int32VectorEnd(b)
	case ir.IndexUint16:
		vec := w.narrowVector(v, 2, math.MaxUint16, func(x int) { b.PrependUint16(uint16(x)) })
		schema.Uint16VectorStart(b)
		schema.Uint16VectorAddValues(b, vec)
		return schema.Uint16VectorEnd(b)
	case ir.IndexUint8:
		vec := w.narrowVector(v, 1, math.MaxUint8, func(x int) { b.PrependByte(byte(x)) })
		schema.Uint8VectorStart(b)
		schema.Uint8VectorAddValues(b, vec)
		return schema.Uint8VectorEnd(b)
	case ir.IndexNone:
		return 0
	}
	w.fail("unknown sparse index vector type %d", t)
	return 0
}

// narrowVector writes sparse indices as unsigned elements of size bytes
// (aligned to 4, as the schema asks), failing on values that do not fit.
func (w *writer) narrowVector(v []int, size, maxValue int, prepend func(int)) flatbuffers.UOffsetT {
	w.b.StartVector(size, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		if v[i] < 0 || v[i] > maxValue {
			w.fail("sparse index %d does not fit in %d bytes", v[i], size)
		}
		prepend(v[i])
	}
	return w.b.EndVector(len(v))
}

// opCodeKey is the operator code op is written with. Its version is at least
// the lowest TFLite registers: BROADCAST_TO starts at 2 (its version 1 was
// rolled back when the op changed code), and TFLite refuses a model that
// asks for BROADCAST_TO version 1.
func opCodeKey(op *ir.Op) opKey {
	k := opKey{op.Type, op.Custom, max(op.Version, 1)}
	if op.Type == ir.BroadcastTo {
		k.version = max(k.version, 2)
	}
	if op.Type != ir.Custom {
		k.custom = ""
	}
	return k
}

func (w *writer) op(gi, oi int, op *ir.Op) flatbuffers.UOffsetT {
	b := w.b
	k := opCodeKey(op)
	inputs := w.int32s(op.Inputs, "input")
	outputs := w.int32s(op.Outputs, "output")
	var intermediates, mutating, custom flatbuffers.UOffsetT
	if len(op.Intermediates) > 0 {
		intermediates = w.int32s(op.Intermediates, "intermediate")
	}
	if len(op.MutatingVariableInputs) > 0 {
		v := op.MutatingVariableInputs
		b.StartVector(1, len(v), 1)
		for i := len(v) - 1; i >= 0; i-- {
			b.PrependBool(v[i])
		}
		mutating = b.EndVector(len(v))
	}
	externalCustom := w.external && len(op.CustomOptions) > 0
	if externalCustom {
		w.largeCustom = append(w.largeCustom, largeCustom{gi, oi, op.CustomOptions})
	} else if op.CustomOptions != nil {
		custom = b.CreateByteVector(op.CustomOptions)
	}
	u1, u2 := optionsTable(op, &w.e)
	var opts1, opts2 flatbuffers.UOffsetT
	if u1 != nil {
		opts1 = w.optionTable(u1.Value, func() flatbuffers.UOffsetT { return u1.Pack(b) })
	}
	if u2 != nil {
		opts2 = w.optionTable(u2.Value, func() flatbuffers.UOffsetT { return u2.Pack(b) })
	}
	schema.OperatorStart(b)
	schema.OperatorAddOpcodeIndex(b, uint32(w.codeIndex[k]))
	schema.OperatorAddInputs(b, inputs)
	schema.OperatorAddOutputs(b, outputs)
	if u1 != nil {
		schema.OperatorAddBuiltinOptionsType(b, u1.Type)
		schema.OperatorAddBuiltinOptions(b, opts1)
	}
	if custom != 0 {
		schema.OperatorAddCustomOptions(b, custom)
	}
	if mutating != 0 {
		schema.OperatorAddMutatingVariableInputs(b, mutating)
	}
	if intermediates != 0 {
		schema.OperatorAddIntermediates(b, intermediates)
	}
	if externalCustom {
		schema.OperatorAddLargeCustomOptionsOffset(b, 2) // placeholder, see appendExternal
		schema.OperatorAddLargeCustomOptionsSize(b, uint64(len(op.CustomOptions)))
	}
	if u2 != nil {
		schema.OperatorAddBuiltinOptions2Type(b, u2.Type)
		schema.OperatorAddBuiltinOptions2(b, opts2)
	}
	return schema.OperatorEnd(b)
}

// optionTable packs an option union's value; a nil value is an empty table.
func (w *writer) optionTable(v any, pack func() flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	if v == nil {
		w.b.StartObject(0)
		return w.b.EndObject()
	}
	return pack()
}

func (w *writer) tensorMaps(list []ir.SignatureTensor) flatbuffers.UOffsetT {
	b := w.b
	offs := make([]flatbuffers.UOffsetT, len(list))
	for i, st := range list {
		name := b.CreateString(st.Name)
		schema.TensorMapStart(b)
		schema.TensorMapAddName(b, name)
		schema.TensorMapAddTensorIndex(b, w.e.u32(st.Tensor, "signature tensor"))
		offs[i] = schema.TensorMapEnd(b)
	}
	return w.tableVector(offs)
}

func (w *writer) fail(format string, a ...any) {
	if w.e.err == nil {
		w.e.err = fmt.Errorf(format, a...)
	}
}

func (w *writer) int32s(v []int, what string) flatbuffers.UOffsetT {
	b := w.b
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(w.e.i32(v[i], what))
	}
	return b.EndVector(len(v))
}

func (w *writer) tableVector(offs []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b := w.b
	b.StartVector(4, len(offs), 4)
	for i := len(offs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(offs[i])
	}
	return b.EndVector(len(offs))
}

// alignedBytes writes a byte vector whose first element is aligned to align
// bytes from the end of the buffer, which the final padding of the builder
// (to its largest alignment) turns into alignment from the start.
func (w *writer) alignedBytes(d []byte, align int) flatbuffers.UOffsetT {
	w.b.Prep(align, len(d))
	return w.b.CreateByteVector(d)
}
