// Package storetest is the conformance suite of tokenmint.Store: every
// backend runs it unchanged with
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) tokenmint.Store { return openFresh(t) })
//	}
//
// Why a suite rather than per-backend tests: the Store doc comments are the
// contract the protocol core relies on (single-use codes and refresh
// tokens, family revocation, cascades, the revision counter caches poll,
// the janitor). Writing each promise down once, as a test, keeps SQLite and
// PostgreSQL — and any later backend — honest in the same way.
//
// Each subtest asks newStore for a fresh, empty, migrated store and closes
// it through t.Cleanup if the constructor registered that; the suite never
// assumes anything about rows it did not write. Times are given with
// millisecond precision, the least every backend must keep, and compared
// with time.Time.Equal semantics.
package storetest
