package adminapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// ClientList is a page of clients, ordered by client_id.
type ClientList struct {
	Clients []clientmeta.Metadata `json:"clients"`
	// NextPageToken, passed as page_token, gets the next page; absent on
	// the last.
	NextPageToken string `json:"next_page_token,omitempty"`
}

// DefaultSecretGrace is how long a rotated secret keeps working when the
// rotation names no grace period.
const DefaultSecretGrace = 24 * time.Hour

// ListClients answers GET /admin/v1/clients: a page of clients, those
// named client_name (also spelled name) only when it is given, those
// owned by the user with ID owner only when it is given.
func (a *API) ListClients(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r, "page_size", "page_token", "client_name", "name", "owner"); err != nil {
		a.fail(w, r, err)
		return
	}
	size, after, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	all, err := a.store.ListClients(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if name := cmp.Or(q.Get("client_name"), q.Get("name")); name != "" {
		kept := all[:0]
		for _, c := range all {
			if c.Name == name {
				kept = append(kept, c)
			}
		}
		all = kept
	}
	if owner := q.Get("owner"); owner != "" {
		all = slices.DeleteFunc(all, func(c tokenmint.Client) bool { return c.Owner != owner })
	}
	items, next := paginate(all, func(c tokenmint.Client) string { return c.ID }, size, after)
	list := ClientList{Clients: make([]clientmeta.Metadata, 0, len(items)), NextPageToken: next}
	now := a.now()
	for i := range items {
		list.Clients = append(list.Clients, clientmeta.FromClient(&items[i], registry.Credentials{}, now))
	}
	ok(w, http.StatusOK, list)
}

