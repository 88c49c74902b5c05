package tflite

import (
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
)

// FuzzRead feeds arbitrary bytes to Read: it must return a model or an
// error, never panic; and a model it accepts must write and read back equal.
// Seeds: the fixture models up to 64 KiB (when ../shared is present) and the
// hand-made models in both layouts.
func FuzzRead(f *testing.F) {
	for _, m := range []func() *ir.Model{addModel, richModel} {
		for _, opts := range []WriteOptions{{}, {ExternalData: true}} {
			f.Add(mustWrite(f, m(), opts))
		}
	}
	testutil.AddFixtureSeeds(f, "tflite", ".tflite", 64<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Read(data)
		if err != nil {
			return
		}
		out, err := Write(m)
		if err != nil {
			t.Fatalf("Read accepted the file but Write refuses the model: %v", err)
		}
		m2, err := Read(out)
		if err != nil {
			t.Fatalf("Read refuses what Write wrote: %v", err)
		}
		if d := diffModels(m, m2); d != "" {
			t.Fatalf("write/read changed the model: %s", d)
		}
	})
}
