// Command gentables reads schema.fbs and writes the table descriptors that
// schema.VerifyModel walks: for every table, each field's slot, kind and
// size, and what its offsets point to. It also reads flatc's Go output and
// fails unless every field's slot and width agree with what flatc generated,
// so the verifier and the accessors cannot drift apart.
//
// It understands the subset of the FlatBuffers IDL that schema.fbs uses:
// enum, union, table (no structs), scalar/string/vector/table/union fields,
// `= default`, and the attributes id, deprecated and force_align.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

type enumDecl struct {
	name       string
	underlying string
	union      bool
	members    []unionMember // unions only
}

type unionMember struct {
	table string
	tag   int
}

type fieldDecl struct {
	name       string
	typ        string // element type for vectors
	vector     bool
	id         int // -1 when implicit
	deprecated bool
}

type tableDecl struct {
	name   string
	fields []fieldDecl
}

type schema struct {
	enums  map[string]*enumDecl
	tables []*tableDecl
	byName map[string]*tableDecl
	root   string
}

var scalarSize = map[string]int{
	"bool": 1, "byte": 1, "ubyte": 1, "int8": 1, "uint8": 1,
	"short": 2, "ushort": 2, "int16": 2, "uint16": 2,
	"int": 4, "uint": 4, "float": 4, "int32": 4, "uint32": 4, "float32": 4,
	"long": 8, "ulong": 8, "double": 8, "int64": 8, "uint64": 8, "float64": 8,
}

// tokenize splits the schema into identifiers, numbers, strings and single
// punctuation characters, dropping // comments.
func tokenize(src string) []string {
	var toks []string
	for _, line := range strings.Split(src, "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		for i := 0; i < len(line); {
			c := rune(line[i])
			switch {
			case unicode.IsSpace(c):
				i++
			case c == '"':
				j := strings.IndexByte(line[i+1:], '"')
				if j < 0 {
					fail("unterminated string in %q", line)
				}
				toks = append(toks, line[i:i+j+2])
				i += j + 2
			case unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' || c == '-' || c == '.':
				j := i
				for j < len(line) && (unicode.IsLetter(rune(line[j])) || unicode.IsDigit(rune(line[j])) || strings.ContainsRune("_-.", rune(line[j]))) {
					j++
				}
				toks = append(toks, line[i:j])
				i = j
			default:
				toks = append(toks, string(c))
				i++
			}
		}
	}
	return toks
}

type parser struct {
	toks []string
	pos  int
}

func (p *parser) next() string {
	if p.pos >= len(p.toks) {
		fail("unexpected end of schema")
	}
	t := p.toks[p.pos]
	p.pos++
	return t
}

func (p *parser) peek() string {
	if p.pos >= len(p.toks) {
		return ""
	}
	return p.toks[p.pos]
}

func (p *parser) expect(t string) {
	if got := p.next(); got != t {
		fail("expected %q, got %q (token %d)", t, got, p.pos)
	}
}

func parse(src string) *schema {
	s := &schema{enums: map[string]*enumDecl{}, byName: map[string]*tableDecl{}}
	p := &parser{toks: tokenize(src)}
	for p.peek() != "" {
		switch kw := p.next(); kw {
		case "namespace", "file_identifier", "file_extension":
			p.next()
			p.expect(";")
		case "root_type":
			s.root = p.next()
			p.expect(";")
		case "enum", "union":
			e := &enumDecl{name: p.next(), union: kw == "union"}
			if p.peek() == ":" {
				p.next()
				e.underlying = p.next()
			}
			p.expect("{")
			tag := 0
			for p.peek() != "}" {
				name := p.next()
				if p.peek() == "=" {
					p.next()
					v, err := strconv.Atoi(p.next())
					if err != nil {
						fail("enum %s: %v", e.name, err)
					}
					tag = v
				} else if e.union {
					tag++
				}
				if e.union {
					e.members = append(e.members, unionMember{table: name, tag: tag})
				}
				if p.peek() == "," {
					p.next()
				}
			}
			p.expect("}")
			s.enums[e.name] = e
		case "table":
			t := &tableDecl{name: p.next()}
			p.expect("{")
			for p.peek() != "}" {
				f := fieldDecl{name: p.next(), id: -1}
				p.expect(":")
				if p.peek() == "[" {
					p.next()
					f.vector = true
					f.typ = p.next()
					p.expect("]")
				} else {
					f.typ = p.next()
				}
				if p.peek() == "=" {
					p.next()
					p.next() // the default matters to the accessors, not to the verifier
				}
				if p.peek() == "(" {
					p.next()
					for p.peek() != ")" {
						attr := p.next()
						var val string
						if p.peek() == ":" {
							p.next()
							val = p.next()
						}
						switch attr {
						case "id":
							v, err := strconv.Atoi(val)
							if err != nil {
								fail("%s.%s: bad id %q", t.name, f.name, val)
							}
							f.id = v
						case "deprecated":
							f.deprecated = true
						case "force_align":
						default:
							fail("%s.%s: unknown attribute %q", t.name, f.name, attr)
						}
						if p.peek() == "," {
							p.next()
						}
					}
					p.expect(")")
				}
				p.expect(";")
				t.fields = append(t.fields, f)
			}
			p.expect("}")
			s.tables = append(s.tables, t)
			s.byName[t.name] = t
		default:
			fail("unexpected %q at token %d", kw, p.pos)
		}
	}
	return s
}

