package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/demo"
	"github.com/liteforge/liteforge/runtime"
)

// TestDemoJSON runs the demo in-process, as a user would with no files: one
// result per built-in model, each measured on the 2,000 built-in images of
// its data set. The accuracies are checked against training's own
// measurement in package demo's tests; here they must at least be far above
// the 10% that guessing one of ten classes gives.
func TestDemoJSON(t *testing.T) {
	out, _, err := executeSplit(t, "demo", "--json", "--runs", "2")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Models []struct {
			Model      string   `json:"model"`
			Data       string   `json:"data"`
			Samples    int      `json:"samples"`
			Accuracy   *float64 `json:"accuracy"`
			ModelBytes int      `json:"model_bytes"`
			Runs       int      `json:"runs"`
			Latency    struct {
				P50 float64 `json:"p50"`
			} `json:"latency_ms"`
			PeakMemory int `json:"peak_memory_bytes"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("demo --json printed no JSON object: %v\n%s", err, out)
	}
	models := demo.Models()
	if len(got.Models) != len(models) {
		t.Fatalf("%d results for %d built-in models:\n%s", len(got.Models), len(models), out)
	}
	for i, m := range got.Models {
		if m.Model != models[i].Name || m.Data != models[i].Data {
			t.Errorf("result %d is %s on %s, want %s on %s", i, m.Model, m.Data, models[i].Name, models[i].Data)
		}
		if m.Samples != 2000 || m.Accuracy == nil || *m.Accuracy < 0.5 || *m.Accuracy > 1 {
			t.Errorf("%s: accuracy %v on %d samples", m.Model, m.Accuracy, m.Samples)
		}
		if m.Runs != 2 || m.Latency.P50 <= 0 || m.ModelBytes <= 0 || m.PeakMemory <= 0 {
			t.Errorf("%s: %d runs, p50 %v ms, %d bytes, peak memory %d", m.Model, m.Runs, m.Latency.P50, m.ModelBytes, m.PeakMemory)
		}
	}
}

func TestDemoBadFlags(t *testing.T) {
	for _, args := range [][]string{{"demo", "model.tflite"}, {"demo", "--runs", "0"}, {"demo", "--threads", "0"}, {"demo", "--threads", "-2"}} {
		_, _, err := executeSplit(t, args...)
		if err == nil {
			t.Errorf("%s: no error", strings.Join(args, " "))
		}
	}
}

// The benchmark runs on the thread count --threads gives: demo's runtime
// options are added after eval.Bench's WithThreads, so they must not carry a
// thread count of their own (they carried WithThreads(1), which won).
func TestDemoOptionsKeepThreads(t *testing.T) {
	o, err := demoOptions(2, 5, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m, err := demo.Models()[0].Load()
	if err != nil {
		t.Fatal(err)
	}
	it, err := runtime.New(m, append([]runtime.Option{runtime.WithThreads(o.Threads)}, o.Runtime...)...)
	if err != nil {
		t.Fatal(err)
	}
	if it.Threads() != 2 {
		t.Errorf("demo --threads 2 benchmarks with %d thread(s)", it.Threads())
	}
}
