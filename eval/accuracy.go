// Package eval measures models: classification accuracy over a data set
// (top-1, top-5, per class, confusion matrix), and latency, memory and a
// per-op profile over repeated runs, the way TFLite's accuracy and benchmark
// tools do.
package eval

import (
	"context"
	"fmt"
	"math"
	goruntime "runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tensorio"
)

// Options configure Evaluate.
type Options struct {
	// Workers is how many interpreters run at once, each on its own
	// goroutine (default: the number of CPUs). Results do not depend on it.
	Workers int
	// Runtime options for every interpreter (threads, rounding, ...).
	Runtime []runtime.Option
	// Preprocess turns examples into the model's input.
	Preprocess dataset.Preprocess
	// Output picks the output that holds one score per class (default 0).
	// The model must have one input.
	Output int
	// Progress, when set, is called with the number of examples done so far
	// and the total, from the evaluating goroutines (never concurrently).
	Progress func(done, total int)
}

// ClassAccuracy is the accuracy on the examples of one class.
type ClassAccuracy struct {
	Class    int     `json:"class"`
	Samples  int     `json:"samples"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"`
}

// Accuracy is the result of evaluating a classifier on a labelled data set.
type Accuracy struct {
	// Samples is the number of examples evaluated.
	Samples int `json:"samples"`
	// Top1 and Top5 are the fractions of examples whose label is the
	// highest score, or among the five highest.
	Top1 float64 `json:"accuracy"`
	Top5 float64 `json:"top5"`
	// Correct1 and Correct5 count them.
	Correct1 int `json:"correct"`
	Correct5 int `json:"correct_top5"`
	// Classes is the number of scores the model outputs.
	Classes int `json:"classes"`
	// PerClass has one entry per class that occurs in the labels or
	// predictions.
	PerClass []ClassAccuracy `json:"per_class"`
	// Confusion[label][predicted] counts examples.
	Confusion [][]int `json:"confusion"`
	// Predictions holds the top-1 class of each example, in data set order.
	Predictions []int `json:"-"`
	// Seconds is the wall time of the evaluation.
	Seconds float64 `json:"seconds"`
	// Workers is how many interpreters ran.
	Workers int `json:"workers"`
}

