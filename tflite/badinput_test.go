package tflite

import (
	"encoding/binary"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/liteforge/liteforge/tflite/internal/schema"
)

// Each test below writes a valid hand-made model, corrupts one thing in the
// file, and checks that Read fails with an error naming the item and its
// index. The corruptions go through the generated mutators or, for offsets
// and lengths, straight into the bytes at positions found by walking the
// (still valid) original.

type fileEdit struct {
	buf []byte
	fm  *schema.Model
}

func editAdd(t *testing.T, opts WriteOptions) *fileEdit {
	b := mustWrite(t, addModel(), opts)
	return &fileEdit{buf: b, fm: schema.GetRootAsModel(b, 0)}
}

func (e *fileEdit) graph(i int) *schema.SubGraph {
	var g schema.SubGraph
	e.fm.Subgraphs(&g, i)
	return &g
}

func (e *fileEdit) tensor(gi, ti int) *schema.Tensor {
	var t schema.Tensor
	e.graph(gi).Tensors(&t, ti)
	return &t
}

func (e *fileEdit) op(gi, oi int) *schema.Operator {
	var o schema.Operator
	e.graph(gi).Operators(&o, oi)
	return &o
}

// field is the absolute position of a table field (by slot), which must be
// present.
func field(t *testing.T, tbl flatbuffers.Table, slot int) int {
	t.Helper()
	o := tbl.Offset(flatbuffers.VOffsetT(4 + 2*slot))
	if o == 0 {
		t.Fatalf("field %d absent", slot)
	}
	return int(tbl.Pos) + int(o)
}

func putU32(b []byte, at int, v uint32) { binary.LittleEndian.PutUint32(b[at:], v) }

func mustMutate(t *testing.T, ok bool) {
	t.Helper()
	if !ok {
		t.Fatal("field to corrupt is absent from the file")
	}
}

// wantError reads buf and requires an error containing every fragment.
func wantError(t *testing.T, buf []byte, fragments ...string) {
	t.Helper()
	m, err := Read(buf)
	if err == nil {
		t.Fatalf("Read accepted the corrupt file (%d graphs)", len(m.Graphs))
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

func TestBadTruncated(t *testing.T) {
	full := mustWrite(t, addModel(), WriteOptions{})
	if _, err := Read(full); err != nil {
		t.Fatal(err)
	}
	// Every proper prefix is broken: the writer puts the first-built object
	// (buffer 0) at the very end.
	for n := 0; n < len(full); n++ {
		if _, err := Read(full[:n:n]); err == nil {
			t.Fatalf("Read accepted the first %d of %d bytes", n, len(full))
		}
	}
	wantError(t, full[:5], "5 bytes, too short")
	wantError(t, full[:len(full)-1], "buffers[0]", "outside the file")
}

func TestBadIdentifier(t *testing.T) {
	e := editAdd(t, WriteOptions{})
	copy(e.buf[4:], "TFL2")
	wantError(t, e.buf, `file identifier is "TFL2"`)
}

func TestBadOffsets(t *testing.T) {
	t.Run("root", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		putU32(e.buf, 0, 0xFFFFFF00)
		wantError(t, e.buf, "Model table at offset 4294967040 is outside the file")
	})
	t.Run("vector length", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		at := field(t, e.tensor(0, 0).Table(), 0) // shape
		vec := at + int(binary.LittleEndian.Uint32(e.buf[at:]))
		putU32(e.buf, vec, 0x7FFFFFFF)
		wantError(t, e.buf, "subgraphs[0].tensors[0].shape: vector of 2147483647 elements of 4 bytes", "runs past the end of the file")
	})
	t.Run("string", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		at := field(t, e.tensor(0, 2).Table(), 3) // name
		putU32(e.buf, at, 0x40000000)
		wantError(t, e.buf, "subgraphs[0].tensors[2].name: string at offset", "is outside the file")
	})
	t.Run("vtable", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		tbl := e.op(0, 1).Table()
		putU32(e.buf, int(tbl.Pos), 0x80000000)
		wantError(t, e.buf, "subgraphs[0].operators[1]: Operator table at offset", "has its vtable outside the file")
	})
	t.Run("table claims more than the file", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		tbl := e.tensor(0, 1).Table()
		vt := int(int32(tbl.Pos) - int32(binary.LittleEndian.Uint32(e.buf[tbl.Pos:])))
		binary.LittleEndian.PutUint16(e.buf[vt+2:], 0xFFFF) // object size
		wantError(t, e.buf, "subgraphs[0].tensors[1]: Tensor table at offset", "claims 65535 bytes")
	})
	t.Run("external buffer", func(t *testing.T) {
		e := editAdd(t, WriteOptions{ExternalData: true})
		var b schema.Buffer
		e.fm.Buffers(&b, 1)
		mustMutate(t, b.MutateSize(1<<40))
		wantError(t, e.buf, "buffer 1: data at offset", "with size 1099511627776 lies outside the file")
	})
	t.Run("large custom options", func(t *testing.T) {
		b := mustWrite(t, richModel(), WriteOptions{ExternalData: true})
		e := &fileEdit{buf: b, fm: schema.GetRootAsModel(b, 0)}
		mustMutate(t, e.op(0, 1).MutateLargeCustomOptionsOffset(uint64(len(b))+5))
		wantError(t, e.buf, `subgraph 0 ("main") operator 1: large custom options: data at offset`, "lies outside the file")
	})
	t.Run("union tag", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		mustMutate(t, e.op(0, 0).MutateBuiltinOptionsType(200))
		wantError(t, e.buf, "subgraphs[0].operators[0].builtin_options: unknown BuiltinOptions type 200")
	})
}

