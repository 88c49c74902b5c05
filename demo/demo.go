// Package demo is liteforge's built-in demonstration: small image
// classifiers that liteforge trained itself (with `liteforge train`), and
// 2,000 test images each of MNIST and Fashion-MNIST, all embedded in the
// binary, so that `liteforge demo` runs with no files and no network.
// Run evaluates every demo model on its data set and benchmarks it.
//
// How the assets were made is in generate.go, models/models.json (the
// training commands, seeds, thread counts and results) and data/README.md
// (sources, selection and licences).
package demo

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/demo/internal/manifest"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite"
)

//go:embed models/*.tflite models/models.json
//go:embed data/mnist/*.gz data/fashion-mnist/*.gz data/README.md data/fashion-mnist/LICENSE
var assets embed.FS

// Model is one embedded demo model.
type Model struct {
	// Name is the model's short name, e.g. "lenet".
	Name string `json:"model"`
	// Arch is the `liteforge train --arch` it was built with.
	Arch string `json:"arch"`
	// Type is the element type of its weights and activations: "float32"
	// now; quantized ("int8") versions of the same networks join the list
	// once liteforge quantizes.
	Type string `json:"type"`
	// Data names the data set it was trained on and is measured on (see
	// DataSets).
	Data string `json:"data"`
	// File is its path in the embedded file system.
	File string `json:"file"`
}

// models lists the demo models in the order the demo shows them. Each
// float model is to be followed by its int8 version (Type "int8", File
// "models/<name>_int8.tflite") when the quantizer exists, so that the demo
// shows what quantization costs and buys.
var models = []Model{
	{Name: "lenet", Arch: "lenet", Type: "float32", Data: "mnist", File: "models/lenet_mnist.tflite"},
	{Name: "mbv2-small", Arch: "mbv2-small", Type: "float32", Data: "fashion-mnist", File: "models/mbv2-small_fashion-mnist.tflite"},
}

// Models lists the embedded demo models.
func Models() []Model { return slices.Clone(models) }

// Bytes returns the model's .tflite file.
func (m Model) Bytes() ([]byte, error) {
	b, err := assets.ReadFile(m.File)
	if err != nil {
		return nil, fmt.Errorf("demo model %s: %w", m.Name, err)
	}
	return b, nil
}

// Load parses the model.
func (m Model) Load() (*ir.Model, error) {
	b, err := m.Bytes()
	if err != nil {
		return nil, err
	}
	im, err := tflite.Read(b)
	if err != nil {
		return nil, fmt.Errorf("demo model %s: %w", m.Name, err)
	}
	return im, nil
}

// DataSet is one embedded test subset.
type DataSet struct {
	// Name is how models refer to it: "mnist" or "fashion-mnist".
	Name string `json:"name"`
	// Title is its usual name.
	Title string `json:"title"`
	// Credit is a one-line attribution; data/README.md has the full one.
	Credit string `json:"credit"`
	// Classes names the labels 0..9.
	Classes []string `json:"classes"`
}

var dataSets = []DataSet{
	{
		Name: "mnist", Title: "MNIST",
		Credit:  "Yann LeCun and Corinna Cortes, CC BY-SA 3.0",
		Classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
	},
	{
		Name: "fashion-mnist", Title: "Fashion-MNIST",
		Credit:  "Zalando SE, MIT licence",
		Classes: []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
	},
}

// DataSets lists the embedded data sets.
func DataSets() []DataSet { return slices.Clone(dataSets) }

// DataSetOf returns the data set called name.
func DataSetOf(name string) (DataSet, error) {
	for _, d := range dataSets {
		if d.Name == name {
			return d, nil
		}
	}
	return DataSet{}, fmt.Errorf("demo: no data set %q", name)
}

// Images decodes the data set's embedded test images: every fifth image of
// the original 10,000-image test set (indices 0, 5, ..., 9995), in order.
func (d DataSet) Images() (*dataset.ImageSet, error) {
	dir := path.Join("data", d.Name)
	images, err := decodeIDX(path.Join(dir, "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		return nil, err
	}
	labels, err := decodeIDX(path.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	if err != nil {
		return nil, err
	}
	if images.DType != "uint8" || len(images.Shape) != 3 || labels.DType != "uint8" || len(labels.Shape) != 1 || labels.Shape[0] != images.Shape[0] {
		return nil, fmt.Errorf("demo data %s: images %s %v and labels %s %v do not pair", d.Name, images.DType, images.Shape, labels.DType, labels.Shape)
	}
	set := &dataset.ImageSet{
		N: images.Shape[0], Height: images.Shape[1], Width: images.Shape[2], Channels: 1,
		Pixels: images.Data, Labels: make([]int, labels.Shape[0]),
		Source: "embedded " + d.Title + " test subset",
	}
	for i, l := range labels.Data {
		if int(l) >= len(d.Classes) {
			return nil, fmt.Errorf("demo data %s: label %d of image %d is not a class", d.Name, l, i)
		}
		set.Labels[i] = int(l)
	}
	return set, nil
}

func decodeIDX(name string) (*dataset.Array, error) {
	f, err := assets.Open(name)
	if err != nil {
		return nil, fmt.Errorf("demo data: %w", err)
	}
	defer f.Close()
	a, err := dataset.DecodeIDX(f)
	if err != nil {
		return nil, fmt.Errorf("demo data %s: %w", name, err)
	}
	return a, nil
}

// Assets is the embedded file system (models/, data/), for those who want
// the files themselves.
func Assets() fs.FS { return assets }

// Training is how a demo model was made: its record in models/models.json,
// written by gendemo when it trained the model (the command, commit,
// toolchain, seconds, the file's SHA-256, and the train command's report).
type Training = manifest.Record

// Training returns the record of how the model was trained.
func (m Model) Training() (*Training, error) {
	b, err := assets.ReadFile("models/models.json")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	var records []Training
	if err := json.Unmarshal(b, &records); err != nil {
		return nil, fmt.Errorf("demo: models/models.json: %w", err)
	}
	for i := range records {
		if path.Join("models", records[i].File) == m.File {
			return &records[i], nil
		}
	}
	return nil, fmt.Errorf("demo: models/models.json has no record of %s", m.File)
}
