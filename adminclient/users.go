package adminclient

import (
	"context"
	"net/http"

	"github.com/tokenmint/tokenmint/adminapi"
)

// NewUser is a user to create.
type NewUser struct {
	Username string   `json:"username"`
	Password string   `json:"password"`
	Email    string   `json:"email,omitempty"`
	Name     string   `json:"name,omitempty"`
	Roles    []string `json:"roles,omitempty"`
}

// UserUpdate are the members of a user to change; nil leaves one as it
// is.
type UserUpdate struct {
	Username *string   `json:"username,omitempty"`
	Email    *string   `json:"email,omitempty"`
	Name     *string   `json:"name,omitempty"`
	Roles    *[]string `json:"roles,omitempty"`
}

// ListUsers returns a page of users, ordered by username; with username,
// only the user of exactly that name.
func (c *Client) ListUsers(ctx context.Context, username string, opts ListOptions) (adminapi.UserList, error) {
	q := opts.query()
	if username != "" {
		q.Set("username", username)
	}
	var l adminapi.UserList
	err := c.do(ctx, http.MethodGet, adminapi.PathUsers, q, nil, &l)
	return l, err
}

// AllUsers returns every user, reading every page.
func (c *Client) AllUsers(ctx context.Context) ([]adminapi.User, error) {
	var out []adminapi.User
	opts := ListOptions{PageSize: 500}
	for {
		l, err := c.ListUsers(ctx, "", opts)
		if err != nil {
			return out, err
		}
		out = append(out, l.Users...)
		if l.NextPageToken == "" {
			return out, nil
		}
		opts.PageToken = l.NextPageToken
	}
}

// CreateUser creates a user.
func (c *Client) CreateUser(ctx context.Context, u NewUser) (adminapi.User, error) {
	var out adminapi.User
	err := c.do(ctx, http.MethodPost, adminapi.PathUsers, nil, u, &out)
	return out, err
}

// GetUser returns a user.
func (c *Client) GetUser(ctx context.Context, id string) (adminapi.User, error) {
	var out adminapi.User
	err := c.do(ctx, http.MethodGet, adminapi.PathUsers+"/"+escape(id), nil, nil, &out)
	return out, err
}

// UpdateUser changes the members u gives.
func (c *Client) UpdateUser(ctx context.Context, id string, u UserUpdate) (adminapi.User, error) {
	var out adminapi.User
	err := c.do(ctx, http.MethodPatch, adminapi.PathUsers+"/"+escape(id), nil, u, &out)
	return out, err
}

// DeleteUser deletes a user; their sessions and grants end.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, adminapi.PathUsers+"/"+escape(id), nil, nil, nil)
}

// SetPassword sets a user's password; their sessions and grants end.
func (c *Client) SetPassword(ctx context.Context, id, password string) error {
	return c.do(ctx, http.MethodPost, adminapi.PathUsers+"/"+escape(id)+"/password", nil, map[string]string{"password": password}, nil)
}

// DisableUser disables a user, ending their sessions and grants.
func (c *Client) DisableUser(ctx context.Context, id string) (adminapi.User, error) {
	var out adminapi.User
	err := c.do(ctx, http.MethodPost, adminapi.PathUsers+"/"+escape(id)+"/disable", nil, nil, &out)
	return out, err
}

// EnableUser lets a disabled user sign in again.
func (c *Client) EnableUser(ctx context.Context, id string) (adminapi.User, error) {
	var out adminapi.User
	err := c.do(ctx, http.MethodPost, adminapi.PathUsers+"/"+escape(id)+"/enable", nil, nil, &out)
	return out, err
}

// RevokeSessions ends a user's sessions and grants, keeping the user.
func (c *Client) RevokeSessions(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, adminapi.PathUsers+"/"+escape(id)+"/revoke-sessions", nil, nil, nil)
}
