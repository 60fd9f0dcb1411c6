package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
)

// TestConsoleDeleteUser: "Delete user" asks for a confirmation naming the
// user, then deletes them through the registry (their sessions end, an
// audit event names the administrator); a user who owns apps is not
// deleted, and both pages list the apps; an administrator cannot delete
// themselves.
func TestConsoleDeleteUser(t *testing.T) {
	in := start(t)
	user(t, in, "ada", true)
	bob := user(t, in, "bob", false)
	carol := user(t, in, "carol", true)
	ada := signIn(t, in.AdminURL+"/console", "ada")
	carolSession := signIn(t, in.AdminURL+"/console", "carol")
	st := in.Server.Store()
	ctx := context.Background()

	if p := ada.get(in.AdminURL + "/console/users/" + bob.ID); !strings.Contains(p.Body, `id="delete-user"`) {
		t.Errorf("no Delete user on bob's page:\n%s", p.Body)
	}
	if p := ada.get(in.AdminURL + "/console/users/" + userID(t, st, "ada")); strings.Contains(p.Body, `id="delete-user"`) {
		t.Error("Delete user on the signed-in administrator's own page")
	}

	// bob owns an app: not deleted, the app named.
	app, _, err := in.Registry.CreateClient(ctx, registry.ClientSpec{Name: "Bob's app", Owner: bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	confirm := ada.get(in.AdminURL + "/console/users/" + bob.ID + "/delete")
	if confirm.Status != http.StatusOK || !strings.Contains(confirm.Body, `<strong id="delete-name">bob</strong>`) ||
		!strings.Contains(confirm.Body, app.ID) || strings.Contains(confirm.Body, `id="confirm-delete"`) {
		t.Errorf("confirmation for the owner of an app:\n%s", confirm.Body)
	}
	refused := ada.post("/users/"+bob.ID+"/delete", url.Values{})
	if refused.Status != http.StatusConflict || !strings.Contains(refused.Body, "owns apps") || !strings.Contains(refused.Body, app.ID) {
		t.Errorf("deleting the owner of an app: %d\n%s", refused.Status, refused.Body)
	}
	if _, err := st.GetUser(ctx, bob.ID); err != nil {
		t.Fatalf("the refused deletion deleted bob: %v", err)
	}

	// Once the app is gone, bob is deleted.
	if err := in.Registry.DeleteClient(ctx, app.ID); err != nil {
		t.Fatal(err)
	}
	confirm = ada.get(in.AdminURL + "/console/users/" + bob.ID + "/delete")
	if !strings.Contains(confirm.Body, `Delete the user <strong id="delete-name">bob</strong>`) || !strings.Contains(confirm.Body, `id="confirm-delete"`) {
		t.Fatalf("confirmation does not name the user:\n%s", confirm.Body)
	}
	form := formOf(t, confirm.Body, "/console/users/"+bob.ID+"/delete")
	done := ada.postTo(in.AdminURL+"/console/users/"+bob.ID+"/delete", form)
	if done.Status != http.StatusOK || !strings.Contains(done.Body, "Deleted.") || !strings.HasSuffix(done.URL.Path, "/console/users") {
		t.Fatalf("delete: %d at %s\n%s", done.Status, done.URL, done.Body)
	}
	if _, err := st.GetUser(ctx, bob.ID); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Errorf("bob after deletion: %v", err)
	}
	in.Server.Audit().Flush(ctx)
	events, _, err := st.(tokenmint.AuditStore).ListAuditEvents(ctx, tokenmint.AuditFilter{UserID: bob.ID, Type: tokenmint.AuditUserDeleted})
	if err != nil || len(events) != 1 || events[0].ActorType != tokenmint.ActorUser || events[0].Actor != userID(t, st, "ada") {
		t.Errorf("audit of the deletion: %+v %v", events, err)
	}

	// An administrator deleted by another is signed out of the console.
	if p := ada.post("/users/"+carol.ID+"/delete", url.Values{}); p.Status != http.StatusOK {
		t.Fatalf("delete carol: %d\n%s", p.Status, p.Body)
	}
	if p := carolSession.get(in.AdminURL + "/console/users"); p.Status == http.StatusOK && strings.Contains(p.Body, ">carol<") {
		t.Error("a deleted administrator's console session still works")
	}
}
