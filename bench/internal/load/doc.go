// Package load is the benchmark's load generator: a minimal HTTP/1.1
// client over keep-alive TCP connections and two ways of driving it.
//
//   - Closed loop (Options.Rate == 0): each of N connections sends its
//     next request as soon as the previous answer arrives. This finds the
//     maximum throughput; its latencies describe a saturated server.
//   - Open loop (Options.Rate > 0): request i is due at start + i/Rate on
//     a fixed timeline, whatever happened to earlier ones, and its latency
//     is measured from that due time, not from when a connection was free
//     to send it. A stalled server therefore shows up as the queueing
//     delay every later request suffers, which a closed-loop tool hides
//     (Gil Tene's "coordinated omission").
//
// The client writes pre-built request bytes and parses only the status
// line, Content-Length or chunked framing and Connection: close, so that
// on a two-core machine shared with the server the generator spends as
// little CPU per request as it can. net/http's client does more per
// request (header maps, a reader and a writer goroutine per connection);
// every CPU-second the generator takes is one the server does not get,
// which lowers the cheap HTTP floor more than the heavier scenarios
// and so flatters their ratios to it. Each worker owns its connection, its
// buffers and its histogram; nothing is shared on the hot path but an
// atomic schedule counter.
package load
