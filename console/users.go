package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
)

type usersPage struct {
	Users []tokenmint.User
	Form  userForm // the creation form, as typed after a refusal
}

// listUsers lists every user, with the creation form.
func (c *Console) listUsers(w http.ResponseWriter, r *http.Request, v *viewer) {
	c.renderUsers(w, r, v, http.StatusOK, userForm{}, nil)
}

func (c *Console) renderUsers(w http.ResponseWriter, r *http.Request, v *viewer, status int, form userForm, errs formErrors) {
	users, err := c.store.ListUsers(r.Context())
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	form.Password = "" // never sent back
	c.render(w, r, status, "users", &view{site: c.ops, viewer: v, Title: "Users", Notice: notice(r),
		Error: errs.Summary(), Fields: errs, Data: usersPage{Users: users, Form: form}})
}

// createUser creates a user with a password, and the admin role when
// checked.
func (c *Console) createUser(w http.ResponseWriter, r *http.Request, v *viewer) {
	f, errs := decodeUserForm(r.PostForm)
	if len(errs) == 0 {
		var roles []string
		if f.Admin {
			roles = []string{tokenmint.RoleAdmin}
		}
		_, err := c.cfg.Registry.CreateUser(r.Context(), registry.UserSpec{Username: f.Username, Email: f.Email, Name: f.Name, Roles: roles}, f.Password)
		errs = userErrors(err)
		if errs == nil && err != nil {
			c.failed(w, r, c.ops, err)
			return
		}
	}
	if len(errs) > 0 {
		c.renderUsers(w, r, v, http.StatusBadRequest, f, errs)
		return
	}
	http.Redirect(w, r, c.ops.base+"/users?notice=user-created", http.StatusSeeOther)
}

// userErrors names the field of a refused user change; nil for an error
// that is not about the form.
func userErrors(err error) formErrors {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tokenmint.ErrConflict):
		return formErrors{"username": "This username is taken."}
	case !errors.Is(err, registry.ErrInvalid):
		return nil
	}
	msg := err.Error()
	for _, f := range []string{"password", "email", "role", "name", "username"} {
		if strings.Contains(msg, f) {
			if f == "role" {
				f = ""
			}
			return formErrors{f: msg}
		}
	}
	return formErrors{"": msg}
}

type userPage struct {
	Target *tokenmint.User
	Self   bool // the signed-in user
}

// showUser shows a user, editable, with its actions.
func (c *Console) showUser(w http.ResponseWriter, r *http.Request, v *viewer) {
	u, ok := c.targetUser(w, r, v)
	if !ok {
		return
	}
	c.render(w, r, http.StatusOK, "user", &view{site: c.ops, viewer: v, Title: u.Username, Notice: notice(r),
		Data: userPage{Target: &u, Self: u.ID == v.User.ID}})
}

func (c *Console) targetUser(w http.ResponseWriter, r *http.Request, v *viewer) (tokenmint.User, bool) {
	u, err := c.store.GetUser(r.Context(), r.PathValue("id"))
	if errors.Is(err, tokenmint.ErrNotFound) {
		c.notFound(w, r, c.ops, v, "user")
		return u, false
	}
	if err != nil {
		c.failed(w, r, c.ops, err)
		return u, false
	}
	return u, true
}

// updateUser changes a user's username, email, name and admin role
// (other roles are kept). An administrator cannot take the role from
// themselves: the console would lock them out.
func (c *Console) updateUser(w http.ResponseWriter, r *http.Request, v *viewer) {
	u, ok := c.targetUser(w, r, v)
	if !ok {
		return
	}
	f, errs := decodeUserForm(r.PostForm)
	if len(errs) == 0 && u.ID == v.User.ID && !f.Admin {
		errs = formErrors{"": "You cannot remove the admin role from yourself: ask another administrator."}
	}
	if len(errs) == 0 {
		var err error
		_, err = c.cfg.Registry.UpdateUser(r.Context(), u.ID, func(s *registry.UserSpec) {
			s.Username, s.Email, s.Name = f.Username, f.Email, f.Name
			s.Roles = slices.DeleteFunc(s.Roles, func(role string) bool { return role == tokenmint.RoleAdmin })
			if f.Admin {
				s.Roles = append(s.Roles, tokenmint.RoleAdmin)
			}
		})
		errs = userErrors(err)
		if errs == nil && err != nil {
			c.failed(w, r, c.ops, err)
			return
		}
	}
	if len(errs) > 0 {
		typed := u
		typed.Username, typed.Email, typed.Name = f.Username, f.Email, f.Name
		c.render(w, r, http.StatusBadRequest, "user", &view{site: c.ops, viewer: v, Title: u.Username,
			Error: errs.Summary(), Fields: errs, Data: userPage{Target: &typed, Self: u.ID == v.User.ID}})
		return
	}
	c.userDone(w, r, u.ID, "user-saved")
}

func (c *Console) userDone(w http.ResponseWriter, r *http.Request, id, n string) {
	http.Redirect(w, r, c.ops.base+"/users/"+url.PathEscape(id)+"?notice="+n, http.StatusSeeOther)
}

