package dataset

import (
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Example is one labelled sample of a data set: an image (for image data
// sets, preprocessed later to the model's input) or a tensor (for .npy and
// raw data, used as it is apart from scaling).
type Example struct {
	// Image is set for image data sets.
	Image image.Image
	// Tensor is set for tensor data sets: one sample without a batch
	// dimension. A raw sample has no shape of its own (Shape is nil) and
	// takes the model input's.
	Tensor *Array
	// Label is the class index.
	Label int
}

// Source is a labelled data set read one example at a time, so that a large
// image folder need not sit in memory. Example may be called from several
// goroutines at once.
type Source interface {
	// Len is the number of examples.
	Len() int
	// Example reads example i (0 <= i < Len). Errors name the file.
	Example(i int) (Example, error)
	// Name says where the data comes from, for messages and reports.
	Name() string
}

// ImageSet is a Source over its images.
func (s *ImageSet) Len() int { return s.N }

// Example returns image i with its label.
func (s *ImageSet) Example(i int) (Example, error) {
	return Example{Image: s.Image(i), Label: s.Labels[i]}, nil
}

// Name is where the images came from.
func (s *ImageSet) Name() string { return s.Source }

// imageExtensions are the image files an image folder may hold.
var imageExtensions = map[string]bool{".png": true, ".jpg": true, ".jpeg": true}

// ImageFolder is a data set laid out as one subfolder per class, each holding
// PNG or JPEG images. Classes are numbered in the sorted order of their
// folder names (as Keras' image_dataset_from_directory and torchvision's
// ImageFolder number them), except that when every folder name is a
// non-negative integer, that integer is the label (so that a folder 986/ can
// hold class 986 of a 1001-class model).
type ImageFolder struct {
	Root    string
	Classes []string // folder names; a label indexes this
	files   []string
	labels  []int
}

// OpenImageFolder lists an image folder. A folder without class subfolders
// or without any image is an error naming it.
func OpenImageFolder(root string) (*ImageFolder, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	f := &ImageFolder{Root: root}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		class := len(f.Classes)
		f.Classes = append(f.Classes, e.Name())
		files, err := os.ReadDir(filepath.Join(root, e.Name()))
		if err != nil {
			return nil, err
		}
		for _, img := range files {
			if img.IsDir() || !imageExtensions[strings.ToLower(filepath.Ext(img.Name()))] {
				continue
			}
			f.files = append(f.files, filepath.Join(root, e.Name(), img.Name()))
			f.labels = append(f.labels, class)
		}
	}
	if len(f.Classes) == 0 {
		return nil, fmt.Errorf("%s: no class subfolders (an image folder holds one subfolder of PNG/JPEG images per class)", root)
	}
	if numbers, ok := numericNames(f.Classes); ok {
		for i, l := range f.labels {
			f.labels[i] = numbers[l]
		}
	}
	if len(f.files) == 0 {
		return nil, fmt.Errorf("%s: no PNG or JPEG images in its %d class folders", root, len(f.Classes))
	}
	return f, nil
}

// numericNames returns the folder names as integers when all of them are
// non-negative integers below 2^24.
func numericNames(names []string) ([]int, bool) {
	out := make([]int, len(names))
	for i, n := range names {
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 || v > 1<<24 {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// Len is the number of images.
func (f *ImageFolder) Len() int { return len(f.files) }

// Name is the folder.
func (f *ImageFolder) Name() string { return f.Root }

// Example decodes image i.
func (f *ImageFolder) Example(i int) (Example, error) {
	img, _, err := decodeImageFile(f.files[i], nil)
	if err != nil {
		return Example{}, err
	}
	return Example{Image: img, Label: f.labels[i]}, nil
}

// TensorSet is a data set of N samples stacked along the first dimension of
// one array (a .npy file, or a raw file of samples shaped like the model's
// input), with one label per sample.
type TensorSet struct {
	X      *Array
	Labels []int
	Source string
	// sampleBytes is the size of one sample.
	sampleBytes int
	// raw samples have no shape of their own.
	raw bool
}

// NewTensorSet pairs samples with labels. With raw set, x is a flat run of
// elements that splits evenly into one sample per label, and each sample
// takes the model input's shape; otherwise x's first dimension counts the
// samples.
func NewTensorSet(x *Array, labels []int, source string, raw bool) (*TensorSet, error) {
	n := len(labels)
	if n == 0 {
		return nil, fmt.Errorf("%s: no labels", source)
	}
	s := &TensorSet{X: x, Labels: labels, Source: source, raw: raw}
	if raw {
		size := ElementSize(x.DType)
		if len(x.Data)%n != 0 || len(x.Data)/n%size != 0 {
			return nil, fmt.Errorf("%s: %d bytes do not split into %d samples (one per label) of whole %s elements", source, len(x.Data), n, x.DType)
		}
		s.sampleBytes = len(x.Data) / n
		return s, nil
	}
	if len(x.Shape) == 0 || x.Shape[0] != n {
		return nil, fmt.Errorf("%s: holds %s %v but there are %d labels; the first dimension must count the samples", source, x.DType, x.Shape, n)
	}
	s.sampleBytes = len(x.Data) / n
	return s, nil
}

// Len is the number of samples.
func (s *TensorSet) Len() int { return len(s.Labels) }

// Name is where the samples came from.
func (s *TensorSet) Name() string { return s.Source }

// Example returns sample i (a view of the set's memory).
func (s *TensorSet) Example(i int) (Example, error) {
	a := &Array{DType: s.X.DType, Data: s.X.Data[i*s.sampleBytes : (i+1)*s.sampleBytes]}
	if !s.raw {
		a.Shape = s.X.Shape[1:]
	}
	return Example{Tensor: a, Label: s.Labels[i]}, nil
}

// subset is a Source that picks some examples of another, in a given order.
type subset struct {
	Source
	index []int
}

func (s *subset) Len() int                       { return len(s.index) }
func (s *subset) Example(i int) (Example, error) { return s.Source.Example(s.index[i]) }

// Select returns the first limit examples of src (all with limit <= 0),
// after shuffling them with seed when shuffle is set. The same seed gives the
// same order on every platform (math/rand/v2's PCG).
func Select(src Source, shuffle bool, seed uint64, limit int) Source {
	n := src.Len()
	if !shuffle && (limit <= 0 || limit >= n) {
		return src
	}
	index := make([]int, n)
	for i := range index {
		index[i] = i
	}
	if shuffle {
		r := rand.New(rand.NewPCG(seed, 0x6c69746566))
		r.Shuffle(n, func(i, j int) { index[i], index[j] = index[j], index[i] })
	}
	if limit > 0 && limit < n {
		index = index[:limit]
	}
	return &subset{Source: src, index: index}
}

// OpenOptions say how Open reads a data set.
type OpenOptions struct {
	// Split is "train" or "test" (default) for MNIST-style IDX folders and
	// x_train/x_test .npy pairs.
	Split string
	// Labels is a labels file (.npy or IDX) for a samples file whose labels
	// cannot be found by name.
	Labels string
	// RawDType is the element type of a raw samples file (default float32).
	RawDType string
}

// Open reads the data set at path, telling its kind from what is there:
//
//   - a folder with MNIST-style IDX files (train-*/t10k-*): that split;
//   - a folder with x_<split>.npy and y_<split>.npy, or x.npy and y.npy:
//     samples and labels;
//   - any other folder: an image folder, one subfolder per class;
//   - an IDX file: images, with labels from opts.Labels or from the file of
//     the same name with "images" replaced by "labels";
//   - a .npy file: samples, with labels from opts.Labels or from the file of
//     the same name with a leading "x" replaced by "y" (x_test.npy and
//     y_test.npy);
//   - any other file (.bin, .raw): raw little-endian samples of
//     opts.RawDType, each shaped like the model's input, with labels from
//     opts.Labels.
func Open(path string, opts OpenOptions) (Source, error) {
	split := opts.Split
	if split == "" {
		split = "test"
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		if IsIDXDir(path) {
			return ReadIDXDir(path, split)
		}
		for _, pair := range [][2]string{{"x_" + split + ".npy", "y_" + split + ".npy"}, {"x.npy", "y.npy"}} {
			x, y := filepath.Join(path, pair[0]), filepath.Join(path, pair[1])
			if fileExists(x) && fileExists(y) {
				return openNPY(x, y)
			}
		}
		return OpenImageFolder(path)
	}
	base := filepath.Base(path)
	labels := opts.Labels
	switch {
	case strings.EqualFold(filepath.Ext(path), ".npy"):
		if labels == "" {
			if labels, err = siblingName(path, base, "x", "y"); err != nil {
				return nil, err
			}
		}
		return openNPY(path, labels)
	case looksLikeIDX(path):
		if labels == "" {
			if labels, err = siblingName(path, base, "images", "labels"); err != nil {
				return nil, err
			}
		}
		return ReadIDXImages(path, labels)
	}
	if labels == "" {
		return nil, fmt.Errorf("%s: a raw samples file needs a labels file (--labels)", path)
	}
	dtype := opts.RawDType
	if dtype == "" {
		dtype = "float32"
	}
	if ElementSize(dtype) == 0 {
		return nil, fmt.Errorf("unknown raw element type %q", dtype)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lab, err := readLabels(labels)
	if err != nil {
		return nil, err
	}
	return NewTensorSet(&Array{DType: dtype, Shape: []int{len(data) / ElementSize(dtype)}, Data: data}, lab, path, true)
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// siblingName finds the labels file beside a samples file by replacing the
// first occurrence of from (at the start for "x") with to.
func siblingName(path, base, from, to string) (string, error) {
	var name string
	switch {
	case from == "x" && strings.HasPrefix(base, "x"):
		name = "y" + base[1:]
	case from != "x" && strings.Contains(base, from):
		name = strings.Replace(base, from, to, 1)
	default:
		return "", fmt.Errorf("%s: cannot tell where its labels are; name them with --labels", path)
	}
	p := filepath.Join(filepath.Dir(path), name)
	if !fileExists(p) {
		return "", fmt.Errorf("%s: its labels file %s does not exist; name the labels with --labels", path, p)
	}
	return p, nil
}

// looksLikeIDX tells an IDX file by its magic: two zero bytes, a known type
// byte (after gunzipping when it is compressed: the name must then say idx).
func looksLikeIDX(path string) bool {
	name := strings.ToLower(filepath.Base(path))
	if strings.Contains(name, "idx") || strings.Contains(name, "ubyte") {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	if _, err := f.Read(b[:]); err != nil {
		return false
	}
	_, known := idxTypes[b[2]]
	return b[0] == 0 && b[1] == 0 && known && b[3] > 0 && b[3] <= maxIDXDims
}

// readLabels reads a labels file: .npy, else IDX.
func readLabels(path string) ([]int, error) {
	var a *Array
	var err error
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		a, err = ReadNPYFile(path)
	} else {
		a, err = ReadIDXFile(path)
	}
	if err != nil {
		return nil, err
	}
	labels, err := LabelsOf(a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return labels, nil
}

func openNPY(xPath, yPath string) (Source, error) {
	x, err := ReadNPYFile(xPath)
	if err != nil {
		return nil, err
	}
	labels, err := readLabels(yPath)
	if err != nil {
		return nil, err
	}
	if ElementSize(x.DType) == 0 || slices.Contains([]string{"bool", "complex64", "complex128"}, x.DType) {
		return nil, fmt.Errorf("%s: samples of type %s cannot feed a model", xPath, x.DType)
	}
	s, err := NewTensorSet(x, labels, xPath, false)
	if err != nil {
		return nil, fmt.Errorf("%w (labels from %s)", err, yPath)
	}
	return s, nil
}

// ErrShape is wrapped by errors about data that does not fit a model input.
var ErrShape = errors.New("data does not fit the model input")
