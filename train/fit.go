package train

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Teacher computes a stronger model's logits for a batch: x holds batch
// samples in the student's input layout, and logits receives batch×classes
// values. A teacher whose model ends in a softmax should return log
// probabilities (logits up to a constant per sample). The train package runs
// no model files itself; the caller wires a teacher to its runtime.
type Teacher func(x []float32, batch int, logits []float32) error

// Config configures Fit.
type Config struct {
	Epochs    int
	BatchSize int
	// LR is the base learning rate; Schedule shapes it over the run
	// (constant when nil).
	LR        float64
	Schedule  Schedule
	Optimizer Optimizer // Adam when nil
	// Seed fixes the shuffling and the augmentation: the same seed gives
	// the same weights, whatever Options.Threads.
	Seed    uint64
	Augment Augment
	// Teacher, when set, adds distillation with the Distill mixing.
	Teacher Teacher
	Distill Distill
	// Test, when set, is evaluated at the end of every epoch.
	Test *Data
	// Progress, when set, is called after every step.
	Progress func(Progress)
	// EpochDone, when set, is called after every epoch's evaluation.
	EpochDone func(EpochResult)
}

// Progress is the state of a run after one step.
type Progress struct {
	Epoch, Epochs int // 1-based epoch
	Step, Steps   int // step within the epoch, 1-based
	Samples       int // samples seen this epoch
	Loss          float64
	Accuracy      float64 // running means over the epoch so far
	LR            float64
}

// EpochResult summarizes one epoch.
type EpochResult struct {
	Epoch           int
	TrainLoss       float64
	TrainAccuracy   float64
	TestLoss        float64 // zero without test data
	TestAccuracy    float64
	Seconds         float64 // training time, evaluation excluded
	ImagesPerSecond float64
}

// Fit trains net on data and returns one result per epoch.
func Fit(ctx context.Context, net *Net, data *Data, cfg Config) ([]EpochResult, error) {
	if err := data.check(net, "training"); err != nil {
		return nil, err
	}
	if cfg.Test != nil {
		if err := cfg.Test.check(net, "test"); err != nil {
			return nil, err
		}
	}
	if cfg.Epochs <= 0 || cfg.BatchSize <= 0 {
		return nil, fmt.Errorf("train: epochs (%d) and batch size (%d) must be positive", cfg.Epochs, cfg.BatchSize)
	}
	if cfg.LR <= 0 {
		return nil, fmt.Errorf("train: learning rate %v must be positive", cfg.LR)
	}
	if cfg.Teacher != nil {
		if err := cfg.Distill.check(); err != nil {
			return nil, err
		}
	}
	sched := cfg.Schedule
	if sched == nil {
		sched = Constant{}
	}
	opt := cfg.Optimizer
	if opt == nil {
		opt = NewAdam(0, false)
	}
	n := data.Len()
	batch := min(cfg.BatchSize, n)
	perEpoch := (n + batch - 1) / batch
	total := perEpoch * cfg.Epochs
	size := len(data.X) / n
	classes := net.classes
	var teacher []float32
	if cfg.Teacher != nil {
		teacher = make([]float32, batch*classes)
	}
	labels := make([]int32, batch)
	var results []EpochResult
	step := 0
	for epoch := range cfg.Epochs {
		start := time.Now()
		order := rand.New(rand.NewPCG(cfg.Seed, uint64(epoch))).Perm(n)
		var lossSum float64
		correct, seen := 0, 0
		for s := range perEpoch {
			if err := ctx.Err(); err != nil {
				return results, err
			}
			idx := order[s*batch : min((s+1)*batch, n)]
			p, err := net.plan(len(idx), true)
			if err != nil {
				return results, err
			}
			x := p.vals[net.input]
			net.w.run(len(idx), func(i int) {
				src := data.X[idx[i]*size : (idx[i]+1)*size]
				cfg.Augment.apply(x[i*size:(i+1)*size], src, data.Shape, sampleRNG(cfg.Seed, epoch, idx[i]))
			})
			for i, j := range idx {
				labels[i] = data.Labels[j]
			}
			if err := p.forward(true); err != nil {
				return results, err
			}
			var tl []float32
			if cfg.Teacher != nil {
				tl = teacher[:len(idx)*classes]
				if err := cfg.Teacher(x, len(idx), tl); err != nil {
					return results, fmt.Errorf("train: teacher: %w", err)
				}
			}
			loss, ok, err := crossEntropy(p.vals[net.logits], net.logitScale, classes, labels[:len(idx)], tl, cfg.Distill, p.grads[net.logits])
			if err != nil {
				return results, err
			}
			net.ZeroGrad()
			if err := p.backward(); err != nil {
				return results, err
			}
			lr := sched.Rate(cfg.LR, step, total, perEpoch)
			if oc, isOC := sched.(OneCycle); isOC {
				if mc, can := opt.(momentumCycler); can && oc.MaxMomentum > 0 {
					mc.setMomentum(oc.momentum(step, total))
				}
			}
			opt.Step(net.params, lr)
			step++
			lossSum += loss * float64(len(idx))
			correct += ok
			seen += len(idx)
			if cfg.Progress != nil {
				cfg.Progress(Progress{Epoch: epoch + 1, Epochs: cfg.Epochs, Step: s + 1, Steps: perEpoch, Samples: seen,
					Loss: lossSum / float64(seen), Accuracy: float64(correct) / float64(seen), LR: lr})
			}
		}
		if err := net.checkFinite(); err != nil {
			return results, err
		}
		secs := time.Since(start).Seconds()
		r := EpochResult{Epoch: epoch + 1, TrainLoss: lossSum / float64(seen), TrainAccuracy: float64(correct) / float64(seen),
			Seconds: secs, ImagesPerSecond: float64(seen) / secs}
		if cfg.Test != nil {
			var err error
			if r.TestLoss, r.TestAccuracy, err = net.Evaluate(ctx, cfg.Test, batch); err != nil {
				return results, err
			}
		}
		results = append(results, r)
		if cfg.EpochDone != nil {
			cfg.EpochDone(r)
		}
	}
	return results, nil
}

