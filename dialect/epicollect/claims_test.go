package epicollect_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/epicollect"
	"github.com/tokenmint/tokenmint/registry"
)

// TestProfileClient: a project App created with `client create --profile
// epicollect` ("Create Client App") has a numeric client ID, sent as a
// JSON number as the jQuery sample sends 153, and gets the sample's
// layout; "Access tokens are valid for 2 hours from the time they are
// issued": active until then however often it is used, not after.
func TestProfileClient(t *testing.T) {
	in := dialecttest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{Name: "project app", Profile: epicollect.Name})
	if _, err := strconv.ParseUint(c.ID, 10, 64); err != nil {
		t.Fatalf("client ID %q is not a number", c.ID)
	}
	r := post(t, in, "application/vnd.api+json", `{"grant_type":"client_credentials","client_id":`+c.ID+`,"client_secret":"`+c.Secret+`"}`)
	if r.Status != http.StatusOK || dialecttest.Number(t, r.JSON, "expires_in") != 7200 {
		t.Fatalf("%d %s, want a token of 7200 s", r.Status, r.Raw)
	}
	tok := dialecttest.String(t, r.JSON, "access_token")
	checkSampleLayout(t, in, c, tok)
	for range 4 {
		in.Clock.Advance(30*time.Minute - time.Second)
		if !dialecttest.Active(t, dialecttest.Introspect(t, in, c, tok)) {
			t.Fatalf("inactive before its 2 hours")
		}
	}
	in.Clock.Advance(4 * time.Second)
	if dialecttest.Active(t, dialecttest.Introspect(t, in, c, tok)) {
		t.Fatal("active 2 hours after issuance, though used meanwhile")
	}
}

// TestNoCORS: "Please note you cannot access the data using a browser!":
// the endpoint answers no CORS preflight and grants no origin, so a page
// on another origin cannot read a token (nor put a client secret in its
// code to get one).
func TestNoCORS(t *testing.T) {
	in := dialecttest.Start(t)
	projectApp(t, in)
	pre := dialecttest.Do(t, dialecttest.Request(t, http.MethodOptions, in.URL+epicollect.PathToken, "",
		"Origin", "https://fiddle.jshell.net", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type"))
	if pre.Status/100 == 2 || pre.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight: %d %v, want a refusal without Access-Control-Allow-Origin", pre.Status, pre.Header)
	}
	r := sampleRequest(t, in, "Origin", "https://fiddle.jshell.net")
	if r.Status != http.StatusOK || r.Header.Get("Access-Control-Allow-Origin") != "" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("cross-origin POST: %d %v, want the token without CORS headers", r.Status, r.Header)
	}
}

// TestGeneralIPLimit: "This restriction helps protect the system from
// automated misuse and excessive traffic from a single source": beside
// the tokens issued, the server's general per-IP request limit
// (token_rate_limit) counts every request here, failures included, and
// refuses in the platform's format.
func TestGeneralIPLimit(t *testing.T) {
	in := dialecttest.Start(t, func(c *config.Config) { c.TokenRateLimit = "3/1h" })
	projectApp(t, in)
	wantError(t, post(t, in, "application/json", `{"grant_type":"client_credentials","client_id":153,"client_secret":"nope"}`),
		http.StatusBadRequest, "ec5_253", "token issue")
	for range 2 {
		if r := sampleRequest(t, in); r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
	}
	r := sampleRequest(t, in)
	wantError(t, r, http.StatusTooManyRequests, "ec5_255", "rate-limiter")
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}
