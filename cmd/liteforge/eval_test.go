package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/internal/testutil"
)

// executeSplit runs the command line with stdout and stderr apart.
func executeSplit(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

// TestEvalJSON evaluates the int8 MNIST LSTM on the first 200 test images:
// the JSON has the documented fields, and the accuracy is TFLite's on the
// same images (eval/testdata/tflite_mnist.json, recorded with the TFLite
// oracle).
func TestEvalJSON(t *testing.T) {
	model := testutil.Fixture(t, "tflite/micro/mnist_lstm_int8.tflite")
	data := testutil.Fixture(t, "data/mnist")
	out, _, err := executeSplit(t, "eval", model, "--data", data, "--limit", "200", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Accuracy  *float64 `json:"accuracy"`
		Top5      *float64 `json:"top5"`
		Samples   int      `json:"samples"`
		Confusion [][]int  `json:"confusion"`
		PerClass  []any    `json:"per_class"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("eval --json printed no JSON object: %v\n%s", err, out)
	}
	if got.Accuracy == nil || got.Top5 == nil || got.Samples != 200 || len(got.Confusion) != 10 || len(got.PerClass) != 10 {
		t.Fatalf("fields missing: %s", out)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "eval", "testdata", "tflite_mnist.json"))
	if err != nil {
		t.Fatal(err)
	}
	var oracle struct {
		Models map[string]struct {
			Top1 string `json:"top1_first_500"`
		} `json:"models"`
	}
	if err := json.Unmarshal(b, &oracle); err != nil {
		t.Fatal(err)
	}
	set, err := dataset.ReadIDXDir(data, "test")
	if err != nil {
		t.Fatal(err)
	}
	labels := set.Labels[:200]
	correct := 0
	for i, l := range labels {
		if int(oracle.Models["micro/mnist_lstm_int8"].Top1[i]-'0') == l {
			correct++
		}
	}
	if want := float64(correct) / 200; *got.Accuracy != want {
		t.Errorf("accuracy %v, TFLite's on the same 200 images %v", *got.Accuracy, want)
	}
}

func TestEvalText(t *testing.T) {
	model := testutil.Fixture(t, "tflite/micro/mnist_lstm_float.tflite")
	out, _, err := executeSplit(t, "eval", model, "--data", testutil.Fixture(t, "data/mnist"), "--limit", "50", "--shuffle", "--seed", "3")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"top-1:", "top-5:", "(50 examples)", "confusion matrix", "class  samples"} {
		if !strings.Contains(out, s) {
			t.Errorf("eval output lacks %q:\n%s", s, out)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	mnist := testutil.Fixture(t, "data/mnist")
	person := testutil.Fixture(t, "tflite/micro/person_detect.tflite")
	lstm := testutil.Fixture(t, "tflite/micro/mnist_lstm_float.tflite")
	empty := t.TempDir()
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"eval", lstm}, []string{"--data"}},
		{[]string{"eval", person, "--data", mnist, "--resize", "none", "--limit", "5"}, []string{"[28 28 1]", "[1 96 96 1]"}},
		{[]string{"eval", lstm, "--data", empty}, []string{empty, "no class subfolders"}},
		{[]string{"eval", lstm, "--data", mnist, "--split", "valid"}, []string{"unknown split"}},
		{[]string{"eval", lstm, "--data", mnist, "--scale", "1/0"}, []string{"--scale"}},
		{[]string{"eval", lstm, "--data", mnist, "--mean", "0.1,0.2"}, []string{"mean has 2 values"}},
	}
	for _, c := range cases {
		_, _, err := executeSplit(t, c.args...)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %v, want one containing %q", c.args, err, w)
			}
		}
	}
}

// TestProgressPlainLines: when stderr is not a terminal, progress comes as
// plain lines, the last one at completion.
func TestProgressPlainLines(t *testing.T) {
	saved, savedEvery := progressDelay, plainProgressEvery
	progressDelay, plainProgressEvery = 0, 0
	defer func() { progressDelay, plainProgressEvery = saved, savedEvery }()
	var buf bytes.Buffer
	p := newProgress(&buf, "eval m")
	for i := 1; i <= 3; i++ {
		p(i, 3)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[2], "eval m: 3/3 (100%)") {
		t.Errorf("progress lines:\n%s", buf.String())
	}
	// Work shorter than the delay prints nothing.
	progressDelay = 1 << 62
	buf.Reset()
	p = newProgress(&buf, "quick")
	p(1, 1)
	if buf.Len() != 0 {
		t.Errorf("quick work printed %q", buf.String())
	}
}
