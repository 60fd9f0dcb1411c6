// Package server wires tokenmint together: it opens the store, resolves
// the master key, loads the signing keys, builds the protocol engine, the
// standard HTTP API, the login pages and the enabled dialects, and runs
// the HTTP server with its background jobs (cache invalidation, key
// reloads, the janitor, the deletion of audit events past their
// retention) until its context ends, then shuts down gracefully. The
// audit recorder (package audit) is started with the store and closed
// before it, so that events queued at shutdown are written.
//
// Every error the handler answers is JSON in the RFC 6749 §5.2 shape,
// including those net/http's ServeMux would answer by itself in text or
// with a redirect: a path no route takes (404), a method the routes of
// a path do not take (405 with Allow), a path not in canonical form
// (404, never a redirect) and a request target that is not a path
// (CONNECT host:port, OPTIONS *: 400). Only what net/http refuses before
// any handler runs (a malformed request, headers over 32 KiB) stays
// text.
package server
