package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// newRootCmd builds the whole command tree; tests call it in-process.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "liteforge",
		Short: "Convert, optimize, quantize, evaluate and run TensorFlow Lite models",
		Long: `liteforge converts, optimizes, quantizes, evaluates and runs TensorFlow Lite
(.tflite) models, in pure Go.

Start with 'liteforge demo', which needs no files: it evaluates and
benchmarks the small models built into liteforge on built-in test images.
Then 'liteforge inspect MODEL' shows what a model holds, and
'liteforge run MODEL -i INPUT' runs it.`,
		Version:       version(),
		SilenceUsage:  true, // a failed run prints its error, not the usage text
		SilenceErrors: true, // main prints the error once
	}
	root.AddCommand(newInspectCmd(), newRunCmd(), newEvalCmd(), newBenchCmd(), newReportCmd(), newConvertCmd(), newTrainCmd(), newCompareCmd(), newDemoCmd())
	return root
}

// version is the module version the binary was built from ("(devel)" for a
// build inside a checkout).
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// atLeast refuses an integer flag below its smallest meaningful value, so
// that --threads 0 or --runs -1 is an error rather than quietly replaced by
// a default.
func atLeast(flag string, v, lo int) error {
	if v < lo {
		return fmt.Errorf("--%s %d: must be at least %d", flag, v, lo)
	}
	return nil
}
