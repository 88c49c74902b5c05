package train

import (
	"fmt"
	"math/rand/v2"

	"github.com/liteforge/liteforge/ir"
)

// Data is a labelled set of samples in the model's input layout (NHWC for
// images), already scaled as the model expects.
type Data struct {
	X      []float32 // Len() samples of Shape, one after another
	Labels []int32
	Shape  []int // one sample's shape, e.g. [28, 28, 1]
}

// Len is the number of samples.
func (d *Data) Len() int { return len(d.Labels) }

func (d *Data) check(net *Net, what string) error {
	size := ir.NumElements(d.Shape)
	if d.Len() == 0 {
		return fmt.Errorf("train: the %s data is empty", what)
	}
	if size <= 0 || len(d.X) != size*d.Len() {
		return fmt.Errorf("train: the %s data holds %d values for %d samples of shape %v", what, len(d.X), d.Len(), d.Shape)
	}
	if want := net.sample[net.input]; !sameShape(d.Shape, want) {
		return fmt.Errorf("train: the %s samples have shape %v, the model's input takes %v", what, d.Shape, want)
	}
	for i, y := range d.Labels {
		if y < 0 || int(y) >= net.classes {
			return fmt.Errorf("train: %s label %d (sample %d) is outside the model's %d classes", what, y, i, net.classes)
		}
	}
	return nil
}

// Augment describes random changes made to each training image (samples of
// shape [H, W, C], or [1, H, W] for one channel in NCHW order), drawn afresh
// every epoch.
type Augment struct {
	// Shift moves the image by up to Shift pixels in each direction, filling
	// with zeros (a random crop of the image padded by Shift).
	Shift int
	// FlipH mirrors half of the images left to right.
	FlipH bool
	// Noise adds Gaussian noise of this standard deviation.
	Noise float32
}

func (a Augment) active() bool { return a.Shift > 0 || a.FlipH || a.Noise > 0 }

// apply writes the augmented src into dst.
func (a Augment) apply(dst, src []float32, shape []int, rng *rand.Rand) {
	if !a.active() || len(shape) != 3 {
		copy(dst, src)
		return
	}
	h, w, c := shape[0], shape[1], shape[2]
	if h == 1 && c > 1 { // a single-channel image in NCHW order: [1, H, W]
		h, w, c = shape[1], shape[2], 1
	}
	dy, dx := 0, 0
	if a.Shift > 0 {
		dy = rng.IntN(2*a.Shift+1) - a.Shift
		dx = rng.IntN(2*a.Shift+1) - a.Shift
	}
	flip := a.FlipH && rng.IntN(2) == 1
	for y := range h {
		sy := y + dy
		for x := range w {
			out := dst[(y*w+x)*c : (y*w+x+1)*c]
			sx := x + dx
			if flip {
				sx = w - 1 - x + dx
			}
			if sy < 0 || sy >= h || sx < 0 || sx >= w {
				clear(out)
				continue
			}
			copy(out, src[(sy*w+sx)*c:])
		}
	}
	if a.Noise > 0 {
		for i := range dst {
			dst[i] += a.Noise * float32(rng.NormFloat64())
		}
	}
}

// sampleRNG is the generator of one sample's augmentation in one epoch:
// derived from the seed alone, so threads do not change what it draws.
func sampleRNG(seed uint64, epoch, index int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x6175676d656e74, uint64(epoch)<<32|uint64(index)))
}
