package registry

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
)

// TestClientOwner: an owner must be an existing user, on creation and on
// update; a change of owner is in the audit event; a user who owns
// clients is not deleted until they have another owner or none.
func TestClientOwner(t *testing.T) {
	r := newRegistry(t)
	rec := &recorder{}
	r.Audit = rec
	ctx := context.Background()
	ada, err := r.CreateUser(ctx, UserSpec{Username: "ada"}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := r.CreateUser(ctx, UserSpec{Username: "bob"}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}

	var fe *tokenmint.FieldError
	_, _, err = r.CreateClient(ctx, ClientSpec{Name: "ghost", Owner: "no-such-user"})
	if !errors.Is(err, ErrInvalid) || !errors.As(err, &fe) || fe.Field != tokenmint.FieldOwner || !strings.Contains(err.Error(), "no-such-user") {
		t.Fatalf("create with an unknown owner: %v", err)
	}
	c, _, err := r.CreateClient(ctx, ClientSpec{ID: "billing", Name: "billing", Owner: ada.ID})
	if err != nil || c.Owner != ada.ID {
		t.Fatalf("create owned: %+v %v", c, err)
	}
	if _, err := r.UpdateClient(ctx, c.ID, func(c *tokenmint.Client) error { c.Owner = "no-such-user"; return nil }); !errors.As(err, &fe) || fe.Field != tokenmint.FieldOwner {
		t.Fatalf("update to an unknown owner: %v", err)
	}
	if got, _ := r.Store.GetClient(ctx, c.ID); got.Owner != ada.ID {
		t.Fatalf("a refused update changed the owner to %q", got.Owner)
	}

	err = r.DeleteUser(ctx, ada.ID)
	var owns *OwnsClientsError
	if !errors.As(err, &owns) || !errors.Is(err, tokenmint.ErrConflict) || !slices.Equal(owns.ClientIDs, []string{"billing"}) ||
		!strings.Contains(err.Error(), "billing") {
		t.Fatalf("delete an owner: %v", err)
	}
	if _, err := r.Store.GetUser(ctx, ada.ID); err != nil {
		t.Fatalf("the refused delete deleted the user: %v", err)
	}

	if _, err := r.UpdateClient(ctx, c.ID, func(c *tokenmint.Client) error { c.Owner = bob.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	last := rec.events[len(rec.events)-1]
	if last.Type != tokenmint.AuditClientChanged || last.Details["owner"] != bob.ID || last.Details["previous_owner"] != ada.ID ||
		last.Details["fields"] != "Owner" {
		t.Errorf("audit of the owner change: %+v", last)
	}
	if err := r.DeleteUser(ctx, ada.ID); err != nil {
		t.Fatalf("delete a user who owns nothing any more: %v", err)
	}
	if _, err := r.UpdateClient(ctx, c.ID, func(c *tokenmint.Client) error { c.Owner = ""; return nil }); err != nil {
		t.Fatal(err)
	}
	if last := rec.events[len(rec.events)-1]; last.Details["owner"] != "" || last.Details["previous_owner"] != bob.ID {
		t.Errorf("audit of the owner cleared: %+v", last)
	}
	if err := r.DeleteUser(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
}

func TestOwnsClientsErrorText(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}
	for _, tc := range []struct {
		ids  []string
		want string
	}{
		{ids[:1], "the user owns client a: "},
		{ids[:2], "the user owns clients a, b: "},
		{ids, "the user owns clients a, b, c, d, e, f, g, h, i, j and 2 more: "},
	} {
		if got := (&OwnsClientsError{ClientIDs: tc.ids}).Error(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%v: %q, want prefix %q", tc.ids, got, tc.want)
		}
	}
}
