// Command liteforge converts, optimizes, quantizes, evaluates and runs
// TensorFlow Lite models. It parses flags and prints; the work is done by
// liteforge's library packages.
package main

import (
	"fmt"
	"os"
)

func main() {
	cmd := newRootCmd()
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "liteforge:", err)
		os.Exit(1)
	}
}
