// Package runtime runs an ir.Model: New resolves a kernel for every op, infers
// shapes, folds constant subgraphs, plans one arena for the activations and
// prepares the kernels; Invoke then runs the ops in order without allocating.
//
// An Interpreter owns its tensors (shapes and data pointers) and its kernels
// and shares the model read-only, so any number of interpreters over one
// model may run at once, each on its own goroutine. One interpreter is not
// safe for concurrent use.
package runtime

import (
	"fmt"
	"time"

	"github.com/liteforge/liteforge/internal/fixedpoint"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/kernels"
)

// Rounding selects how integer kernels round MultiplyByQuantizedMultiplier.
type Rounding = fixedpoint.Rounding

const (
	// DoubleRounding is TFLite's default (its reference kernels and TFLite
	// Micro).
	DoubleRounding = fixedpoint.DoubleRounding
	// SingleRounding is what XNNPACK and TFLite built with
	// TFLITE_SINGLE_ROUNDING do.
	SingleRounding = fixedpoint.SingleRounding
)

// Profiler receives, after each op that Invoke runs, the op's index in its
// graph, the op, and how long its kernel took.
type Profiler func(opIndex int, op *ir.Op, d time.Duration)

// Option configures an Interpreter.
type Option func(*config) error

type config struct {
	threads       int
	rounding      Rounding
	kernelSet     kernels.KernelSet
	profiler      Profiler
	warn          func(msg string)
	graph         int
	signature     string
	preserveAll   bool
	hasGraphIndex bool
}

// WithThreads lets kernels use up to n goroutines (default 1).
func WithThreads(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("runtime: %d threads; at least 1 is needed", n)
		}
		c.threads = n
		return nil
	}
}

// WithRounding selects the rounding of integer kernels (default
// DoubleRounding, as TFLite's reference kernels).
func WithRounding(r Rounding) Option {
	return func(c *config) error {
		if r != DoubleRounding && r != SingleRounding {
			return fmt.Errorf("runtime: unknown rounding %d", int(r))
		}
		c.rounding = r
		return nil
	}
}

// WithKernels selects which of TFLite's kernel sets integer kernels
// reproduce where they differ (default kernels.BuiltinKernels).
func WithKernels(s kernels.KernelSet) Option {
	return func(c *config) error {
		if s != kernels.BuiltinKernels && s != kernels.ReferenceKernels && s != kernels.XNNPACKKernels {
			return fmt.Errorf("runtime: unknown kernel set %d", int(s))
		}
		c.kernelSet = s
		return nil
	}
}

// WithProfiler calls p after every op of every Invoke. Without it, Invoke
// reads no clock.
func WithProfiler(p Profiler) Option {
	return func(c *config) error { c.profiler = p; return nil }
}

// WithWarnings receives what the user should know about the model (something
// TFLite would reject but liteforge runs, say). Each distinct message comes
// once per interpreter.
func WithWarnings(f func(msg string)) Option {
	return func(c *config) error { c.warn = f; return nil }
}

// WithSubgraph runs subgraph i of the model instead of subgraph 0.
func WithSubgraph(i int) Option {
	return func(c *config) error { c.graph = i; c.hasGraphIndex = true; return nil }
}

// WithSignature runs the subgraph of the signature def with this key, with
// the signature's inputs and outputs, in its order, as the interpreter's.
func WithSignature(key string) Option {
	return func(c *config) error { c.signature = key; return nil }
}

// WithPreserveAllTensors gives every tensor memory of its own instead of
// sharing the arena between tensors whose lifetimes do not overlap, so that
// every intermediate value can be read after Invoke (for debugging and
// per-layer comparisons). It costs memory.
func WithPreserveAllTensors() Option {
	return func(c *config) error { c.preserveAll = true; return nil }
}
