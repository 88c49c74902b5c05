// Package tensorio moves tensors between files and an interpreter: it reads
// input files (raw, .npy, PNG/JPEG/BMP) for a model's input tensors, makes the
// seeded random inputs the TFLite oracle makes, and writes outputs in the
// oracle's layout (output_<i>.bin and a JSON description), so that liteforge's
// results and TFLite's compare byte for byte. The command line's run, eval and
// bench share it.
package tensorio

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/ir"
)

// ReadInput reads the file at path as a value for tensor t and returns
// exactly t's bytes, little-endian. The kind of file follows its extension:
//
//   - .npy: a NumPy array whose dtype is t's and whose shape is t's (dimensions
//     of size 1 may be added or left out, since they do not move any data);
//   - .png, .jpg, .jpeg, .bmp: an image of t's height and width (see
//     dataset.ImageArray for channels and value ranges);
//   - anything else (.bin, .raw, ...): raw little-endian bytes, exactly as many
//     as t holds.
//
// Errors name the file.
func ReadInput(path string, t *ir.Tensor) ([]byte, error) {
	need, err := t.ByteSize()
	if err != nil {
		return nil, err
	}
	var a *dataset.Array
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		if a, err = dataset.ReadNPYFile(path); err != nil {
			return nil, err
		}
		if a.DType != t.Type.String() || !sameLayout(a.Shape, t.Shape) {
			return nil, fmt.Errorf("%s: holds %s %v, the input %q needs %s %v", path, a.DType, a.Shape, t.Name, t.Type, t.Shape)
		}
	case ".png", ".jpg", ".jpeg", ".bmp":
		if a, err = dataset.ReadImageFile(path, t.Shape, t.Type.String()); err != nil {
			return nil, err
		}
	default:
		if a, err = dataset.ReadRawFile(path, t.Type.String(), t.Shape); err != nil {
			return nil, err
		}
	}
	if len(a.Data) != need {
		// Only a type without a fixed size (or int4) gets here.
		return nil, fmt.Errorf("%s: has %d bytes of data, the input %q (%s %v) needs %d", path, len(a.Data), t.Name, t.Type, t.Shape, need)
	}
	return a.Data, nil
}

// sameLayout reports whether two shapes order their elements the same way in
// memory: equal once dimensions of size 1 are dropped.
func sameLayout(a, b []int) bool {
	drop := func(s []int) []int { return slices.DeleteFunc(slices.Clone(s), func(d int) bool { return d == 1 }) }
	return slices.Equal(drop(a), drop(b))
}

// LoadInputs fills each of a model's input tensors (in model input order,
// each with Data already sized to its bytes) from files[i], or, past the
// files given, with values from random when it is not nil. It returns the
// bytes fed to each input. Errors name the input's index and file.
func LoadInputs(inputs []*ir.Tensor, files []string, random *Random) ([][]byte, error) {
	if len(files) > len(inputs) {
		return nil, fmt.Errorf("%d input files given, the model has %d inputs", len(files), len(inputs))
	}
	fed := make([][]byte, len(inputs))
	for i, t := range inputs {
		var data []byte
		var err error
		switch {
		case i < len(files):
			if data, err = ReadInput(files[i], t); err != nil {
				return nil, fmt.Errorf("input %d (%q): %w", i, t.Name, err)
			}
		case random != nil:
			if data, err = random.Fill(t.Type, t.NumElements()); err != nil {
				return nil, fmt.Errorf("input %d (%q): %w", i, t.Name, err)
			}
		default:
			return nil, fmt.Errorf("input %d (%q, %s %v) has no file: give one file per model input (%d in all), or random values with a seed",
				i, t.Name, t.Type, t.Shape, len(inputs))
		}
		if len(t.Data) != len(data) {
			return nil, fmt.Errorf("input %d (%q): the interpreter's tensor holds %d bytes, the data has %d", i, t.Name, len(t.Data), len(data))
		}
		copy(t.Data, data)
		fed[i] = data
	}
	return fed, nil
}