// Evaluate runs the classifier m on every example of src and scores its
// predictions. Each example starts from the model's initial state (variables
// reset), so results do not depend on the order or on the worker count. On
// ties between scores the lower class index ranks first.
func Evaluate(ctx context.Context, m *ir.Model, src dataset.Source, o Options) (*Accuracy, error) {
	start := time.Now()
	n := src.Len()
	if n == 0 {
		return nil, fmt.Errorf("eval: data set %s is empty", src.Name())
	}
	workers := o.Workers
	if workers <= 0 {
		workers = goruntime.NumCPU()
	}
	workers = min(workers, n)
	// Every interpreter is made before any work starts, so that a failure
	// leaves no goroutine behind.
	classifiers := make([]*classifier, workers)
	for w := range classifiers {
		c, err := newClassifier(m, o)
		if err != nil {
			return nil, err
		}
		classifiers[w] = c
	}
	first := classifiers[0]
	top1 := make([]int, n)
	top5ok := make([]bool, n)
	labels := make([]int, n)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		done     atomic.Int64
		mu       sync.Mutex // guards firstErr and Progress calls
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	lastReport := time.Now()
	for _, c := range classifiers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				ex, err := src.Example(i)
				if err != nil {
					fail(fmt.Errorf("eval: example %d: %w", i, err))
					return
				}
				scores, err := c.classify(ctx, ex)
				if err != nil {
					fail(fmt.Errorf("eval: example %d of %s: %w", i, src.Name(), err))
					return
				}
				if ex.Label >= len(scores) {
					fail(fmt.Errorf("eval: example %d of %s has label %d, but the model scores only %d classes", i, src.Name(), ex.Label, len(scores)))
					return
				}
				ranked := topK(scores, 5)
				labels[i], top1[i], top5ok[i] = ex.Label, ranked[0], slices.Contains(ranked, ex.Label)
				d := int(done.Add(1))
				if o.Progress != nil {
					mu.Lock()
					if d == n || time.Since(lastReport) > 100*time.Millisecond {
						lastReport = time.Now()
						o.Progress(d, n)
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	acc := Score(labels, top1, top5ok, first.classes)
	acc.Seconds = time.Since(start).Seconds()
	acc.Workers = workers
	return acc, nil
}

// Score tallies predictions: labels and top-1 classes per example, and
// whether each label was among the top five. classes is the model's number
// of scores.
func Score(labels, top1 []int, top5ok []bool, classes int) *Accuracy {
	n := len(labels)
	nc := classes
	for i := range labels {
		nc = max(nc, labels[i]+1, top1[i]+1)
	}
	acc := &Accuracy{Samples: n, Classes: classes, Predictions: top1, Confusion: make([][]int, nc)}
	for c := range acc.Confusion {
		acc.Confusion[c] = make([]int, nc)
	}
	for i, l := range labels {
		acc.Confusion[l][top1[i]]++
		if top1[i] == l {
			acc.Correct1++
		}
		if top5ok[i] {
			acc.Correct5++
		}
	}
	if n > 0 {
		acc.Top1 = float64(acc.Correct1) / float64(n)
		acc.Top5 = float64(acc.Correct5) / float64(n)
	}
	for c := range nc {
		row := acc.Confusion[c]
		total := 0
		for _, v := range row {
			total += v
		}
		if total == 0 {
			continue
		}
		acc.PerClass = append(acc.PerClass, ClassAccuracy{Class: c, Samples: total, Correct: row[c], Accuracy: float64(row[c]) / float64(total)})
	}
	return acc
}

// topK returns the indices of the k largest scores, largest first; ties go
// to the lower index. NaN scores rank last.
func topK(scores []float64, k int) []int {
	k = min(k, len(scores))
	best := make([]int, 0, k+1)
	better := func(a, b int) bool {
		sa, sb := scores[a], scores[b]
		if math.IsNaN(sb) {
			return !math.IsNaN(sa) || a < b
		}
		return sa > sb || sa == sb && a < b
	}
	for i := range scores {
		pos := len(best)
		for pos > 0 && better(i, best[pos-1]) {
			pos--
		}
		if pos < k {
			best = slices.Insert(best, pos, i)
			if len(best) > k {
				best = best[:k]
			}
		}
	}
	return best
}

// classifier is one interpreter with its input encoder.
type classifier struct {
	it      *runtime.Interpreter
	enc     *dataset.Encoder
	input   []byte
	out     int
	classes int
	scale   float64
	zp      float64
	dtype   ir.DataType
}

func newClassifier(m *ir.Model, o Options) (*classifier, error) {
	it, err := runtime.New(m, o.Runtime...)
	if err != nil {
		return nil, err
	}
	if o.Output < 0 || o.Output >= it.NumOutputs() {
		return nil, fmt.Errorf("eval: output %d out of range (the model has %d)", o.Output, it.NumOutputs())
	}
	if it.NumInputs() != 1 {
		return nil, fmt.Errorf("eval: the model has %d inputs; a classifier evaluated on a data set takes one", it.NumInputs())
	}
	in := it.Input(0)
	enc, err := dataset.NewEncoder(InputOf(in), o.Preprocess)
	if err != nil {
		return nil, fmt.Errorf("eval: input %q: %w", in.Name, err)
	}
	out := it.Output(o.Output)
	c := &classifier{it: it, enc: enc, out: o.Output, dtype: out.Type, scale: 1}
	c.input = make([]byte, enc.ByteSize())
	in.Data = c.input
	c.classes = out.NumElements()
	if c.classes < 1 {
		return nil, fmt.Errorf("eval: output %q has shape %v, with no class scores", out.Name, out.Shape)
	}
	if q := out.Quant; q.Quantized() && out.Type != ir.Float32 {
		if q.PerAxis() {
			return nil, fmt.Errorf("eval: output %q is quantized per axis; class scores need one scale", out.Name)
		}
		c.scale = float64(q.Scale[0])
		if len(q.ZeroPoint) > 0 {
			c.zp = float64(q.ZeroPoint[0])
		}
	}
	return c, nil
}

// InputOf describes an input tensor for dataset.NewEncoder.
func InputOf(t *ir.Tensor) dataset.Input {
	in := dataset.Input{Shape: t.Shape, DType: t.Type.String()}
	if q := t.Quant; q.Quantized() {
		in.Scale = float64(q.Scale[0])
		if len(q.ZeroPoint) > 0 {
			in.ZeroPoint = q.ZeroPoint[0]
		}
	}
	return in
}

// classify runs one example and returns the dequantized class scores.
func (c *classifier) classify(ctx context.Context, ex dataset.Example) ([]float64, error) {
	if err := c.enc.Encode(ex, c.input); err != nil {
		return nil, err
	}
	c.it.Input(0).Data = c.input
	c.it.ResetVariables()
	if err := c.it.InvokeContext(ctx); err != nil {
		return nil, err
	}
	out := c.it.Output(c.out)
	v, err := tensorio.Float64s(out.Type, out.Data)
	if err != nil {
		return nil, fmt.Errorf("output %q: %w", out.Name, err)
	}
	if c.scale != 1 || c.zp != 0 {
		for i := range v {
			v[i] = (v[i] - c.zp) * c.scale
		}
	}
	return v, nil
}

// Agreement is the fraction of examples on which two evaluations of the same
// data predict the same top-1 class: how often a quantized model decides as
// its float original does.
func Agreement(a, b *Accuracy) (float64, error) {
	if len(a.Predictions) != len(b.Predictions) || len(a.Predictions) == 0 {
		return 0, fmt.Errorf("eval: cannot compare predictions on %d and %d examples", len(a.Predictions), len(b.Predictions))
	}
	same := 0
	for i, p := range a.Predictions {
		if b.Predictions[i] == p {
			same++
		}
	}
	return float64(same) / float64(len(a.Predictions)), nil
}
