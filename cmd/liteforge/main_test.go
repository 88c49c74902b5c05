package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/modelinfo"
	"github.com/spf13/cobra"
)

// execute runs the command line in-process with args and returns what it
// printed.
func execute(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestHelpOnEverySubcommand(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		path := strings.Fields(c.CommandPath())[1:]
		out, err := execute(t, append(path, "--help")...)
		if err != nil {
			t.Errorf("%s --help: %v", c.CommandPath(), err)
		}
		if !strings.Contains(out, "Usage:") || !strings.Contains(out, c.Long[:20]) {
			t.Errorf("%s --help prints no usage or description:\n%s", c.CommandPath(), out)
		}
		for _, sub := range c.Commands() {
			if sub.Name() != "help" && sub.Name() != "completion" {
				walk(sub)
			}
		}
	}
	root := newRootCmd()
	walk(root)
	if len(root.Commands()) < 2 {
		t.Fatalf("root has %d subcommands, want inspect and run at least", len(root.Commands()))
	}
}

func TestUnknownCommandAndMissingArgs(t *testing.T) {
	if _, err := execute(t, "frobnicate"); err == nil {
		t.Error("unknown command: no error")
	}
	if _, err := execute(t, "inspect"); err == nil {
		t.Error("inspect without a model: no error")
	}
	if _, err := execute(t, "run"); err == nil {
		t.Error("run without a model: no error")
	}
	if _, err := execute(t, "inspect", filepath.Join(t.TempDir(), "missing.tflite")); err == nil || !strings.Contains(err.Error(), "missing.tflite") {
		t.Errorf("inspect of a missing file: %v", err)
	}
}

// manifestEntry is what ../shared/fixtures/tflite/MANIFEST.md says of a
// model, written from the files independently of liteforge.
type manifestEntry struct {
	inputs, outputs []string // "uint8 1x28x28 (s=0.00392157,zp=0)"
	ops             map[string]int
}

func readManifest(t *testing.T) map[string]*manifestEntry {
	t.Helper()
	b, err := os.ReadFile(testutil.Fixture(t, "tflite/MANIFEST.md"))
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]*manifestEntry{}
	var cur *manifestEntry
	opRe := regexp.MustCompile(`^(\S+)×(\d+)$`)
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "### `"):
			cur = &manifestEntry{ops: map[string]int{}}
			entries[strings.Trim(strings.TrimPrefix(line, "### "), "`")] = cur
		case cur == nil:
		case strings.HasPrefix(line, "- inputs: "):
			cur.inputs = strings.Split(strings.TrimPrefix(line, "- inputs: "), "; ")
		case strings.HasPrefix(line, "- outputs: "):
			cur.outputs = strings.Split(strings.TrimPrefix(line, "- outputs: "), "; ")
		case strings.HasPrefix(line, "- ops (subgraph 0): "):
			for _, op := range strings.Split(strings.TrimPrefix(line, "- ops (subgraph 0): "), ", ") {
				m := opRe.FindStringSubmatch(op)
				if m == nil {
					t.Fatalf("MANIFEST op %q", op)
				}
				cur.ops[m[1]], _ = strconv.Atoi(m[2])
			}
		}
	}
	return entries
}

// checkTensor compares an inspect tensor with a MANIFEST description such as
// "int8 1x96x96x1 (s=0.00784314,zp=-1)".
func checkTensor(t *testing.T, what string, got modelinfo.TensorRef, tn modelinfo.Tensor, want string) {
	t.Helper()
	m := regexp.MustCompile(`^(\w+) (\S+)(?: \(s=([^,]+),zp=(-?\d+)\))?$`).FindStringSubmatch(want)
	if m == nil {
		t.Fatalf("MANIFEST %s %q", what, want)
	}
	if got.DType != m[1] {
		t.Errorf("%s: dtype %s, MANIFEST says %s", what, got.DType, m[1])
	}
	if m[2] != "scalar/unknown" {
		var shape []string
		for _, d := range got.Shape {
			shape = append(shape, strconv.Itoa(d))
		}
		if strings.Join(shape, "x") != m[2] {
			t.Errorf("%s: shape %v, MANIFEST says %s", what, got.Shape, m[2])
		}
	}
	if m[3] == "" {
		if tn.Quant != nil && len(tn.Quant.Scale) > 0 {
			t.Errorf("%s: quantized, MANIFEST says float", what)
		}
		return
	}
	s, _ := strconv.ParseFloat(m[3], 64)
	zp, _ := strconv.ParseInt(m[4], 10, 64)
	if q := tn.Quant; q == nil || len(q.Scale) != 1 || math.Abs(q.Scale[0]-s) > 5e-6*s || q.ZeroPoint[0] != zp {
		t.Errorf("%s: quantization %+v, MANIFEST says s=%v zp=%d", what, q, s, zp)
	}
}

