package manifest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/registry"
)

// TestOwnerRoundTrip: export names a client's owner by username; applied
// to an empty database, the owner is the user of that name, created by
// the same apply; applying again changes nothing; a manifest moves a
// client to another owner, or to none.
func TestOwnerRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := newRegistry(t)
	alice, err := src.CreateUser(ctx, registry.UserSpec{Username: "alice"}, "a long passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateUser(ctx, registry.UserSpec{Username: "bob"}, "a long passphrase"); err != nil {
		t.Fatal(err)
	}
	for _, spec := range []registry.ClientSpec{{ID: "owned", Name: "O", Owner: alice.ID}, {ID: "plain", Name: "P"}} {
		if _, _, err := src.CreateClient(ctx, spec); err != nil {
			t.Fatal(err)
		}
	}
	exported, err := Export(ctx, src.Store)
	if err != nil {
		t.Fatal(err)
	}
	text, err := exported.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(text), "owner:") != 1 || !strings.Contains(string(text), "owner: alice") || strings.Contains(string(text), alice.ID) {
		t.Fatalf("export names the owner by username once, never by ID:\n%s", text)
	}

	dst := newRegistry(t)
	apply(t, dst, mustParse(t, string(text)), nil)
	owners := func() map[string]string { // client ID → owner's username
		t.Helper()
		users, _ := dst.Store.ListUsers(ctx)
		names := map[string]string{}
		for _, u := range users {
			names[u.ID] = u.Username
		}
		clients, _ := dst.Store.ListClients(ctx)
		out := map[string]string{}
		for _, c := range clients {
			out[c.ID] = names[c.Owner]
			if c.Owner != "" && names[c.Owner] == "" {
				t.Errorf("client %s owned by %q, no user", c.ID, c.Owner)
			}
		}
		return out
	}
	if got := owners(); got["owned"] != "alice" || got["plain"] != "" {
		t.Fatalf("owners after apply: %v", got)
	}
	if again := apply(t, dst, mustParse(t, string(text)), nil); again.Changed() {
		t.Errorf("applying the export again changed %+v", again)
	}

	moved := strings.Replace(string(text), "owner: alice", "owner: bob", 1)
	res := apply(t, dst, mustParse(t, moved), nil)
	if got := owners(); got["owned"] != "bob" || res.Clients[0].Action != Updated || !slices.Equal(res.Clients[0].Changed, []string{"owner"}) {
		t.Errorf("moved to bob: owners %v, result %+v", got, res.Clients)
	}
	cleared := strings.Replace(string(text), "owner: alice", "", 1)
	apply(t, dst, mustParse(t, cleared), nil)
	if got := owners(); got["owned"] != "" {
		t.Errorf("owner left out: %v", got)
	}
}

// TestOwnerDeclaredInFile: a client's owner may be a user the same file
// creates, on a client's creation and on its update; a dry run plans it.
func TestOwnerDeclaredInFile(t *testing.T) {
	reg := newRegistry(t)
	ctx := context.Background()
	const file = "clients:\n  - {client_id: app, client_name: App, owner: carol}\nusers:\n  - username: carol\n"
	res, err := Apply(ctx, mustParse(t, file), Options{Registry: reg, DryRun: true})
	if err != nil || res.Clients[0].Action != Created {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	apply(t, reg, mustParse(t, file), nil)
	carol, err := reg.Store.GetUserByUsername(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := reg.Store.GetClient(ctx, "app"); c.Owner != carol.ID {
		t.Errorf("owner %q, want carol's ID %q", c.Owner, carol.ID)
	}
	// An existing client moved to a user the file creates.
	const next = "clients:\n  - {client_id: app, client_name: App, owner: dave}\nusers:\n  - username: carol\n  - username: dave\n"
	res = apply(t, reg, mustParse(t, next), nil)
	dave, _ := reg.Store.GetUserByUsername(ctx, "dave")
	if c, _ := reg.Store.GetClient(ctx, "app"); c.Owner != dave.ID || dave.ID == "" || !slices.Contains(res.Clients[0].Changed, "owner") {
		t.Errorf("owner %q, want dave's %q; result %+v", c.Owner, dave.ID, res.Clients)
	}
}

// TestOwnerErrors: an owner must be a username, of a user in the store
// or the file; the error names its line and nothing is written.
func TestOwnerErrors(t *testing.T) {
	if _, err := Parse("test.yaml", []byte("clients:\n  - client_id: a\n    owner: [x]")); err == nil || !strings.Contains(err.Error(), "test.yaml:3: client a: owner must be the username") {
		t.Errorf("owner a list: %v", err)
	}
	reg := newRegistry(t)
	m := mustParse(t, "clients:\n  - {client_id: ok, client_name: ok}\n  - client_id: a\n    client_name: a\n    owner: nobody")
	_, err := Apply(context.Background(), m, Options{Registry: reg})
	if err == nil || !strings.Contains(err.Error(), `test.yaml:5: client a: owner: no user "nobody"`) {
		t.Fatalf("unknown owner: %v", err)
	}
	if cs, _ := reg.Store.ListClients(context.Background()); len(cs) != 0 {
		t.Errorf("a failed apply wrote %d clients", len(cs))
	}
}

// TestImportDropsOwner: the owner of an RFC 7591 export (tokenmint's
// admin API answers one) is a user ID of the server exported, which means
// nothing elsewhere: it is left out, with a warning.
func TestImportDropsOwner(t *testing.T) {
	im, err := FromRFC7591([]byte(`{"client_id":"a","client_name":"A","owner":"user-123"}`), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := im.Manifest.Clients[0]; c.Fields.Owner != nil || c.Owner != "" || len(im.Warnings) != 1 || !strings.Contains(im.Warnings[0], "owner") {
		t.Errorf("imported %+v, warnings %v", c, im.Warnings)
	}
}
