package main

import (
	"strings"
	"testing"
)

// TestClientOwner: client create and update take --owner as a username or
// a user ID, store the ID, and show, get and list print the owner, the
// same locally and through the admin API; "" clears it; an unknown user
// is a usage error; user delete refuses a user who owns a client, naming
// it.
func TestClientOwner(t *testing.T) {
	s := newRemoteSetup(t)
	for i, e := range []env{s.local, s.remote} {
		name := []string{"local", "remote"}[i]
		user := name + "-ada"
		ada := decode[userView](t, e.ok(t, "a long passphrase\n", "user", "create", "--username", user, "--password-stdin"))
		bob := decode[userView](t, e.ok(t, "a long passphrase\n", "user", "create", "--username", name+"-bob", "--password-stdin"))

		if r := e.exec(t, "", "client", "create", "--name", "x", "--owner", "nobody"); r.code != exitUsage || !strings.Contains(r.stderr, `--owner: user "nobody" not found`) {
			t.Errorf("%s: unknown owner: %d %q", name, r.code, r.stderr)
		}
		v := decode[clientView](t, e.ok(t, "", "client", "create", "--name", "app", "--owner", user, "--output", "json"))
		if v.Owner != ada.ID || v.OwnerUsername != user {
			t.Errorf("%s: created %+v", name, v)
		}
		id := v.ClientID
		if r := e.ok(t, "", "client", "get", id, "--output", "table"); !strings.Contains(r.stdout, "owner ") || !strings.Contains(r.stdout, user+" ("+ada.ID+")") {
			t.Errorf("%s: get table:\n%s", name, r.stdout)
		}
		if r := e.ok(t, "", "client", "list"); !strings.Contains(r.stdout, "OWNER") || !strings.Contains(r.stdout, user) {
			t.Errorf("%s: list:\n%s", name, r.stdout)
		}

		r := e.exec(t, "", "user", "delete", user)
		if r.code != exitFailure || !strings.Contains(r.stderr, "owns client "+id) {
			t.Errorf("%s: deleting an owner: %d %q", name, r.code, r.stderr)
		}

		// by ID this time
		v = decode[clientView](t, e.ok(t, "", "client", "update", id, "--owner", bob.ID))
		if v.Owner != bob.ID || v.OwnerUsername != name+"-bob" {
			t.Errorf("%s: moved to bob: %+v", name, v)
		}
		if r := e.exec(t, "", "client", "update", id, "--owner", "nobody"); r.code != exitUsage {
			t.Errorf("%s: update to an unknown owner: %d %q", name, r.code, r.stderr)
		}
		v = decode[clientView](t, e.ok(t, "", "client", "update", id, "--owner", ""))
		if v.Owner != "" || v.OwnerUsername != "" {
			t.Errorf("%s: cleared: %+v", name, v)
		}
		e.ok(t, "", "user", "delete", user)
		e.ok(t, "", "client", "delete", id)
	}
}
