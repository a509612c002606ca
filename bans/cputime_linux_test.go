package bans_test

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time the calling thread has used (the caller locks
// it to its OS thread): on a shared machine, wall time also counts the time
// the scheduler gave to other processes.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
