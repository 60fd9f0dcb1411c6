package server_test

import (
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/internal/cutproxy"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// TestDatabaseOutage: with PostgreSQL unreachable the server answers 503
// with a JSON error and never a wrong answer; when it is back the server
// recovers by itself, with nothing lost that was committed.
func TestDatabaseOutage(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := cutproxy.New(t, u.Host)
	u.Host = proxy.Addr()
	q := u.Query()
	q.Set("connect_timeout", "1")
	u.RawQuery = q.Encode()
	in := servertest.Start(t, func(c *config.Config) { c.Database = u.String() })
	cl := in.CreateClient(t, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque})
	before := issue(t, in, cl, "")

	// Load runs through the whole outage: every answer must be a token
	// (200) or a clean 503, never another status, and every token
	// answered must introspect once the database is back.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	var issued []string
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				status, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, cl.ID, cl.Secret)
				mu.Lock()
				statuses[status]++
				if status == 200 {
					issued = append(issued, body["access_token"].(string))
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	proxy.SetCut(true)
	for range 5 {
		status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, cl.ID, cl.Secret)
		wantError(t, status, h, body, 503, "temporarily_unavailable")
		status, h, body = post(t, in.URL+"/oauth2/introspect", url.Values{"token": {before}}, cl.ID, cl.Secret)
		wantError(t, status, h, body, 503, "temporarily_unavailable")
	}
	if status, err := httpGet(in.URL + "/healthz"); err != nil || status != 200 {
		t.Fatalf("healthz during outage: %d, want 200 (the process is alive)", status)
	}
	resp, err := httpGet(in.URL + "/readyz")
	if err != nil || resp != 503 {
		t.Fatalf("readyz during outage: %d %v, want 503", resp, err)
	}

	proxy.SetCut(false)
	eventually(t, 10*time.Second, "recovery after the database is back", func() bool {
		status, _, _ := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, cl.ID, cl.Secret)
		return status == 200
	})
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	if !introspectOn(t, in, cl, before) {
		t.Fatal("token issued before the outage was lost")
	}
	for status := range statuses {
		if status != 200 && status != 503 {
			t.Errorf("status %d answered %d times under load; want only 200 and 503", status, statuses[status])
		}
	}
	if statuses[503] == 0 || statuses[200] == 0 {
		t.Errorf("statuses %v: want both tokens and 503s", statuses)
	}
	for _, tok := range issued {
		if !introspectOn(t, in, cl, tok) {
			t.Fatal("a token answered under load was never committed")
		}
	}
}
