package onnx

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// A tiny ONNX writer for tests: it serializes the message structs back to
// the wire format, so tests can build models (good and broken) by hand.

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendVarint(b []byte, num protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func appendPackedInts(b []byte, num protowire.Number, v []int64) []byte {
	var run []byte
	for _, x := range v {
		run = protowire.AppendVarint(run, uint64(x))
	}
	return appendBytes(b, num, run)
}

func encodeModel(m *ModelProto) []byte {
	var b []byte
	b = appendVarint(b, 1, m.IRVersion)
	b = appendString(b, 2, m.ProducerName)
	for _, o := range m.Opsets {
		var ob []byte
		ob = appendString(ob, 1, o.Domain)
		ob = appendVarint(ob, 2, o.Version)
		b = appendBytes(b, 8, ob)
	}
	if m.Graph != nil {
		b = appendBytes(b, 7, encodeGraph(m.Graph))
	}
	return b
}

func encodeGraph(g *GraphProto) []byte {
	var b []byte
	for _, n := range g.Nodes {
		b = appendBytes(b, 1, encodeNode(n))
	}
	b = appendString(b, 2, g.Name)
	for _, t := range g.Initializers {
		b = appendBytes(b, 5, encodeTensor(t))
	}
	for _, v := range g.Inputs {
		b = appendBytes(b, 11, encodeValueInfo(v))
	}
	for _, v := range g.Outputs {
		b = appendBytes(b, 12, encodeValueInfo(v))
	}
	return b
}

func encodeNode(n *NodeProto) []byte {
	var b []byte
	for _, s := range n.Inputs {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	for _, s := range n.Outputs {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	b = appendString(b, 3, n.Name)
	b = appendString(b, 4, n.OpType)
	for _, a := range n.Attrs {
		b = appendBytes(b, 5, encodeAttr(a))
	}
	b = appendString(b, 7, n.Domain)
	return b
}

func encodeAttr(a *AttributeProto) []byte {
	var b []byte
	b = appendString(b, 1, a.Name)
	switch a.Type {
	case AttrFloat:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.F))
	case AttrInt:
		b = appendVarint(b, 3, a.I)
	case AttrString:
		b = appendBytes(b, 4, a.S)
	case AttrTensor:
		b = appendBytes(b, 5, encodeTensor(a.T))
	case AttrFloats:
		var run []byte
		for _, f := range a.Floats {
			run = protowire.AppendFixed32(run, math.Float32bits(f))
		}
		b = appendBytes(b, 7, run)
	case AttrInts:
		b = appendPackedInts(b, 8, a.Ints)
	}
	b = appendVarint(b, 20, int64(a.Type))
	return b
}

func encodeTensor(t *TensorProto) []byte {
	var b []byte
	if len(t.Dims) > 0 {
		b = appendPackedInts(b, 1, t.Dims)
	}
	b = appendVarint(b, 2, int64(t.DataType))
	if len(t.FloatData) > 0 {
		var run []byte
		for _, f := range t.FloatData {
			run = protowire.AppendFixed32(run, math.Float32bits(f))
		}
		b = appendBytes(b, 4, run)
	}
	if len(t.Int32Data) > 0 {
		wide := make([]int64, len(t.Int32Data))
		for i, v := range t.Int32Data {
			wide[i] = int64(v)
		}
		b = appendPackedInts(b, 5, wide)
	}
	if len(t.Int64Data) > 0 {
		b = appendPackedInts(b, 7, t.Int64Data)
	}
	b = appendString(b, 8, t.Name)
	if t.HasRawData {
		b = appendBytes(b, 9, t.RawData)
	}
	for _, kv := range t.ExternalData {
		var e []byte
		e = appendString(e, 1, kv.Key)
		e = appendString(e, 2, kv.Value)
		b = appendBytes(b, 13, e)
	}
	if t.DataLocation != 0 {
		b = appendVarint(b, 14, int64(t.DataLocation))
	}
	return b
}

func encodeValueInfo(v *ValueInfoProto) []byte {
	var b []byte
	b = appendString(b, 1, v.Name)
	if v.Type != nil {
		var tt []byte
		tt = appendVarint(tt, 1, int64(v.Type.ElemType))
		if v.Type.Shape != nil {
			var sh []byte
			for _, d := range v.Type.Shape {
				var db []byte
				if d.HasValue {
					db = appendVarint(db, 1, d.Value)
				} else {
					db = appendString(db, 2, d.Param)
				}
				sh = appendBytes(sh, 1, db)
			}
			tt = appendBytes(tt, 2, sh)
		}
		var ty []byte
		ty = appendBytes(ty, 1, tt)
		b = appendBytes(b, 2, ty)
	}
	return b
}

// Helpers to build test graphs tersely.

func tensorInfo(name string, elem int32, dims ...int64) *ValueInfoProto {
	shape := make([]Dim, len(dims))
	for i, d := range dims {
		if d < 0 {
			shape[i] = Dim{Param: "N"}
		} else {
			shape[i] = Dim{Value: d, HasValue: true}
		}
	}
	return &ValueInfoProto{Name: name, Type: &TypeProto{Kind: "tensor", ElemType: elem, Shape: shape}}
}

func floatTensor(name string, dims []int64, v []float32) *TensorProto {
	return &TensorProto{Name: name, Dims: dims, DataType: onnxFloat, FloatData: v}
}

func int64Tensor(name string, dims []int64, v []int64) *TensorProto {
	return &TensorProto{Name: name, Dims: dims, DataType: onnxInt64, Int64Data: v}
}

func intsAttr(name string, v ...int64) *AttributeProto {
	return &AttributeProto{Name: name, Type: AttrInts, Ints: v}
}

func intAttr(name string, v int64) *AttributeProto {
	return &AttributeProto{Name: name, Type: AttrInt, I: v}
}

func floatAttr(name string, v float32) *AttributeProto {
	return &AttributeProto{Name: name, Type: AttrFloat, F: v}
}

func strAttr(name, v string) *AttributeProto {
	return &AttributeProto{Name: name, Type: AttrString, S: []byte(v)}
}

func nodeOf(op, name string, in, out []string, attrs ...*AttributeProto) *NodeProto {
	return &NodeProto{OpType: op, Name: name, Inputs: in, Outputs: out, Attrs: attrs}
}

func modelOf(opset int64, g *GraphProto) *ModelProto {
	return &ModelProto{IRVersion: 8, Opsets: []OpsetID{{Version: opset}}, Graph: g}
}
