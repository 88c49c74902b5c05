package train

import (
	"fmt"
	"sort"

	"github.com/liteforge/liteforge/ir"
)

// Architectures for 28×28 single-channel inputs (MNIST, Fashion-MNIST),
// NHWC, pixel/255 in [0, 1], ten classes, logits out: the layer lists of
// ../shared/fixtures/onnx's lenet_mnist and mbv2_fashion.

var archs = map[string]func(seed uint64) (*ir.Model, error){
	"lenet":      LeNet,
	"mbv2-small": MobileNetV2Small,
}

// Archs lists the architecture names Arch knows.
func Archs() []string {
	var names []string
	for k := range archs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Arch builds the named architecture with weights initialized from seed.
func Arch(name string, seed uint64) (*ir.Model, error) {
	f, ok := archs[name]
	if !ok {
		return nil, fmt.Errorf("train: unknown architecture %q (want one of %v)", name, Archs())
	}
	return f(seed)
}

// LeNet is LeNet-5: conv5×5(1→6, SAME) ReLU, max-pool 2, conv5×5(6→16,
// VALID) ReLU, max-pool 2, fc 400→120 ReLU, fc 120→84 ReLU, fc 84→10.
func LeNet(seed uint64) (*ir.Model, error) {
	b := NewBuilder(seed, 1, 28, 28, 1)
	x := b.Conv(b.Input(), 6, 5, 1, ir.PaddingSame, ir.ActRelu, true)
	x = b.MaxPool(x, 2, 2)
	x = b.Conv(x, 16, 5, 1, ir.PaddingValid, ir.ActRelu, true)
	x = b.MaxPool(x, 2, 2)
	x = b.Flatten(x)
	x = b.FC(x, 120, ir.ActRelu)
	x = b.FC(x, 84, ir.ActRelu)
	x = b.FC(x, 10, ir.ActNone)
	return b.Model(x, "liteforge lenet")
}

// MobileNetV2Small is a MobileNetV2-style network: a conv3×3(1→16) stem with
// batch norm and ReLU6; inverted residual blocks (1×1 expand ×6, BN, ReLU6;
// 3×3 depthwise with the block's stride, BN, ReLU6; 1×1 project, BN;
// residual when the stride is 1 and the channels match) 16→24 s2, 24→24 s1,
// 24→32 s2, 32→32 s1, 32→64 s1; conv1×1 64→128 BN ReLU6; global average
// pool; fc 128→10. Convolutions before a batch norm have no bias, as in
// PyTorch; export folds the batch norms back into them.
func MobileNetV2Small(seed uint64) (*ir.Model, error) {
	b := NewBuilder(seed, 1, 28, 28, 1)
	convBN := func(x, outC, k, stride int, act ir.Activation) int {
		return b.BatchNorm(b.Conv(x, outC, k, stride, ir.PaddingSame, ir.ActNone, false), act)
	}
	x := convBN(b.Input(), 16, 3, 1, ir.ActRelu6)
	for _, blk := range []struct{ out, stride int }{{24, 2}, {24, 1}, {32, 2}, {32, 1}, {64, 1}} {
		in := b.dims(x, 4)[3]
		h := convBN(x, in*6, 1, 1, ir.ActRelu6)
		h = b.BatchNorm(b.Depthwise(h, 3, blk.stride, ir.PaddingSame, ir.ActNone, false), ir.ActRelu6)
		h = convBN(h, blk.out, 1, 1, ir.ActNone)
		if blk.stride == 1 && in == blk.out {
			h = b.Op(ir.Add, &ir.AddOptions{PotScaleInt16: true}, x, h)
		}
		x = h
	}
	x = convBN(x, 128, 1, 1, ir.ActRelu6)
	x = b.GlobalAverage(x)
	x = b.FC(x, 10, ir.ActNone)
	return b.Model(x, "liteforge mbv2-small")
}
