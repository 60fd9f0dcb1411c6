// Package chart draws the benchmark's results as a PNG: horizontal bar
// panels (throughput, latency) with one bar per series (SQLite,
// PostgreSQL) for every scenario, value labels and an optional target
// line.
//
// It uses only the standard image packages and the fixed 7×13 bitmap face
// of golang.org/x/image/font/basicfont for text: a plotting library
// would bring a dependency tree for two bar charts, and without a font
// the chart could not name its bars.
package chart
