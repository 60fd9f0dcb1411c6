package sqlstore

import (
	"context"
	"errors"
	"fmt"
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

// TestGroupCommit: concurrent inserts, grouped into shared transactions,
// are all committed and readable when their calls return; a duplicate ID
// in a group fails its own caller only.
func TestGroupCommit(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := context.Background()
			if err := db.CreateAccessToken(ctx, accessToken("dup")); err != nil {
				t.Fatal(err)
			}
			const n = 200
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
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
				}()
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
		})
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
