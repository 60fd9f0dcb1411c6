// Package fastpath holds the hand-written code that measurably beats the
// standard library or go-jose end to end, and only that: each piece is
// kept because an interleaved A/B of the whole request path showed a
// loss of 5% or more without it (issue 14). Everything else the hot paths
// need comes from the standard library and go-jose.
//
//   - JWSSigner, the compact JWS signer of the fixed-header JWTs (package
//     token). Justified by the load benchmark's cc-jwt-es256 scenario
//     (bench/, BENCHMARKS.md "Standard library over hand-written code
//     (issue 14)"), with BenchmarkHandlers/cc-jwt-es256 (package server)
//     and BenchmarkSign (here) to attribute it: go-jose's Signer and
//     CompactSerialize spend JSON and buffers around the primitive on
//     every token.
//
// Whoever changes or removes a piece here reruns that benchmark against
// the go-jose or standard library version it replaces.
package fastpath
