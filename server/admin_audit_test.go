package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestAdminAndRegistrationChangesAreAudited: a change through the admin
// API is recorded with the admin client as its actor, and the admin API
// lists it; a dynamic registration is recorded with the registered
// client as its actor (issue 15, audit events "by whom").
func TestAdminAndRegistrationChangesAreAudited(t *testing.T) {
	in := servertest.Start(t, withRegistration("open"))
	ops := in.CreateClient(t, registry.ClientSpec{Name: "ops", Scopes: []string{"tokenmint:admin"}})
	svc := in.CreateClient(t, registry.ClientSpec{Name: "svc"})
	trail := newAuditTrail(t, in)

	status, _, tok := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"tokenmint:admin"}}, ops.ID, ops.Secret)
	admin, _ := tok["access_token"].(string)
	if status != http.StatusOK || admin == "" {
		t.Fatalf("ops token: %d %v", status, tok)
	}
	trail.one(tokenmint.AuditTokenIssued)

	if status, _, body := jsonRequest(t, http.MethodPatch, in.AdminURL+"/admin/v1/clients/"+url.PathEscape(svc.ID), admin,
		map[string]any{"access_token_ttl": 600}); status != http.StatusOK {
		t.Fatalf("PATCH: %d %v", status, body)
	}
	ev := trail.one(tokenmint.AuditClientChanged)
	wantEvent(t, ev, tokenmint.ActorClient, ops.ID, svc.ID, "", map[string]string{"fields": "AccessTTL"})

	status, _, body := jsonRequest(t, http.MethodGet, in.AdminURL+"/admin/v1/audit?type="+tokenmint.AuditClientChanged, admin, nil)
	if status != http.StatusOK {
		t.Fatalf("GET audit: %d %v", status, body)
	}
	events, _ := body["events"].([]any)
	if len(events) != 1 {
		t.Fatalf("the admin API lists %v, want the one change", body)
	}

	reg := registerClient(t, in, "", rpMetadata())
	ev = trail.one(tokenmint.AuditClientRegistered)
	wantEvent(t, ev, tokenmint.ActorClient, reg.ID, reg.ID, "", nil)
}