// Every fixture model, inspected: op counts, inputs and outputs as the
// MANIFEST lists them.
func TestInspectMatchesManifest(t *testing.T) {
	manifest := readManifest(t)
	if len(manifest) < 20 {
		t.Fatalf("MANIFEST lists %d models", len(manifest))
	}
	for name, want := range manifest {
		t.Run(name, func(t *testing.T) {
			out, err := execute(t, "inspect", "--json", testutil.Fixture(t, "tflite/"+name))
			if err != nil {
				t.Fatal(err)
			}
			var info modelinfo.Info
			if err := json.Unmarshal([]byte(out), &info); err != nil {
				t.Fatal(err)
			}
			g := info.Subgraphs[0]
			ops := map[string]int{}
			for _, c := range g.OpCounts {
				ops[c.Op] = c.Count
			}
			if fmt.Sprint(ops) != fmt.Sprint(want.ops) {
				t.Errorf("op counts %v, MANIFEST says %v", ops, want.ops)
			}
			if len(g.Inputs) != len(want.inputs) || len(g.Outputs) != len(want.outputs) {
				t.Fatalf("%d inputs, %d outputs; MANIFEST says %d, %d", len(g.Inputs), len(g.Outputs), len(want.inputs), len(want.outputs))
			}
			for i, in := range g.Inputs {
				checkTensor(t, fmt.Sprintf("input %d", i), in, g.Tensors[in.Tensor], want.inputs[i])
			}
			for i, o := range g.Outputs {
				checkTensor(t, fmt.Sprintf("output %d", i), o, g.Tensors[o.Tensor], want.outputs[i])
			}
			if info.WeightBytes < 0 || int64(info.WeightBytes) > info.FileBytes {
				t.Errorf("weight bytes %d outside [0, file size %d]", info.WeightBytes, info.FileBytes)
			}
		})
	}
}

func TestInspectText(t *testing.T) {
	out, err := execute(t, "inspect", testutil.Fixture(t, "tflite/tf-examples/mobilenet_v2_035_96_embedder_with_metadata.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"schema:      TFLite v3",
		"CONV_2D            35",
		"DEPTHWISE_CONV_2D  17",
		"TFLITE_METADATA (",
		"per-axis dim 0:", // the hybrid model's int8 weights are per channel
		"float32  [1 96 96 3]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect text lacks %q", want)
		}
	}
}

// floatTolerance is how far a float output may be from TFLite's: 1e-4
// absolute, or relative for values above 1 in magnitude.
const floatTolerance = 1e-4

// compareFloat32Files returns the largest difference between two float32
// files, scaled down by the magnitude of TFLite's value when that exceeds 1,
// and where it is.
func compareFloat32Files(t *testing.T, gotPath, wantPath string) (float64, int) {
	t.Helper()
	gb, err := os.ReadFile(gotPath)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := os.ReadFile(wantPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(gb) != len(wb) {
		t.Fatalf("%s has %d bytes, %s has %d", gotPath, len(gb), wantPath, len(wb))
	}
	got, want := ir.AsFloat32(gb), ir.AsFloat32(wb)
	worst, at := 0.0, -1
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if m := math.Abs(float64(want[i])); m > 1 {
			d /= m
		}
		if math.IsNaN(d) || d > worst {
			worst, at = d, i
			if math.IsNaN(d) {
				return math.Inf(1), i
			}
		}
	}
	return worst, at
}

// TestFlagBounds: a count flag below its smallest meaningful value is an
// error naming the flag, checked before any file is read (so the paths here
// need not exist), never quietly replaced by a default.
func TestFlagBounds(t *testing.T) {
	model := filepath.Join(t.TempDir(), "never-read.tflite")
	data := filepath.Join(t.TempDir(), "never-read")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", model, "--threads", "0"}, "--threads 0: must be at least 1"},
		{[]string{"run", model, "--threads", "-2"}, "--threads -2"},
		{[]string{"bench", model, "--threads", "0"}, "--threads 0"},
		{[]string{"bench", model, "--warmup", "-5"}, "--warmup -5: must be at least 0"},
		{[]string{"bench", model, "--runs", "0"}, "--runs 0: must be at least 1"},
		{[]string{"bench", model, "--runs", "-1"}, "--runs -1"},
		{[]string{"eval", model, "--data", data, "--threads", "0"}, "--threads 0"},
		{[]string{"eval", model, "--data", data, "--workers", "-1"}, "--workers -1: must be at least 0"},
		{[]string{"eval", model, "--data", data, "--limit", "-3"}, "--limit -3: must be at least 0"},
		{[]string{"eval", model, "--data", data, "--output", "-1"}, "--output -1"},
		{[]string{"eval", model, "--data", data, "--raw-dtype", "float33"}, `--raw-dtype "float33"`},
		{[]string{"report", model, "--runs", "0"}, "--runs 0"},
		{[]string{"report", model, "--warmup", "-1"}, "--warmup -1"},
		{[]string{"report", model, "--threads", "-1"}, "--threads -1"},
		{[]string{"report", model, "--workers", "-4"}, "--workers -4"},
		{[]string{"report", model, "--data", data, "--limit", "-1"}, "--limit -1"},
		{[]string{"bench", model, "--runs", "2", "--rounding", "triple"}, `--rounding "triple"`},
		{[]string{"train", "--arch", "lenet", "--data", data, "-o", model, "--threads", "0"}, "--threads 0: must be at least 1"},
		{[]string{"train", "--arch", "lenet", "--data", data, "-o", model, "--epochs", "0"}, "--epochs 0"},
		{[]string{"train", "--arch", "lenet", "--data", data, "-o", model, "--batch", "-8"}, "--batch -8"},
	}
	for _, c := range cases {
		_, err := execute(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.args, err, c.want)
		}
	}
}
