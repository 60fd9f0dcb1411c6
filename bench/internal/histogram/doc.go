// Package histogram records latencies in a log-linear histogram in the
// manner of HdrHistogram: exact below 256 ns and, above, 128 linear
// sub-buckets per power of two, so any recorded value is reported within
// 0.8% of its true value while the whole int64 range fits in a fixed
// 58 KiB array. Recording is one bits.Len64, a shift and an increment: no
// allocation and no lock, so every load generator worker keeps its own
// histogram and they are merged once at the end.
//
// The benchmark needs tail percentiles (p99, p99.9) of hundreds of
// thousands of samples; keeping every sample and sorting would cost
// memory proportional to the run, and a fixed-bucket histogram loses the
// precision of the tail. This is small enough to own and test rather
// than add a module for.
package histogram
