package dataset

import (
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register the JPEG decoder for image.Decode
	_ "image/png"  // register the PNG decoder for image.Decode
	"io"
	"math"
	"os"
	"slices"

	_ "golang.org/x/image/bmp" // BMP too: TFLite Micro's example images are BMP files

	"github.com/liteforge/liteforge/internal/half"
)

// ImageLayout is where an image's height, width and channels sit in a
// tensor shape (NHWC, the layout TFLite models use).
type ImageLayout struct {
	Height, Width, Channels int
}

// ImageLayoutOf reads height, width and channel count from an NHWC-style
// shape: [N,H,W,C] or [H,W,C] with C of 1 or 3, or [N,H,W] / [H,W] for a
// grayscale input without a channel dimension (MNIST models take [1,28,28]).
// The batch, when present, must be 1; [1,N] is a vector, not an image.
func ImageLayoutOf(shape []int) (ImageLayout, error) {
	bad := func(why string) (ImageLayout, error) {
		return ImageLayout{}, fmt.Errorf("shape %v cannot hold one image: %s", shape, why)
	}
	var l ImageLayout
	switch len(shape) {
	case 4:
		if shape[0] != 1 {
			return bad("batch must be 1")
		}
		l = ImageLayout{shape[1], shape[2], shape[3]}
	case 3:
		if shape[2] == 1 || shape[2] == 3 {
			l = ImageLayout{shape[0], shape[1], shape[2]}
		} else if shape[0] == 1 {
			l = ImageLayout{shape[1], shape[2], 1}
		} else {
			return bad("want [H,W,1], [H,W,3] or [1,H,W]")
		}
	case 2:
		// [1,N] is one vector of N features (an MLP's input), not an image
		// one pixel high: stretching an image into it would be garbage.
		if shape[0] == 1 {
			return bad("a batch of one vector, not an image")
		}
		l = ImageLayout{shape[0], shape[1], 1}
	default:
		return bad("want rank 2, 3 or 4")
	}
	if l.Channels != 1 && l.Channels != 3 {
		return bad(fmt.Sprintf("%d channels; images fill 1 (gray) or 3 (RGB)", l.Channels))
	}
	if l.Height <= 0 || l.Width <= 0 {
		return bad("height and width must be positive")
	}
	return l, nil
}

// ReadImageFile decodes a PNG, JPEG or BMP file into an array of the given shape
// and element type (see ImageArray). Errors name the file.
func ReadImageFile(path string, shape []int, dtype string) (*Array, error) {
	l, err := ImageLayoutOf(shape)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	img, format, err := decodeImageFile(path, func(cfg image.Config) error {
		if cfg.Height != l.Height || cfg.Width != l.Width {
			return sizeMismatch(cfg.Height, cfg.Width, modelChannels(cfg.ColorModel), shape, l)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a, err := ImageArray(img, shape, dtype)
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %w", path, format, err)
	}
	return a, nil
}

// maxImagePixels bounds the images liteforge decodes. Decoders allocate the
// whole image from the size in its header before reading a pixel, so a
// 70-byte PNG claiming 65000x65000 pixels asked for 32 GB and killed the
// process. 2^26 pixels (8192x8192) is beyond any model input and any photo
// a data set holds.
const maxImagePixels = 1 << 26

// decodeImageFile decodes a PNG, JPEG or BMP file once its header's size is
// known to be sane and, when check is not nil, acceptable to check. Errors
// name the file.
func decodeImageFile(path string, check func(image.Config) error) (image.Image, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return nil, "", fmt.Errorf("%s: cannot decode image (PNG, JPEG and BMP are supported): %w", path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, "", fmt.Errorf("%s (%s): header says %dx%d pixels; liteforge reads images of 1 to %d pixels", path, format, cfg.Width, cfg.Height, maxImagePixels)
	}
	if check != nil {
		if err := check(cfg); err != nil {
			return nil, "", fmt.Errorf("%s (%s): %w", path, format, err)
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, "", err
	}
	img, format, err := image.Decode(f)
	if err != nil {
		return nil, "", fmt.Errorf("%s: cannot decode image (PNG, JPEG and BMP are supported): %w", path, err)
	}
	return img, format, nil
}

// ImageArray converts img to an array of the given shape and element type.
// The image must already have the shape's height and width; the channel count
// of the shape picks grayscale (1) or RGB (3). Pixel values v in 0..255 become
// v for uint8, v-128 for int8, and v/255 for float32 and float16. Alpha is
// ignored (colors are taken un-premultiplied).
func ImageArray(img image.Image, shape []int, dtype string) (*Array, error) {
	l, err := ImageLayoutOf(shape)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Dy() != l.Height || b.Dx() != l.Width {
		return nil, sizeMismatch(b.Dy(), b.Dx(), imageChannels(img), shape, l)
	}
	put, size, err := pixelWriter(dtype)
	if err != nil {
		return nil, err
	}
	data := make([]byte, l.Height*l.Width*l.Channels*size)
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.At(x, y)
			if l.Channels == 1 {
				put(data[i:], color.GrayModel.Convert(c).(color.Gray).Y)
				i += size
				continue
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			put(data[i:], n.R)
			put(data[i+size:], n.G)
			put(data[i+2*size:], n.B)
			i += 3 * size
		}
	}
	return &Array{DType: dtype, Shape: slices.Clone(shape), Data: data}, nil
}

// sizeMismatch is the error for an image of height h and width w (with
// channels) that an input of shape (layout l) cannot take.
func sizeMismatch(h, w, channels int, shape []int, l ImageLayout) error {
	return fmt.Errorf("image shape [%d %d %d] (height, width, channels) does not fit input shape %v, which needs %dx%d pixels",
		h, w, channels, shape, l.Height, l.Width)
}

// imageChannels is the channel count an image carries (1 for gray, 3 else).
func imageChannels(img image.Image) int { return modelChannels(img.ColorModel()) }

// modelChannels is the channel count of a color model (1 for gray, 3 else).
func modelChannels(m color.Model) int {
	switch m {
	case color.GrayModel, color.Gray16Model:
		return 1
	}
	return 3
}

// pixelWriter returns how to store one 8-bit pixel value as dtype.
func pixelWriter(dtype string) (func([]byte, uint8), int, error) {
	switch dtype {
	case "uint8":
		return func(b []byte, v uint8) { b[0] = v }, 1, nil
	case "int8":
		return func(b []byte, v uint8) { b[0] = byte(int8(int(v) - 128)) }, 1, nil
	case "float32":
		return func(b []byte, v uint8) {
			putUint32(b, math.Float32bits(float32(v)/255))
		}, 4, nil
	case "float16":
		return func(b []byte, v uint8) {
			h := half.Float32ToFloat16(float32(v) / 255)
			b[0], b[1] = byte(h), byte(h>>8)
		}, 2, nil
	}
	return nil, 0, fmt.Errorf("images can fill uint8, int8, float32 or float16 inputs, not %s", dtype)
}

func putUint32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
