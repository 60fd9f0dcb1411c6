package registration

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

func TestMintToken(t *testing.T) {
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, sqlstore.MemoryPath, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tokens := token.NewHasher(token.GenerateMasterKey().Derive(token.PurposeTokenHash))
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	secret, rec, err := MintToken(ctx, db, tokens, 24*time.Hour, 3, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret.Reveal(), token.PrefixRegistrationToken) || rec.ID != tokens.ID(secret.Reveal()) {
		t.Fatalf("token %s, record %+v", secret, rec)
	}
	got, err := db.GetRegistrationToken(ctx, rec.ID)
	if err != nil || got.Remaining != 3 || got.MaxUses != 3 || !got.ExpiresAt.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("stored %+v, %v", got, err)
	}
	for _, bad := range []struct {
		ttl  time.Duration
		uses int
	}{{0, 1}, {-time.Hour, 1}, {time.Hour, 0}, {time.Hour, MaxTokenUses + 1}} {
		if _, _, err := MintToken(ctx, db, tokens, bad.ttl, bad.uses, now); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("ttl %v uses %d: %v, want ErrInvalidToken", bad.ttl, bad.uses, err)
		}
	}
}
