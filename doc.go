// Package tokenmint holds the domain of the tokenmint authorization server:
// the records it keeps (clients, users, tokens, codes, refresh families,
// signing keys, login sessions), the Store interface every storage backend
// implements, and the sentinel errors those backends return.
//
// It is the centre of the dependency graph: it imports no I/O package
// (no net/http, no database/sql, no driver), so the protocol core in
// package grant, the storage backends in store/..., the HTTP adapter in
// httpapi and the dialects in dialect/... all depend on it and never on
// each other. TestDomainImportsNoIO enforces that.
package tokenmint
