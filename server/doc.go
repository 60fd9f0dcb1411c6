// Package server wires tokenmint together: it opens the store, resolves
// the master key, loads the signing keys, builds the protocol engine, the
// standard HTTP API, the login pages and the enabled dialects, and runs
// the HTTP server with its background jobs (cache invalidation, key
// reloads, the janitor) until its context ends, then shuts down
// gracefully.
package server
