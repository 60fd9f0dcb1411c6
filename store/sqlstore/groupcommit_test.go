package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func accessToken(id string) tokenmint.AccessToken {
	now := time.Now().UTC()
	return tokenmint.AccessToken{ID: id, Format: tokenmint.FormatOpaque, ClientID: "c", Subject: "c",
		IssuedAt: now, ExpiresAt: now.Add(time.Hour), LastUsedAt: now}
}

// withCommitter makes db insert tokens through a committer with that many
// lanes, whatever its flavour uses by default.
func withCommitter(t testing.TB, db *DB, lanes int) *committer {
	t.Helper()
	c := newCommitter(db, &db.hot.createAccessToken, lanes)
	t.Cleanup(func() {
		if err := c.close(); err != nil {
			t.Error(err)
		}
	})
	db.tokens = c
	return c
}

// TestGroupCommit: concurrent inserts, grouped into shared statements,
// are all committed and readable when their calls return; a duplicate ID
// in a group fails its own caller only.
func TestGroupCommit(t *testing.T) {
	for _, b := range backends() {
		for _, lanes := range []int{0, 1, 3} { // 0: the flavour's default
			t.Run(fmt.Sprintf("%s/lanes=%d", b.name, lanes), func(t *testing.T) {
				db := b.open(t)
				if lanes > 0 {
					withCommitter(t, db, lanes)
				}
				testConcurrentInserts(t, db)
			})
		}
	}
}

func testConcurrentInserts(t *testing.T, db *DB) {
	ctx := context.Background()
	if err := db.CreateAccessToken(ctx, accessToken("dup")); err != nil {
		t.Fatal(err)
	}
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("t%03d", i)
			if i%50 == 7 {
				id = "dup"
			}
			errs[i] = db.CreateAccessToken(ctx, accessToken(id))
			if errs[i] == nil { // committed before the call returned
				if _, err := db.GetAccessToken(ctx, id); err != nil {
					errs[i] = fmt.Errorf("read back %s: %w", id, err)
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		dup := i%50 == 7
		switch {
		case dup && !errors.Is(err, tokenmint.ErrConflict):
			t.Errorf("insert %d (duplicate): %v, want ErrConflict", i, err)
		case !dup && err != nil:
			t.Errorf("insert %d: %v", i, err)
		}
	}
}

// TestGroupCommitCancelled: a caller whose context is already done gets
// its error and nothing is written.
func TestGroupCommitCancelled(t *testing.T) {
	db := openSQLite(t, sqlitePath(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.CreateAccessToken(ctx, accessToken("gone")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := db.GetAccessToken(context.Background(), "gone"); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Fatalf("cancelled insert was written: %v", err)
	}
}

func TestGroupSize(t *testing.T) {
	for _, tc := range []struct{ pending, want int }{
		{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 4}, {6, 6}, {7, 6}, {8, 8}, {11, 8},
		{12, 12}, {17, 16}, {24, 24}, {47, 32}, {48, 48}, {63, 48}, {64, 64}, {65, 64}, {1000, 64},
	} {
		if got := groupSize(tc.pending); got != tc.want {
			t.Errorf("groupSize(%d) = %d, want %d", tc.pending, got, tc.want)
		}
	}
	for n := 1; n <= 2*maxBatch; n++ {
		if g := groupSize(n); n <= maxBatch && 3*(n-g) >= n {
			t.Errorf("groupSize(%d) = %d leaves a third or more for the next group", n, g)
		}
	}
}

// rowArgs are the insert arguments of a token whose subject tells it
// apart from the other rows of its group.
func rowArgs(t *testing.T, id string) []any {
	t.Helper()
	tok := accessToken(id)
	tok.Subject = "subject-" + id
	args, err := accessTokenArgs(&tok)
	if err != nil {
		t.Fatal(err)
	}
	return args
}

// queued is a row put in a lane's queue as if its caller were waiting.
type queued struct {
	id  string
	req *request
}

func enqueue(t *testing.T, l *lane, ctx context.Context, id string) queued {
	t.Helper()
	r := &request{ctx: ctx, args: rowArgs(t, id), done: make(chan error, 1)}
	l.mu.Lock()
	l.pending = append(l.pending, r)
	l.mu.Unlock()
	return queued{id, r}
}

// result is the answer a queued row's caller got: a leader arriving
// after it has written it by the time it returns.
func (q queued) result(t *testing.T, db *DB) error {
	t.Helper()
	select {
	case err := <-q.req.done:
		return db.wrap("insert", err)
	default:
		t.Fatalf("%s: no answer", q.id)
		return nil
	}
}

// checkRows fails unless each of ids is stored with its own values.
func checkRows(t *testing.T, db *DB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		got, err := db.GetAccessToken(context.Background(), id)
		if err != nil || got.Subject != "subject-"+id {
			t.Errorf("read back %s: %+v, %v", id, got, err)
		}
	}
}

// statements counts the distinct PostgreSQL transactions that wrote the
// rows ids, or returns -1 on SQLite, which does not tell.
func statements(t *testing.T, db *DB, ids []string) int {
	t.Helper()
	if !db.flavor.dollar {
		return -1
	}
	var n int
	err := db.r.QueryRow(`SELECT COUNT(DISTINCT xmin::text) FROM access_tokens WHERE id = ANY($1)`, ids).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGroupCommitSizes: queues of sizes around the statement sizes and
// maxBatch are written completely, each row with its own values, in as
// many statements as groupSize says.
func TestGroupCommitSizes(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			c := withCommitter(t, db, 1)
			ctx := context.Background()
			wantSizes := make([]uint64, maxBatch+1) // GroupCommitStats().Inserts
			for _, n := range []int{1, 2, 3, 5, 7, 47, 63, 64, 65, 130} {
				for left := n; left > 0; left -= groupSize(left) {
					wantSizes[groupSize(left)]++
				}
				ids := make([]string, n)
				qs := make([]queued, n-1)
				for i := range ids {
					ids[i] = fmt.Sprintf("s%d-%03d", n, i)
				}
				for i := range qs {
					qs[i] = enqueue(t, &c.lanes[0], ctx, ids[i])
				}
				// The last caller arrives and leads: it writes all n.
				if err := c.insert(ctx, rowArgs(t, ids[n-1])); err != nil {
					t.Fatalf("n=%d: leader: %v", n, err)
				}
				for _, q := range qs {
					if err := q.result(t, db); err != nil {
						t.Fatalf("n=%d: %s: %v", n, q.id, err)
					}
				}
				checkRows(t, db, ids...)
				want := 0
				for left := n; left > 0; left -= groupSize(left) {
					want++
				}
				if got := statements(t, db, ids); got >= 0 && got != want {
					t.Errorf("n=%d: written by %d statements, want %d", n, got, want)
				}
			}
			if got := db.GroupCommitStats().Inserts; !slices.Equal(got, wantSizes) {
				t.Errorf("GroupCommitStats().Inserts = %v, want %v", got, wantSizes)
			}
		})
	}
}

