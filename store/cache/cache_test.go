package cache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

var t0 = time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)

// eventually fails the test unless cond holds within five seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWrapRunFollowsAnotherProcess: the layer Wrap builds serves clients
// and opaque records from memory, and Run brings another process's
// client change and revocation in.
func TestWrapRunFollowsAnotherProcess(t *testing.T) {
	mine, other := openPair(t)
	ctx := t.Context()
	client := tokenmint.Client{ID: "c", Name: "old", GrantTypes: []string{"client_credentials"}}
	if err := other.CreateClient(ctx, client); err != nil {
		t.Fatal(err)
	}
	tok := tokenmint.AccessToken{ID: "tok", Format: tokenmint.FormatOpaque, ClientID: "c", Subject: "c",
		IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour), LastUsedAt: time.Now()}
	if err := other.CreateAccessToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	s := Wrap(mine, Options{TokenEntries: 100, RevisionPoll: 10 * time.Millisecond, RevocationPoll: 10 * time.Millisecond})
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.GetAccessToken(ctx, "tok"); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := s.Clients().GetClient(ctx, "c"); err != nil || c.Name != "old" {
		t.Fatalf("GetClient = %+v, %v", c, err)
	}
	if st := s.Stats(); st.Tokens.Entries != 1 || st.Tokens.Hits != 1 || st.Tokens.Misses != 1 {
		t.Fatalf("stats %+v, want one record read once and served once from memory", st)
	}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	revised := make(chan struct{}, 8)
	go func() {
		s.Run(runCtx, func(context.Context) { revised <- struct{}{} })
		close(done)
	}()
	if _, err := other.UpdateClient(ctx, "c", func(c *tokenmint.Client) error { c.Name = "new"; return nil }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-revised:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not call onRevision after another process changed a client")
	}
	if c, _ := s.Clients().GetClient(ctx, "c"); c.Name != "new" {
		t.Fatalf("after the revision moved, client name %q, want new", c.Name)
	}
	if err := other.DeleteAccessToken(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "another process's revocation reaching the token cache", func() bool {
		_, err := s.GetAccessToken(ctx, "tok")
		return errors.Is(err, tokenmint.ErrNotFound)
	})
	if n := s.Stats().Revoked; n != 1 {
		t.Fatalf("Stats().Revoked = %d, want 1", n)
	}
	stop()
	<-done
}

// TestWrapWithoutTokenCache: TokenEntries 0 reads every opaque record
// from the store, and revocations are still held in memory.
func TestWrapWithoutTokenCache(t *testing.T) {
	mine, _ := openPair(t)
	ctx := t.Context()
	db := &counting{Store: mine}
	s := Wrap(db, Options{})
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	tok := tokenmint.AccessToken{ID: "tok", Format: tokenmint.FormatOpaque, ClientID: "c", Subject: "c",
		IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour), LastUsedAt: time.Now()}
	if err := s.CreateAccessToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.GetAccessToken(ctx, "tok"); err != nil {
			t.Fatal(err)
		}
	}
	if n := db.reads.Load(); n != 3 {
		t.Fatalf("%d store reads for 3 lookups, want 3", n)
	}
	if err := s.DeleteAccessToken(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Revoked != 1 || st.Tokens != (TokenStats{}) {
		t.Fatalf("stats %+v, want 1 revoked and no token cache", st)
	}
}
