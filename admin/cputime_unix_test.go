//go:build unix

package admin_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, user and system, its GC
// included: on a loaded machine wall time also counts the time the
// scheduler gave to other processes.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
