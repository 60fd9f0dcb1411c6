package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/adminclient"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/token"
)

// remoteBackend acts on a running server through its admin API (package
// adminclient), answering the views local mode answers.
type remoteBackend struct {
	api *adminclient.Client
}

var _ backend = (*remoteBackend)(nil)

// httpTimeout bounds each request of remote mode.
const httpTimeout = 30 * time.Second

// remoteBackend returns the admin API backend for rf: a token given
// (--token), or one got from the token endpoint with an admin client's
// credentials (--client-id, --client-secret), whose URL is --token-url or
// the token_endpoint of the issuer's metadata (RFC 8414), since the admin
// listener's URL is not the issuer's.
func (c *cli) remoteBackend(ctx context.Context, rf *remoteFlags) (backend, error) {
	hc := &http.Client{Timeout: httpTimeout}
	var ts adminclient.TokenSource
	switch {
	case rf.token != "":
		if rf.clientID != "" || rf.clientSecret != "" {
			return nil, usagef("give --token, or --client-id and --client-secret, not both")
		}
		ts = adminclient.StaticToken(rf.token)
	case rf.clientID != "" && rf.clientSecret != "":
		tokenURL := rf.tokenURL
		if tokenURL == "" {
			if rf.issuer == "" {
				return nil, usagef("with --client-id, give --token-url or --issuer (TOKENMINT_TOKEN_URL, TOKENMINT_ISSUER): " +
					"the admin listener's URL is not the issuer's, whose token endpoint issues the admin token")
			}
			var err error
			if tokenURL, err = discoverTokenURL(ctx, hc, rf.issuer); err != nil {
				return nil, err
			}
		}
		ts = &adminclient.ClientCredentials{TokenURL: tokenURL, ClientID: rf.clientID, ClientSecret: rf.clientSecret, HTTPClient: hc}
	case rf.clientID != "" || rf.clientSecret != "":
		return nil, usagef("--client-id and --client-secret go together")
	default:
		return nil, usagef("--server needs --token (TOKENMINT_ADMIN_TOKEN), or --client-id and --client-secret of an admin client")
	}
	api, err := adminclient.New(rf.server, ts, adminclient.WithHTTPClient(hc))
	if err != nil {
		return nil, usagef("--server: %s", strings.TrimPrefix(err.Error(), "adminclient: "))
	}
	return &remoteBackend{api: api}, nil
}

// discoverTokenURL reads the token endpoint from the issuer's
// authorization server metadata (RFC 8414 §3), whose issuer must be the
// one asked for (§3.3).
func discoverTokenURL(ctx context.Context, hc *http.Client, issuer string) (string, error) {
	issuer = strings.TrimRight(issuer, "/")
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usagef("--issuer %q must be an http(s) URL", issuer)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, issuer+"/.well-known/oauth-authorization-server", nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("read the issuer's metadata: %w", err)
	}
	defer resp.Body.Close()
	var meta struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("read the issuer's metadata: %s %s", req.URL, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&meta); err != nil {
		return "", fmt.Errorf("read the issuer's metadata: %w", err)
	}
	if meta.Issuer != issuer {
		return "", fmt.Errorf("the metadata at %s names the issuer %q, not %q (RFC 8414 §3.3)", req.URL, meta.Issuer, issuer)
	}
	if t, err := url.Parse(meta.TokenEndpoint); err != nil || (t.Scheme != "http" && t.Scheme != "https") || t.Host == "" {
		return "", fmt.Errorf("the issuer's metadata has no usable token_endpoint (%q)", meta.TokenEndpoint)
	}
	return meta.TokenEndpoint, nil
}

func (b *remoteBackend) Close() error { return nil }

// remoteError rewrites an admin API error as local mode words it: a
// missing client or user as `client "x" not found`, a taken one as
// `already exists`, a rejected request as a usage error (exit status 2)
// with the server's words; anything else keeps the API's status and
// problem.
func remoteError(err error, kind, key string) error {
	e, ok := adminclient.AsError(err)
	if !ok {
		return err
	}
	switch {
	case e.StatusCode == http.StatusNotFound && kind != "":
		return fmt.Errorf("%s %q not found", kind, key)
	case e.StatusCode == http.StatusConflict && kind != "":
		return fmt.Errorf("%s %q already exists", kind, key)
	case e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity:
		if len(e.Problem.Errors) > 0 {
			return &usageError{msg: e.Problem.Errors[0].Detail}
		}
		return &usageError{msg: e.Problem.Detail}
	}
	return err
}

