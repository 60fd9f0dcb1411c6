package adminclient

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/clientmeta"
)

// ListOptions select a page of a list.
type ListOptions struct {
	PageSize  int    // 0: the server's default (100)
	PageToken string // the NextPageToken of the page before
}

func (o ListOptions) query() url.Values {
	q := url.Values{}
	if o.PageSize > 0 {
		q.Set("page_size", strconv.Itoa(o.PageSize))
	}
	if o.PageToken != "" {
		q.Set("page_token", o.PageToken)
	}
	return q
}

// ListClients returns a page of clients, ordered by client_id; with name,
// only the clients of exactly that client_name.
func (c *Client) ListClients(ctx context.Context, name string, opts ListOptions) (adminapi.ClientList, error) {
	return c.listClients(ctx, "client_name", name, opts)
}

func (c *Client) listClients(ctx context.Context, param, value string, opts ListOptions) (adminapi.ClientList, error) {
	q := opts.query()
	if value != "" {
		q.Set(param, value)
	}
	var l adminapi.ClientList
	err := c.do(ctx, http.MethodGet, adminapi.PathClients, q, nil, &l)
	return l, err
}

// AllClients returns every client (of that name, when given), reading
// every page.
func (c *Client) AllClients(ctx context.Context, name string) ([]clientmeta.Metadata, error) {
	return c.allClients(ctx, "client_name", name)
}

// OwnedClients returns every client whose owner is the user with ID
// userID, reading every page.
func (c *Client) OwnedClients(ctx context.Context, userID string) ([]clientmeta.Metadata, error) {
	if userID == "" {
		return nil, errors.New("adminclient: OwnedClients needs a user ID")
	}
	return c.allClients(ctx, "owner", userID)
}

func (c *Client) allClients(ctx context.Context, param, value string) ([]clientmeta.Metadata, error) {
	var out []clientmeta.Metadata
	opts := ListOptions{PageSize: 500}
	for {
		l, err := c.listClients(ctx, param, value, opts)
		if err != nil {
			return out, err
		}
		out = append(out, l.Clients...)
		if l.NextPageToken == "" {
			return out, nil
		}
		opts.PageToken = l.NextPageToken
	}
}

// CreateClient creates a client with the members f gives; the answer
// holds its secret (and API key, with HasAPIKey), shown this once.
func (c *Client) CreateClient(ctx context.Context, f clientmeta.Fields) (clientmeta.Metadata, error) {
	var m clientmeta.Metadata
	err := c.do(ctx, http.MethodPost, adminapi.PathClients, nil, f, &m)
	return m, err
}

// GetClient returns a client.
func (c *Client) GetClient(ctx context.Context, id string) (clientmeta.Metadata, error) {
	var m clientmeta.Metadata
	err := c.do(ctx, http.MethodGet, adminapi.PathClients+"/"+escape(id), nil, nil, &m)
	return m, err
}

// UpdateClient changes the members f gives, and only those.
func (c *Client) UpdateClient(ctx context.Context, id string, f clientmeta.Fields) (clientmeta.Metadata, error) {
	var m clientmeta.Metadata
	err := c.do(ctx, http.MethodPatch, adminapi.PathClients+"/"+escape(id), nil, f, &m)
	return m, err
}

// DeleteClient deletes a client; every token of it ends.
func (c *Client) DeleteClient(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, adminapi.PathClients+"/"+escape(id), nil, nil, nil)
}

// RotateSecret gives the client a new secret, in the answer; the old one
// keeps working for grace (nil: the server's default, 24 h; 0: not at
// all), rounded down to seconds.
func (c *Client) RotateSecret(ctx context.Context, id string, grace *time.Duration) (clientmeta.Metadata, error) {
	body := map[string]any{}
	if grace != nil {
		body["grace"] = int64(*grace / time.Second)
	}
	var m clientmeta.Metadata
	err := c.do(ctx, http.MethodPost, adminapi.PathClients+"/"+escape(id)+"/secret", nil, body, &m)
	return m, err
}

// RotateAPIKey gives the client a new API key, in the answer.
func (c *Client) RotateAPIKey(ctx context.Context, id string) (clientmeta.Metadata, error) {
	var m clientmeta.Metadata
	err := c.do(ctx, http.MethodPost, adminapi.PathClients+"/"+escape(id)+"/api-key", nil, nil, &m)
	return m, err
}

// RevokeTokens ends every token and refresh token family of the client.
func (c *Client) RevokeTokens(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, adminapi.PathClients+"/"+escape(id)+"/revoke-tokens", nil, nil, nil)
}
