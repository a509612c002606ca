//go:build !linux

package bans_test

import "time"

// threadCPU is not measured here: the ratio benchmarks use wall time.
func threadCPU() time.Duration { return 0 }