// Evaluate runs net in inference mode (batch norms use running statistics)
// over data, in batches, and returns the mean cross-entropy and the top-1
// accuracy.
func (n *Net) Evaluate(ctx context.Context, data *Data, batch int) (loss, accuracy float64, err error) {
	if err := data.check(n, "evaluation"); err != nil {
		return 0, 0, err
	}
	if batch <= 0 {
		return 0, 0, errors.New("train: batch size must be positive")
	}
	count := data.Len()
	size := len(data.X) / count
	correct := 0
	var grad []float32
	for lo := 0; lo < count; lo += batch {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		hi := min(lo+batch, count)
		logits, err := n.predict(data.X[lo*size:hi*size], hi-lo)
		if err != nil {
			return 0, 0, err
		}
		grad = scratch(&grad, len(logits))
		l, ok, err := crossEntropy(logits, n.logitScale, n.classes, data.Labels[lo:hi], nil, Distill{}, grad)
		if err != nil {
			return 0, 0, err
		}
		loss += l * float64(hi-lo)
		correct += ok
	}
	return loss / float64(count), float64(correct) / float64(count), nil
}

// predict runs an inference forward pass over batch samples and returns the
// logits the loss reads (a view into the plan, valid until the next pass).
func (n *Net) predict(x []float32, batch int) ([]float32, error) {
	p, err := n.plan(batch, false)
	if err != nil {
		return nil, err
	}
	copy(p.vals[n.input], x)
	if err := p.forward(false); err != nil {
		return nil, err
	}
	return p.vals[n.logits], nil
}

// Predict returns the model's logits (before a final SOFTMAX, if any) for
// batch samples, in inference mode.
func (n *Net) Predict(x []float32, batch int) ([]float32, error) {
	if batch <= 0 || len(x) != batch*n.sampleSize(n.input) {
		return nil, fmt.Errorf("train: %d values for %d samples of shape %v", len(x), batch, n.sample[n.input])
	}
	out, err := n.predict(x, batch)
	return append([]float32(nil), out...), err
}