func TestBadIndices(t *testing.T) {
	t.Run("tensor", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		mustMutate(t, e.op(0, 0).MutateInputs(1, 99))
		wantError(t, e.buf, `subgraph 0 ("main"): op 0 (ADD): input 1 refers to tensor 99, the subgraph has 5`)
	})
	t.Run("graph input", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		mustMutate(t, e.graph(0).MutateInputs(0, -7))
		wantError(t, e.buf, `subgraph 0 ("main"): input 0 refers to tensor -7`)
	})
	t.Run("buffer", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		mustMutate(t, e.tensor(0, 1).MutateBuffer(99))
		wantError(t, e.buf, `subgraph 0 ("main") tensor 1 ("c"): buffer 99 out of range (the model has 3 buffers)`)
	})
	t.Run("metadata buffer", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		var md schema.Metadata
		e.fm.Metadata(&md, 0)
		mustMutate(t, md.MutateBuffer(1000))
		wantError(t, e.buf, `metadata 0 ("min_runtime_version"): buffer 1000 out of range`)
	})
	t.Run("opcode", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		mustMutate(t, e.op(0, 1).MutateOpcodeIndex(7))
		wantError(t, e.buf, `subgraph 0 ("main") operator 1: opcode index 7 out of range (the model has 2 operator codes)`)
	})
	t.Run("subgraph", func(t *testing.T) {
		b := mustWrite(t, richModel(), WriteOptions{})
		e := &fileEdit{buf: b, fm: schema.GetRootAsModel(b, 0)}
		var tbl flatbuffers.Table
		if !e.op(0, 2).BuiltinOptions(&tbl) {
			t.Fatal("CALL has no options")
		}
		var call schema.CallOptions
		call.Init(tbl.Bytes, tbl.Pos)
		mustMutate(t, call.MutateSubgraph(9))
		wantError(t, e.buf, `subgraph 0 ("main"): op 2 (CALL): refers to subgraph 9, the model has 2`)
	})
	t.Run("signature tensor", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		var sd schema.SignatureDef
		var tm schema.TensorMap
		e.fm.SignatureDefs(&sd, 0)
		sd.Outputs(&tm, 0)
		mustMutate(t, tm.MutateTensorIndex(40))
		wantError(t, e.buf, `signature 0 ("serving_default"): "y" refers to tensor 40, subgraph 0 has 5`)
	})
}

