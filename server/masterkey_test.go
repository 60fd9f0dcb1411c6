package server_test

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/store/storetest"
	"github.com/tokenmint/tokenmint/token"
)

// withKeys runs an instance with master key current and, when given,
// previous.
func withKeys(dsn string, current token.MasterKey, previous ...token.MasterKey) config.Config {
	cfg := config.Default()
	cfg.Issuer = "https://auth.rotation.test"
	cfg.Database = dsn
	cfg.MasterKey = token.Secret(current.Encode())
	if len(previous) > 0 {
		cfg.PreviousMasterKey = token.Secret(previous[0].Encode())
	}
	return cfg
}

// TestMasterKeyRotationKeepsClusterServing walks the rotation of
// docs/deployment.md on PostgreSQL: two instances hold the new key with
// the old one as previous; the rotation runs (in one transaction, as
// `tokenmint master-key rotate` runs it) while both serve a steady stream
// of token requests and introspections, none of which fails; afterwards
// tokens issued before it still introspect, a client_secret_jwt client
// (whose secret was resealed) still authenticates, a signing key rotated
// after it reaches both (and takes out of the load balancer, by /readyz,
// an instance left with the old key alone, which cannot open it), an
// instance with the new key alone serves everything issued before, and
// one with the old key alone is refused at start.
func TestMasterKeyRotationKeepsClusterServing(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	clock := servertest.NewClock()
	k1, k2 := servertest.TestMasterKey, token.GenerateMasterKey()

	// Before: an instance with k1 creates the keys and the clients.
	before := servertest.StartWithClock(t, clock, withKeys(dsn, k1))
	opaque := before.CreateClient(t, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque, Scopes: []string{"api"}})
	jwtClient := before.CreateClient(t, registry.ClientSpec{Scopes: []string{"api"}})
	sj := newSecretJWTClient(t, before, "api")
	opaqueTok, jwtTok := issue(t, before, opaque, "api"), issue(t, before, jwtClient, "api")

	// Phase 1: the instances are restarted with k2, k1 as previous.
	a := servertest.StartWithClock(t, clock, withKeys(dsn, k2, k1))
	b := servertest.StartWithClock(t, clock, withKeys(dsn, k2, k1))
	n := []*servertest.Instance{a, b}

	// Traffic on both while the rotation runs.
	var failures atomic.Int64
	var requests atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, in := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				requests.Add(1)
				status, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, opaque.ID, opaque.Secret)
				if status == 200 {
					status, _, body = post(t, in.URL+"/oauth2/introspect", url.Values{"token": {body["access_token"].(string)}}, opaque.ID, opaque.Secret)
					if status == 200 && body["active"] != true {
						status = 0
					}
				}
				if status != 200 {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, body)
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	rotate(t, dsn, k2, k1, k2)
	time.Sleep(1500 * time.Millisecond) // the instances see the revision move and reload
	close(stop)
	wg.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d of %d requests failed across the rotation; first: %v", failures.Load(), requests.Load(), firstFailure.Load())
	}
	t.Logf("%d token requests and introspections across the rotation, none failed", requests.Load())

	for _, in := range n {
		if !introspectOn(t, in, opaque, opaqueTok) || !introspectOn(t, in, jwtClient, jwtTok) {
			t.Errorf("%s: a token issued before the rotation is inactive", in.URL)
		}
		status, _, body := post(t, in.URL+"/oauth2/token", assertionForm(sj.assertion(t, in, nil), "grant_type", "client_credentials"), "", "")
		if status != 200 {
			t.Errorf("%s: client_secret_jwt after the rotation: %d %v", in.URL, status, body)
		}
	}

	// A signing key rotated now is sealed under k2 and reaches the other
	// instance.
	rotated, err := a.Server.Keys().Rotate(t.Context(), tokenmint.AlgES256, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the signing key rotated on A reaches B", func() bool {
		return strings.Contains(string(b.Server.Keys().JWKS()), rotated.ID)
	})
	// The instance left with k1 alone cannot open that key: it cannot
	// verify what the others now sign, so /readyz takes it out.
	eventually(t, 5*time.Second, "/readyz of the instance with the old key alone fails", func() bool {
		status, _ := httpGet(before.URL + "/readyz")
		return status == 503
	})
	jwtAfter := issue(t, b, jwtClient, "api")
	if !introspectOn(t, a, jwtClient, jwtAfter) {
		t.Error("a JWT signed by the new key on B does not introspect on A")
	}

	// Phase 3: k2 alone serves what was issued before the rotation.
	after := servertest.StartWithClock(t, clock, withKeys(dsn, k2))
	for tok, c := range map[string]servertest.Client{opaqueTok: opaque, jwtTok: jwtClient, jwtAfter: jwtClient} {
		if !introspectOn(t, after, c, tok) {
			t.Errorf("with the new key alone, a token issued before is inactive")
		}
	}
	status, _, body := post(t, after.URL+"/oauth2/token", assertionForm(sj.assertion(t, after, nil), "grant_type", "client_credentials"), "", "")
	if status != 200 {
		t.Errorf("client_secret_jwt with the new key alone: %d %v", status, body)
	}

	// k1 alone is refused at start, saying why.
	_, err = servertest.Launch(t, clock, withKeys(dsn, k1))
	if err == nil || !strings.Contains(err.Error(), "hash keys do not open with the master key") {
		t.Errorf("an instance with the old key alone: %v, want a refusal naming the hash keys", err)
	}
}

// rotate runs the rotation as `tokenmint master-key rotate` does, on its
// own connection.
func rotate(t *testing.T, dsn string, next, previous, current token.MasterKey) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.OpenPostgres(ctx, dsn, sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys, err := token.ResolveKeys(ctx, db, current, previous)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := keys.Rotate(ctx, db, next)
	if err != nil {
		t.Fatal(err)
	}
	if counts[tokenmint.SealedSigningKey] == 0 || counts[tokenmint.SealedClientSecret] != 1 {
		t.Errorf("resealed %v, want the signing keys and one client secret", counts)
	}
}
