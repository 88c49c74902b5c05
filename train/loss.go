package train

import (
	"fmt"
	"math"
)

// Distill configures knowledge distillation: the loss mixes the label
// cross-entropy with the KL divergence from the teacher's softened
// distribution, (1−α)·CE(y, s) + α·T²·KL(softmax(t/T) ‖ softmax(s/T)). The T²
// keeps the soft term's gradient on the scale of the hard one's as T grows
// (Hinton et al., 2015).
type Distill struct {
	Temperature float64 // T, at least 1 in practice (4 is common)
	Alpha       float64 // weight of the soft term, in [0, 1]
}

func (d Distill) check() error {
	if d.Temperature <= 0 || math.IsNaN(d.Temperature) {
		return fmt.Errorf("train: distillation temperature %v must be positive", d.Temperature)
	}
	if d.Alpha < 0 || d.Alpha > 1 || math.IsNaN(d.Alpha) {
		return fmt.Errorf("train: distillation weight %v must be in [0, 1]", d.Alpha)
	}
	return nil
}

// softmax64 writes softmax(scale·z) of one row into p and returns its log
// normalizer, log Σ exp(scale·z − max).
func softmax64(z []float32, scale float64, p []float64) (logNorm float64) {
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, scale*float64(v))
	}
	var s float64
	for j, v := range z {
		p[j] = math.Exp(scale*float64(v) - m)
		s += p[j]
	}
	for j := range p {
		p[j] /= s
	}
	return math.Log(s) + m
}

// crossEntropy computes the batch's mean loss and its gradient with respect
// to the logits tensor (grad, overwritten), and counts correct arg-maxes.
// scale is the final SOFTMAX's β (the loss sees β·logits). With a teacher,
// teacher holds its logits for the same batch and d the mixing.
func crossEntropy(logits []float32, scale float32, classes int, labels []int32, teacher []float32, d Distill, grad []float32) (loss float64, correct int, err error) {
	n := len(labels)
	if len(logits) != n*classes || (teacher != nil && len(teacher) != n*classes) {
		return 0, 0, fmt.Errorf("train: %d logits (teacher %d) for %d samples of %d classes", len(logits), len(teacher), n, classes)
	}
	p := make([]float64, classes)
	ps, pt := make([]float64, classes), make([]float64, classes)
	inv := 1 / float64(n)
	sc := float64(scale)
	hard := 1.0
	if teacher != nil {
		hard = 1 - d.Alpha
	}
	for i := range n {
		z := logits[i*classes : (i+1)*classes]
		y := int(labels[i])
		if y < 0 || y >= classes {
			return 0, 0, fmt.Errorf("train: label %d of sample %d is outside the model's %d classes", y, i, classes)
		}
		logNorm := softmax64(z, sc, p)
		loss += hard * (logNorm - sc*float64(z[y]))
		best := 0
		for j, v := range z {
			if v > z[best] {
				best = j
			}
		}
		if best == y {
			correct++
		}
		g := grad[i*classes : (i+1)*classes]
		for j := range g {
			dz := p[j]
			if j == y {
				dz--
			}
			g[j] = float32(hard * dz * inv * sc)
		}
		if teacher == nil || d.Alpha == 0 {
			continue
		}
		T := d.Temperature
		softmax64(teacher[i*classes:(i+1)*classes], 1/T, pt)
		softmax64(z, sc/T, ps)
		var kl float64
		for j := range pt {
			if pt[j] > 0 {
				kl += pt[j] * (math.Log(pt[j]) - math.Log(math.Max(ps[j], 1e-300)))
			}
		}
		loss += d.Alpha * T * T * kl
		// d/dz of α·T²·KL is α·T·(ps − pt), times β for the logits tensor.
		for j := range g {
			g[j] += float32(d.Alpha * T * (ps[j] - pt[j]) * inv * sc)
		}
	}
	return loss * inv, correct, nil
}