// TestGroupCommitMixed: in one group, a duplicate of a stored ID and two
// rows with the same new ID fail only their own callers (the first of
// the two wins), a caller that gave up gets its context's error and its
// row is not written, and every other row is written; a group without a
// bad row also leaves out the caller that gave up.
func TestGroupCommitMixed(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			c := withCommitter(t, db, 1)
			ctx := context.Background()
			if err := db.CreateAccessToken(ctx, accessToken("stored")); err != nil {
				t.Fatal(err)
			}
			gone, cancel := context.WithCancel(ctx)
			cancel()
			rows := []struct {
				id   string
				ctx  context.Context
				want error
			}{
				{"m0", ctx, nil}, {"m1", ctx, nil}, {"stored", ctx, tokenmint.ErrConflict},
				{"m3", ctx, nil}, {"m4", gone, context.Canceled}, {"m5", ctx, nil},
				{"m6", ctx, nil}, {"m1", ctx, tokenmint.ErrConflict}, {"m8", ctx, nil},
				{"m9", ctx, nil},
			}
			qs := make([]queued, len(rows))
			for i, r := range rows {
				qs[i] = enqueue(t, &c.lanes[0], r.ctx, r.id)
			}
			// 10 live rows with the leader's: a group of 8 with both
			// duplicates, then one of 2.
			if err := c.insert(ctx, rowArgs(t, "m10")); err != nil {
				t.Fatalf("leader: %v", err)
			}
			for i, q := range qs {
				err := q.result(t, db)
				if w := rows[i].want; (w == nil && err != nil) || !errors.Is(err, w) {
					t.Errorf("row %d (%s): %v, want %v", i, q.id, err, w)
				}
			}
			if _, err := db.GetAccessToken(ctx, "m4"); !errors.Is(err, tokenmint.ErrNotFound) {
				t.Errorf("the cancelled caller's row: %v, want ErrNotFound", err)
			}
			checkRows(t, db, "m0", "m1", "m3", "m5", "m6", "m8", "m9", "m10")

			// A group that succeeds leaves out the caller that gave up.
			a, dropped, z := enqueue(t, &c.lanes[0], ctx, "a"), enqueue(t, &c.lanes[0], gone, "dropped"), enqueue(t, &c.lanes[0], ctx, "z")
			if err := c.insert(ctx, rowArgs(t, "leader")); err != nil {
				t.Fatalf("leader: %v", err)
			}
			if err := dropped.result(t, db); !errors.Is(err, context.Canceled) {
				t.Errorf("the cancelled caller: %v, want context.Canceled", err)
			}
			if _, err := db.GetAccessToken(ctx, "dropped"); !errors.Is(err, tokenmint.ErrNotFound) {
				t.Errorf("the cancelled caller's row: %v, want ErrNotFound", err)
			}
			for _, q := range []queued{a, z} {
				if err := q.result(t, db); err != nil {
					t.Errorf("%s: %v", q.id, err)
				}
			}
			checkRows(t, db, "a", "z", "leader")
		})
	}
}
