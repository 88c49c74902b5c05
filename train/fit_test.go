package train

import (
	"context"
	"testing"
)

// Training twice with the same seed, once on one thread and once on two,
// gives bit-identical weights: the work is chunked by the data, not by the
// threads, and partial sums are added in a fixed order.
func TestDeterministicAcrossThreads(t *testing.T) {
	data := loadMNIST(t, "fashion-mnist", "train", 96)
	for _, arch := range []string{"lenet", "mbv2-small"} {
		t.Run(arch, func(t *testing.T) {
			var weights [][]float32
			for _, threads := range []int{1, 2} {
				m, err := Arch(arch, 3)
				if err != nil {
					t.Fatal(err)
				}
				net, err := NewNet(m, Options{Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				_, err = Fit(context.Background(), net, data, Config{Epochs: 1, BatchSize: 32, LR: 1e-3,
					Optimizer: &SGD{Momentum: 0.9}, Seed: 9, Augment: Augment{Shift: 2, FlipH: true, Noise: 0.05}})
				if err != nil {
					t.Fatal(err)
				}
				var all []float32
				for _, p := range net.Params() {
					all = append(all, p.Value...)
				}
				for t2, v := range net.consts { // running statistics too
					if v != nil && net.paramOf[t2] < 0 {
						all = append(all, v...)
					}
				}
				weights = append(weights, all)
			}
			changed := false
			init, _ := Arch(arch, 3)
			net0, _ := NewNet(init, Options{})
			i := 0
			for _, p := range net0.Params() {
				for _, v := range p.Value {
					changed = changed || v != weights[0][i]
					i++
				}
			}
			if !changed {
				t.Fatal("training changed no weight")
			}
			for i := range weights[0] {
				if weights[0][i] != weights[1][i] {
					t.Fatalf("value %d differs: %v on 1 thread, %v on 2", i, weights[0][i], weights[1][i])
				}
			}
		})
	}
}

// A few hundred steps of LeNet on MNIST take it well past chance: LeNet-5
// is known to reach about 97% after one epoch of the full training set, so
// a fifth of an epoch must clear 90% on held-out images.
func TestLeNetLearnsMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a while")
	}
	train := loadMNIST(t, "mnist", "train", 12000)
	test := loadMNIST(t, "mnist", "test", 1000)
	m, err := LeNet(1)
	if err != nil {
		t.Fatal(err)
	}
	net, err := NewNet(m, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Fit(context.Background(), net, train, Config{Epochs: 1, BatchSize: 64, LR: 2e-3, Seed: 1, Test: test})
	if err != nil {
		t.Fatal(err)
	}
	if acc := res[0].TestAccuracy; acc < 0.90 {
		t.Errorf("test accuracy %.4f after 12000 images, want at least 0.90", acc)
	}
	t.Logf("%+v", res[0])
}

func TestFitRejectsBadData(t *testing.T) {
	m, _ := LeNet(1)
	net, err := NewNet(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := &Data{X: make([]float32, 2*784), Labels: []int32{1, 2}, Shape: []int{28, 28, 1}}
	for name, d := range map[string]*Data{
		"empty":       {Shape: []int{28, 28, 1}},
		"short":       {X: make([]float32, 100), Labels: []int32{1}, Shape: []int{28, 28, 1}},
		"wrong shape": {X: make([]float32, 2*32*32), Labels: []int32{1, 2}, Shape: []int{32, 32, 1}},
		"bad label":   {X: make([]float32, 784), Labels: []int32{10}, Shape: []int{28, 28, 1}},
	} {
		if _, err := Fit(context.Background(), net, d, Config{Epochs: 1, BatchSize: 1, LR: 0.1}); err == nil {
			t.Errorf("%s data accepted", name)
		}
	}
	if _, err := Fit(context.Background(), net, good, Config{Epochs: 0, BatchSize: 1, LR: 0.1}); err == nil {
		t.Error("zero epochs accepted")
	}
	if _, err := Fit(context.Background(), net, good, Config{Epochs: 1, BatchSize: 1, LR: 0.1, Teacher: func([]float32, int, []float32) error { return nil }, Distill: Distill{Temperature: 0}}); err == nil {
		t.Error("temperature 0 accepted")
	}
}
