//go:build !unix

package grant_test

import "time"

// processCPU is unknown here: reportCPU reports nothing.
func processCPU() (time.Duration, bool) { return 0, false }
