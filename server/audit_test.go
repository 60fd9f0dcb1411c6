package server_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// auditTrail follows the audit events of one server: each call of next
// returns the events recorded since the last one.
type auditTrail struct {
	t    *testing.T
	in   *servertest.Instance
	seen map[string]bool
}

func newAuditTrail(t *testing.T, in *servertest.Instance) *auditTrail {
	a := &auditTrail{t: t, in: in, seen: map[string]bool{}}
	a.next()
	return a
}

// all flushes the recorder and returns every stored event, page by page.
func (a *auditTrail) all() []tokenmint.AuditEvent {
	a.t.Helper()
	if err := a.in.Server.Audit().Flush(a.t.Context()); err != nil {
		a.t.Fatal(err)
	}
	var out []tokenmint.AuditEvent
	f := tokenmint.AuditFilter{Limit: 3} // several pages
	for {
		page, next, err := a.in.Server.Store().ListAuditEvents(a.t.Context(), f)
		if err != nil {
			a.t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		f.PageToken = next
	}
}

func (a *auditTrail) next() []tokenmint.AuditEvent {
	a.t.Helper()
	var fresh []tokenmint.AuditEvent
	for _, e := range a.all() {
		if !a.seen[e.ID] {
			a.seen[e.ID] = true
			fresh = append(fresh, e)
		}
	}
	return fresh
}

// one returns the only event recorded since the last call, and fails
// unless there is exactly one, of type typ.
func (a *auditTrail) one(typ string) tokenmint.AuditEvent {
	a.t.Helper()
	es := a.next()
	if len(es) != 1 || es[0].Type != typ {
		a.t.Fatalf("events recorded: %s; want exactly one %s", showEvents(es), typ)
	}
	return es[0]
}

func showEvents(es []tokenmint.AuditEvent) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString("\n\t")
		b.WriteString(e.Type + " " + e.ClientID + " " + e.UserID + " " + e.ActorType + ":" + e.Actor)
		for k, v := range e.Details {
			b.WriteString(" " + k + "=" + v)
		}
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// wantEvent checks the identifying fields of ev and the given details.
func wantEvent(t *testing.T, ev tokenmint.AuditEvent, actorType, actor, clientID, userID string, details map[string]string) {
	t.Helper()
	if ev.ActorType != actorType || ev.Actor != actor || ev.ClientID != clientID || ev.UserID != userID {
		t.Errorf("%s: actor %s:%q client %q user %q; want %s:%q client %q user %q",
			ev.Type, ev.ActorType, ev.Actor, ev.ClientID, ev.UserID, actorType, actor, clientID, userID)
	}
	if ev.IP != "127.0.0.1" || ev.ID == "" || ev.Time.IsZero() {
		t.Errorf("%s: IP %q, ID %q, time %v; want the caller's address, an ID and a time", ev.Type, ev.IP, ev.ID, ev.Time)
	}
	for k, v := range details {
		if got := ev.Details[k]; got != v {
			t.Errorf("%s: details[%s] = %q, want %q (details %v)", ev.Type, k, got, v, ev.Details)
		}
	}
}

func jwtClaim(t *testing.T, raw, claim string) string {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	v, _ := claims[claim].(string)
	return v
}

// TestAuditEvents: through the real server, each security event is
// recorded exactly once, with the right fields, in the database and as a
// JSON line in the audit log, and no secret, token, code or password is
// anywhere in either.
func TestAuditEvents(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "audit.log")
	in := servertest.Start(t, func(c *config.Config) { c.AuditLog = logPath })
	const pw, wrongPW = "correct horse battery", "Tr0ub4dor&3-wrong"
	user := in.CreateUser(t, "ada", pw)
	cc := in.CreateClient(t, registry.ClientSpec{Scopes: []string{"api"}, TokenFormat: tokenmint.FormatJWT})
	uc := in.CreateClient(t, registry.ClientSpec{
		GrantTypes:   []string{"authorization_code", "refresh_token", "password"},
		Scopes:       []string{"openid", "api"},
		RedirectURIs: []string{"https://app.example/callback"},
		TokenFormat:  tokenmint.FormatOpaque,
	})
	trail := newAuditTrail(t, in)
	secrets := []string{cc.Secret, uc.Secret, pw, wrongPW}
	tokenURL := in.URL + "/oauth2/token"
	token := func(form url.Values, id, secret string, wantStatus int) map[string]any {
		t.Helper()
		status, _, body := post(t, tokenURL, form, id, secret)
		if status != wantStatus {
			t.Fatalf("token %v: %d %v, want %d", form.Get("grant_type"), status, body, wantStatus)
		}
		for _, k := range []string{"access_token", "refresh_token", "id_token"} {
			if s, ok := body[k].(string); ok {
				secrets = append(secrets, s)
			}
		}
		return body
	}

	// A token issued: the grant, the client, the format and the jti.
	body := token(url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}}, cc.ID, cc.Secret, 200)
	ccJWT := body["access_token"].(string)
	wantEvent(t, trail.one(tokenmint.AuditTokenIssued), tokenmint.ActorClient, cc.ID, cc.ID, "",
		map[string]string{"grant": "client_credentials", "format": "jwt", "jti": jwtClaim(t, ccJWT, "jti"), "scope": "api"})

	// A request refused for a bad secret names the client, which exists,
	// but not as the actor; one for an unknown client_id names none (it
	// could be a secret pasted into the wrong field).
	token(url.Values{"grant_type": {"client_credentials"}}, cc.ID, "wrong-secret", 401)
	wantEvent(t, trail.one(tokenmint.AuditTokenRefused), tokenmint.ActorClient, "", cc.ID, "",
		map[string]string{"check": "invalid_client", "grant": "client_credentials"})
	token(url.Values{"grant_type": {"client_credentials"}}, "sk_not_a_client_id", "x", 401)
	wantEvent(t, trail.one(tokenmint.AuditTokenRefused), tokenmint.ActorClient, "", "", "",
		map[string]string{"check": "invalid_client"})
	token(url.Values{"grant_type": {"client_credentials"}, "scope": {"admin"}}, cc.ID, cc.Secret, 400)
	wantEvent(t, trail.one(tokenmint.AuditTokenRefused), tokenmint.ActorClient, cc.ID, cc.ID, "",
		map[string]string{"check": "invalid_scope"})

	// A failed sign-in (password grant) is one signin.failed, with the
	// user it was for and why; no token.refused beside it.
	token(url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {wrongPW}}, uc.ID, uc.Secret, 400)
	wantEvent(t, trail.one(tokenmint.AuditSignInFailed), tokenmint.ActorUser, "", uc.ID, user.ID,
		map[string]string{"reason": "wrong_password"})

	// A successful one, and the token it gets.
	body = token(url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {pw}, "scope": {"api"}}, uc.ID, uc.Secret, 200)
	r1 := body["refresh_token"].(string)
	// Both have the time of the (fake) clock: their order is the IDs'.
	es := trail.next()
	slices.SortFunc(es, func(a, b tokenmint.AuditEvent) int { return strings.Compare(a.Type, b.Type) })
	if len(es) != 2 || es[0].Type != tokenmint.AuditSignInSucceeded || es[1].Type != tokenmint.AuditTokenIssued {
		t.Fatalf("password grant recorded %s; want signin.succeeded and token.issued", showEvents(es))
	}
	wantEvent(t, es[0], tokenmint.ActorUser, user.ID, uc.ID, user.ID, nil)
	wantEvent(t, es[1], tokenmint.ActorClient, uc.ID, uc.ID, user.ID, map[string]string{"grant": "password", "format": "opaque"})
	family := es[1].Details["family"]
	if family == "" || es[1].Details["jti"] != "" {
		t.Errorf("opaque user token details %v: want a family and no jti", es[1].Details)
	}

	// Refresh, then reuse the spent refresh token: one refresh_reuse.
	token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r1}}, uc.ID, uc.Secret, 200)
	wantEvent(t, trail.one(tokenmint.AuditTokenIssued), tokenmint.ActorClient, uc.ID, uc.ID, user.ID,
		map[string]string{"grant": "refresh_token", "family": family})
	token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r1}}, uc.ID, uc.Secret, 400)
	wantEvent(t, trail.one(tokenmint.AuditRefreshReuse), tokenmint.ActorClient, uc.ID, uc.ID, user.ID,
		map[string]string{"family": family, "revoked": "family"})

	// The authorization code flow: the login page's sign-in, the code
	// exchanged, then replayed: one code_replay.
	conf := oauth2.Config{ClientID: uc.ID, ClientSecret: uc.Secret, RedirectURL: "https://app.example/callback",
		Endpoint: oauth2.Endpoint{AuthURL: in.URL + "/oauth2/authorize", TokenURL: tokenURL}, Scopes: []string{"openid", "api"}}
	verifier := oauth2.GenerateVerifier()
	cb := signIn(t, browserClient(t), conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "ada", pw)
	code := cb.Get("code")
	secrets = append(secrets, code, verifier)
	wantEvent(t, trail.one(tokenmint.AuditSignInSucceeded), tokenmint.ActorUser, user.ID, uc.ID, user.ID, nil)
	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"https://app.example/callback"}, "code_verifier": {verifier}}
	body = token(exchange, uc.ID, uc.Secret, 200)
	issued := trail.one(tokenmint.AuditTokenIssued)
	wantEvent(t, issued, tokenmint.ActorClient, uc.ID, uc.ID, user.ID, map[string]string{"grant": "authorization_code"})
	token(exchange, uc.ID, uc.Secret, 400)
	wantEvent(t, trail.one(tokenmint.AuditCodeReplay), tokenmint.ActorClient, uc.ID, uc.ID, user.ID,
		map[string]string{"family": issued.Details["family"], "revoked": "family"})

	// Revocations (RFC 7009): a refresh token's family, a JWT by jti.
	body = token(url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {pw}}, uc.ID, uc.Secret, 200)
	trail.next()
	status, _, _ := post(t, in.URL+"/oauth2/revoke", url.Values{"token": {body["refresh_token"].(string)}}, uc.ID, uc.Secret)
	if status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	wantEvent(t, trail.one(tokenmint.AuditTokenRevoked), tokenmint.ActorClient, uc.ID, uc.ID, user.ID,
		map[string]string{"token_type": "refresh_token", "via": "client"})
	if status, _, _ := post(t, in.URL+"/oauth2/revoke", url.Values{"token": {ccJWT}}, cc.ID, cc.Secret); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	wantEvent(t, trail.one(tokenmint.AuditTokenRevoked), tokenmint.ActorClient, cc.ID, cc.ID, "",
		map[string]string{"token_type": "access_token", "format": "jwt", "jti": jwtClaim(t, ccJWT, "jti")})

	// Nothing secret anywhere: not in the stored events, not in the log.
	stored := trail.all()
	dump, err := json.Marshal(stored)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Server.Audit().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	logData, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatal("an empty secret to look for")
		}
		if bytes.Contains(dump, []byte(s)) || bytes.Contains(logData, []byte(s)) {
			t.Errorf("a secret (%.12s…) is in the audit events or log", s)
		}
	}

	// Every line of the log is a JSON object of an event the database
	// holds; the registry's events (the test's clients and user) went to
	// the database directly.
	byID := map[string]tokenmint.AuditEvent{}
	for _, e := range stored {
		byID[e.ID] = e
	}
	sc := bufio.NewScanner(bytes.NewReader(logData))
	lines := 0
	for sc.Scan() {
		var line struct {
			Time    time.Time         `json:"time"`
			Msg     string            `json:"msg"`
			ID      string            `json:"id"`
			Type    string            `json:"type"`
			Details map[string]string `json:"details"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("audit log line is not JSON: %v\n%s", err, sc.Text())
		}
		e, ok := byID[line.ID]
		if !ok || e.Type != line.Type || !e.Time.Equal(line.Time) || line.Msg != "audit" {
			t.Errorf("log line %s does not match a stored event", sc.Text())
		}
		lines++
	}
	serverEvents := 0
	for _, e := range stored {
		if e.ActorType != tokenmint.ActorSystem { // the registry's, without a recorder
			serverEvents++
		}
	}
	if lines != serverEvents {
		t.Errorf("%d log lines for %d events recorded by the server", lines, serverEvents)
	}
}

// TestAuditSignInThrottled: a sign-in refused by the throttle is one
// signin.throttled event.
func TestAuditSignInThrottled(t *testing.T) {
	in := servertest.Start(t, func(c *config.Config) { c.LoginMaxFailures = 1 })
	in.CreateUser(t, "bob", "correct horse battery")
	c := in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{"password"}})
	trail := newAuditTrail(t, in)
	form := url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {"wrong password"}}
	post(t, in.URL+"/oauth2/token", form, c.ID, c.Secret)
	trail.one(tokenmint.AuditSignInFailed)
	status, _, _ := post(t, in.URL+"/oauth2/token", form, c.ID, c.Secret)
	if status != 429 {
		t.Fatalf("second failure: %d, want 429", status)
	}
	ev := trail.one(tokenmint.AuditSignInThrottled)
	wantEvent(t, ev, tokenmint.ActorUser, "", c.ID, "", nil)
	if ev.Details["retry_after"] == "" {
		t.Errorf("throttled event details %v: want retry_after", ev.Details)
	}
}

// TestAuditRetention: the server deletes events older than
// audit_retention, and keeps the others.
func TestAuditRetention(t *testing.T) {
	in := servertest.Start(t, func(c *config.Config) {
		c.AuditRetention = 30 * 24 * time.Hour
		c.JanitorInterval = 10 * time.Millisecond
	})
	c := in.CreateClient(t, registry.ClientSpec{})
	issue(t, in, c, "")
	trail := newAuditTrail(t, in)
	in.Clock.Advance(29 * 24 * time.Hour)
	issue(t, in, c, "")
	fresh := trail.one(tokenmint.AuditTokenIssued)
	in.Clock.Advance(2 * 24 * time.Hour) // the first events are 31 days old
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := trail.all()
		if len(left) == 1 && left[0].ID == fresh.ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events left after the retention: %s; want only the recent token.issued", showEvents(left))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
