package onnx

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The ONNX messages liteforge reads, decoded straight from the wire format
// with protowire: no generated code, and every length checked against the
// bytes at hand, so a hostile file costs at most what its size justifies.
// Field numbers are those of ONNX's onnx.proto (IR versions 3 to 10).

// ModelProto is an ONNX model: its operator sets and its main graph.
type ModelProto struct {
	IRVersion       int64
	Opsets          []OpsetID
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	DocString       string
	Graph           *GraphProto
	Metadata        []StringPair
	NumFunctions    int // model-local functions (not supported)
}

// OpsetID names an operator set and its version ("" is the default ONNX domain).
type OpsetID struct {
	Domain  string
	Version int64
}

// StringPair is ONNX's StringStringEntryProto.
type StringPair struct{ Key, Value string }

// GraphProto is a graph: nodes in topological order, constant initializers,
// and typed inputs, outputs and intermediate values.
type GraphProto struct {
	Name               string
	Nodes              []*NodeProto
	Initializers       []*TensorProto
	NumSparse          int // sparse initializers (not supported)
	Inputs             []*ValueInfoProto
	Outputs            []*ValueInfoProto
	ValueInfo          []*ValueInfoProto
	QuantizationAnnots int
}

// NodeProto is one operator application.
type NodeProto struct {
	Name    string
	OpType  string
	Domain  string
	Inputs  []string // "" marks an absent optional input
	Outputs []string
	Attrs   []*AttributeProto
}

// AttrType is the kind of value an attribute holds (AttributeProto.AttributeType).
type AttrType int32

const (
	AttrUndefined    AttrType = 0
	AttrFloat        AttrType = 1
	AttrInt          AttrType = 2
	AttrString       AttrType = 3
	AttrTensor       AttrType = 4
	AttrGraph        AttrType = 5
	AttrFloats       AttrType = 6
	AttrInts         AttrType = 7
	AttrStrings      AttrType = 8
	AttrTensors      AttrType = 9
	AttrGraphs       AttrType = 10
	AttrSparseTensor AttrType = 11
	AttrTypeProto    AttrType = 13
)

func (t AttrType) String() string {
	names := map[AttrType]string{AttrFloat: "float", AttrInt: "int", AttrString: "string", AttrTensor: "tensor",
		AttrGraph: "graph", AttrFloats: "floats", AttrInts: "ints", AttrStrings: "strings", AttrTensors: "tensors",
		AttrGraphs: "graphs", AttrSparseTensor: "sparse tensor", AttrTypeProto: "type proto"}
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("attribute type %d", int32(t))
}

// AttributeProto is a named attribute of a node.
type AttributeProto struct {
	Name        string
	RefAttrName string
	Type        AttrType
	F           float32
	I           int64
	S           []byte
	T           *TensorProto
	G           *GraphProto
	Floats      []float32
	Ints        []int64
	Strings     [][]byte
	Tensors     []*TensorProto
	Graphs      []*GraphProto
	// present records which value fields the attribute carried, for files
	// (IR version 1) that leave Type unset.
	present uint32
}

// TensorProto is a serialized tensor: a constant's type, dimensions and
// elements, held in one of several fields or in an external file.
type TensorProto struct {
	Name         string
	Dims         []int64
	DataType     int32
	HasSegment   bool
	FloatData    []float32
	Int32Data    []int32
	StringData   [][]byte
	Int64Data    []int64
	RawData      []byte
	HasRawData   bool
	DoubleData   []float64
	Uint64Data   []uint64
	ExternalData []StringPair
	DataLocation int32 // 0 default, 1 external
}

// ValueInfoProto names a value and gives its type.
type ValueInfoProto struct {
	Name string
	Type *TypeProto
}

// TypeProto is a value's type; liteforge reads only dense tensor types.
type TypeProto struct {
	// Kind is "tensor", or the kind of a type liteforge does not read
	// ("sequence", "map", "optional", "sparse_tensor").
	Kind     string
	ElemType int32
	// Shape is nil when the rank is unknown.
	Shape []Dim
}

// Dim is one dimension of a tensor type: a size, a symbolic name, or unknown.
type Dim struct {
	Value    int64
	Param    string
	HasValue bool
}

