package tensorio

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/liteforge/liteforge/internal/fileutil"
	"github.com/liteforge/liteforge/internal/half"
	"github.com/liteforge/liteforge/ir"
)

// Result describes one run of a model: its input and output tensors and the
// files holding their bytes. Its JSON form has the keys and layout of the
// TFLite oracle's result.json (../shared/tools/tflite-oracle), so that one
// reader reads both and outputs compare file for file. liteforge writes it
// as outputs.json.
type Result struct {
	Model   string       `json:"model"`
	Runtime string       `json:"runtime"`
	OK      bool         `json:"ok"`
	Error   string       `json:"error,omitempty"`
	Inputs  []TensorInfo `json:"inputs"`
	Outputs []TensorInfo `json:"outputs"`
}

// TensorInfo describes one input or output tensor of a run.
type TensorInfo struct {
	Index    int    `json:"index"`     // position among the model's inputs or outputs
	TensorID int    `json:"tensor_id"` // index of the tensor in subgraph 0
	Name     string `json:"name"`
	DType    string `json:"dtype"` // "float32", "int8", ...
	Shape    []int  `json:"shape"`
	// Quant is the tensor's quantization, or null when it has no scales.
	Quant *QuantInfo `json:"quant"`
	Bytes int        `json:"bytes"`
	// File holds the tensor's raw little-endian bytes. liteforge writes the
	// file name relative to the JSON file's directory; the oracle writes the
	// path it was given.
	File string `json:"file,omitempty"`
}

// QuantInfo is a tensor's quantization: real = scale * (q - zero_point), with
// one entry per index of quantized_dimension when per-axis.
type QuantInfo struct {
	Scale              []float64 `json:"scale"`
	ZeroPoint          []int64   `json:"zero_point"`
	QuantizedDimension int       `json:"quantized_dimension"`
}

// Describe returns the description of tensor t (tensor id of its graph), the
// index'th input or output of a run.
func Describe(t *ir.Tensor, index, id int) TensorInfo {
	info := TensorInfo{
		Index: index, TensorID: id, Name: t.Name, DType: t.Type.String(),
		Shape: slices.Clone(t.Shape), Bytes: len(t.Data),
	}
	if info.Shape == nil {
		info.Shape = []int{}
	}
	if n, err := t.ByteSize(); err == nil {
		info.Bytes = n
	}
	if q := t.Quant; q.Quantized() {
		qi := &QuantInfo{ZeroPoint: slices.Clone(q.ZeroPoint), QuantizedDimension: q.Axis}
		for _, s := range q.Scale {
			qi.Scale = append(qi.Scale, float64(s))
		}
		if qi.ZeroPoint == nil {
			qi.ZeroPoint = make([]int64, len(qi.Scale))
		}
		info.Quant = qi
	}
	return info
}

// OutputFile is the name of output i's raw file, as the oracle names it.
func OutputFile(i int) string { return fmt.Sprintf("output_%d.bin", i) }

// InputFile is the name of input i's raw file, as the oracle names it.
func InputFile(i int) string { return fmt.Sprintf("input_%d.bin", i) }

// ResultFile is the name of the JSON file WriteResult writes.
const ResultFile = "outputs.json"

// WriteResult writes res to dir: for every input and output whose data is
// given (data[i] for res.Inputs then res.Outputs, nil to skip) its raw file,
// then outputs.json. Each file is written through a temporary file and a
// rename. dir is created if needed.
func WriteResult(dir string, res *Result, inputs, outputs [][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(infos []TensorInfo, data [][]byte, name func(int) string) error {
		for i := range infos {
			if i >= len(data) || data[i] == nil {
				continue
			}
			infos[i].File = name(i)
			infos[i].Bytes = len(data[i])
			if err := fileutil.WriteAtomic(filepath.Join(dir, name(i)), data[i], 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	if err := write(res.Inputs, inputs, InputFile); err != nil {
		return err
	}
	if err := write(res.Outputs, outputs, OutputFile); err != nil {
		return err
	}
	js, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		return err
	}
	return fileutil.WriteAtomic(filepath.Join(dir, ResultFile), append(js, '\n'), 0o644)
}

// ReadResult reads a result JSON file: liteforge's outputs.json or the
// oracle's result.json.
func ReadResult(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var res Result
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &res, nil
}

// Float64s decodes little-endian elements of type dt into float64 values
// (stored values: quantized tensors are not dequantized).
func Float64s(dt ir.DataType, b []byte) ([]float64, error) {
	var v []float64
	switch dt {
	case ir.Float32:
		for _, x := range ir.AsFloat32(b) {
			v = append(v, float64(x))
		}
	case ir.Float64:
		v = slices.Clone(ir.AsFloat64(b))
	case ir.Float16:
		for _, x := range ir.AsUint16(b) {
			v = append(v, float64(half.Float16ToFloat32(x)))
		}
	case ir.BFloat16:
		for _, x := range ir.AsUint16(b) {
			v = append(v, float64(math.Float32frombits(uint32(x)<<16)))
		}
	case ir.Uint64:
		for _, x := range ir.AsInt64(b) {
			v = append(v, float64(uint64(x)))
		}
	default:
		ints, ok := ir.IntValues(dt, b)
		if !ok {
			return nil, fmt.Errorf("cannot read %v values as numbers", dt)
		}
		for _, x := range ints {
			v = append(v, float64(x))
		}
	}
	return v, nil
}

// ArgMax is the index of the largest value (the first one on ties), -1 when
// v is empty. NaNs are skipped.
func ArgMax(v []float64) int {
	best := -1
	for i, x := range v {
		if math.IsNaN(x) {
			continue
		}
		if best < 0 || x > v[best] {
			best = i
		}
	}
	return best
}
