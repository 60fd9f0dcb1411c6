package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func revisionTests() []test {
	return []test{
		{"BumpedByClientAndKeyWrites", testRevisionBumps},
		{"NotBumpedByFailedWrites", testRevisionFailedWrites},
	}
}

// revision reads the counter.
func revision(t *testing.T, s tokenmint.Store) int64 {
	t.Helper()
	r, err := s.Revision(t.Context())
	ok(t, err, "revision")
	return r
}

func testRevisionBumps(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	writes := []struct {
		name  string
		write func() error
	}{
		{"CreateClient", func() error { return s.CreateClient(ctx, fullClient("c1")) }},
		{"UpdateClient", func() error {
			_, err := s.UpdateClient(ctx, "c1", func(c *tokenmint.Client) error { c.Name = "new"; return nil })
			return err
		}},
		{"DeleteClient", func() error { return s.DeleteClient(ctx, "c1") }},
		{"CreateSigningKey", func() error { return s.CreateSigningKey(ctx, signingKey("k1", tokenmint.AlgES256, at(0))) }},
		{"RotateSigningKeys", func() error {
			return s.RotateSigningKeys(ctx, signingKey("k2", tokenmint.AlgES256, at(time.Hour)), at(2*time.Hour))
		}},
	}
	prev := revision(t, s)
	for _, w := range writes {
		ok(t, w.write(), w.name)
		got := revision(t, s)
		if got <= prev {
			t.Fatalf("after %s revision = %d, want > %d", w.name, got, prev)
		}
		prev = got
	}
}

func testRevisionFailedWrites(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("c1")), "create client")
	ok(t, s.CreateSigningKey(ctx, signingKey("k1", tokenmint.AlgES256, at(0))), "create signing key")
	before := revision(t, s)
	abort := errors.New("abort")
	failures := []struct {
		name  string
		write func() error
	}{
		{"CreateClient conflict", func() error { return s.CreateClient(ctx, fullClient("c1")) }},
		{"UpdateClient aborted", func() error {
			_, err := s.UpdateClient(ctx, "c1", func(*tokenmint.Client) error { return abort })
			return err
		}},
		{"UpdateClient unknown", func() error {
			_, err := s.UpdateClient(ctx, "nope", func(*tokenmint.Client) error { return nil })
			return err
		}},
		{"DeleteClient unknown", func() error { return s.DeleteClient(ctx, "nope") }},
		{"CreateSigningKey conflict", func() error { return s.CreateSigningKey(ctx, signingKey("k1", tokenmint.AlgRS256, at(0))) }},
	}
	for _, f := range failures {
		if err := f.write(); err == nil {
			t.Fatalf("%s succeeded", f.name)
		}
		if got := revision(t, s); got != before {
			t.Fatalf("after a failed %s revision = %d, want %d unchanged", f.name, got, before)
		}
	}
}
