//go:build !unix

package playerbase_test

import "time"

// cpuTime is unknown here: the scale benchmarks fall back on wall time.
func cpuTime() time.Duration { return 0 }
