package epicollect_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"mime/multipart"
	"net/http"
	"net/netip"
	"net/textproto"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// part is one part of a multipart/form-data body; file makes it a file.
type part struct{ name, file, value string }

// sampleParts are the fields of the R sample's body = list(grant_type =
// "client_credentials", client_id = 153, client_secret = ...).
func sampleParts(secret string) []part {
	return []part{{name: "grant_type", value: "client_credentials"}, {name: "client_id", value: "153"}, {name: "client_secret", value: secret}}
}

// multipartBody encodes parts as curl (under httr::POST(body=list(...)),
// whose default encoding is "multipart") does: one form-data part per
// field, returning the Content-Type with its boundary and the body.
func multipartBody(t *testing.T, parts []part) (contentType, body string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		switch {
		case p.file != "":
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"; filename="`+p.file+`"`)
			h.Set("Content-Type", "text/plain")
		case p.name != "":
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"`)
		default:
			h.Set("Content-Disposition", `form-data`)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p.value)); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.String()
}

// TestClientLibraries: the platform's own client libraries get tokens
// unchanged. PyEpicollect's requests.post(url, data=params) sends the
// params form-encoded; the R sample's httr::POST(url, body=list(...))
// sends them multipart; the jQuery sample sends JSON with client_id a
// number, and other JSON clients send it as a string.
func TestClientLibraries(t *testing.T) {
	in := dialecttest.Start(t)
	c := projectApp(t, in)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"153"}, "client_secret": {sampleSecret}}.Encode()
	mpType, mpBody := multipartBody(t, sampleParts(sampleSecret))
	tests := []struct{ name, contentType, body string }{
		{"PyEpicollect: form-encoded", "application/x-www-form-urlencoded", form},
		{"R httr: multipart", mpType, mpBody},
		{"jQuery: JSON:API, numeric client_id", "application/vnd.api+json", `{"grant_type":"client_credentials","client_id":153,"client_secret":"` + sampleSecret + `"}`},
		{"JSON, string client_id", "application/json; charset=utf-8", `{"grant_type":"client_credentials","client_id":"153","client_secret":"` + sampleSecret + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, in, tt.contentType, tt.body)
			if r.Status != http.StatusOK {
				t.Fatalf("%d %s", r.Status, r.Raw)
			}
			dialecttest.Members(t, "token response", r.JSON, "token_type", "expires_in", "access_token")
			if r.JSON["token_type"] != "Bearer" || dialecttest.Number(t, r.JSON, "expires_in") != 7200 {
				t.Errorf("response %s", r.Raw)
			}
			checkSampleLayout(t, in, c, dialecttest.String(t, r.JSON, "access_token"))
		})
	}
}

// TestDefaultLifetime: "Access tokens are valid for 2 hours from the time
// they are issued", unless the client says otherwise: a client with no
// access TTL of its own gets 7200 s here (and the server's default at the
// standard endpoint); an explicit TTL wins.
func TestDefaultLifetime(t *testing.T) {
	in := dialecttest.Start(t)
	plain := in.CreateClient(t, registry.ClientSpec{Name: "no TTL of its own"})
	short := in.CreateClient(t, registry.ClientSpec{Name: "30 minutes", AccessTTL: 30 * time.Minute})
	for _, tt := range []struct {
		name string
		c    clientCreds
		want int64
	}{
		{"default", clientCreds{plain.ID, plain.Secret}, 7200},
		{"the client's own", clientCreds{short.ID, short.Secret}, 1800},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, in, "application/json", `{"grant_type":"client_credentials","client_id":"`+tt.c.id+`","client_secret":"`+tt.c.secret+`"}`)
			if r.Status != http.StatusOK || dialecttest.Number(t, r.JSON, "expires_in") != tt.want {
				t.Fatalf("%d %s, want expires_in %d", r.Status, r.Raw, tt.want)
			}
			_, claims := dialecttest.JWTParts(t, dialecttest.String(t, r.JSON, "access_token"))
			if exp, iat := dialecttest.Number(t, claims, "exp"), dialecttest.Number(t, claims, "iat"); exp-iat != tt.want {
				t.Errorf("exp - iat = %d, want %d", exp-iat, tt.want)
			}
		})
	}
	std := dialecttest.StandardToken(t, in, plain, url.Values{"grant_type": {"client_credentials"}})
	if got := dialecttest.Number(t, std, "expires_in"); got != 3600 {
		t.Errorf("standard endpoint expires_in = %d: the Epicollect5 default leaked", got)
	}
}

type clientCreds struct{ id, secret string }

