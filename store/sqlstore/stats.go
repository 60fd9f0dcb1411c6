package sqlstore

import (
	"database/sql"
	"sync/atomic"
)

// groupSizes counts the groups a group commit wrote, by size (the
// number of callers' writes in one statement or transaction): an atomic
// add per group, nothing per caller.
type groupSizes [maxBatch + 1]atomic.Uint64

func (g *groupSizes) add(n int) { g[min(n, maxBatch)].Add(1) }

// counts returns the counts, indexed by size; nil for a nil g.
func (g *groupSizes) counts() []uint64 {
	if g == nil {
		return nil
	}
	out := make([]uint64, len(g))
	for i := range g {
		out[i] = g[i].Load()
	}
	return out
}

// GroupCommitStats are the sizes of the group commits (groupcommit.go,
// txgroup.go): Inserts[n] is how many multi-row INSERTs of opaque access
// tokens wrote n rows, Transactions[n] how many write transactions of
// the user grants ran n callers' bodies (SQLite only; nil on
// PostgreSQL). Sizes of 1 are writes that found no company.
type GroupCommitStats struct {
	Inserts, Transactions []uint64
}

// GroupCommitStats returns the group commits' sizes so far.
func (db *DB) GroupCommitStats() GroupCommitStats {
	var st GroupCommitStats
	if db.tokens != nil {
		st.Inserts = db.tokens.sizes.counts()
	}
	if db.txs != nil {
		st.Transactions = db.txs.sizes.counts()
	}
	return st
}

// Pools returns the connection pools by name, for metrics of their use
// (sql.DBStats): "postgres", or a SQLite file's "sqlite_writer" and
// "sqlite_reader" (a database in memory has only the writer).
func (db *DB) Pools() map[string]*sql.DB {
	if db.flavor.dollar {
		return map[string]*sql.DB{"postgres": db.w}
	}
	pools := map[string]*sql.DB{"sqlite_writer": db.w}
	if db.r != db.w {
		pools["sqlite_reader"] = db.r
	}
	return pools
}
