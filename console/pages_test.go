package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestEveryPageAccessible renders every page of both sites and checks
// what a person with a screen reader or a keyboard needs: every field
// has a <label for> (or sits in one), every button has text, and no page
// has an inline script or style (the CSP would block it).
func TestEveryPageAccessible(t *testing.T) {
	in := start(t)
	user(t, in, "ada", true)
	user(t, in, "bob", false)
	ada := signIn(t, in.AdminURL+"/console", "ada")
	created := ada.post("/clients", newClientForm("Listed"))
	id := shownClientID(t, created)
	bob := signIn(t, in.URL+"/apps", "bob")
	app := bob.post("/", url.Values{"client_name": {"App"}, "app_type": {"none"}, "redirect_uris": {"http://127.0.0.1/cb"},
		"grant_types": {"authorization_code"}, "scope": {"openid"}})
	appID := shownClientID(t, app)

	pages := map[string]page{
		"overview": ada.get(in.AdminURL + "/console/"), "clients": ada.get(in.AdminURL + "/console/clients"),
		"new client": ada.get(in.AdminURL + "/console/clients/new?profile=empowerid"), "client": ada.get(in.AdminURL + "/console/clients/" + id),
		"secret": created, "delete": ada.get(in.AdminURL + "/console/clients/" + id + "/delete"),
		"users": ada.get(in.AdminURL + "/console/users"), "user": ada.get(in.AdminURL + "/console/users/" + userID(t, in.Server.Store(), "bob")),
		"keys": ada.get(in.AdminURL + "/console/keys"), "audit": ada.get(in.AdminURL + "/console/audit?since=720h"),
		"apps": bob.get(in.URL + "/apps/"), "new app": bob.get(in.URL + "/apps/new"), "app": bob.get(in.URL + "/apps/" + appID),
		"app secret": app,
	}
	fieldRE := regexp.MustCompile(`<(input|select|textarea) [^>]*id="([^"]+)"[^>]*>`)
	for name, p := range pages {
		if p.Status != http.StatusOK && p.Status != http.StatusCreated {
			t.Errorf("%s: %d\n%s", name, p.Status, p.Body)
			continue
		}
		for _, m := range fieldRE.FindAllStringSubmatch(p.Body, -1) {
			if strings.Contains(m[0], `type="hidden"`) {
				continue
			}
			if !strings.Contains(p.Body, `for="`+m[2]+`"`) && !regexp.MustCompile(`<label class="check"><input [^>]*id="`+regexp.QuoteMeta(m[2])+`"`).MatchString(p.Body) {
				t.Errorf("%s: field %s has no label", name, m[2])
			}
		}
		for _, b := range regexp.MustCompile(`(?s)<button[^>]*>(.*?)</button>`).FindAllStringSubmatch(p.Body, -1) {
			if strings.TrimSpace(b[1]) == "" {
				t.Errorf("%s: a button without text: %s", name, b[0])
			}
		}
		if strings.Contains(p.Body, "<script>") || strings.Contains(p.Body, "style=") || strings.Contains(p.Body, "<style") {
			t.Errorf("%s: inline script or style", name)
		}
	}
	if !strings.Contains(pages["overview"].Body, `id="issued-day">`) {
		t.Errorf("overview without the day's total")
	}
	// The audit log lists the client's creation with the user as actor.
	if a := pages["audit"]; !strings.Contains(a.Body, "client.created") || !strings.Contains(a.Body, "user <code>") && !strings.Contains(a.Body, "Actor") {
		t.Errorf("audit log:\n%s", a.Body)
	}
}
