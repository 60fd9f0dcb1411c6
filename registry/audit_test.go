package registry

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// recorder is an Auditor that keeps the events.
type recorder struct {
	mu     sync.Mutex
	events []tokenmint.AuditEvent
}

func (r *recorder) Record(_ context.Context, ev tokenmint.AuditEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

type fakeKeys struct{}

func (fakeKeys) Rotate(_ context.Context, alg string, _ time.Duration) (tokenmint.SigningKey, error) {
	return tokenmint.SigningKey{ID: "kid-2", Alg: alg}, nil
}

// TestAuditEventPerChange: every change through the registry is one event
// naming the actor of the context, the client, user or key, and no
// secret or password.
func TestAuditEventPerChange(t *testing.T) {
	r := newRegistry(t)
	rec := &recorder{}
	r.Audit = rec
	ctx := WithActor(context.Background(), tokenmint.ActorClient, "admin-client")
	c, creds, err := r.CreateClient(ctx, ClientSpec{Name: "svc", APIKey: true})
	if err != nil {
		t.Fatal(err)
	}
	const pw = "correct horse battery"
	u, err := r.CreateUser(ctx, UserSpec{Username: "ada"}, pw)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := r.RotateSecret(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	key, err := r.RotateAPIKey(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { return r.SetPassword(ctx, u.ID, "another good password") },
		func() error { _, err := r.SetDisabled(ctx, u.ID, true); return err },
		func() error { _, err := r.RotateKey(ctx, fakeKeys{}, tokenmint.AlgES256, time.Hour); return err },
		func() error {
			_, err := r.UpdateClient(ctx, c.ID, func(c *tokenmint.Client) error { c.AccessTTL = time.Minute; return nil })
			return err
		},
		func() error {
			_, err := r.UpdateUser(ctx, u.ID, func(s *UserSpec) { s.Email = "ada@example.org" })
			return err
		},
		func() error { return r.RevokeSessions(ctx, u.ID) },
		func() error { return r.RevokeClientTokens(ctx, c.ID) },
		func() error { return r.DeleteUser(ctx, u.ID) },
		func() error { return r.DeleteClient(ctx, c.ID) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	want := []struct {
		typ, client, user, detail, value string
	}{
		{tokenmint.AuditClientCreated, c.ID, "", "api_key", "true"},
		{tokenmint.AuditUserCreated, "", u.ID, "username", "ada"},
		{tokenmint.AuditClientRotated, c.ID, "", "credential", "secret"},
		{tokenmint.AuditClientRotated, c.ID, "", "credential", "api_key"},
		{tokenmint.AuditUserChanged, "", u.ID, "fields", "password"},
		{tokenmint.AuditUserChanged, "", u.ID, "disabled", "true"},
		{tokenmint.AuditKeyRotated, "", "", "kid", "kid-2"},
		{tokenmint.AuditClientChanged, c.ID, "", "fields", "AccessTTL"},
		{tokenmint.AuditUserChanged, "", u.ID, "fields", "Email"},
		{tokenmint.AuditUserSignedOut, "", u.ID, "", ""},
		{tokenmint.AuditClientTokensRevoked, c.ID, "", "", ""},
		{tokenmint.AuditUserDeleted, "", u.ID, "", ""},
		{tokenmint.AuditClientDeleted, c.ID, "", "", ""},
	}
	if len(rec.events) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(rec.events), len(want), rec.events)
	}
	for i, w := range want {
		ev := rec.events[i]
		if ev.Type != w.typ || ev.ClientID != w.client || ev.UserID != w.user || ev.Details[w.detail] != w.value {
			t.Errorf("event %d: %+v; want %s client %q user %q %s=%q", i, ev, w.typ, w.client, w.user, w.detail, w.value)
		}
		if ev.ActorType != tokenmint.ActorClient || ev.Actor != "admin-client" || !ev.Time.Equal(testNow) {
			t.Errorf("event %d: actor %s:%q at %s; want the context's actor and the registry's clock", i, ev.ActorType, ev.Actor, ev.Time)
		}
		dump := fmt.Sprint(ev)
		for _, s := range []string{creds.ClientSecret.Reveal(), creds.APIKey.Reveal(), secret.Reveal(), key.Reveal(), pw, "another good password"} {
			if strings.Contains(dump, s) {
				t.Errorf("event %d holds a secret: %s", i, dump)
			}
		}
	}
}

// TestAuditWithoutRecorder: without an Auditor (the CLI), events go to
// the store at once, by the system unless the context names an actor; a
// store that refuses them is logged, and the change stands.
func TestAuditWithoutRecorder(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	if _, _, err := r.CreateClient(ctx, ClientSpec{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.CreateClient(WithActor(ctx, tokenmint.ActorOperator, "ops"), ClientSpec{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	got, _, err := r.Store.ListAuditEvents(ctx, tokenmint.AuditFilter{Type: tokenmint.AuditClientCreated})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID == "" || got[0].ID == got[1].ID {
		t.Fatalf("stored %+v; want two events with IDs", got)
	}
	actors := map[string]string{}
	for _, e := range got {
		actors[e.Details["name"]] = e.ActorType + ":" + e.Actor
	}
	if actors["a"] != "system:" || actors["b"] != "operator:ops" {
		t.Errorf("actors %v; want system for a, operator ops for b", actors)
	}

	var logs bytes.Buffer
	r.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	r.Store = refusingAudit{r.Store}
	if _, _, err := r.CreateClient(ctx, ClientSpec{Name: "c"}); err != nil {
		t.Fatalf("a change whose event cannot be stored failed: %v", err)
	}
	if !strings.Contains(logs.String(), "audit event not stored") {
		t.Errorf("failure not logged: %q", logs.String())
	}
}

type refusingAudit struct{ tokenmint.Store }

func (refusingAudit) AppendAuditEvents(context.Context, ...tokenmint.AuditEvent) error {
	return tokenmint.ErrUnavailable
}
