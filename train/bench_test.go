package train

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkTrainStep times one training step (forward, loss, backward,
// Adam update) on random 28×28 images, and reports images per second.
func BenchmarkTrainStep(b *testing.B) {
	for _, tc := range []struct {
		arch           string
		batch, threads int
	}{
		{"lenet", 64, 1}, {"lenet", 64, 2}, {"mbv2-small", 256, 1}, {"mbv2-small", 256, 2},
	} {
		b.Run(tc.arch+"/batch"+itoa(tc.batch)+"/threads"+itoa(tc.threads), func(b *testing.B) {
			m, err := Arch(tc.arch, 1)
			if err != nil {
				b.Fatal(err)
			}
			net, err := NewNet(m, Options{Threads: tc.threads})
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			n := tc.batch
			d := &Data{X: make([]float32, n*784), Labels: make([]int32, n), Shape: []int{28, 28, 1}}
			for i := range d.X {
				d.X[i] = rng.Float32()
			}
			for i := range d.Labels {
				d.Labels[i] = int32(rng.IntN(10))
			}
			p, err := net.plan(n, true)
			if err != nil {
				b.Fatal(err)
			}
			opt := NewAdam(0, false)
			step := func() {
				copy(p.vals[net.input], d.X)
				if err := p.forward(true); err != nil {
					b.Fatal(err)
				}
				if _, _, err := crossEntropy(p.vals[net.logits], 1, 10, d.Labels, nil, Distill{}, p.grads[net.logits]); err != nil {
					b.Fatal(err)
				}
				net.ZeroGrad()
				if err := p.backward(); err != nil {
					b.Fatal(err)
				}
				opt.Step(net.params, 1e-3)
			}
			// The first step touches every buffer of the plan for the
			// first time (page faults on about a gigabyte for mbv2-small);
			// training pays that once, so the timing leaves it out.
			step()
			b.ResetTimer()
			for range b.N {
				step()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	s := ""
	for ; v > 0; v /= 10 {
		s = string(rune('0'+v%10)) + s
	}
	return s
}
