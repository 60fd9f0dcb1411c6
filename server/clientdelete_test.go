package server_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestClientDeleteEndsEveryToken: after a client is deleted, every token
// issued to it introspects {"active": false} at the real introspection
// endpoint of both instances within two seconds, its client_credentials
// JWTs (which have no server-side record) included. The resource server
// that introspects is another client, named in the tokens' audience.
func TestClientDeleteEndsEveryToken(t *testing.T) {
	onSharedDatabase(t, func(t *testing.T, a, b *servertest.Instance) {
		rs := a.CreateClient(t, registry.ClientSpec{Name: "resource server"})
		a.CreateUser(t, lifecycleUser, firstPassword)
		var toks []held
		var gone []string
		for _, format := range []string{tokenmint.FormatJWT, tokenmint.FormatOpaque} {
			c := a.CreateClient(t, registry.ClientSpec{Name: "doomed " + format, TokenFormat: format, Audience: []string{rs.ID}, Scopes: []string{"api"},
				GrantTypes: []string{tokenmint.GrantClientCredentials, tokenmint.GrantPassword, tokenmint.GrantRefreshToken}})
			gone = append(gone, c.ID)
			for _, in := range []*servertest.Instance{a, b} {
				access, _ := issueOn(t, "client credentials", in, c, url.Values{"grant_type": {"client_credentials"}})
				toks = append(toks, held{what: "client_credentials " + format, c: c, access: access})
			}
			access, _ := issueOn(t, "password grant", b, c, passwordForm(firstPassword))
			toks = append(toks, held{what: "password grant " + format, c: c, access: access})
		}
		for _, h := range toks {
			for _, in := range []*servertest.Instance{a, b} {
				if !introspectOn(t, in, rs, h.access) {
					t.Fatalf("%s inactive on %s before the client was deleted", h.what, in.URL)
				}
			}
		}
		for _, id := range gone {
			if err := a.Registry.Store.DeleteClient(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(2 * time.Second)
		for _, h := range toks {
			for _, in := range []*servertest.Instance{a, b} {
				for introspectOn(t, in, rs, h.access) {
					if time.Now().After(deadline) {
						t.Fatalf("%s of a deleted client still active on %s 2 s after the deletion", h.what, in.URL)
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		}
	})
}
