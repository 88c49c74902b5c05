package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
)

// TestBenchJSON checks the documented fields of bench --json --profile (the
// values are measurements; only their consistency is asserted).
func TestBenchJSON(t *testing.T) {
	model := testutil.Fixture(t, "tflite/micro/person_detect.tflite")
	out, _, err := executeSplit(t, "bench", model, "--runs", "3", "--warmup", "1", "--profile", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Latency map[string]float64 `json:"latency_ms"`
		InitMs  *float64           `json:"init_ms"`
		Peak    int                `json:"peak_memory_bytes"`
		Bytes   int64              `json:"model_bytes"`
		Ops     []struct {
			Type  string  `json:"type"`
			AvgMs float64 `json:"avg_ms"`
			Share float64 `json:"share"`
		} `json:"ops"`
		OpTypes []struct {
			Type  string `json:"type"`
			Count int    `json:"count"`
		} `json:"op_types"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("bench --json printed no JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"min", "mean", "p50", "p90", "p99", "max"} {
		if _, ok := got.Latency[k]; !ok {
			t.Errorf("latency_ms has no %q", k)
		}
	}
	fi, _ := os.Stat(model)
	if got.InitMs == nil || got.Peak <= 0 || got.Bytes != fi.Size() {
		t.Errorf("init_ms %v, peak_memory_bytes %d, model_bytes %d (file %d)", got.InitMs, got.Peak, got.Bytes, fi.Size())
	}
	// person_detect has 31 ops (MANIFEST.md: 14+14+1+1+1).
	if len(got.Ops) != 31 || len(got.OpTypes) != 5 {
		t.Errorf("%d op rows and %d op types, want 31 and 5", len(got.Ops), len(got.OpTypes))
	}
}

func TestBenchText(t *testing.T) {
	model := testutil.Fixture(t, "tflite/micro/mnist_lstm_int8.tflite")
	out, _, err := executeSplit(t, "bench", model, "--runs", "2", "--profile")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"latency p50 / p90 / p99", "peak memory", "time per op type", "UNIDIRECTIONAL_SEQUENCE_LSTM"} {
		if !strings.Contains(out, s) {
			t.Errorf("bench output lacks %q:\n%s", s, out)
		}
	}
	if _, _, err := executeSplit(t, "bench", model, "--runs", "0"); err == nil || !strings.Contains(err.Error(), "--runs") {
		t.Errorf("--runs 0: %v", err)
	}
	if _, _, err := executeSplit(t, "bench", "/nonexistent.tflite"); err == nil || !strings.Contains(err.Error(), "/nonexistent.tflite") {
		t.Errorf("missing model: %v", err)
	}
}
