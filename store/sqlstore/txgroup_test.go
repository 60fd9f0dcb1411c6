package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// eachSQLite runs test on the stores that group transactions: a SQLite
// file and a SQLite memory database.
func eachSQLite(t *testing.T, test func(t *testing.T, db *DB)) {
	for _, b := range []backend{
		{"file", func(t testing.TB) *DB { return openSQLite(t, sqlitePath(t)) }},
		{"memory", func(t testing.TB) *DB { return openSQLite(t, MemoryPath) }},
	} {
		t.Run(b.name, func(t *testing.T) { test(t, b.open(t)) })
	}
}

// storeFamilies is a transaction body storing a family for each id, in
// order; a duplicate fails it with ErrConflict after the earlier ones
// were written.
func storeFamilies(t *testing.T, db *DB, ids ...string) func(context.Context, *sql.Tx) error {
	t.Helper()
	var rows []insertRow
	for _, id := range ids {
		f := tokenmint.Family{ID: id, ClientID: "c", Subject: "u", Scopes: []string{"api"},
			CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		r, err := db.issuanceRows(&tokenmint.Issuance{Family: &f})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r...)
	}
	if err := db.prepareGrantStmts(context.Background()); err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, tx *sql.Tx) error {
		return db.wrap("store families", db.insertRows(ctx, tx, rows))
	}
}

// hasFamily reports whether family id is stored.
func hasFamily(t *testing.T, db *DB, id string) bool {
	t.Helper()
	_, err := db.GetFamily(context.Background(), id)
	if err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// pendingTx is a transaction put in the group's queue as if its caller
// were waiting.
type pendingTx struct {
	name string
	req  *request
}

func enqueueTx(g *txGroup, ctx context.Context, name string, fn func(context.Context, *sql.Tx) error) pendingTx {
	r := &request{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g.lane.mu.Lock()
	g.lane.pending = append(g.lane.pending, r)
	g.lane.mu.Unlock()
	return pendingTx{name, r}
}

func (p pendingTx) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.req.done:
		return err
	default:
		t.Fatalf("%s: no answer", p.name)
		return nil
	}
}

// TestTxGroupMembers: in one shared transaction, a member that fails
// (a conflict on its first row, or on its second after the first was
// written) leaves nothing of its own and fails only its caller; a caller
// that gave up gets its context's error and nothing of it is written;
// every other member is committed, in one transaction.
func TestTxGroupMembers(t *testing.T) {
	eachSQLite(t, func(t *testing.T, db *DB) {
		g := db.txs
		ctx := context.Background()
		if err := g.run(ctx, storeFamilies(t, db, "stored")); err != nil {
			t.Fatal(err)
		}
		gone, cancel := context.WithCancel(ctx)
		members := []struct {
			name string
			ctx  context.Context
			ids  []string
			want error
		}{
			{"a", ctx, []string{"a"}, nil},
			{"conflict", ctx, []string{"stored"}, tokenmint.ErrConflict},
			{"b", ctx, []string{"b1", "b2"}, nil},
			{"half", ctx, []string{"half", "stored"}, tokenmint.ErrConflict},
			{"gone", gone, []string{"gone"}, context.Canceled},
			{"c", ctx, []string{"c"}, nil},
		}
		ps := make([]pendingTx, len(members))
		for i, m := range members {
			ps[i] = enqueueTx(g, m.ctx, m.name, storeFamilies(t, db, m.ids...))
		}
		cancel()
		before := g.shared.Load()
		// The leader arrives last and runs every queued member with its own.
		if err := g.run(ctx, storeFamilies(t, db, "leader")); err != nil {
			t.Fatalf("leader: %v", err)
		}
		if n := g.shared.Load() - before; n != 1 {
			t.Errorf("%d shared transactions, want 1", n)
		}
		for i, p := range ps {
			err := p.result(t)
			if w := members[i].want; (w == nil && err != nil) || !errors.Is(err, w) {
				t.Errorf("%s: %v, want %v", p.name, err, w)
			}
		}
		for _, id := range []string{"a", "b1", "b2", "c", "leader", "stored"} {
			if !hasFamily(t, db, id) {
				t.Errorf("family %s is missing", id)
			}
		}
		for _, id := range []string{"half", "gone"} {
			if hasFamily(t, db, id) {
				t.Errorf("family %s was stored by a failed member", id)
			}
		}
	})
}

// TestTxGroupCallerGivesUpDuringTheGroup: a caller whose context ends
// while its member runs does not interrupt the shared transaction (on
// SQLite an interrupted statement can roll back all of it): members run
// with the group's context, and the member and the rest are committed.
func TestTxGroupCallerGivesUpDuringTheGroup(t *testing.T) {
	eachSQLite(t, func(t *testing.T, db *DB) {
		g := db.txs
		ctx := context.Background()
		late, cancel := context.WithCancel(ctx)
		body := storeFamilies(t, db, "late")
		p := enqueueTx(g, late, "late", func(ctx context.Context, tx *sql.Tx) error {
			cancel() // the caller gives up now, after the group took it
			return body(ctx, tx)
		})
		if err := g.run(ctx, storeFamilies(t, db, "leader")); err != nil {
			t.Fatalf("leader: %v", err)
		}
		if err := p.result(t); err != nil {
			t.Errorf("late: %v", err)
		}
		for _, id := range []string{"late", "leader"} {
			if !hasFamily(t, db, id) {
				t.Errorf("family %s is missing", id)
			}
		}
	})
}

