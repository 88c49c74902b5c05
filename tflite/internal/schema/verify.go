package schema

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Identifier is the FlatBuffers file identifier of TFLite schema v3 files.
const Identifier = "TFL3"

type fieldKind uint8

const (
	fieldScalar fieldKind = iota
	fieldString
	fieldVector // of scalars
	fieldVectorString
	fieldVectorTable
	fieldTable
	fieldUnionType
	fieldUnion
)

type fieldDesc struct {
	name string
	slot int
	kind fieldKind
	size int // bytes of a scalar, or of one element of a scalar vector
	ref  int // table index (table fields) or union index (union fields)
}

type tableDesc struct {
	name   string
	fields []fieldDesc
}

type unionDesc struct {
	name    string
	members map[uint8]int // type tag -> table index
}

// VerifyError says which object of the buffer is malformed: Path names it
// from the root ("subgraphs[0].tensors[12].shape").
type VerifyError struct {
	Path   string
	Reason string
}

func (e *VerifyError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// pathElem is one step from the root to the object being checked; the chain
// is only turned into a string when something is wrong.
type pathElem struct {
	parent *pathElem
	name   string
	index  int // -1 when not a vector element
}

func (p *pathElem) String() string {
	var parts []string
	for e := p; e != nil; e = e.parent {
		s := e.name
		if e.index >= 0 {
			s += "[" + strconv.Itoa(e.index) + "]"
		}
		parts = append(parts, s)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ".")
}

type verifier struct {
	buf []byte
	// limit bounds every FlatBuffer object: the generated accessors compute
	// positions in 32-bit arithmetic, and data past 2 GiB is only reachable
	// through the offset/size form, which the reader checks itself.
	limit int64
	// budget is the number of bytes of tables and vectors left to visit. A
	// well-formed file visits each of its bytes about once; a hostile one that
	// points many entries at one big object runs out instead of making the
	// reader do (and allocate) work out of proportion to its size.
	budget int64
}

// VerifyModel checks that buf holds a well-formed TFLite model: the file
// identifier, and for every table reachable from the root, that its vtable,
// fields, strings, vectors and nested tables lie inside buf, and that union
// tags name known tables. After it returns nil, the generated accessors
// (and UnPack) may be used on buf without going out of bounds.
func VerifyModel(buf []byte) error {
	if len(buf) < 8 {
		return &VerifyError{Reason: fmt.Sprintf("file is %d bytes, too short for a FlatBuffer", len(buf))}
	}
	if id := string(buf[4:8]); id != Identifier {
		return &VerifyError{Reason: fmt.Sprintf("file identifier is %q, not %q (not a TFLite model)", id, Identifier)}
	}
	v := &verifier{buf: buf, limit: min(int64(len(buf)), math.MaxInt32)}
	v.budget = 4*v.limit + 1<<16
	root := int64(binary.LittleEndian.Uint32(buf))
	return v.table(root, tableModel, nil)
}

func (v *verifier) fail(p *pathElem, format string, a ...any) error {
	path := ""
	if p != nil {
		path = p.String()
	}
	return &VerifyError{Path: path, Reason: fmt.Sprintf(format, a...)}
}

func (v *verifier) spend(p *pathElem, n int64) error {
	v.budget -= n
	if v.budget < 0 {
		return v.fail(p, "the file refers to more data than it holds (shared or overlapping objects)")
	}
	return nil
}

func (v *verifier) u16(at int64) int64 { return int64(binary.LittleEndian.Uint16(v.buf[at:])) }
func (v *verifier) u32(at int64) int64 { return int64(binary.LittleEndian.Uint32(v.buf[at:])) }

// inside reports whether [at, at+n) lies in the verifiable part of buf.
func (v *verifier) inside(at, n int64) bool { return at >= 0 && n >= 0 && at <= v.limit-n }

// deref follows the 32-bit relative offset stored at at.
func (v *verifier) deref(p *pathElem, at int64, what string) (int64, error) {
	if !v.inside(at, 4) {
		return 0, v.fail(p, "offset field at %d is outside the file (%d bytes)", at, len(v.buf))
	}
	target := at + v.u32(at)
	if !v.inside(target, 4) {
		return 0, v.fail(p, "%s at offset %d is outside the file (%d bytes)", what, target, len(v.buf))
	}
	return target, nil
}

// vector checks a vector's length prefix at pos and that n elements of size
// fit after it; it returns the element count.
func (v *verifier) vector(p *pathElem, pos int64, elemSize int) (int64, error) {
	n := v.u32(pos)
	if !v.inside(pos+4, n*int64(elemSize)) {
		return 0, v.fail(p, "vector of %d elements of %d bytes at offset %d runs past the end of the file (%d bytes)", n, elemSize, pos, len(v.buf))
	}
	return n, v.spend(p, 4+n*int64(elemSize))
}

// str checks a string: its bytes and the zero FlatBuffers writes after them.
func (v *verifier) str(p *pathElem, pos int64) error {
	n, err := v.vector(p, pos, 1)
	if err != nil {
		return err
	}
	if !v.inside(pos+4+n, 1) {
		return v.fail(p, "string at offset %d lacks its terminating zero (the file ends)", pos)
	}
	return nil
}

func (v *verifier) table(pos int64, ti int, p *pathElem) error {
	desc := &tableDescs[ti]
	if !v.inside(pos, 4) {
		return v.fail(p, "%s table at offset %d is outside the file (%d bytes)", desc.name, pos, len(v.buf))
	}
	// The vtable sits at pos minus a signed 32-bit offset.
	vt := pos - int64(int32(binary.LittleEndian.Uint32(v.buf[pos:])))
	if !v.inside(vt, 4) {
		return v.fail(p, "%s table at offset %d has its vtable outside the file (at %d)", desc.name, pos, vt)
	}
	vtSize, objSize := v.u16(vt), v.u16(vt+2)
	if vtSize < 4 || vtSize%2 != 0 || !v.inside(vt, vtSize) {
		return v.fail(p, "%s table at offset %d has a malformed vtable (size %d at %d)", desc.name, pos, vtSize, vt)
	}
	if objSize < 4 || !v.inside(pos, objSize) {
		return v.fail(p, "%s table at offset %d claims %d bytes, past the end of the file (%d bytes)", desc.name, pos, objSize, len(v.buf))
	}
	if err := v.spend(p, objSize); err != nil {
		return err
	}
	fieldAt := func(slot int) int64 {
		e := int64(4 + 2*slot)
		if e+2 > vtSize {
			return 0
		}
		return v.u16(vt + e)
	}
	for fi := range desc.fields {
		f := &desc.fields[fi]
		off := fieldAt(f.slot)
		if off == 0 {
			continue
		}
		inline := int64(4) // offsets to strings, vectors and tables
		if f.kind == fieldScalar || f.kind == fieldUnionType {
			inline = int64(f.size)
		}
		if off+inline > objSize {
			return v.fail(&pathElem{p, f.name, -1}, "field runs past the end of its %s table (%d+%d > %d bytes)", desc.name, off, inline, objSize)
		}
		at := pos + off
		fp := &pathElem{p, f.name, -1}
		switch f.kind {
		case fieldScalar, fieldUnionType:
		case fieldString:
			s, err := v.deref(fp, at, "string")
			if err != nil {
				return err
			}
			if err := v.str(fp, s); err != nil {
				return err
			}
		case fieldVector:
			s, err := v.deref(fp, at, "vector")
			if err != nil {
				return err
			}
			if _, err := v.vector(fp, s, f.size); err != nil {
				return err
			}
		case fieldVectorString, fieldVectorTable:
			s, err := v.deref(fp, at, "vector")
			if err != nil {
				return err
			}
			n, err := v.vector(fp, s, 4)
			if err != nil {
				return err
			}
			for i := int64(0); i < n; i++ {
				ep := &pathElem{p, f.name, int(i)}
				e, err := v.deref(ep, s+4+4*i, "element")
				if err != nil {
					return err
				}
				if f.kind == fieldVectorString {
					err = v.str(ep, e)
				} else {
					err = v.table(e, f.ref, ep)
				}
				if err != nil {
					return err
				}
			}
		case fieldTable:
			t, err := v.deref(fp, at, "table")
			if err != nil {
				return err
			}
			if err := v.table(t, f.ref, fp); err != nil {
				return err
			}
		case fieldUnion:
			// The tag lives in the slot before the value.
			tag := uint8(0)
			if to := fieldAt(f.slot - 1); to != 0 {
				tag = v.buf[pos+to]
			}
			if tag == 0 {
				continue // NONE: the value is never read
			}
			u := &unionDescs[f.ref]
			ti, ok := u.members[tag]
			if !ok {
				return v.fail(fp, "unknown %s type %d", u.name, tag)
			}
			t, err := v.deref(fp, at, "table")
			if err != nil {
				return err
			}
			if err := v.table(t, ti, fp); err != nil {
				return err
			}
		}
	}
	return nil
}

// BuiltinOptionsFields is the number of fields the option table of union
// tag t declares (0 for the empty tables such as PadOptions), or -1 for an
// unknown tag.
func BuiltinOptionsFields(t BuiltinOptions) int { return unionFields(unionBuiltinOptions, uint8(t)) }

// BuiltinOptions2Fields is BuiltinOptionsFields for the second union.
func BuiltinOptions2Fields(t BuiltinOptions2) int { return unionFields(unionBuiltinOptions2, uint8(t)) }

func unionFields(u int, tag uint8) int {
	ti, ok := unionDescs[u].members[tag]
	if !ok {
		return -1
	}
	return len(tableDescs[ti].fields)
}
