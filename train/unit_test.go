package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/liteforge/liteforge/ir"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// The cross-entropy gradient against central differences of the loss
// itself, with and without a teacher, for a SOFTMAX β other than 1.
func TestCrossEntropyGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, classes = 3, 5
	logits := make([]float32, n*classes)
	teacher := make([]float32, n*classes)
	for i := range logits {
		logits[i] = float32(rng.NormFloat64() * 2)
		teacher[i] = float32(rng.NormFloat64() * 2)
	}
	labels := []int32{0, 3, 4}
	for _, tc := range []struct {
		name    string
		teacher []float32
		d       Distill
	}{
		{"labels", nil, Distill{}},
		{"distill", teacher, Distill{Temperature: 3, Alpha: 0.7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			grad := make([]float32, len(logits))
			scratchGrad := make([]float32, len(logits))
			if _, _, err := crossEntropy(logits, 1.5, classes, labels, tc.teacher, tc.d, grad); err != nil {
				t.Fatal(err)
			}
			for i := range logits {
				v := logits[i]
				const h = 1e-2
				logits[i] = v + h
				up, _, _ := crossEntropy(logits, 1.5, classes, labels, tc.teacher, tc.d, scratchGrad)
				logits[i] = v - h
				down, _, _ := crossEntropy(logits, 1.5, classes, labels, tc.teacher, tc.d, scratchGrad)
				logits[i] = v
				fd := (up - down) / (2 * h)
				if !near(float64(grad[i]), fd, 1e-3+1e-2*math.Abs(fd)) {
					t.Errorf("logit %d: gradient %.6g, finite difference %.6g", i, grad[i], fd)
				}
			}
		})
	}
}

// A loss the teacher agrees with: with α=1 and a teacher equal to the
// student, the soft term is zero (KL of a distribution with itself).
func TestDistillSelfIsZero(t *testing.T) {
	logits := []float32{1, 2, 3, -1}
	grad := make([]float32, 4)
	loss, _, err := crossEntropy(logits, 1, 4, []int32{2}, logits, Distill{Temperature: 4, Alpha: 1}, grad)
	if err != nil {
		t.Fatal(err)
	}
	if !near(loss, 0, 1e-12) {
		t.Errorf("loss %v, want 0", loss)
	}
	for i, g := range grad {
		if !near(float64(g), 0, 1e-7) {
			t.Errorf("grad[%d] = %v, want 0", i, g)
		}
	}
}

func TestCrossEntropyRejectsBadLabel(t *testing.T) {
	if _, _, err := crossEntropy([]float32{0, 0}, 1, 2, []int32{2}, nil, Distill{}, make([]float32, 2)); err == nil {
		t.Error("label 2 of 2 classes accepted")
	}
}

