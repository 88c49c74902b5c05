package tflite

import (
	"encoding/binary"
	"fmt"

	"github.com/liteforge/liteforge/ir"
)

// MetadataName is the name of the metadata entry that holds a model's TFLite
// Support metadata (a FlatBuffer of its own, file identifier "M001").
const MetadataName = "TFLITE_METADATA"

// ModelInfo is the top-level description a model's TFLite Support metadata
// gives (the ModelMetadata table): what the model is, who made it, under
// which license.
type ModelInfo struct {
	Name             string
	Description      string
	Version          string
	Author           string
	License          string
	MinParserVersion string
}

// ModelInfoOf decodes m's TFLITE_METADATA entry. It returns nil and no error
// when the model has none.
func ModelInfoOf(m *ir.Model) (*ModelInfo, error) {
	for _, md := range m.Metadata {
		if md.Name == MetadataName {
			return ParseModelInfo(md.Data)
		}
	}
	return nil, nil
}

// ParseModelInfo decodes the ModelMetadata table at the root of a TFLite
// Support metadata buffer. The buffer is untrusted: every offset is checked.
func ParseModelInfo(buf []byte) (*ModelInfo, error) {
	if len(buf) < 8 {
		return nil, fmt.Errorf("tflite: %s: %d bytes, too short", MetadataName, len(buf))
	}
	if id := string(buf[4:8]); id != "M001" {
		return nil, fmt.Errorf("tflite: %s: file identifier %q, not \"M001\"", MetadataName, id)
	}
	// Field slots of ModelMetadata, facts of metadata_schema.fbs.
	const (
		slotName             = 0
		slotDescription      = 1
		slotVersion          = 2
		slotAuthor           = 4
		slotLicense          = 5
		slotMinParserVersion = 7
	)
	t, err := rootTable(buf)
	if err != nil {
		return nil, fmt.Errorf("tflite: %s: %w", MetadataName, err)
	}
	info := &ModelInfo{}
	for _, f := range []struct {
		slot int
		dst  *string
		name string
	}{
		{slotName, &info.Name, "name"},
		{slotDescription, &info.Description, "description"},
		{slotVersion, &info.Version, "version"},
		{slotAuthor, &info.Author, "author"},
		{slotLicense, &info.License, "license"},
		{slotMinParserVersion, &info.MinParserVersion, "min_parser_version"},
	} {
		s, err := t.str(f.slot)
		if err != nil {
			return nil, fmt.Errorf("tflite: %s: %s: %w", MetadataName, f.name, err)
		}
		*f.dst = s
	}
	return info, nil
}

// fbTable is a FlatBuffer table whose vtable has been checked to lie in buf.
type fbTable struct {
	buf           []byte
	pos, vt       int
	vtLen, objLen int
}

func rootTable(buf []byte) (*fbTable, error) {
	pos := int64(binary.LittleEndian.Uint32(buf))
	if pos+4 > int64(len(buf)) {
		return nil, fmt.Errorf("root table at %d is outside the %d-byte buffer", pos, len(buf))
	}
	vt := pos - int64(int32(binary.LittleEndian.Uint32(buf[pos:])))
	if vt < 0 || vt+4 > int64(len(buf)) {
		return nil, fmt.Errorf("vtable at %d is outside the %d-byte buffer", vt, len(buf))
	}
	t := &fbTable{buf: buf, pos: int(pos), vt: int(vt),
		vtLen: int(binary.LittleEndian.Uint16(buf[vt:])), objLen: int(binary.LittleEndian.Uint16(buf[vt+2:]))}
	if t.vt+t.vtLen > len(buf) || t.pos+t.objLen > len(buf) {
		return nil, fmt.Errorf("root table (vtable %d bytes, object %d bytes) runs past the %d-byte buffer", t.vtLen, t.objLen, len(buf))
	}
	return t, nil
}

// str reads the string field of a slot ("" when absent).
func (t *fbTable) str(slot int) (string, error) {
	e := 4 + 2*slot
	if e+2 > t.vtLen {
		return "", nil
	}
	off := int(binary.LittleEndian.Uint16(t.buf[t.vt+e:]))
	if off == 0 {
		return "", nil
	}
	if off+4 > t.objLen {
		return "", fmt.Errorf("field runs past its table")
	}
	at := int64(t.pos + off)
	s := at + int64(binary.LittleEndian.Uint32(t.buf[at:]))
	if s+4 > int64(len(t.buf)) {
		return "", fmt.Errorf("string at %d is outside the %d-byte buffer", s, len(t.buf))
	}
	n := int64(binary.LittleEndian.Uint32(t.buf[s:]))
	if s+4+n+1 > int64(len(t.buf)) { // +1: the terminating zero FlatBuffers always writes
		return "", fmt.Errorf("string of %d bytes at %d runs past the %d-byte buffer", n, s, len(t.buf))
	}
	return string(t.buf[s+4 : s+4+n]), nil
}
