//go:build !unix

package runtime_test

import "time"

// processCPUTime is not measured on this target.
func processCPUTime() time.Duration { return 0 }
