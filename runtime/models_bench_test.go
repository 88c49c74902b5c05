package runtime_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liteforge/liteforge/convert/onnx"
	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
)

// benchModels are the whole models liteforge is timed on against ONNX
// Runtime and TFLite: the ONNX ones are converted in-process (as `liteforge
// convert` would), the .tflite ones read as they are.
var benchModels = []struct{ name, fixture string }{
	{"mobilenet_v2", "onnx/mobilenet_v2.onnx"},
	{"resnet18", "onnx/resnet18.onnx"},
	{"mobilenet_v2_qdq_u8s8", "onnx/ort-quantized/mobilenet_v2.qdq_u8s8.onnx"},
	{"mobilenet_v2_qdq_s8s8", "onnx/ort-quantized/mobilenet_v2.qdq_s8s8.onnx"},
	{"coral_mobilenet_v2_int8", "tflite/coral/tf2_mobilenet_v2_1.0_224_ptq.tflite"},
}

// loadBenchModel reads or converts a fixture model; a model the converter
// cannot take yet skips the benchmark.
func loadBenchModel(b *testing.B, fixture string) *ir.Model {
	path := testutil.Fixture(b, fixture)
	if strings.HasSuffix(path, ".onnx") {
		m, err := onnx.ConvertFile(path, onnx.Options{})
		if err != nil {
			b.Skipf("converting %s: %v", fixture, err)
		}
		return m
	}
	m, err := tflite.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// fillBenchInputs gives every input deterministic pseudo-random values:
// floats in [-1, 1), integers over their whole range.
func fillBenchInputs(it *runtime.Interpreter) {
	s := uint32(2463534242)
	next := func() uint32 { s ^= s << 13; s ^= s >> 17; s ^= s << 5; return s }
	for i := 0; i < it.NumInputs(); i++ {
		t := it.Input(i)
		if t.Type == ir.Float32 {
			for j := 0; j+4 <= len(t.Data); j += 4 {
				v := float32(next())/float32(math.MaxUint32)*2 - 1
				binary.LittleEndian.PutUint32(t.Data[j:], math.Float32bits(v))
			}
			continue
		}
		for j := range t.Data {
			t.Data[j] = byte(next())
		}
	}
}

// BenchmarkModel times one inference of each model at 1 and 2 threads. Besides
// the mean (ns/op) it reports the median run (ms/p50), which a busy machine
// disturbs less, and the CPU time of the process per run (cpu-ms/op, summed
// over threads), which measures work rather than waiting. LITEFORGE_BENCH_TFLITE adds .tflite files (a comma-separated
// list) to the set.
func BenchmarkModel(b *testing.B) {
	models := slices.Clone(benchModels)
	for _, p := range strings.Split(os.Getenv("LITEFORGE_BENCH_TFLITE"), ",") {
		if p != "" {
			models = append(models, struct{ name, fixture string }{strings.TrimSuffix(filepath.Base(p), ".tflite"), p})
		}
	}
	for _, bm := range models {
		b.Run(bm.name, func(b *testing.B) {
			var m *ir.Model
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("threads%d", threads), func(b *testing.B) {
					if m == nil {
						if filepath.IsAbs(bm.fixture) {
							var err error
							if m, err = tflite.ReadFile(bm.fixture); err != nil {
								b.Fatal(err)
							}
						} else {
							m = loadBenchModel(b, bm.fixture)
						}
					}
					benchInvoke(b, m, threads)
				})
			}
		})
	}
}

func benchInvoke(b *testing.B, m *ir.Model, threads int) {
	it, err := runtime.New(m, runtime.WithThreads(threads))
	if err != nil {
		b.Fatal(err)
	}
	fillBenchInputs(it)
	if err := it.Invoke(); err != nil { // warm-up: caches, worker goroutines
		b.Fatal(err)
	}
	runs := make([]time.Duration, 0, 64)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPUTime()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := it.Invoke(); err != nil {
			b.Fatal(err)
		}
		if len(runs) < cap(runs) {
			runs = append(runs, time.Since(t0))
		}
	}
	b.StopTimer()
	if cpu := processCPUTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu)/1e6/float64(b.N), "cpu-ms/op")
	}
	slices.Sort(runs)
	b.ReportMetric(float64(runs[len(runs)/2])/1e6, "ms/p50")
}
