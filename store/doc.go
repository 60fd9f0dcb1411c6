// Package store opens the tokenmint.Store a database URL names, so that
// the server and the CLI accept one setting ("database") whatever the
// backend: sqlite:PATH for the embedded default, postgres://... for a
// shared database. The backends themselves live in store/sqlstore; the
// contract they meet is the conformance suite in store/storetest.
package store
