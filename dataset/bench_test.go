package dataset

import (
	"image"
	"testing"
)

// BenchmarkEncodeGray28 is the per-image preprocessing cost of an MNIST
// evaluation (28x28 gray, float32 and int8 inputs).
func BenchmarkEncodeGray28(b *testing.B) {
	img := &image.Gray{Pix: make([]byte, 784), Stride: 28, Rect: image.Rect(0, 0, 28, 28)}
	for _, in := range []Input{{Shape: []int{1, 28, 28}, DType: "float32"}, {Shape: []int{1, 28, 28}, DType: "int8", Scale: 1.0 / 255, ZeroPoint: -128}} {
		b.Run(in.DType, func(b *testing.B) {
			e, err := NewEncoder(in, Preprocess{})
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]byte, e.ByteSize())
			for b.Loop() {
				if err := e.Encode(Example{Image: img}, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodeResizeRGB is resizing a 320x240 RGB image to a 224x224x3
// uint8 input.
func BenchmarkEncodeResizeRGB(b *testing.B) {
	img := image.NewNRGBA(image.Rect(0, 0, 320, 240))
	e, err := NewEncoder(Input{Shape: []int{1, 224, 224, 3}, DType: "uint8", Scale: 1.0 / 127.5, ZeroPoint: 127}, Preprocess{Mean: []float64{0.5}, Std: []float64{0.5}})
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, e.ByteSize())
	for b.Loop() {
		if err := e.Encode(Example{Image: img}, dst); err != nil {
			b.Fatal(err)
		}
	}
}
