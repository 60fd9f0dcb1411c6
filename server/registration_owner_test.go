package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestRegistrationIgnoresOwner: owner is not RFC 7591 client metadata but
// an operator's setting; a registering client that names one (to claim a
// user's self-service pages) has it ignored, as every member registration
// does not understand (RFC 7591 §2), on registration and on update; and an
// owner an operator set is not answered to the client.
func TestRegistrationIgnoresOwner(t *testing.T) {
	in := servertest.Start(t, withRegistration(config.RegistrationOpen, "openid", "profile", "email"))
	victim := in.CreateUser(t, "victim", "a long passphrase")
	md := rpMetadata()
	md["owner"] = victim.ID
	reg := registerClient(t, in, "", md)
	if _, ok := reg.Body["owner"]; ok {
		t.Errorf("registration answered an owner: %v", reg.Body)
	}
	ctx := context.Background()
	if c, err := in.Server.Store().GetClient(ctx, reg.ID); err != nil || c.Owner != "" {
		t.Fatalf("registered client has owner %q (%v)", c.Owner, err)
	}

	md["client_id"] = reg.ID
	status, _, body := jsonRequest(t, http.MethodPut, reg.URI, reg.AccessToken, md)
	if status != http.StatusOK {
		t.Fatalf("update: %d %v", status, body)
	}
	if c, err := in.Server.Store().GetClient(ctx, reg.ID); err != nil || c.Owner != "" {
		t.Fatalf("updated client has owner %q (%v)", c.Owner, err)
	}

	// An operator gives the client an owner: an update by the client keeps
	// it, and no answer to the client names it.
	if _, err := in.Server.Store().UpdateClient(ctx, reg.ID, func(c *tokenmint.Client) error { c.Owner = victim.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	delete(md, "owner")
	status, _, body = jsonRequest(t, http.MethodPut, reg.URI, reg.AccessToken, md)
	if _, ok := body["owner"]; status != http.StatusOK || ok {
		t.Errorf("update of an owned client: %d %v", status, body)
	}
	status, _, body = jsonRequest(t, http.MethodGet, reg.URI, reg.AccessToken, nil)
	if _, ok := body["owner"]; status != http.StatusOK || ok {
		t.Errorf("read of an owned client: %d %v", status, body)
	}
	if c, _ := in.Server.Store().GetClient(ctx, reg.ID); c.Owner != victim.ID {
		t.Errorf("the client's update changed its owner to %q", c.Owner)
	}
}
