package tflite

import (
	"bytes"
	"path/filepath"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/liteforge/liteforge/internal/testutil"
)

// metadataBuffer builds a ModelMetadata FlatBuffer the way TFLite Support
// lays it out: name, description, version, (subgraph_metadata), author,
// license, (associated_files), min_parser_version.
func metadataBuffer() []byte {
	b := flatbuffers.NewBuilder(0)
	strs := map[int]flatbuffers.UOffsetT{}
	for slot, s := range map[int]string{0: "Net", 1: "Classifies things", 2: "v2", 4: "Ada", 5: "Apache-2.0", 7: "1.2.1"} {
		strs[slot] = b.CreateString(s)
	}
	b.StartObject(8)
	for slot, off := range strs {
		b.PrependUOffsetTSlot(slot, off, 0)
	}
	b.FinishWithFileIdentifier(b.EndObject(), []byte("M001"))
	return b.FinishedBytes()
}

func TestParseModelInfo(t *testing.T) {
	buf := metadataBuffer()
	got, err := ParseModelInfo(buf)
	if err != nil {
		t.Fatal(err)
	}
	want := ModelInfo{Name: "Net", Description: "Classifies things", Version: "v2", Author: "Ada", License: "Apache-2.0", MinParserVersion: "1.2.1"}
	if *got != want {
		t.Errorf("got %+v, want %+v", *got, want)
	}
	// A truncated buffer is refused, unless only the builder's trailing
	// padding went missing, in which case nothing read changes.
	for n := 0; n < len(buf); n++ {
		if got, err := ParseModelInfo(buf[:n:n]); err == nil && *got != want {
			t.Errorf("the first %d of %d bytes read as %+v", n, len(buf), *got)
		}
	}
	if _, err := ParseModelInfo(buf[:len(buf)-8]); err == nil {
		t.Error("a buffer missing 8 bytes was accepted")
	}
}

func TestModelInfoFixture(t *testing.T) {
	m, err := ReadFile(testutil.Fixture(t, filepath.Join("tflite", "tf-examples", "mobilenet_v2_035_96_embedder_with_metadata.tflite")))
	if err != nil {
		t.Fatal(err)
	}
	info, err := ModelInfoOf(m)
	if err != nil || info == nil {
		t.Fatalf("ModelInfoOf: %v, %v", info, err)
	}
	// The strings are visible in the raw metadata bytes.
	if info.Name != "ImageEmbedder" || info.Description != "Performs dense feature vector extraction on image." {
		t.Errorf("got %+v", info)
	}
	for _, md := range m.Metadata {
		if md.Name == MetadataName && !bytes.Contains(md.Data, []byte(info.Description)) {
			t.Error("description not found in the raw metadata")
		}
	}
	if info, err := ModelInfoOf(addModel()); info != nil || err != nil {
		t.Errorf("model without metadata: %v, %v", info, err)
	}
}

func FuzzParseModelInfo(f *testing.F) {
	f.Add(metadataBuffer())
	f.Fuzz(func(t *testing.T, data []byte) { ParseModelInfo(data) })
}