// CreateClient answers POST /admin/v1/clients: 201, the client with its
// secret (and API key, when has_api_key asked for one), shown this once,
// and its URL in Location.
func (a *API) CreateClient(w http.ResponseWriter, r *http.Request) {
	f, err := a.clientFields(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	spec, err := f.Spec(clientmeta.CreateOptions{Profiles: a.cfg.Registry.Profiles})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	c, creds, err := a.cfg.Registry.CreateClient(r.Context(), spec)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.changed(r, "client.created", c.ID)
	w.Header().Set("Location", clientURL(c.ID))
	ok(w, http.StatusCreated, clientmeta.FromClient(&c, creds, a.now()))
}

// GetClient answers GET /admin/v1/clients/{client_id}.
func (a *API) GetClient(w http.ResponseWriter, r *http.Request) {
	c, err := a.store.GetClient(r.Context(), r.PathValue("client_id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ok(w, http.StatusOK, clientmeta.FromClient(&c, registry.Credentials{}, a.now()))
}

// PatchClient answers PATCH /admin/v1/clients/{client_id}: the members
// given replace the client's, whole (claims too); null restores a
// member's default.
func (a *API) PatchClient(w http.ResponseWriter, r *http.Request) {
	f, err := a.clientFields(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	id := r.PathValue("client_id")
	c, err := a.cfg.Registry.UpdateClient(r.Context(), id, func(c *tokenmint.Client) error {
		return f.Apply(c, a.cfg.Registry.Profiles)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.changed(r, "client.changed", c.ID)
	ok(w, http.StatusOK, clientmeta.FromClient(&c, registry.Credentials{}, a.now()))
}

// DeleteClient answers DELETE /admin/v1/clients/{client_id}: 204; every
// token of the client ends with it.
func (a *API) DeleteClient(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("client_id")
	if err := a.cfg.Registry.DeleteClient(r.Context(), id); err != nil {
		a.fail(w, r, err)
		return
	}
	a.changed(r, "client.deleted", id)
	w.WriteHeader(http.StatusNoContent)
}

// RotateSecret answers POST /admin/v1/clients/{client_id}/secret: the
// client with its new secret, shown this once. The secret it replaces
// keeps working for the body's grace (seconds, or a duration such as
// "1h30m"; default DefaultSecretGrace; 0 ends it at once).
func (a *API) RotateSecret(w http.ResponseWriter, r *http.Request) {
	body, err := a.readBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var raw json.RawMessage
	given, err := decodeObject(body, map[string]any{"grace": &raw})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	grace := DefaultSecretGrace
	if given["grace"] {
		if grace, err = parseGrace(raw); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	id := r.PathValue("client_id")
	if c, err := a.store.GetClient(r.Context(), id); err != nil || c.Public {
		if err == nil {
			err = invalid(oauth.InvalidRequest, "", "client "+id+" is public: it has no secret to rotate")
		}
		a.fail(w, r, err)
		return
	}
	secret, c, err := a.cfg.Registry.RotateSecretGrace(r.Context(), id, grace)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.changed(r, "client.rotated", id)
	ok(w, http.StatusOK, clientmeta.FromClient(&c, registry.Credentials{ClientSecret: secret}, a.now()))
}

// parseGrace reads a grace period: a whole number of seconds, or a Go
// duration string; from 0 to registry.MaxSecretGrace.
func parseGrace(raw json.RawMessage) (time.Duration, error) {
	var d time.Duration
	var secs int64
	var s string
	switch {
	case json.Unmarshal(raw, &secs) == nil:
		d = time.Duration(secs) * time.Second
		if secs < 0 || secs > int64(registry.MaxSecretGrace/time.Second) {
			d = -1
		}
	case json.Unmarshal(raw, &s) == nil:
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, invalid(oauth.InvalidRequest, "grace", "grace must be a whole number of seconds or a duration such as \"24h\" or \"90m\"")
		}
	default:
		return 0, invalid(oauth.InvalidRequest, "grace", "grace must be a whole number of seconds or a duration such as \"24h\" or \"90m\"")
	}
	if d < 0 || d > registry.MaxSecretGrace {
		return 0, invalid(oauth.InvalidRequest, "grace", fmt.Sprintf("grace must be from 0 (end the old secret now) to %d seconds (%s)", int64(registry.MaxSecretGrace/time.Second), registry.MaxSecretGrace))
	}
	return d, nil
}

// RotateAPIKey answers POST /admin/v1/clients/{client_id}/api-key: the
// client with a new API key, shown this once; the previous key, if any,
// stops working at once.
func (a *API) RotateAPIKey(w http.ResponseWriter, r *http.Request) {
	if err := a.emptyBody(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	key, c, err := a.cfg.Registry.RotateAPIKeyClient(r.Context(), r.PathValue("client_id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.changed(r, "client.rotated", c.ID)
	ok(w, http.StatusOK, clientmeta.FromClient(&c, registry.Credentials{APIKey: key}, a.now()))
}

// RevokeTokens answers POST /admin/v1/clients/{client_id}/revoke-tokens:
// 204, and every token issued to the client so far is inactive, on every
// instance (Store.RevokeClientTokens); the client stays and may get new
// ones.
func (a *API) RevokeTokens(w http.ResponseWriter, r *http.Request) {
	if err := a.emptyBody(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	id := r.PathValue("client_id")
	if err := a.cfg.Registry.RevokeClientTokens(r.Context(), id); err != nil {
		a.fail(w, r, err)
		return
	}
	a.changed(r, "client.tokens_revoked", id)
	w.WriteHeader(http.StatusNoContent)
}

// clientFields reads and decodes a client document.
func (a *API) clientFields(w http.ResponseWriter, r *http.Request) (*clientmeta.Fields, error) {
	body, err := a.requireBody(w, r)
	if err != nil {
		return nil, err
	}
	return clientmeta.Decode(body)
}

// emptyBody accepts no body, or an empty JSON object.
func (a *API) emptyBody(w http.ResponseWriter, r *http.Request) error {
	body, err := a.readBody(w, r)
	if err != nil {
		return err
	}
	_, err = decodeObject(body, map[string]any{})
	return err
}

func clientURL(id string) string { return PathClients + "/" + url.PathEscape(id) }

// onlyParams refuses a query parameter the route does not take, so that
// a misspelt filter is an error rather than ignored.
func onlyParams(r *http.Request, names ...string) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return problem(http.StatusBadRequest, oauth.InvalidRequest, "the query string is malformed")
	}
	for name := range q {
		if !slices.Contains(names, name) {
			return invalidParam(clip(name), fmt.Sprintf("unknown query parameter %q (this route takes: %s)", clip(name), strings.Join(names, ", ")))
		}
	}
	return nil
}
