package adminapi

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// User is a user as the admin API answers it; the password hash never
// leaves the store.
type User struct {
	UserID     string     `json:"user_id"`
	Username   string     `json:"username"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	Roles      []string   `json:"roles"`
	Disabled   bool       `json:"disabled"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// UserList is a page of users, ordered by username.
type UserList struct {
	Users         []User `json:"users"`
	NextPageToken string `json:"next_page_token,omitempty"`
}

func newUser(u *tokenmint.User) User {
	v := User{UserID: u.ID, Username: u.Username, Email: u.Email, Name: u.Name, Roles: slices.Clone(u.Roles),
		Disabled: u.Disabled(), CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
	if v.Roles == nil {
		v.Roles = []string{}
	}
	if u.Disabled() {
		t := u.DisabledAt.UTC()
		v.DisabledAt = &t
	}
	return v
}

// ListUsers answers GET /admin/v1/users: a page of users, the one with
// exactly that username only when username is given.
func (a *API) ListUsers(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r, "page_size", "page_token", "username"); err != nil {
		a.fail(w, r, err)
		return
	}
	size, after, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	all, err := a.store.ListUsers(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if name := r.URL.Query().Get("username"); name != "" {
		all = slices.DeleteFunc(all, func(u tokenmint.User) bool { return u.Username != name })
	}
	items, next := paginate(all, func(u tokenmint.User) string { return u.Username }, size, after)
	list := UserList{Users: make([]User, 0, len(items)), NextPageToken: next}
	for i := range items {
		list.Users = append(list.Users, newUser(&items[i]))
	}
	ok(w, http.StatusOK, list)
}

// userFields are the members of a user document.
type userFields struct {
	Username, Password, Email, Name string
	Roles                           []string
	given                           map[string]bool
}

// decodeUser reads a user document; password, when allowed, only on
// creation.
func decodeUser(body []byte, create bool) (*userFields, error) {
	var f userFields
	var disabled bool
	dst := map[string]any{"username": &f.Username, "email": &f.Email, "name": &f.Name, "roles": &f.Roles,
		"password": &f.Password, "disabled": &disabled}
	given, err := decodeObject(body, dst)
	if err != nil {
		return nil, err
	}
	f.given = given
	switch {
	case given["password"] && !create:
		return nil, invalid(oauth.InvalidRequest, "password", "password is changed with POST "+PathUserPassword+", which also ends the user's sessions")
	case given["disabled"]:
		return nil, invalid(oauth.InvalidRequest, "disabled", "a user is disabled and enabled with POST "+PathUserDisable+" and "+PathUserEnable)
	case create && !given["username"]:
		return nil, invalid(oauth.InvalidRequest, "username", "username is required")
	case create && !given["password"]:
		return nil, invalid(oauth.InvalidRequest, "password", "password is required")
	}
	return &f, f.validate()
}

// validate checks each member given, naming it.
func (f *userFields) validate() error {
	checks := []struct {
		field string
		check func() error
	}{
		{"username", func() error { return registry.ValidateUsername(f.Username) }},
		{"password", func() error { return registry.ValidatePassword(f.Password) }},
		{"email", func() error { return registry.ValidateEmail(f.Email) }},
		{"name", func() error { return registry.ValidateName(f.Name) }},
		{"roles", func() error {
			for _, role := range f.Roles {
				if err := registry.ValidateRole(role); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, c := range checks {
		if !f.given[c.field] {
			continue
		}
		if err := c.check(); err != nil {
			return invalid(oauth.InvalidRequest, c.field, err.Error())
		}
	}
	return nil
}

// CreateUser answers POST /admin/v1/users: 201, the user, and its URL in
// Location. The password is hashed with argon2id and never answered.
func (a *API) CreateUser(w http.ResponseWriter, r *http.Request) {
	body, err := a.requireBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f, err := decodeUser(body, true)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.cfg.Registry.CreateUser(r.Context(), registry.UserSpec{Username: f.Username, Email: f.Email, Name: f.Name, Roles: f.Roles}, f.Password)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.changed(r, "user.created", u.ID)
	w.Header().Set("Location", PathUsers+"/"+url.PathEscape(u.ID))
	ok(w, http.StatusCreated, newUser(&u))
}

// GetUser answers GET /admin/v1/users/{user_id}.
func (a *API) GetUser(w http.ResponseWriter, r *http.Request) {
	u, err := a.store.GetUser(r.Context(), r.PathValue("user_id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, http.StatusOK, newUser(&u))
}

// PatchUser answers PATCH /admin/v1/users/{user_id}: the members given
// (username, email, name, roles) replace the user's.
func (a *API) PatchUser(w http.ResponseWriter, r *http.Request) {
	body, err := a.requireBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f, err := decodeUser(body, false)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.cfg.Registry.UpdateUser(r.Context(), r.PathValue("user_id"), func(s *registry.UserSpec) {
		setIf(f.given["username"], &s.Username, f.Username)
		setIf(f.given["email"], &s.Email, f.Email)
		setIf(f.given["name"], &s.Name, f.Name)
		setIf(f.given["roles"], &s.Roles, f.Roles)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.changed(r, "user.changed", u.ID)
	ok(w, http.StatusOK, newUser(&u))
}

func setIf[T any](given bool, dst *T, v T) {
	if given {
		*dst = v
	}
}

// DeleteUser answers DELETE /admin/v1/users/{user_id}: 204; the user's
// sessions and refresh token families end with them. A user who owns
// clients is not deleted: 409 naming them (registry.OwnsClientsError).
func (a *API) DeleteUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("user_id")
	if err := a.cfg.Registry.DeleteUser(r.Context(), id); err != nil {
		var owns *registry.OwnsClientsError
		if errors.As(err, &owns) {
			err = problem(http.StatusConflict, codeConflict, owns.Error())
		}
		a.fail(w, r, err)
		return
	}
	a.changed(r, "user.deleted", id)
	w.WriteHeader(http.StatusNoContent)
}

// SetPassword answers POST /admin/v1/users/{user_id}/password: 204; the
// user's sessions, codes and refresh token families end, with the access
// tokens issued from them (registry.SetPassword).
func (a *API) SetPassword(w http.ResponseWriter, r *http.Request) {
	body, err := a.requireBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var pw string
	given, err := decodeObject(body, map[string]any{"password": &pw})
	if err == nil && !given["password"] {
		err = invalid(oauth.InvalidRequest, "password", "password is required")
	}
	if err == nil {
		if verr := registry.ValidatePassword(pw); verr != nil {
			err = invalid(oauth.InvalidRequest, "password", verr.Error())
		}
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	id := r.PathValue("user_id")
	if err := a.cfg.Registry.SetPassword(r.Context(), id, pw); err != nil {
		a.fail(w, r, err)
		return
	}
	a.changed(r, "user.password_set", id)
	w.WriteHeader(http.StatusNoContent)
}

// Disable answers POST /admin/v1/users/{user_id}/disable: the user, who
// can no longer sign in; their sessions and grants end
// (registry.SetDisabled).
func (a *API) Disable(w http.ResponseWriter, r *http.Request) { a.setDisabled(w, r, true) }

// Enable answers POST /admin/v1/users/{user_id}/enable: the user, who
// may sign in again.
func (a *API) Enable(w http.ResponseWriter, r *http.Request) { a.setDisabled(w, r, false) }

func (a *API) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	if err := a.emptyBody(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.cfg.Registry.SetDisabled(r.Context(), r.PathValue("user_id"), disabled)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	action := "user.enabled"
	if disabled {
		action = "user.disabled"
	}
	a.changed(r, action, u.ID)
	ok(w, http.StatusOK, newUser(&u))
}

// RevokeSessions answers POST /admin/v1/users/{user_id}/revoke-sessions:
// 204; the user's sessions, codes and refresh token families end, with
// the access tokens issued from them; the user and their password stay.
func (a *API) RevokeSessions(w http.ResponseWriter, r *http.Request) {
	if err := a.emptyBody(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	id := r.PathValue("user_id")
	if err := a.cfg.Registry.RevokeSessions(r.Context(), id); err != nil {
		a.fail(w, r, err)
		return
	}
	a.changed(r, "user.sessions_revoked", id)
	w.WriteHeader(http.StatusNoContent)
}
