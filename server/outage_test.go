package server_test

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// cutProxy forwards TCP to a backend until cut, when it drops every
// connection and refuses new ones, as a database restart or a network
// partition would; restore lets connections through again.
type cutProxy struct {
	ln      net.Listener
	backend string
	mu      sync.Mutex
	cut     bool
	conns   map[net.Conn]struct{}
}

func newCutProxy(t *testing.T, backend string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, backend: backend, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); p.setCut(true) })
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.pipe(c)
	}
}

func (p *cutProxy) pipe(c net.Conn) {
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.conns[c] = struct{}{}
	p.mu.Unlock()
	b, err := net.Dial("tcp", p.backend)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[b] = struct{}{}
	p.mu.Unlock()
	go func() { io.Copy(b, c); b.Close() }()
	io.Copy(c, b)
	c.Close()
}

func (p *cutProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

// TestDatabaseOutage: with PostgreSQL unreachable the server answers 503
// with a JSON error and never a wrong answer; when it is back the server
// recovers by itself, with nothing lost that was committed.
func TestDatabaseOutage(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
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
	proxy.setCut(true)
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

	proxy.setCut(false)
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