// Field kinds, mirrored by the constants in verify.go.
const (
	kindScalar    = "fieldScalar"
	kindString    = "fieldString"
	kindVector    = "fieldVector"       // vector of scalars
	kindVecString = "fieldVectorString" // vector of strings
	kindVecTable  = "fieldVectorTable"
	kindTable     = "fieldTable"
	kindUnionType = "fieldUnionType"
	kindUnion     = "fieldUnion"
)

type outField struct {
	name  string
	slot  int
	kind  string
	size  int    // scalar size, or element size of a scalar vector
	ref   string // table name for table fields, union name for unions
	depre bool
}

// resolve lays out a table's slots and classifies each field.
func (s *schema) resolve(t *tableDecl) []outField {
	explicit := len(t.fields) > 0 && t.fields[0].id >= 0
	var out []outField
	next := 0
	for _, f := range t.fields {
		if (f.id >= 0) != explicit {
			fail("%s: either every field has an id or none does", t.name)
		}
		e := s.enums[f.typ]
		isUnion := e != nil && e.union
		slot := next
		if explicit {
			slot = f.id
			if isUnion {
				slot = f.id - 1
			}
		}
		if isUnion {
			if f.vector {
				fail("%s.%s: vectors of unions are not supported", t.name, f.name)
			}
			out = append(out,
				outField{name: f.name + "_type", slot: slot, kind: kindUnionType, size: 1, ref: f.typ, depre: f.deprecated},
				outField{name: f.name, slot: slot + 1, kind: kindUnion, size: 4, ref: f.typ, depre: f.deprecated})
			next = slot + 2
			continue
		}
		of := outField{name: f.name, slot: slot, depre: f.deprecated}
		typ := f.typ
		if e != nil {
			typ = e.underlying
			if typ == "" {
				typ = "int"
			}
		}
		size, scalar := scalarSize[typ]
		switch {
		case f.vector && scalar:
			of.kind, of.size = kindVector, size
		case f.vector && typ == "string":
			of.kind, of.size = kindVecString, 4
		case f.vector && s.byName[typ] != nil:
			of.kind, of.size, of.ref = kindVecTable, 4, typ
		case scalar:
			of.kind, of.size = kindScalar, size
		case typ == "string":
			of.kind, of.size = kindString, 4
		case s.byName[typ] != nil:
			of.kind, of.size, of.ref = kindTable, 4, typ
		default:
			fail("%s.%s: unknown type %q", t.name, f.name, f.typ)
		}
		out = append(out, of)
		next = slot + 1
	}
	seen := map[int]bool{}
	for _, f := range out {
		if seen[f.slot] {
			fail("%s: slot %d used twice", t.name, f.slot)
		}
		seen[f.slot] = true
	}
	for i := range out {
		if !seen[i] {
			fail("%s: slot %d unused (ids must be consecutive)", t.name, i)
		}
	}
	return out
}

var (
	reStart = regexp.MustCompile(`(?m)^func (\w+)Start\(builder \*flatbuffers\.Builder\) \{\n\tbuilder\.StartObject\((\d+)\)`)
	reAdd   = regexp.MustCompile(`(?m)^func (\w+)\(builder \*flatbuffers\.Builder, \w+ [\w.]+\) \{\n\tbuilder\.Prepend(\w+)Slot\((\d+),`)
)

var prependSize = map[string]int{
	"Bool": 1, "Byte": 1, "Int8": 1, "Uint8": 1, "Int16": 2, "Uint16": 2,
	"Int32": 4, "Uint32": 4, "Float32": 4, "Int64": 8, "Uint64": 8, "Float64": 8,
	"UOffsetT": 4,
}