// specFields are the members of a new client as the admin API takes
// them: every member, the profile's defaults already applied (as client
// create applied them, with its explicit flags).
func specFields(spec registry.ClientSpec) clientmeta.Fields {
	rec := spec.Record(time.Time{})
	meta := clientmeta.FromClient(&rec, registry.Credentials{}, time.Time{})
	f := meta.Fields()
	f.HasAPIKey = &spec.APIKey
	if spec.AuthMethod == "" && !spec.Public {
		f.TokenEndpointAuthMethod = nil // unstated, as local mode leaves it
	}
	return f
}

// metadataView is the view of a client the admin API answered, as
// newClientView makes it of a stored one.
func metadataView(m clientmeta.Metadata) (clientView, error) {
	// The client is shown as registered: its method is not a change to make.
	c := tokenmint.Client{ID: m.ClientID, Public: m.TokenEndpointAuthMethod == tokenmint.AuthMethodNone, AuthMethod: m.TokenEndpointAuthMethod}
	f := m.Fields()
	f.HasAPIKey = nil
	if err := f.Apply(&c, dialects.Profile); err != nil {
		return clientView{}, fmt.Errorf("the server answered a client this CLI cannot read: %w", err)
	}
	if m.HasAPIKey {
		c.APIKeyHash = []byte{1} // only its presence is shown
	}
	if m.ClientIDIssuedAt > 0 {
		c.CreatedAt = time.Unix(m.ClientIDIssuedAt, 0)
	}
	return newClientView(c, registry.Credentials{ClientSecret: tokenSecret(m.ClientSecret), APIKey: tokenSecret(m.APIKey)}), nil
}

func (b *remoteBackend) CreateClient(ctx context.Context, spec registry.ClientSpec) (clientView, error) {
	m, err := b.api.CreateClient(ctx, specFields(spec))
	if err != nil {
		return clientView{}, remoteError(err, "client", spec.ID)
	}
	return metadataView(m)
}

func (b *remoteBackend) ListClients(ctx context.Context) ([]clientView, error) {
	all, err := b.api.AllClients(ctx, "")
	if err != nil {
		return nil, remoteError(err, "", "")
	}
	views := make([]clientView, 0, len(all))
	for _, m := range all {
		v, err := metadataView(m)
		if err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	return views, nil
}

func (b *remoteBackend) GetClient(ctx context.Context, id string) (clientView, error) {
	m, err := b.api.GetClient(ctx, id)
	if err != nil {
		return clientView{}, remoteError(err, "client", id)
	}
	return metadataView(m)
}

func (b *remoteBackend) UpdateClient(ctx context.Context, id string, u *clientUpdate) (clientView, []string, error) {
	cur, err := b.api.GetClient(ctx, id)
	if err != nil {
		return clientView{}, nil, remoteError(err, "client", id)
	}
	p, filled, err := u.patch(&cur)
	if err != nil {
		return clientView{}, nil, err
	}
	m, err := b.api.UpdateClient(ctx, id, *p)
	if err != nil {
		return clientView{}, nil, remoteError(err, "client", id)
	}
	v, err := metadataView(m)
	return v, filled, err
}

func (b *remoteBackend) DeleteClient(ctx context.Context, id string) error {
	return remoteError(b.api.DeleteClient(ctx, id), "client", id)
}

func (b *remoteBackend) RotateSecret(ctx context.Context, id string, grace time.Duration) (string, error) {
	m, err := b.api.RotateSecret(ctx, id, &grace)
	if err != nil {
		return "", remoteError(err, "client", id)
	}
	return m.ClientSecret, nil
}

func (b *remoteBackend) RotateAPIKey(ctx context.Context, id string) (string, error) {
	m, err := b.api.RotateAPIKey(ctx, id)
	if err != nil {
		return "", remoteError(err, "client", id)
	}
	return m.APIKey, nil
}

// userView of a user the admin API answered.
func apiUserView(u adminapi.User) userView {
	v := userView{ID: u.UserID, Username: u.Username, Email: u.Email, Name: u.Name, Roles: nonNil(u.Roles),
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), Disabled: u.Disabled}
	if u.DisabledAt != nil {
		at := u.DisabledAt.UTC()
		v.DisabledAt = &at
	}
	return v
}