// maxDepth bounds the nesting of graphs inside attributes, so a malicious
// file cannot exhaust the stack.
const maxDepth = 32

// DecodeModel parses a serialized ModelProto.
func DecodeModel(b []byte) (*ModelProto, error) {
	m := &ModelProto{}
	err := walk(b, "model", func(d *fieldReader) error {
		switch d.num {
		case 1:
			return d.int64(&m.IRVersion)
		case 2:
			return d.string(&m.ProducerName)
		case 3:
			return d.string(&m.ProducerVersion)
		case 4:
			return d.string(&m.Domain)
		case 5:
			return d.int64(&m.ModelVersion)
		case 6:
			return d.string(&m.DocString)
		case 7:
			return d.message(func(b []byte, path string) error {
				g, err := decodeGraph(b, path, 0)
				m.Graph = g
				return err
			})
		case 8:
			return d.message(func(b []byte, path string) error {
				var o OpsetID
				err := walk(b, path, func(d *fieldReader) error {
					switch d.num {
					case 1:
						return d.string(&o.Domain)
					case 2:
						return d.int64(&o.Version)
					}
					return d.skip()
				})
				m.Opsets = append(m.Opsets, o)
				return err
			})
		case 14:
			return d.message(func(b []byte, path string) error {
				p, err := decodePair(b, path)
				m.Metadata = append(m.Metadata, p)
				return err
			})
		case 25:
			m.NumFunctions++
			return d.skip()
		}
		return d.skip()
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeTensor parses a serialized TensorProto (the format of the ONNX test
// suite's input_*.pb and output_*.pb files).
func DecodeTensor(b []byte) (*TensorProto, error) { return decodeTensor(b, "tensor") }

func decodePair(b []byte, path string) (StringPair, error) {
	var p StringPair
	err := walk(b, path, func(d *fieldReader) error {
		switch d.num {
		case 1:
			return d.string(&p.Key)
		case 2:
			return d.string(&p.Value)
		}
		return d.skip()
	})
	return p, err
}

func decodeGraph(b []byte, path string, depth int) (*GraphProto, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("onnx: %s: graphs nested more than %d deep", path, maxDepth)
	}
	g := &GraphProto{}
	err := walk(b, path, func(d *fieldReader) error {
		switch d.num {
		case 1:
			return d.message(func(b []byte, path string) error {
				n, err := decodeNode(b, path, depth)
				g.Nodes = append(g.Nodes, n)
				return err
			})
		case 2:
			return d.string(&g.Name)
		case 5:
			return d.message(func(b []byte, path string) error {
				t, err := decodeTensor(b, path)
				g.Initializers = append(g.Initializers, t)
				return err
			})
		case 11, 12, 13:
			list := map[protowire.Number]*[]*ValueInfoProto{11: &g.Inputs, 12: &g.Outputs, 13: &g.ValueInfo}[d.num]
			return d.message(func(b []byte, path string) error {
				v, err := decodeValueInfo(b, path)
				*list = append(*list, v)
				return err
			})
		case 14:
			g.QuantizationAnnots++
		case 15:
			g.NumSparse++
		}
		return d.skip()
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

func decodeNode(b []byte, path string, depth int) (*NodeProto, error) {
	n := &NodeProto{}
	err := walk(b, path, func(d *fieldReader) error {
		switch d.num {
		case 1:
			var s string
			err := d.string(&s)
			n.Inputs = append(n.Inputs, s)
			return err
		case 2:
			var s string
			err := d.string(&s)
			n.Outputs = append(n.Outputs, s)
			return err
		case 3:
			return d.string(&n.Name)
		case 4:
			return d.string(&n.OpType)
		case 5:
			return d.message(func(b []byte, path string) error {
				a, err := decodeAttribute(b, path, depth)
				n.Attrs = append(n.Attrs, a)
				return err
			})
		case 7:
			return d.string(&n.Domain)
		}
		return d.skip()
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

func decodeAttribute(b []byte, path string, depth int) (*AttributeProto, error) {
	a := &AttributeProto{}
	err := walk(b, path, func(d *fieldReader) error {
		if d.num < 32 {
			a.present |= 1 << uint(d.num)
		}
		switch d.num {
		case 1:
			return d.string(&a.Name)
		case 2:
			return d.float32(&a.F)
		case 3:
			return d.int64(&a.I)
		case 4:
			return d.bytes(&a.S)
		case 5:
			return d.message(func(b []byte, path string) error {
				t, err := decodeTensor(b, path)
				a.T = t
				return err
			})
		case 6:
			return d.message(func(b []byte, path string) error {
				g, err := decodeGraph(b, path, depth+1)
				a.G = g
				return err
			})
		case 7:
			return d.floats32(&a.Floats)
		case 8:
			return d.int64s(&a.Ints)
		case 9:
			var s []byte
			err := d.bytes(&s)
			a.Strings = append(a.Strings, s)
			return err
		case 10:
			return d.message(func(b []byte, path string) error {
				t, err := decodeTensor(b, path)
				a.Tensors = append(a.Tensors, t)
				return err
			})
		case 11:
			return d.message(func(b []byte, path string) error {
				g, err := decodeGraph(b, path, depth+1)
				a.Graphs = append(a.Graphs, g)
				return err
			})
		case 20:
			var t int64
			err := d.int64(&t)
			a.Type = AttrType(t)
			return err
		case 21:
			return d.string(&a.RefAttrName)
		}
		return d.skip()
	})
	if err != nil {
		return nil, err
	}
	if a.Type == AttrUndefined {
		a.Type = a.inferType()
	}
	return a, nil
}

// inferType guesses an untyped attribute's kind from the field it carries
// (IR version 1 files).
func (a *AttributeProto) inferType() AttrType {
	for _, c := range []struct {
		field int
		t     AttrType
	}{{2, AttrFloat}, {3, AttrInt}, {4, AttrString}, {5, AttrTensor}, {6, AttrGraph},
		{7, AttrFloats}, {8, AttrInts}, {9, AttrStrings}, {10, AttrTensors}, {11, AttrGraphs}} {
		if a.present&(1<<uint(c.field)) != 0 {
			return c.t
		}
	}
	return AttrUndefined
}

func decodeTensor(b []byte, path string) (*TensorProto, error) {
	t := &TensorProto{}
	err := walk(b, path, func(d *fieldReader) error {
		switch d.num {
		case 1:
			return d.int64s(&t.Dims)
		case 2:
			var v int64
			err := d.int64(&v)
			t.DataType = int32(v)
			return err
		case 3:
			t.HasSegment = true
		case 4:
			return d.floats32(&t.FloatData)
		case 5:
			return d.int32s(&t.Int32Data)
		case 6:
			var s []byte
			err := d.bytes(&s)
			t.StringData = append(t.StringData, s)
			return err
		case 7:
			return d.int64s(&t.Int64Data)
		case 8:
			return d.string(&t.Name)
		case 9:
			t.HasRawData = true
			return d.bytes(&t.RawData)
		case 10:
			return d.floats64(&t.DoubleData)
		case 11:
			return d.uint64s(&t.Uint64Data)
		case 13:
			return d.message(func(b []byte, path string) error {
				p, err := decodePair(b, path)
				t.ExternalData = append(t.ExternalData, p)
				return err
			})
		case 14:
			var v int64
			err := d.int64(&v)
			t.DataLocation = int32(v)
			return err
		}
		return d.skip()
	})
	if err != nil {
		return nil, err
	}
	if t.Name != "" {
		// Name the tensor in errors found later (its data, its dimensions).
		path = fmt.Sprintf("%s (%q)", path, t.Name)
	}
	for i, d := range t.Dims {
		if d < 0 {
			return nil, fmt.Errorf("onnx: %s: dimension %d is %d", path, i, d)
		}
	}
	return t, nil
}

func decodeValueInfo(b []byte, path string) (*ValueInfoProto, error) {
	v := &ValueInfoProto{}
	err := walk(b, path, func(d *fieldReader) error {
		switch d.num {
		case 1:
			return d.string(&v.Name)
		case 2:
			return d.message(func(b []byte, path string) error {
				t, err := decodeType(b, path)
				v.Type = t
				return err
			})
		}
		return d.skip()
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func decodeType(b []byte, path string) (*TypeProto, error) {
	t := &TypeProto{}
	err := walk(b, path, func(d *fieldReader) error {
		switch d.num {
		case 1:
			t.Kind = "tensor"
			return d.message(func(b []byte, path string) error {
				return walk(b, path, func(d *fieldReader) error {
					switch d.num {
					case 1:
						var v int64
						err := d.int64(&v)
						t.ElemType = int32(v)
						return err
					case 2:
						t.Shape = []Dim{}
						return d.message(func(b []byte, path string) error {
							return walk(b, path, func(d *fieldReader) error {
								if d.num != 1 {
									return d.skip()
								}
								return d.message(func(b []byte, path string) error {
									dim, err := decodeDim(b, path)
									t.Shape = append(t.Shape, dim)
									return err
								})
							})
						})
					}
					return d.skip()
				})
			})
		case 4:
			t.Kind = "sequence"
		case 5:
			t.Kind = "map"
		case 8:
			t.Kind = "sparse_tensor"
		case 9:
			t.Kind = "optional"
		}
		return d.skip()
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func decodeDim(b []byte, path string) (Dim, error) {
	var dim Dim
	err := walk(b, path, func(d *fieldReader) error {
		switch d.num {
		case 1:
			dim.HasValue = true
			return d.int64(&dim.Value)
		case 2:
			return d.string(&dim.Param)
		}
		return d.skip()
	})
	return dim, err
}

// fieldReader is the field walk's cursor: the current field's number and
// wire type, and the bytes from its value on.
type fieldReader struct {
	num   protowire.Number
	typ   protowire.Type
	b     []byte // from the field's value to the end of the message
	n     int    // bytes of the value consumed by the handler
	path  string
	count map[protowire.Number]int // occurrences so far, to index repeated fields in paths
}

var errTruncated = errors.New("truncated or malformed protobuf")

// walk calls f for every field of the message b. f consumes the field's
// value through the reader's methods (or skips it).
func walk(b []byte, path string, f func(*fieldReader) error) error {
	r := &fieldReader{path: path, count: map[protowire.Number]int{}}
	for off := 0; off < len(b); {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return fmt.Errorf("onnx: %s: bad field tag at byte %d: %w", path, off, errTruncated)
		}
		off += n
		r.num, r.typ, r.b, r.n = num, typ, b[off:], -1
		if err := f(r); err != nil {
			return err
		}
		if r.n < 0 {
			return fmt.Errorf("onnx: %s: field %d: %w", path, num, errTruncated)
		}
		off += r.n
		r.count[num]++
	}
	return nil
}

func (r *fieldReader) fail(what string) error {
	return fmt.Errorf("onnx: %s: field %d (%s): %w", r.path, r.num, what, errTruncated)
}

func (r *fieldReader) skip() error {
	r.n = protowire.ConsumeFieldValue(r.num, r.typ, r.b)
	if r.n < 0 {
		return r.fail("skipped field")
	}
	return nil
}

func (r *fieldReader) want(t protowire.Type, what string) error {
	if r.typ != t {
		return fmt.Errorf("onnx: %s: field %d (%s) has wire type %d, expected %d", r.path, r.num, what, r.typ, t)
	}
	return nil
}

func (r *fieldReader) bytes(dst *[]byte) error {
	if err := r.want(protowire.BytesType, "bytes"); err != nil {
		return err
	}
	v, n := protowire.ConsumeBytes(r.b)
	if n < 0 {
		return r.fail("bytes")
	}
	*dst, r.n = v, n
	return nil
}

func (r *fieldReader) string(dst *string) error {
	var b []byte
	if err := r.bytes(&b); err != nil {
		return err
	}
	*dst = string(b)
	return nil
}

// message hands the embedded message to f with its path ("graph.node[3]").
func (r *fieldReader) message(f func(b []byte, path string) error) error {
	var b []byte
	if err := r.bytes(&b); err != nil {
		return err
	}
	return f(b, fmt.Sprintf("%s.%s[%d]", r.path, fieldName(r.path, r.num), r.count[r.num]))
}

func (r *fieldReader) varint() (uint64, error) {
	if err := r.want(protowire.VarintType, "varint"); err != nil {
		return 0, err
	}
	v, n := protowire.ConsumeVarint(r.b)
	if n < 0 {
		return 0, r.fail("varint")
	}
	r.n = n
	return v, nil
}

func (r *fieldReader) int64(dst *int64) error {
	v, err := r.varint()
	*dst = int64(v)
	return err
}

func (r *fieldReader) float32(dst *float32) error {
	if err := r.want(protowire.Fixed32Type, "float"); err != nil {
		return err
	}
	v, n := protowire.ConsumeFixed32(r.b)
	if n < 0 {
		return r.fail("float")
	}
	*dst, r.n = math.Float32frombits(v), n
	return nil
}

// repeated reads a repeated scalar field in either encoding: packed (one
// length-delimited run) or one element per field occurrence.
func repeated[T any](r *fieldReader, dst *[]T, elem protowire.Type, what string, conv func([]byte) (T, int)) error {
	if r.typ == protowire.BytesType {
		run, n := protowire.ConsumeBytes(r.b)
		if n < 0 {
			return r.fail("packed " + what)
		}
		for len(run) > 0 {
			v, m := conv(run)
			if m < 0 {
				return r.fail("packed " + what)
			}
			*dst = append(*dst, v)
			run = run[m:]
		}
		r.n = n
		return nil
	}
	if r.typ != elem {
		return fmt.Errorf("onnx: %s: field %d (%s) has wire type %d", r.path, r.num, what, r.typ)
	}
	v, n := conv(r.b)
	if n < 0 {
		return r.fail(what)
	}
	*dst = append(*dst, v)
	r.n = n
	return nil
}

func (r *fieldReader) int64s(dst *[]int64) error {
	return repeated(r, dst, protowire.VarintType, "int64s", func(b []byte) (int64, int) {
		v, n := protowire.ConsumeVarint(b)
		return int64(v), n
	})
}

func (r *fieldReader) int32s(dst *[]int32) error {
	return repeated(r, dst, protowire.VarintType, "int32s", func(b []byte) (int32, int) {
		v, n := protowire.ConsumeVarint(b)
		return int32(v), n
	})
}

func (r *fieldReader) uint64s(dst *[]uint64) error {
	return repeated(r, dst, protowire.VarintType, "uint64s", protowire.ConsumeVarint)
}

func (r *fieldReader) floats32(dst *[]float32) error {
	return repeated(r, dst, protowire.Fixed32Type, "floats", func(b []byte) (float32, int) {
		v, n := protowire.ConsumeFixed32(b)
		return math.Float32frombits(v), n
	})
}

func (r *fieldReader) floats64(dst *[]float64) error {
	return repeated(r, dst, protowire.Fixed64Type, "doubles", func(b []byte) (float64, int) {
		v, n := protowire.ConsumeFixed64(b)
		return math.Float64frombits(v), n
	})
}

// fieldName names the embedded-message fields that error paths go through.
func fieldName(parent string, num protowire.Number) string {
	names := map[protowire.Number]string{}
	switch lastSegment(parent) {
	case "model":
		names = map[protowire.Number]string{7: "graph", 8: "opset_import", 14: "metadata_props"}
	case "graph", "g", "graphs":
		names = map[protowire.Number]string{1: "node", 5: "initializer", 11: "input", 12: "output", 13: "value_info"}
	case "node":
		names = map[protowire.Number]string{5: "attribute"}
	case "attribute":
		names = map[protowire.Number]string{5: "t", 6: "g", 10: "tensors", 11: "graphs"}
	case "initializer", "t", "tensors", "tensor":
		names = map[protowire.Number]string{13: "external_data"}
	case "input", "output", "value_info":
		names = map[protowire.Number]string{2: "type"}
	case "type":
		names = map[protowire.Number]string{1: "tensor_type"}
	case "tensor_type":
		names = map[protowire.Number]string{2: "shape"}
	case "shape":
		names = map[protowire.Number]string{1: "dim"}
	}
	if n, ok := names[num]; ok {
		return n
	}
	return fmt.Sprintf("field%d", num)
}

// lastSegment is the last field name of a path like "model.graph[0].node[3]".
func lastSegment(path string) string {
	end := len(path)
	for i := len(path) - 1; i >= 0; i-- {
		switch path[i] {
		case '[':
			end = i
		case '.':
			return path[i+1 : end]
		}
	}
	return path[:end]
}
