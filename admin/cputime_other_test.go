//go:build !unix

package admin_test

import "time"

// cpuTime is not measured here; the benchmark falls back to wall time.
func cpuTime() time.Duration { return 0 }
