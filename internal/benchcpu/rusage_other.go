//go:build !unix

package benchcpu

import "time"

// processCPU is unknown here: Start reports nothing.
func processCPU() (time.Duration, bool) { return 0, false }
