package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tensorio"
	"github.com/liteforge/liteforge/tflite"
)

// ErrNoOracle is returned by FindTFLiteOracle when no installed oracle is
// found.
var ErrNoOracle = errors.New("TFLite oracle not installed (copy ../shared/tools/tflite-oracle, run npm ci in it, and set LITEFORGE_TFLITE_ORACLE to its directory)")

// FindTFLiteOracle returns the directory of an installed TFLite oracle (real
// TFLite as WebAssembly under Node.js, ../shared/tools/tflite-oracle):
// $LITEFORGE_TFLITE_ORACLE, else ~/.cache/liteforge/tflite-oracle. It is a
// tool for checking liteforge, not a dependency of it.
func FindTFLiteOracle() (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("node not found: %w", ErrNoOracle)
	}
	dirs := []string{os.Getenv("LITEFORGE_TFLITE_ORACLE")}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".cache", "liteforge", "tflite-oracle"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		_, errScript := os.Stat(filepath.Join(d, "oracle.js"))
		_, errModules := os.Stat(filepath.Join(d, "node_modules"))
		if errScript == nil && errModules == nil {
			return d, nil
		}
	}
	return "", ErrNoOracle
}

// OracleRun is what one run of the TFLite oracle produced.
type OracleRun struct {
	// Outputs are the output tensors' bytes by tensor index.
	Outputs map[int][]byte
	// NodeTypes counts the nodes TFLite ran by type;
	// "TfLiteXNNPackDelegate" counts partitions run by XNNPACK.
	NodeTypes map[string]int
}

// RunTFLiteOracle runs the model file at model in the oracle installed in
// dir on raw input files (in model input order), using workDir for its
// results.
func RunTFLiteOracle(ctx context.Context, dir, model, workDir string, inputs []string) (*OracleRun, error) {
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(dir, "oracle.js"), model, workDir}, inputs...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("TFLite oracle on %s: %v\n%s", model, err, out.Bytes())
	}
	resPath := filepath.Join(workDir, "result.json")
	res, err := tensorio.ReadResult(resPath)
	if err != nil {
		return nil, err
	}
	var extra struct {
		NodeTypes map[string]int `json:"node_types"`
	}
	raw, err := os.ReadFile(resPath)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &extra); err != nil {
		return nil, fmt.Errorf("%s: %w", resPath, err)
	}
	run := &OracleRun{Outputs: map[int][]byte{}, NodeTypes: extra.NodeTypes}
	for _, o := range res.Outputs {
		f := o.File
		if !filepath.IsAbs(f) {
			f = filepath.Join(workDir, filepath.Base(f))
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("TFLite oracle output %d (%s): %w", o.Index, o.Name, err)
		}
		run.Outputs[o.TensorID] = b
	}
	return run, nil
}

// OracleComparison is liteforge's run of a model set beside TFLite's, tensor
// by tensor.
type OracleComparison struct {
	// Diffs has one entry per tensor compared, in execution order.
	Diffs []TensorDiff
	// NodeTypes is how TFLite ran the model with its intermediate tensors
	// exposed (see OracleRun.NodeTypes): compare it with a plain run's to
	// see whether exposing them changed what XNNPACK took.
	NodeTypes map[string]int
}

// OracleTensors runs subgraph 0 of m on inputs (raw bytes, in input order)
// in the TFLite oracle installed in dir, with every intermediate tensor the
// oracle can return exposed as an output (ExposeTensors), and returns them
// by tensor index with the node types TFLite ran.
func OracleTensors(ctx context.Context, m *ir.Model, inputs [][]byte, dir string) (*OracleRun, error) {
	exposed, _, err := ExposeTensors(m, OracleReadable)
	if err != nil {
		return nil, err
	}
	buf, err := tflite.Write(exposed)
	if err != nil {
		return nil, fmt.Errorf("eval: writing the model with its tensors exposed: %w", err)
	}
	work, err := os.MkdirTemp("", "liteforge-compare-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	model := filepath.Join(work, "exposed.tflite")
	if err := os.WriteFile(model, buf, 0o644); err != nil {
		return nil, err
	}
	var files []string
	for i, b := range inputs {
		f := filepath.Join(work, tensorio.InputFile(i))
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return RunTFLiteOracle(ctx, dir, model, filepath.Join(work, "out"), files)
}

// CompareWithOracle compares liteforge's run of subgraph 0 of m on inputs,
// with opts, with TFLite's (OracleTensors), tensor by tensor.
func CompareWithOracle(ctx context.Context, m *ir.Model, inputs [][]byte, dir string, opts ...runtime.Option) (*OracleComparison, error) {
	run, err := OracleTensors(ctx, m, inputs, dir)
	if err != nil {
		return nil, err
	}
	diffs, err := CompareTensors(m, inputs, run.Outputs, opts...)
	if err != nil {
		return nil, err
	}
	return &OracleComparison{Diffs: diffs, NodeTypes: run.NodeTypes}, nil
}
