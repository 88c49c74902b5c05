package train

import (
	"fmt"
	"math"
)

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step applies one update with learning rate lr.
	Step(params []*Param, lr float64)
}

// momentumCycler is an optimizer whose momentum a schedule may set (the
// one-cycle policy lowers it while the learning rate is high).
type momentumCycler interface {
	setMomentum(m float64)
}

// SGD is stochastic gradient descent with momentum (PyTorch's form: the
// velocity accumulates raw gradients), optionally Nesterov's, and L2 weight
// decay added to the gradient.
type SGD struct {
	Momentum    float64
	Nesterov    bool
	WeightDecay float64
	velocity    map[*Param][]float32
}

func (o *SGD) setMomentum(m float64) { o.Momentum = m }

// Step implements Optimizer.
func (o *SGD) Step(params []*Param, lr float64) {
	if o.velocity == nil {
		o.velocity = map[*Param][]float32{}
	}
	mu, lrf := float32(o.Momentum), float32(lr)
	for _, p := range params {
		if p.Frozen {
			continue
		}
		wd := float32(0)
		if p.Decay {
			wd = float32(o.WeightDecay)
		}
		v := o.velocity[p]
		if v == nil && mu != 0 {
			v = make([]float32, len(p.Value))
			o.velocity[p] = v
		}
		for i, g := range p.Grad {
			g += wd * p.Value[i]
			if mu != 0 {
				v[i] = mu*v[i] + g
				if o.Nesterov {
					g += mu * v[i]
				} else {
					g = v[i]
				}
			}
			p.Value[i] -= lrf * g
		}
	}
}

// Adam is Adam with bias correction; with Decoupled it is AdamW, whose
// weight decay shrinks the weights directly (w −= lr·λ·w) instead of being
// added to the gradient.
type Adam struct {
	Beta1, Beta2, Epsilon float64
	WeightDecay           float64
	Decoupled             bool
	m, v                  map[*Param][]float32
	t                     int
}

// NewAdam returns Adam with the usual defaults (β1 0.9, β2 0.999, ε 1e-8).
func NewAdam(weightDecay float64, decoupled bool) *Adam {
	return &Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, WeightDecay: weightDecay, Decoupled: decoupled}
}

func (o *Adam) setMomentum(m float64) { o.Beta1 = m }

// Step implements Optimizer.
func (o *Adam) Step(params []*Param, lr float64) {
	if o.m == nil {
		o.m, o.v = map[*Param][]float32{}, map[*Param][]float32{}
	}
	o.t++
	b1, b2 := o.Beta1, o.Beta2
	c1 := 1 - math.Pow(b1, float64(o.t))
	c2 := 1 - math.Pow(b2, float64(o.t))
	// w −= lr/c1 · m / (√(v/c2) + ε), PyTorch's arithmetic.
	stepSize := float32(lr / c1)
	rc2 := float32(1 / math.Sqrt(c2))
	eps := float32(o.Epsilon)
	for _, p := range params {
		if p.Frozen {
			continue
		}
		m, v := o.m[p], o.v[p]
		if m == nil {
			m, v = make([]float32, len(p.Value)), make([]float32, len(p.Value))
			o.m[p], o.v[p] = m, v
		}
		wd := float32(0)
		if p.Decay {
			wd = float32(o.WeightDecay)
		}
		shrink := float32(1)
		if o.Decoupled {
			shrink = 1 - float32(lr)*wd
			wd = 0
		}
		fb1, fb2 := float32(b1), float32(b2)
		for i, g := range p.Grad {
			w := p.Value[i] * shrink
			g += wd * p.Value[i]
			m[i] = fb1*m[i] + (1-fb1)*g
			v[i] = fb2*v[i] + (1-fb2)*g*g
			p.Value[i] = w - stepSize*m[i]/(float32(math.Sqrt(float64(v[i])))*rc2+eps)
		}
	}
}

// Schedule gives the learning rate of each step.
type Schedule interface {
	// Rate is the learning rate at step (0-based) of total steps, with
	// perEpoch steps an epoch, for a base rate.
	Rate(base float64, step, total, perEpoch int) float64
}

// Constant keeps the base rate.
type Constant struct{}

