package tflite

import (
	"os"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
)

const mobilenet = "tflite/coral/tf2_mobilenet_v2_1.0_224_ptq.tflite"

// BenchmarkRead decodes the 4 MB quantized MobileNet v2 (verification,
// decoding and validation; weights are aliased, not copied).
func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile(testutil.Fixture(b, mobilenet))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite encodes the same model (data copied into the new file).
func BenchmarkWrite(b *testing.B) {
	m, err := ReadFile(testutil.Fixture(b, mobilenet))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		out, err := Write(m)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(out)))
	}
}
