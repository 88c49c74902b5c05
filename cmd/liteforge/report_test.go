package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
)

// TestReportCommand writes an HTML and a JSON report comparing the float
// and int8 MNIST LSTMs on 60 test images (the HTML's structure is checked in
// package report; here the command's wiring).
func TestReportCommand(t *testing.T) {
	f32 := testutil.Fixture(t, "tflite/micro/mnist_lstm_float.tflite")
	i8 := testutil.Fixture(t, "tflite/micro/mnist_lstm_int8.tflite")
	data := testutil.Fixture(t, "data/mnist")
	dir := t.TempDir()
	html := filepath.Join(dir, "report.html")
	out, _, err := executeSplit(t, "report", f32, i8, "--data", data, "--limit", "60", "--runs", "2", "-o", html)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "wrote "+html) {
		t.Errorf("output %q", out)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`id="summary"`, `data-chart="accuracy-size"`, `data-chart="accuracy-latency"`, `data-model="mnist_lstm_float"`, `data-model="mnist_lstm_int8"`, "<svg"} {
		if !strings.Contains(string(page), s) {
			t.Errorf("report lacks %s", s)
		}
	}
	js := filepath.Join(dir, "report.json")
	if _, _, err := executeSplit(t, "report", i8, "--data", data, "--limit", "30", "--runs", "2", "--no-profile", "-o", js); err != nil {
		t.Fatal(err)
	}
	var r struct {
		Models []struct {
			Name     string `json:"name"`
			Accuracy struct {
				Samples int `json:"samples"`
			} `json:"accuracy"`
			Bench struct {
				Runs int   `json:"runs"`
				Ops  []any `json:"ops"`
			} `json:"bench"`
		} `json:"models"`
	}
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Models) != 1 || r.Models[0].Accuracy.Samples != 30 || r.Models[0].Bench.Runs != 2 || len(r.Models[0].Bench.Ops) != 0 {
		t.Errorf("JSON report: %s", b)
	}
	// A failing model leaves no report behind.
	bad := filepath.Join(dir, "bad.html")
	if _, _, err := executeSplit(t, "report", i8, "/nonexistent.tflite", "--runs", "1", "-o", bad); err == nil {
		t.Error("a missing model made a report")
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("a failed report left %s", bad)
	}
}