// TestTxGroupBrokenTransaction: when the shared transaction itself fails
// (here a member ends it), nothing of the group is kept and every member
// runs again alone: the others commit exactly once, and only the member
// that broke it fails.
func TestTxGroupBrokenTransaction(t *testing.T) {
	eachSQLite(t, func(t *testing.T, db *DB) {
		g := db.txs
		ctx := context.Background()
		runs := map[string]int{}
		var mu sync.Mutex
		counted := func(name string, fn func(context.Context, *sql.Tx) error) func(context.Context, *sql.Tx) error {
			return func(ctx context.Context, tx *sql.Tx) error {
				mu.Lock()
				runs[name]++
				mu.Unlock()
				return fn(ctx, tx)
			}
		}
		breaker := func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `ROLLBACK`)
			return err
		}
		ps := []pendingTx{
			enqueueTx(g, ctx, "x", counted("x", storeFamilies(t, db, "x"))),
			enqueueTx(g, ctx, "breaker", counted("breaker", breaker)),
			enqueueTx(g, ctx, "y", counted("y", storeFamilies(t, db, "y"))),
		}
		before := g.shared.Load()
		if err := g.run(ctx, counted("leader", storeFamilies(t, db, "z"))); err != nil {
			t.Fatalf("leader: %v", err)
		}
		if n := g.shared.Load() - before; n != 0 {
			t.Errorf("%d shared transactions committed, want 0", n)
		}
		for _, p := range ps {
			err := p.result(t)
			if broke := p.name == "breaker"; broke != (err != nil) {
				t.Errorf("%s: %v", p.name, err)
			}
		}
		for _, id := range []string{"x", "y", "z"} {
			if !hasFamily(t, db, id) {
				t.Errorf("family %s is missing", id)
			}
		}
		// The members up to the breaker ran in the group and again
		// alone; the group stopped there, so the rest ran alone only.
		want := map[string]int{"x": 2, "breaker": 2, "y": 1, "leader": 1}
		for name, n := range want {
			if runs[name] != n {
				t.Errorf("%s ran %d times, want %d", name, runs[name], n)
			}
		}
		// The store still works after it.
		if err := g.run(ctx, storeFamilies(t, db, "after")); err != nil || !hasFamily(t, db, "after") {
			t.Errorf("after the broken group: %v", err)
		}
	})
}

// TestTxGroupConcurrentRotations: 64 goroutines rotate 32 refresh tokens,
// two per token, through the store's API: exactly one of each pair wins
// and stores its successor, the other gets ErrAlreadyUsed and stores
// nothing, whether they met in a shared transaction or not.
func TestTxGroupConcurrentRotations(t *testing.T) {
	eachSQLite(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		now := time.Now()
		const n = 32
		for i := range n {
			f := tokenmint.Family{ID: fmt.Sprint("f", i), ClientID: "c", Subject: "u", Scopes: []string{"api"},
				CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			rt := tokenmint.RefreshToken{ID: fmt.Sprint("rt", i), FamilyID: f.ID, ClientID: "c", Subject: "u",
				Scopes: []string{"api"}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
			if err := db.CreateIssuance(ctx, tokenmint.Issuance{Family: &f, Refresh: &rt}); err != nil {
				t.Fatal(err)
			}
		}
		errs := make([]error, 2*n)
		var wg sync.WaitGroup
		for i := range 2 * n {
			wg.Go(func() {
				tok := i / 2
				next := tokenmint.RefreshToken{ID: fmt.Sprintf("rt%d-next%d", tok, i%2), FamilyID: fmt.Sprint("f", tok),
					ClientID: "c", Subject: "u", Scopes: []string{"api"}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
				access := tokenmint.AccessToken{ID: fmt.Sprintf("at%d-%d", tok, i%2), Format: tokenmint.FormatJWT,
					ClientID: "c", Subject: "u", FamilyID: next.FamilyID, IssuedAt: now, ExpiresAt: now.Add(time.Hour), LastUsedAt: now}
				_, errs[i] = db.RotateRefreshToken(ctx, fmt.Sprint("rt", tok), now, next, &access)
			})
		}
		wg.Wait()
		for tok := range n {
			a, b := errs[2*tok], errs[2*tok+1]
			if (a == nil) == (b == nil) {
				t.Errorf("token %d: %v and %v, want one winner", tok, a, b)
				continue
			}
			win, lose := 0, 1
			if a != nil {
				win, lose = 1, 0
				a, b = b, a
			}
			if !errors.Is(b, tokenmint.ErrAlreadyUsed) {
				t.Errorf("token %d: loser got %v, want ErrAlreadyUsed", tok, b)
			}
			if _, err := db.GetRefreshToken(ctx, fmt.Sprintf("rt%d-next%d", tok, win)); err != nil {
				t.Errorf("token %d: the winner's successor: %v", tok, err)
			}
			if _, err := db.GetRefreshToken(ctx, fmt.Sprintf("rt%d-next%d", tok, lose)); !errors.Is(err, tokenmint.ErrNotFound) {
				t.Errorf("token %d: the loser's successor: %v, want ErrNotFound", tok, err)
			}
			if _, err := db.GetAccessToken(ctx, fmt.Sprintf("at%d-%d", tok, lose)); !errors.Is(err, tokenmint.ErrNotFound) {
				t.Errorf("token %d: the loser's access record: %v, want ErrNotFound", tok, err)
			}
		}
		t.Logf("shared transactions: %d", db.txs.shared.Load())
	})
}
