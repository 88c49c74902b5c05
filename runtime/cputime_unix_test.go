//go:build unix

package runtime_test

import (
	"syscall"
	"time"
)

// processCPUTime is the CPU time (user and system) the process has used so
// far: on a loaded machine it measures work where wall time measures waiting.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