// TestFailuresDoNotConsumeQuota: a failed request is not a token. Wrong
// secrets (under the failed-authentication limit), unknown clients and
// refused scopes leave all 10 tokens of the hour to the client.
func TestFailuresDoNotConsumeQuota(t *testing.T) {
	in := dialecttest.Start(t)
	projectApp(t, in)
	for _, body := range []string{
		`{"grant_type":"client_credentials","client_id":153,"client_secret":"nope"}`,
		`{"grant_type":"client_credentials","client_id":153,"client_secret":"nope again"}`,
		`{"grant_type":"client_credentials","client_id":154,"client_secret":"` + sampleSecret + `"}`,
		`{"grant_type":"client_credentials","client_id":153,"client_secret":"` + sampleSecret + `","scope":"admin"}`,
		`{"grant_type":"client_credentials","client_id":153,"client_secret":"` + sampleSecret + `","scope":"admin"}`,
	} {
		if r := post(t, in, "application/json", body); r.Status != http.StatusBadRequest {
			t.Fatalf("%s: %d %s, want 400", body, r.Status, r.Raw)
		}
	}
	for i := range 10 {
		r := sampleRequest(t, in)
		if r.Status != http.StatusOK {
			t.Fatalf("token %d after the failures: %d %s", i+1, r.Status, r.Raw)
		}
		if got, want := r.Header.Get("X-RateLimit-Remaining"), strconv.Itoa(9-i); got != want {
			t.Errorf("token %d: X-RateLimit-Remaining %q, want %s", i+1, got, want)
		}
	}
	r := sampleRequest(t, in)
	wantError(t, r, http.StatusTooManyRequests, "ec5_255", "rate-limiter")
	if r.Header.Get("Retry-After") != "3600" {
		t.Errorf("Retry-After = %q, want 3600", r.Header.Get("Retry-After"))
	}
}

// TestFailedAuthLimited: failures are limited by the ordinary
// failed-authentication limit (login_max_failures per
// login_failure_window, 5 per 15 minutes by default) per client IP: the
// sixth attempt is refused, even with the right secret, until one attempt
// is regained; the tokens of the hour are untouched.
func TestFailedAuthLimited(t *testing.T) {
	in := dialecttest.Start(t)
	projectApp(t, in)
	bad := `{"grant_type":"client_credentials","client_id":153,"client_secret":"nope"}`
	for i := range 5 {
		wantError(t, post(t, in, "application/json", bad), http.StatusBadRequest, "ec5_253", "token issue")
		_ = i
	}
	for _, r := range []dialecttest.Response{post(t, in, "application/json", bad), sampleRequest(t, in)} {
		wantError(t, r, http.StatusTooManyRequests, "ec5_255", "rate-limiter")
		if r.Header.Get("Retry-After") != "180" {
			t.Errorf("Retry-After = %q, want 180 (one attempt every 3 minutes)", r.Header.Get("Retry-After"))
		}
	}
	in.Clock.Advance(3 * time.Minute)
	r := sampleRequest(t, in)
	if r.Status != http.StatusOK || r.Header.Get("X-RateLimit-Remaining") != "9" {
		t.Fatalf("after 3 minutes: %d %s, X-RateLimit-Remaining %q; want the first of 10 tokens", r.Status, r.Raw, r.Header.Get("X-RateLimit-Remaining"))
	}
}

// TestRateLimitSharedByInstances: with Redis, the 10 tokens an hour hold
// across instances behind one load balancer, and a failure on one
// instance consumes nothing on the other. The client IP comes from
// X-Forwarded-For (the instances trust the loopback proxy), a random one
// per run so that runs sharing a Redis never share a key.
func TestRateLimitSharedByInstances(t *testing.T) {
	redisURL := os.Getenv("TOKENMINT_TEST_REDIS")
	if redisURL == "" {
		t.Skip("set TOKENMINT_TEST_REDIS (e.g. redis://127.0.0.1:6379/0) to run the multi-instance test")
	}
	dsn := storetest.PostgresDSN(t)
	clock := servertest.NewClock()
	var n [2]*servertest.Instance
	for i := range n {
		cfg := config.Default()
		cfg.Issuer = "https://five.epicollect.test"
		cfg.Database, cfg.Redis = dsn, redisURL
		cfg.Dialects = config.AllDialects()
		cfg.TrustedProxies = []string{"127.0.0.1/32"}
		n[i] = servertest.StartWithClock(t, clock, cfg)
	}
	projectApp(t, n[0])
	ip := randomIP(t)
	t.Cleanup(func() { forgetIP(t, redisURL, ip) })
	send := func(in *servertest.Instance, secret string) dialecttest.Response {
		t.Helper()
		return post(t, in, "application/x-www-form-urlencoded",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {"153"}, "client_secret": {secret}}.Encode(), "X-Forwarded-For", ip)
	}
	for i := range 10 {
		if i == 5 {
			wantError(t, send(n[1], "nope"), http.StatusBadRequest, "ec5_253", "token issue")
		}
		if r := send(n[i%2], sampleSecret); r.Status != http.StatusOK {
			t.Fatalf("token %d on instance %d: %d %s", i+1, i%2, r.Status, r.Raw)
		}
		clock.Advance(time.Minute)
	}
	for _, in := range n {
		r := send(in, sampleSecret)
		wantError(t, r, http.StatusTooManyRequests, "ec5_255", "rate-limiter")
		if r.Header.Get("Retry-After") != "3000" { // the first token is 10 minutes old
			t.Errorf("Retry-After = %q, want 3000", r.Header.Get("Retry-After"))
		}
	}
}

// randomIP is an address of 2001:db8::/32 (RFC 3849) no other run uses.
func randomIP(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	a := netip.AddrFrom16([16]byte(append([]byte{0x20, 0x01, 0x0d, 0xb8}, b...)))
	return a.String()
}

// forgetIP deletes the Redis keys of the limits of ip.
func forgetIP(t *testing.T, redisURL, ip string) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opts)
	defer rc.Close()
	if err := rc.Del(context.Background(), "tokenmint:rlw:epicollect:tokens:ip:"+ip, "tokenmint:rl:clientauth:ip:"+ip).Err(); err != nil {
		t.Errorf("clean up the keys of %s: %v", ip, err)
	}
}