// crossCheck compares the layout with the Add/Start functions flatc wrote.
func crossCheck(s *schema, layouts map[string][]outField, generated string) {
	starts := map[string]int{}
	for _, m := range reStart.FindAllStringSubmatch(generated, -1) {
		n, _ := strconv.Atoi(m[2])
		starts[m[1]] = n
	}
	type slotInfo struct {
		size   int
		offset bool
	}
	adds := map[string]map[int]slotInfo{}
	for _, m := range reAdd.FindAllStringSubmatch(generated, -1) {
		slot, _ := strconv.Atoi(m[3])
		size, ok := prependSize[m[2]]
		if !ok {
			fail("unexpected Prepend%sSlot in %s", m[2], m[1])
		}
		// Attribute the function to the longest table name it starts with.
		table := ""
		for _, t := range s.tables {
			if strings.HasPrefix(m[1], t.name+"Add") && len(t.name) > len(table) {
				table = t.name
			}
		}
		if table == "" {
			fail("generated %s belongs to no table", m[1])
		}
		if adds[table] == nil {
			adds[table] = map[int]slotInfo{}
		}
		adds[table][slot] = slotInfo{size: size, offset: m[2] == "UOffsetT"}
	}
	for _, t := range s.tables {
		fields := layouts[t.name]
		if starts[t.name] != len(fields) {
			fail("%s: flatc lays out %d slots, the schema parse %d", t.name, starts[t.name], len(fields))
		}
		live := 0
		for _, f := range fields {
			if f.depre {
				continue
			}
			live++
			g, ok := adds[t.name][f.slot]
			if !ok {
				fail("%s.%s: flatc has no setter for slot %d", t.name, f.name, f.slot)
			}
			isOffset := f.kind != kindScalar && f.kind != kindUnionType
			if g.offset != isOffset || g.size != f.size && !isOffset {
				fail("%s.%s: slot %d kind/size disagree with flatc (%+v vs %s/%d)", t.name, f.name, f.slot, g, f.kind, f.size)
			}
		}
		if live != len(adds[t.name]) {
			fail("%s: flatc has %d setters, the schema parse %d live fields", t.name, len(adds[t.name]), live)
		}
	}
}

func main() {
	schemaPath := flag.String("schema", "schema.fbs", "schema file")
	genPath := flag.String("generated", "schema_generated.go", "flatc's Go output, for the cross-check")
	outPath := flag.String("out", "tables_generated.go", "output file")
	flag.Parse()
	src, err := os.ReadFile(*schemaPath)
	if err != nil {
		fail("%v", err)
	}
	gen, err := os.ReadFile(*genPath)
	if err != nil {
		fail("%v", err)
	}
	s := parse(string(src))
	if s.byName[s.root] == nil {
		fail("root type %q is not a table", s.root)
	}
	layouts := map[string][]outField{}
	for _, t := range s.tables {
		fs := s.resolve(t)
		sort.Slice(fs, func(i, j int) bool { return fs[i].slot < fs[j].slot })
		layouts[t.name] = fs
	}
	crossCheck(s, layouts, string(gen))

	names := make([]string, 0, len(s.tables))
	for _, t := range s.tables {
		names = append(names, t.name)
	}
	sort.Strings(names)
	index := map[string]int{}
	for i, n := range names {
		index[n] = i
	}
	var unions []string
	for n, e := range s.enums {
		if e.union {
			unions = append(unions, n)
		}
	}
	sort.Strings(unions)
	uindex := map[string]int{}
	for i, n := range unions {
		uindex[n] = i
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by gentables from %s. DO NOT EDIT.\n\npackage schema\n\n", *schemaPath)
	b.WriteString("// Table indices into tableDescs.\nconst (\n")
	for i, n := range names {
		fmt.Fprintf(&b, "\ttable%s = %d\n", n, i)
	}
	b.WriteString(")\n\n// Union indices into unionDescs.\nconst (\n")
	for i, n := range unions {
		fmt.Fprintf(&b, "\tunion%s = %d\n", n, i)
	}
	b.WriteString(")\n\nvar tableDescs = [...]tableDesc{\n")
	for _, n := range names {
		fmt.Fprintf(&b, "\ttable%s: {name: %q, fields: []fieldDesc{\n", n, n)
		for _, f := range layouts[n] {
			if f.depre {
				continue // never read, so never verified
			}
			ref := "0"
			switch f.kind {
			case kindTable, kindVecTable:
				ref = "table" + f.ref
			case kindUnion, kindUnionType:
				ref = "union" + f.ref
			}
			fmt.Fprintf(&b, "\t\t{name: %q, slot: %d, kind: %s, size: %d, ref: %s},\n", f.name, f.slot, f.kind, f.size, ref)
		}
		b.WriteString("\t}},\n")
	}
	b.WriteString("}\n\nvar unionDescs = [...]unionDesc{\n")
	for _, n := range unions {
		fmt.Fprintf(&b, "\tunion%s: {name: %q, members: map[uint8]int{\n", n, n)
		for _, m := range s.enums[n].members {
			if s.byName[m.table] == nil {
				fail("union %s: member %s is not a table", n, m.table)
			}
			if m.tag <= 0 || m.tag > 255 {
				fail("union %s: member %s has tag %d", n, m.table, m.tag)
			}
			fmt.Fprintf(&b, "\t\t%d: table%s,\n", m.tag, m.table)
		}
		b.WriteString("\t}},\n")
	}
	b.WriteString("}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		fail("formatting output: %v", err)
	}
	if err := os.WriteFile(*outPath, out, 0o644); err != nil {
		fail("%v", err)
	}
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "gentables: "+format+"\n", a...)
	os.Exit(1)
}
