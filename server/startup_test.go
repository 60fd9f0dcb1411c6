package server_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// TestConcurrentFirstStart: five instances started at the same moment on
// a fresh database (a Kubernetes rollout of a new deployment) all come
// up, whichever of them creates the first signing keys; each answers
// /readyz, and a token signed by any of them verifies against the JWKS
// of every other. Five rounds, each on a fresh database, vary the
// interleaving. On SQLite the instances share one file, as processes on
// one host would.
func TestConcurrentFirstStart(t *testing.T) {
	const rounds, instances = 5, 5
	for _, b := range []struct {
		name     string
		database func(t testing.TB) string
	}{
		{"PostgreSQL", storetest.PostgresDSN},
		{"SQLite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "tokenmint.db") }},
	} {
		t.Run(b.name, func(t *testing.T) {
			for round := range rounds {
				t.Run(fmt.Sprint("round ", round), func(t *testing.T) {
					n := startTogether(t, b.database(t), instances)
					checkOneCluster(t, n)
				})
			}
		})
	}
}

// startTogether starts n instances on database at once, released by one
// signal, and fails t unless every one of them starts.
func startTogether(t *testing.T, database string, n int) []*servertest.Instance {
	t.Helper()
	clock := servertest.NewClock()
	out := make([]*servertest.Instance, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cfg := config.Default()
			cfg.Issuer = "https://auth.cluster.test"
			cfg.Database = database
			<-start
			out[i], errs[i] = servertest.Launch(t, clock, cfg)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d did not start: %v", i, err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return out
}

// checkOneCluster: every instance is ready, and what any of them signs
// every other's JWKS verifies.
func checkOneCluster(t *testing.T, n []*servertest.Instance) {
	t.Helper()
	for i, in := range n {
		if status, err := httpGet(in.URL + "/readyz"); err != nil || status != 200 {
			t.Fatalf("instance %d /readyz: %d %v", i, status, err)
		}
	}
	cl := n[0].CreateClient(t, registry.ClientSpec{})
	for i, signer := range n {
		tok := issue(t, signer, cl, "")
		for j, verifier := range n {
			if _, header := verifyWithJWKS(t, verifier.URL, tok, "ES256"); header.KeyID == "" {
				t.Fatalf("token of instance %d verified by instance %d has no kid", i, j)
			}
		}
	}
}