func TestBadShapes(t *testing.T) {
	t.Run("negative dimension", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		mustMutate(t, e.tensor(0, 2).MutateShape(1, -4))
		wantError(t, e.buf, `subgraph 0 ("main") tensor 2 ("a"): dimension 1 of shape [1 -4] is negative`)
	})
	t.Run("element count overflow", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		tt := e.tensor(0, 0)
		mustMutate(t, tt.MutateShape(0, 1<<30))
		mustMutate(t, tt.MutateShape(1, 1<<30))
		wantError(t, e.buf, `subgraph 0 ("main") tensor 0 ("x"): shape [1073741824 1073741824] has too many elements`)
	})
	t.Run("buffer too small", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		mustMutate(t, e.tensor(0, 1).MutateShape(1, 8))
		wantError(t, e.buf, `subgraph 0 ("main") tensor 1 ("c"): buffer 1 has 16 bytes, shape [1,8] float32 needs 32`)
	})
}

func TestBadGraph(t *testing.T) {
	t.Run("cycle", func(t *testing.T) {
		// ADD now reads y, which MUL computes from ADD's output.
		e := editAdd(t, WriteOptions{})
		mustMutate(t, e.op(0, 0).MutateInputs(0, 3))
		wantError(t, e.buf, `subgraph 0 ("main")`, "cycle through op")
	})
	t.Run("input nothing produces", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		mustMutate(t, e.op(0, 1).MutateInputs(1, 4))
		wantError(t, e.buf, `op 1 (MUL): input 1 reads tensor 4 ("orphan"), which no op produces`)
	})
	t.Run("operator version", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		var oc schema.OperatorCode
		e.fm.OperatorCodes(&oc, 1) // MUL, version 2
		mustMutate(t, oc.MutateVersion(0))
		wantError(t, e.buf, "operator code 1 (MUL): version 0")
	})
	t.Run("schema version", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		mustMutate(t, e.fm.MutateVersion(2))
		wantError(t, e.buf, "schema version 2, not 3")
	})
	t.Run("unknown builtin code", func(t *testing.T) {
		e := editAdd(t, WriteOptions{})
		var oc schema.OperatorCode
		e.fm.OperatorCodes(&oc, 1)
		mustMutate(t, oc.MutateBuiltinCode(250))
		wantError(t, e.buf, "operator code 1: unknown builtin code 250")
	})
}

// TestBadSharedObjects builds a file whose 4000 tensor entries all point at
// one tensor with a 1000-element shape: small on disk, but decoding it would
// copy 4 million dimensions. The verifier's budget refuses it.
func TestBadSharedObjects(t *testing.T) {
	b := flatbuffers.NewBuilder(0)
	const entries, rank = 4000, 1000
	schema.TensorStartShapeVector(b, rank)
	for i := 0; i < rank; i++ {
		b.PrependInt32(1)
	}
	shape := b.EndVector(rank)
	schema.TensorStart(b)
	schema.TensorAddShape(b, shape)
	tensor := schema.TensorEnd(b)
	schema.SubGraphStartTensorsVector(b, entries)
	for i := 0; i < entries; i++ {
		b.PrependUOffsetT(tensor)
	}
	tensors := b.EndVector(entries)
	schema.SubGraphStart(b)
	schema.SubGraphAddTensors(b, tensors)
	sg := schema.SubGraphEnd(b)
	schema.ModelStartSubgraphsVector(b, 1)
	b.PrependUOffsetT(sg)
	sgs := b.EndVector(1)
	schema.ModelStart(b)
	schema.ModelAddSubgraphs(b, sgs)
	b.FinishWithFileIdentifier(schema.ModelEnd(b), []byte("TFL3"))
	buf := b.FinishedBytes()
	if len(buf) > 32<<10 {
		t.Fatalf("file is %d bytes, meant to be small", len(buf))
	}
	wantError(t, buf, "subgraphs[0].tensors[", "refers to more data than it holds")
}