// One or two optimizer steps worked out by hand from the update rules.
func TestOptimizers(t *testing.T) {
	step := func(o Optimizer, decay bool, grads ...float32) float32 {
		p := &Param{Value: []float32{1}, Grad: []float32{0}, Decay: decay}
		for _, g := range grads {
			p.Grad[0] = g
			o.Step([]*Param{p}, 0.1)
		}
		return p.Value[0]
	}
	for _, tc := range []struct {
		name string
		got  float32
		want float64
	}{
		// v = 0.5, w = 1 − 0.1·0.5; then v = 0.9·0.5 + 0.5, w −= 0.1·0.95
		{"sgd momentum", step(&SGD{Momentum: 0.9}, true, 0.5, 0.5), 0.855},
		// v = 0.5, step g + μv = 0.95
		{"nesterov", step(&SGD{Momentum: 0.9, Nesterov: true}, true, 0.5), 0.905},
		// L2: g = 0.5 + 0.1·1
		{"sgd decay", step(&SGD{WeightDecay: 0.1}, true, 0.5), 0.94},
		{"sgd decay skipped for biases", step(&SGD{WeightDecay: 0.1}, false, 0.5), 0.95},
		// Adam's first step moves by lr·sign(g) (bias-corrected m/√v = ±1)
		{"adam", step(NewAdam(0, false), true, 0.5), 0.9},
		// AdamW: w·(1 − lr·λ) − lr
		{"adamw", step(NewAdam(0.1, true), true, 0.5), 0.89},
	} {
		if !near(float64(tc.got), tc.want, 1e-6) {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	frozen := &Param{Value: []float32{1}, Grad: []float32{1}, Frozen: true}
	NewAdam(0, false).Step([]*Param{frozen}, 0.1)
	if frozen.Value[0] != 1 {
		t.Error("a frozen parameter changed")
	}
}

func TestSchedules(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  float64
		want float64
	}{
		{"constant", Constant{}.Rate(0.1, 50, 100, 10), 0.1},
		{"step epoch 0", StepDecay{Epochs: 2, Gamma: 0.1}.Rate(1, 19, 100, 10), 1},
		{"step epoch 2", StepDecay{Epochs: 2, Gamma: 0.1}.Rate(1, 20, 100, 10), 0.1},
		{"step epoch 5", StepDecay{Epochs: 2, Gamma: 0.1}.Rate(1, 55, 100, 10), 0.01},
		{"cosine start", Cosine{}.Rate(1, 0, 100, 10), 1},
		{"cosine middle", Cosine{}.Rate(1, 50, 100, 10), 0.5},
		{"cosine end", Cosine{Min: 0.1}.Rate(1, 100, 100, 10), 0.1},
		// OneCycleLR: max/25 at the start, max at step pct·total−1, max/25/1e4 at the last step
		{"onecycle start", DefaultOneCycle.Rate(1, 0, 101, 10), 0.04},
		{"onecycle peak", DefaultOneCycle.Rate(1, 29, 100, 10), 1},
		{"onecycle end", DefaultOneCycle.Rate(1, 99, 100, 10), 0.04 / 1e4},
		{"onecycle momentum start", DefaultOneCycle.momentum(0, 100), 0.95},
		{"onecycle momentum peak", DefaultOneCycle.momentum(29, 100), 0.85},
	} {
		if !near(tc.got, tc.want, 1e-9) {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if _, err := ParseSchedule("linear", 1); err == nil {
		t.Error("unknown schedule accepted")
	}
	if _, err := ParseOptimizer("rmsprop", 0); err == nil {
		t.Error("unknown optimizer accepted")
	}
}

func TestAugment(t *testing.T) {
	// a 3×4 one-channel image holding its own pixel index
	src := make([]float32, 12)
	for i := range src {
		src[i] = float32(i + 1)
	}
	shape := []int{3, 4, 1}
	dst := make([]float32, 12)
	Augment{FlipH: true}.apply(dst, src, shape, rand.New(rand.NewPCG(1, 1)))
	flipped := []float32{4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9}
	same := true
	for i := range dst {
		same = same && dst[i] == src[i]
	}
	if !same {
		for i := range dst {
			if dst[i] != flipped[i] {
				t.Fatalf("flip gave %v, want the identity or %v", dst, flipped)
			}
		}
	}
	// Over many draws, shifts stay within ±1 pixel: every output pixel is
	// zero or a source pixel at most one row and column away.
	rng := rand.New(rand.NewPCG(2, 2))
	for range 50 {
		Augment{Shift: 1}.apply(dst, src, shape, rng)
		for i, v := range dst {
			if v == 0 {
				continue
			}
			j := int(v) - 1
			if abs(i/4-j/4) > 1 || abs(i%4-j%4) > 1 {
				t.Fatalf("pixel %d took source pixel %d: %v", i, j, dst)
			}
		}
	}
	// The same seed draws the same augmentation.
	a, b := make([]float32, 12), make([]float32, 12)
	aug := Augment{Shift: 1, FlipH: true, Noise: 0.1}
	aug.apply(a, src, shape, sampleRNG(5, 3, 7))
	aug.apply(b, src, shape, sampleRNG(5, 3, 7))
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("the same seed gave different augmentations")
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// A training plan's convolutions (the im2col path, where the CPU has the
// vector loops) compute what liteforge's CONV_2D kernel computes in an
// evaluation plan, up to the rounding of another summation order.
func TestConvTrainForwardMatchesKernel(t *testing.T) {
	for _, tc := range im2colCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 5))
			got, want := trainAndEvalOutputs(t, tc.model(t), tc.batch, func(int) float32 { return float32(rng.NormFloat64()) })
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("output[%d] = %v, the kernel gives %v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestWindowMax(t *testing.T) {
	x := []float32{1, 5, 3, 5, -2, -1, 7, 0}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, tc := range []struct {
		x      []float32
		offs   []int
		c      int
		wantM  float32
		wantAt int
	}{
		{x, []int{0, 2, 4, 6}, 0, 7, 6}, // 1, 3, -2, 7
		{x, []int{0, 2, 4, 6}, 1, 5, 1}, // 5, 5, -1, 0: the first 5
		{x, []int{4}, 1, -1, 5},         // a window of one
		{[]float32{-3, -1, -1}, []int{0, 1, 2}, 0, -1, 1},
		{[]float32{-inf, -inf}, []int{0, 1}, 0, -math.MaxFloat32, 0}, // the kernel's floor
		{[]float32{nan, 2, 4}, []int{0, 1, 2}, 0, nan, 0},            // nothing beats a NaN that comes first
		{[]float32{1, nan, 4}, []int{0, 1, 2}, 0, nan, 2},            // a later NaN is never larger
	} {
		m, at := windowMax(tc.x, tc.offs, tc.c)
		sameM := m == tc.wantM || (m != m && tc.wantM != tc.wantM)
		if !sameM || at != tc.wantAt {
			t.Errorf("windowMax(%v, %v, %d) = %v, %d, want %v, %d", tc.x, tc.offs, tc.c, m, at, tc.wantM, tc.wantAt)
		}
	}
}

// A max pool's gradient goes to the first maximum of each window in scan
// order, as after a ReLU, where windows of zeros are common.
func TestMaxPoolGradientTies(t *testing.T) {
	b := NewBuilder(1, 1, 2, 4, 2)
	y := b.MaxPool(b.Input(), 2, 2)
	net, err := NewNet(finish(t, b, y), Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	net.inputGrad = true
	net.markGrads()
	p, err := net.plan(1, true)
	if err != nil {
		t.Fatal(err)
	}
	// NHWC, rows y=0 and y=1 of (c0, c1) pairs. Channel 0: the left
	// window all zeros, the right one 3 at (0,3), (1,2) and (1,3); channel
	// 1: the maxima 5 at (1,0) and 9 at (0,3).
	copy(p.vals[net.input], []float32{
		0, 1, 0, 2, 0, 0, 3, 9,
		0, 5, 0, 0, 3, 4, 3, 8,
	})
	if err := p.forward(true); err != nil {
		t.Fatal(err)
	}
	copy(p.grads[net.logits], []float32{10, 20, 30, 40})
	if err := p.backward(); err != nil {
		t.Fatal(err)
	}
	want := []float32{
		10, 0, 0, 0, 0, 0, 30, 40,
		0, 20, 0, 0, 0, 0, 0, 0,
	}
	got := p.grads[net.input]
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("input gradient %v, want %v", got, want)
		}
	}
}

// A training plan's max pool (its own forward pass, which keeps each
// window's argmax) gives the kernel's values bit for bit, infinities, NaN
// and a fused activation included.
func TestMaxPoolTrainForwardMatchesKernel(t *testing.T) {
	for _, tc := range []struct {
		k, stride int
		pad       ir.Padding
		act       ir.Activation
	}{{2, 2, ir.PaddingValid, ir.ActNone}, {3, 2, ir.PaddingSame, ir.ActRelu6}, {2, 1, ir.PaddingSame, ir.ActNone}} {
		b := NewBuilder(1, 1, 5, 6, 3)
		// a convolution first, so that the pool's input needs a gradient
		x := b.Conv(b.Input(), 3, 1, 1, ir.PaddingValid, ir.ActNone, false)
		y := b.Op(ir.MaxPool2D, &ir.Pool2DOptions{Padding: tc.pad, StrideH: tc.stride, StrideW: tc.stride,
			FilterHeight: tc.k, FilterWidth: tc.k, Activation: tc.act}, x)
		rng := rand.New(rand.NewPCG(4, 4))
		got, want := trainAndEvalOutputs(t, finish(t, b, y), 2, func(i int) float32 {
			switch i % 17 {
			case 3:
				return float32(math.Inf(-1))
			case 5:
				return float32(math.Inf(1))
			case 11:
				return float32(math.NaN())
			}
			return float32(rng.NormFloat64() * 4)
		})
		for i := range want {
			same := math.Float32bits(got[i]) == math.Float32bits(want[i]) || (got[i] != got[i] && want[i] != want[i])
			if !same {
				t.Fatalf("k%d s%d %v: output[%d] = %v, the kernel gives %v", tc.k, tc.stride, tc.act, i, got[i], want[i])
			}
		}
	}
}

// trainAndEvalOutputs runs model m forward on the same batch, input element
// i being input(i), in a training plan and in an evaluation plan (which runs
// liteforge's kernels), and returns both outputs.
func trainAndEvalOutputs(t *testing.T, m *ir.Model, batch int, input func(i int) float32) (train, eval []float32) {
	t.Helper()
	net, err := NewNet(m, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	var plans [2]*plan
	for k, grads := range []bool{true, false} {
		if plans[k], err = net.plan(batch, grads); err != nil {
			t.Fatal(err)
		}
	}
	for i := range plans[0].vals[net.input] {
		v := input(i)
		plans[0].vals[net.input][i], plans[1].vals[net.input][i] = v, v
	}
	for k, p := range plans {
		if err := p.forward(k == 0); err != nil {
			t.Fatal(err)
		}
	}
	return plans[0].vals[net.output], plans[1].vals[net.output]
}

// The clamp activations pass the gradient strictly inside their bounds
// only; outside, even an infinite gradient becomes zero, and a NaN output
// (compared with nothing) passes it.
func TestActivationGradClamp(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	y := []float32{-1, 0, 0.5, 6, 7, nan, 3, 0}
	dy := []float32{1, 2, 3, 4, 5, 6, inf, -inf}
	for _, tc := range []struct {
		act  ir.Activation
		want []float32
	}{
		{ir.ActRelu, []float32{0, 0, 3, 4, 5, 6, inf, 0}},
		{ir.ActRelu6, []float32{0, 0, 3, 0, 0, 6, inf, 0}},
		{ir.ActReluN1To1, []float32{0, 2, 3, 0, 0, 6, 0, -inf}},
	} {
		dz := make([]float32, len(y))
		if err := activationGrad(tc.act, y, dy, dz); err != nil {
			t.Fatal(err)
		}
		for i := range dz {
			if math.Float32bits(dz[i]) != math.Float32bits(tc.want[i]) {
				t.Errorf("%v: dz = %v, want %v", tc.act, dz, tc.want)
				break
			}
		}
	}
}
