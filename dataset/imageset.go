package dataset

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ImageSet is a labelled set of same-sized 8-bit images held in memory, as
// MNIST-style IDX files give them.
type ImageSet struct {
	// N images of Height×Width pixels with Channels channels (1 or 3).
	N, Height, Width, Channels int
	// Pixels holds the images in NHWC order, one byte per channel.
	Pixels []uint8
	// Labels holds one class index per image.
	Labels []int
	// Source names where the images came from, for messages.
	Source string
}

// Float32 returns the images as float32 values in [0,1] (pixel/255), in NHWC
// order: the input most small image models are trained on.
func (s *ImageSet) Float32() []float32 {
	out := make([]float32, len(s.Pixels))
	for i, p := range s.Pixels {
		out[i] = float32(p) / 255
	}
	return out
}

// ImagePixels returns the pixels of image i, HWC order (a view, not a copy).
func (s *ImageSet) ImagePixels(i int) []uint8 {
	n := s.Height * s.Width * s.Channels
	return s.Pixels[i*n : (i+1)*n]
}

// Image returns image i as an image.Image that shares the set's memory:
// *image.Gray for one channel, *image.RGBA (opaque) for three.
func (s *ImageSet) Image(i int) image.Image {
	px := s.ImagePixels(i)
	r := image.Rect(0, 0, s.Width, s.Height)
	if s.Channels == 1 {
		return &image.Gray{Pix: px, Stride: s.Width, Rect: r}
	}
	img := image.NewRGBA(r)
	for j := 0; j < s.Width*s.Height; j++ {
		copy(img.Pix[4*j:4*j+3], px[3*j:3*j+3])
		img.Pix[4*j+3] = 255
	}
	return img
}

// ReadIDXImages reads a pair of IDX files: images (uint8, [N,H,W] or
// [N,H,W,C] with C of 1 or 3) and labels (a vector of N class indices).
func ReadIDXImages(imagesPath, labelsPath string) (*ImageSet, error) {
	imgs, err := ReadIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	if imgs.DType != "uint8" {
		return nil, fmt.Errorf("%s: IDX images must be uint8, not %s", imagesPath, imgs.DType)
	}
	s := &ImageSet{Pixels: imgs.Data, Source: imagesPath}
	switch len(imgs.Shape) {
	case 3:
		s.N, s.Height, s.Width, s.Channels = imgs.Shape[0], imgs.Shape[1], imgs.Shape[2], 1
	case 4:
		s.N, s.Height, s.Width, s.Channels = imgs.Shape[0], imgs.Shape[1], imgs.Shape[2], imgs.Shape[3]
	default:
		return nil, fmt.Errorf("%s: IDX images have shape %v; want [N,H,W] or [N,H,W,C]", imagesPath, imgs.Shape)
	}
	if s.Channels != 1 && s.Channels != 3 {
		return nil, fmt.Errorf("%s: IDX images have %d channels; want 1 or 3", imagesPath, s.Channels)
	}
	if s.Height == 0 || s.Width == 0 {
		return nil, fmt.Errorf("%s: IDX images have shape %v, with no pixels", imagesPath, imgs.Shape)
	}
	lab, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	if s.Labels, err = LabelsOf(lab); err != nil {
		return nil, fmt.Errorf("%s: %w", labelsPath, err)
	}
	if len(s.Labels) != s.N {
		return nil, fmt.Errorf("%s holds %d labels but %s holds %d images", labelsPath, len(s.Labels), imagesPath, s.N)
	}
	return s, nil
}

// idxSplitPrefixes are the file-name prefixes of each split in an
// MNIST-style folder.
var idxSplitPrefixes = map[string][]string{
	"train": {"train-"},
	"test":  {"t10k-", "test-"},
}

// ReadIDXDir reads one split ("train" or "test") of an MNIST-style folder:
// the files named train-images*/train-labels* or t10k-images*/t10k-labels*
// (test-* is accepted too), gzip-compressed or not, as MNIST and
// Fashion-MNIST are distributed.
func ReadIDXDir(dir, split string) (*ImageSet, error) {
	imgs, labels, err := FindIDXPair(dir, split)
	if err != nil {
		return nil, err
	}
	return ReadIDXImages(imgs, labels)
}

// FindIDXPair returns the images and labels files of a split in an
// MNIST-style folder (see ReadIDXDir).
func FindIDXPair(dir, split string) (images, labels string, err error) {
	prefixes, ok := idxSplitPrefixes[split]
	if !ok {
		return "", "", fmt.Errorf("unknown split %q (want train or test)", split)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", "", err
	}
	var imgs, labs []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		for _, p := range prefixes {
			switch {
			case strings.HasPrefix(name, p+"images"):
				imgs = append(imgs, name)
			case strings.HasPrefix(name, p+"labels"):
				labs = append(labs, name)
			}
		}
	}
	pick := func(kind string, names []string) (string, error) {
		switch len(names) {
		case 1:
			return filepath.Join(dir, names[0]), nil
		case 0:
			return "", fmt.Errorf("%s: no %s file for split %q (want a file named %s%s-idx...)", dir, kind, split, prefixes[0], kind)
		}
		slices.Sort(names)
		return "", fmt.Errorf("%s: several %s files for split %q: %s", dir, kind, split, strings.Join(names, ", "))
	}
	if images, err = pick("images", imgs); err != nil {
		return "", "", err
	}
	if labels, err = pick("labels", labs); err != nil {
		return "", "", err
	}
	return images, labels, nil
}

// IsIDXDir reports whether dir holds MNIST-style IDX files of any split.
func IsIDXDir(dir string) bool {
	for split := range idxSplitPrefixes {
		if _, _, err := FindIDXPair(dir, split); err == nil {
			return true
		}
	}
	return false
}