// Rate implements Schedule.
func (Constant) Rate(base float64, _, _, _ int) float64 { return base }

// StepDecay multiplies the rate by Gamma every Epochs epochs.
type StepDecay struct {
	Epochs int
	Gamma  float64
}

// Rate implements Schedule.
func (s StepDecay) Rate(base float64, step, _, perEpoch int) float64 {
	epoch := step / max(perEpoch, 1)
	return base * math.Pow(s.Gamma, float64(epoch/max(s.Epochs, 1)))
}

// Cosine anneals the rate from base to Min along half a cosine over the run.
type Cosine struct{ Min float64 }

// Rate implements Schedule.
func (s Cosine) Rate(base float64, step, total, _ int) float64 {
	f := float64(step) / float64(max(total, 1))
	return s.Min + (base-s.Min)*0.5*(1+math.Cos(math.Pi*f))
}

// OneCycle is the one-cycle policy as PyTorch's OneCycleLR has it: the rate
// rises along a cosine from base/DivFactor to base over the first PctStart
// of the run, then falls to base/(DivFactor·FinalDiv); momentum (SGD's, or
// Adam's β1) moves the other way between MaxMomentum and MinMomentum.
type OneCycle struct {
	PctStart                 float64 // 0.3
	DivFactor, FinalDiv      float64 // 25, 1e4
	MinMomentum, MaxMomentum float64 // 0.85, 0.95; both 0 leaves momentum alone
}

// DefaultOneCycle is OneCycleLR's defaults.
var DefaultOneCycle = OneCycle{PctStart: 0.3, DivFactor: 25, FinalDiv: 1e4, MinMomentum: 0.85, MaxMomentum: 0.95}

func cosAnneal(from, to, f float64) float64 { return to + (from-to)*0.5*(1+math.Cos(math.Pi*f)) }

// phase returns where step lies: in the warm-up (up) and how far along (f).
func (s OneCycle) phase(step, total int) (up bool, f float64) {
	warm := s.PctStart*float64(total) - 1
	if float64(step) <= warm {
		return true, float64(step) / math.Max(warm, 1)
	}
	return false, (float64(step) - warm) / math.Max(float64(total)-1-warm, 1)
}

// Rate implements Schedule.
func (s OneCycle) Rate(base float64, step, total, _ int) float64 {
	initial := base / s.DivFactor
	up, f := s.phase(step, total)
	if up {
		return cosAnneal(initial, base, f)
	}
	return cosAnneal(base, initial/s.FinalDiv, f)
}

// momentum is the cycled momentum at step, or 0 when not cycling.
func (s OneCycle) momentum(step, total int) float64 {
	if s.MaxMomentum == 0 {
		return 0
	}
	up, f := s.phase(step, total)
	if up {
		return cosAnneal(s.MaxMomentum, s.MinMomentum, f)
	}
	return cosAnneal(s.MinMomentum, s.MaxMomentum, f)
}

// ParseSchedule maps a name to a schedule: constant, step (×0.1 every
// stepEpochs epochs), cosine or onecycle.
func ParseSchedule(name string, stepEpochs int) (Schedule, error) {
	switch name {
	case "", "constant":
		return Constant{}, nil
	case "step":
		return StepDecay{Epochs: max(stepEpochs, 1), Gamma: 0.1}, nil
	case "cosine":
		return Cosine{}, nil
	case "onecycle", "one-cycle":
		return DefaultOneCycle, nil
	}
	return nil, fmt.Errorf("unknown schedule %q (want constant, step, cosine or onecycle)", name)
}

// ParseOptimizer maps a name to an optimizer: sgd (momentum 0.9), nesterov,
// adam or adamw.
func ParseOptimizer(name string, weightDecay float64) (Optimizer, error) {
	switch name {
	case "sgd":
		return &SGD{Momentum: 0.9, WeightDecay: weightDecay}, nil
	case "nesterov":
		return &SGD{Momentum: 0.9, Nesterov: true, WeightDecay: weightDecay}, nil
	case "", "adam":
		return NewAdam(weightDecay, false), nil
	case "adamw":
		return NewAdam(weightDecay, true), nil
	}
	return nil, fmt.Errorf("unknown optimizer %q (want sgd, nesterov, adam or adamw)", name)
}