func (b *remoteBackend) CreateUser(ctx context.Context, spec registry.UserSpec, pw string) (userView, error) {
	u, err := b.api.CreateUser(ctx, adminclient.NewUser{Username: spec.Username, Password: pw, Email: spec.Email, Name: spec.Name, Roles: spec.Roles})
	if err != nil {
		return userView{}, remoteError(err, "user", spec.Username)
	}
	return apiUserView(u), nil
}

func (b *remoteBackend) ListUsers(ctx context.Context) ([]userView, error) {
	all, err := b.api.AllUsers(ctx)
	if err != nil {
		return nil, remoteError(err, "", "")
	}
	views := make([]userView, 0, len(all))
	for _, u := range all {
		views = append(views, apiUserView(u))
	}
	return views, nil
}

// user finds a user by username: the admin API addresses users by ID.
func (b *remoteBackend) user(ctx context.Context, username string) (adminapi.User, error) {
	l, err := b.api.ListUsers(ctx, username, adminclient.ListOptions{})
	if err != nil {
		return adminapi.User{}, remoteError(err, "", "")
	}
	for _, u := range l.Users {
		if u.Username == username {
			return u, nil
		}
	}
	return adminapi.User{}, fmt.Errorf("user %q not found", username)
}

func (b *remoteBackend) GetUser(ctx context.Context, username string) (userView, error) {
	u, err := b.user(ctx, username)
	return apiUserView(u), err
}

func (b *remoteBackend) FindUser(ctx context.Context, usernameOrID string) (userView, error) {
	u, err := b.user(ctx, usernameOrID)
	if err == nil {
		return apiUserView(u), nil
	}
	if _, ok := adminclient.AsError(err); ok {
		return userView{}, err
	}
	u, err = b.api.GetUser(ctx, usernameOrID)
	return apiUserView(u), remoteError(err, "user", usernameOrID)
}

func (b *remoteBackend) DeleteUser(ctx context.Context, username string) (userView, error) {
	u, err := b.user(ctx, username)
	if err == nil {
		err = b.api.DeleteUser(ctx, u.UserID)
		if e, ok := adminclient.AsError(err); ok && e.StatusCode == http.StatusConflict {
			err = fmt.Errorf("user %q not deleted: %s", username, e.Problem.Detail) // it owns clients
		} else {
			err = remoteError(err, "user", username)
		}
	}
	return apiUserView(u), err
}

func (b *remoteBackend) SetPassword(ctx context.Context, username, pw string) (userView, error) {
	u, err := b.user(ctx, username)
	if err == nil {
		err = remoteError(b.api.SetPassword(ctx, u.UserID, pw), "user", username)
	}
	return apiUserView(u), err
}

func (b *remoteBackend) SetDisabled(ctx context.Context, username string, disabled bool) (userView, error) {
	u, err := b.user(ctx, username)
	if err != nil {
		return userView{}, err
	}
	set := b.api.EnableUser
	if disabled {
		set = b.api.DisableUser
	}
	if u, err = set(ctx, u.UserID); err != nil {
		return userView{}, remoteError(err, "user", username)
	}
	return apiUserView(u), nil
}

func apiKeyViews(keys []adminapi.Key) []keyView {
	views := make([]keyView, 0, len(keys))
	for _, k := range keys {
		v := keyView{KID: k.KID, Alg: k.Alg, State: k.State, CreatedAt: k.CreatedAt.UTC()}
		if k.RotatedAt != nil {
			v.RotatedAt = k.RotatedAt.UTC()
		}
		if k.RetireAt != nil {
			v.RetireAt = k.RetireAt.UTC()
		}
		views = append(views, v)
	}
	return views
}

func (b *remoteBackend) ListKeys(ctx context.Context) ([]keyView, error) {
	keys, err := b.api.ListKeys(ctx)
	if err != nil {
		return nil, remoteError(err, "", "")
	}
	return apiKeyViews(keys), nil
}

func (b *remoteBackend) RotateKeys(ctx context.Context, alg string) ([]keyView, error) {
	keys, err := b.api.RotateKeys(ctx, alg)
	if err != nil {
		return nil, remoteError(err, "", "")
	}
	return apiKeyViews(keys), nil
}

func tokenSecret(s string) token.Secret { return token.Secret(s) }