// setPassword sets a new password, which ends the user's sessions and
// tokens (registry.SetPassword).
func (c *Console) setPassword(w http.ResponseWriter, r *http.Request, v *viewer) {
	u, ok := c.targetUser(w, r, v)
	if !ok {
		return
	}
	f, errs := decodeUserForm(r.PostForm)
	if len(errs) == 0 {
		if err := c.cfg.Registry.SetPassword(r.Context(), u.ID, f.Password); err != nil {
			if errs = userErrors(err); errs == nil {
				c.failed(w, r, c.ops, err)
				return
			}
		}
	}
	if len(errs) > 0 {
		c.render(w, r, http.StatusBadRequest, "user", &view{site: c.ops, viewer: v, Title: u.Username,
			Error: errs.Summary(), Fields: errs, Data: userPage{Target: &u, Self: u.ID == v.User.ID}})
		return
	}
	c.userDone(w, r, u.ID, "password-set")
}

func (c *Console) disableUser(w http.ResponseWriter, r *http.Request, v *viewer) {
	c.setDisabled(w, r, v, true)
}

func (c *Console) enableUser(w http.ResponseWriter, r *http.Request, v *viewer) {
	c.setDisabled(w, r, v, false)
}

// setDisabled disables or enables a user; disabling ends their sessions
// and tokens (registry.SetDisabled). An administrator cannot disable
// themselves.
func (c *Console) setDisabled(w http.ResponseWriter, r *http.Request, v *viewer, disabled bool) {
	u, ok := c.targetUser(w, r, v)
	if !ok {
		return
	}
	if disabled && u.ID == v.User.ID {
		c.render(w, r, http.StatusConflict, "user", &view{site: c.ops, viewer: v, Title: u.Username,
			Error: "You cannot disable yourself: ask another administrator.", Data: userPage{Target: &u, Self: true}})
		return
	}
	if _, err := c.cfg.Registry.SetDisabled(r.Context(), u.ID, disabled); err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	n := "enabled"
	if disabled {
		n = "disabled"
	}
	c.userDone(w, r, u.ID, n)
}

// revokeSessions ends every session and token of the user.
func (c *Console) revokeSessions(w http.ResponseWriter, r *http.Request, v *viewer) {
	u, ok := c.targetUser(w, r, v)
	if !ok {
		return
	}
	if err := c.cfg.Registry.RevokeSessions(r.Context(), u.ID); err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	if u.ID == v.User.ID {
		// Their own console session ended with the rest.
		http.Redirect(w, r, c.ops.base+"/signin", http.StatusSeeOther)
		return
	}
	c.userDone(w, r, u.ID, "sessions-ended")
}

// deleteUserPage asks to confirm a user's deletion, naming the user, or
// says which clients they own, which keep them from being deleted.
type deleteUserPage struct {
	Target *tokenmint.User
	Owned  []tokenmint.Client // the clients they own: no deletion until none
}

// confirmDeleteUser asks to confirm the deletion of a user, naming them.
// A user who owns clients is not deleted (registry.DeleteUser): the page
// lists the clients instead, to give another owner or delete first.
func (c *Console) confirmDeleteUser(w http.ResponseWriter, r *http.Request, v *viewer) {
	u, ok := c.deletableUser(w, r, v)
	if !ok {
		return
	}
	owned, err := c.cfg.Registry.OwnedClients(r.Context(), u.ID)
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	c.render(w, r, http.StatusOK, "deleteuser", &view{site: c.ops, viewer: v, Title: "Delete " + u.Username + "?",
		Data: deleteUserPage{Target: &u, Owned: owned}})
}

// deleteUser deletes the user through the registry, as the admin API's
// DELETE /admin/v1/users/{id} does: their sessions and refresh token
// families end with them, and an audit event records it. A user who owns
// clients is refused (409) with the confirmation page listing them.
func (c *Console) deleteUser(w http.ResponseWriter, r *http.Request, v *viewer) {
	u, ok := c.deletableUser(w, r, v)
	if !ok {
		return
	}
	err := c.cfg.Registry.DeleteUser(r.Context(), u.ID)
	var owns *registry.OwnsClientsError
	switch {
	case errors.As(err, &owns):
		owned, lerr := c.cfg.Registry.OwnedClients(r.Context(), u.ID)
		if lerr != nil {
			c.failed(w, r, c.ops, lerr)
			return
		}
		c.render(w, r, http.StatusConflict, "deleteuser", &view{site: c.ops, viewer: v, Title: "Delete " + u.Username + "?",
			Error: "Not deleted: " + u.Username + " owns apps. Give them another owner, or delete them, first.",
			Data:  deleteUserPage{Target: &u, Owned: owned}})
		return
	case errors.Is(err, tokenmint.ErrNotFound):
		c.notFound(w, r, c.ops, v, "user")
		return
	case err != nil:
		c.failed(w, r, c.ops, err)
		return
	}
	http.Redirect(w, r, c.ops.base+"/users?notice=deleted", http.StatusSeeOther)
}

// deletableUser loads the user to delete: not the signed-in administrator,
// who would lock themselves out.
func (c *Console) deletableUser(w http.ResponseWriter, r *http.Request, v *viewer) (tokenmint.User, bool) {
	u, ok := c.targetUser(w, r, v)
	if ok && u.ID == v.User.ID {
		c.render(w, r, http.StatusConflict, "message", &view{site: c.ops, viewer: v, Title: "Not deleted",
			Error: "You cannot delete yourself: ask another administrator.",
			Link:  &link{Href: c.ops.base + "/users/" + url.PathEscape(u.ID), Text: "Back"}})
		return u, false
	}
	return u, ok
}
