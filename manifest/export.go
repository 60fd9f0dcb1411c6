package manifest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/registry"
)

// Lister is what Export reads.
type Lister interface {
	ListClients(ctx context.Context) ([]tokenmint.Client, error)
	ListUsers(ctx context.Context) ([]tokenmint.User, error)
}

// Export returns every client and user of the store as a manifest,
// without credentials: applied to an empty database it recreates the
// same clients and users, with new secrets and passwords (generated, or
// given by references added to the file).
func Export(ctx context.Context, db Lister) (*Manifest, error) {
	clients, err := db.ListClients(ctx)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	users, err := db.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	usernames := make(map[string]string, len(users))
	for _, u := range users {
		usernames[u.ID] = u.Username
	}
	m := &Manifest{}
	for i := range clients {
		// An owner whose user is gone (DeleteUser refuses that, but a
		// database from before it may hold one) is left out.
		m.Clients = append(m.Clients, Client{Fields: exportFields(&clients[i]), Owner: usernames[clients[i].Owner]})
	}
	for _, u := range users {
		m.Users = append(m.Users, User{Username: u.Username, Email: u.Email, Name: u.Name,
			Roles: slices.Clone(u.Roles), Disabled: u.Disabled()})
	}
	return m, nil
}

// exportFields are the members that recreate c, leaving out those at
// their zero value, whose default is that same value; but for a client
// created with a profile, the members the profile fills in (registry's
// profile fields: grant types, scope, the auth method, the API key, the
// token format, the algorithm, lifetimes, intersect_scopes) are all kept,
// since the profile's defaults apply to members left out.
func exportFields(c *tokenmint.Client) clientmeta.Fields {
	meta := clientmeta.FromClient(c, registry.Credentials{}, time.Time{})
	f := meta.Fields()
	f.ResponseTypes = nil // follows grant_types
	f.Owner = nil         // by username: Client.Owner
	omitZero(&f.Profile)
	omitZero(&f.DefaultScope)
	omitZero(&f.RefreshTokenTTL)
	for _, b := range []**bool{&f.RequireConsent, &f.AllowPlainPKCE, &f.AllowNoPKCE,
		&f.TLSClientCertificateBoundAccessTokens, &f.DPoPBoundAccessTokens, &f.BackchannelLogoutSessionRequired,
		&f.RequirePushedAuthorizationRequests, &f.RequireSignedRequestObject} {
		omitZero(b)
	}
	for _, s := range []**string{&f.TLSClientAuthSubjectDN, &f.TLSClientAuthSANDNS, &f.TLSClientAuthSANURI, &f.TLSClientAuthSANIP,
		&f.TLSClientAuthSANEmail, &f.SubjectType, &f.SectorIdentifierURI, &f.BackchannelLogoutURI} {
		omitZero(s)
	}
	for _, l := range []**[]string{&f.Audience, &f.RedirectURIs} {
		if *l != nil && len(**l) == 0 {
			*l = nil
		}
	}
	if f.Claims != nil && len(*f.Claims) == 0 {
		f.Claims = nil
	}
	if c.Profile == "" {
		omitZero(&f.SigningAlg)
		omitZero(&f.AccessTokenTTL)
		omitZero(&f.IdleTTL)
		omitZero(&f.IntersectScopes)
		omitZero(&f.HasAPIKey)
	}
	return f
}

// omitZero leaves out a member at its zero value.
func omitZero[T comparable](p **T) {
	var zero T
	if *p != nil && **p == zero {
		*p = nil
	}
}

// header heads every manifest Marshal writes.
const header = `tokenmint manifest: apply with  tokenmint apply -f FILE
Clients take the admin API's members (client_name, grant_types, scope,
redirect_uris, token_endpoint_auth_method, token_format, access_token_ttl,
...). Credentials are references, never values:
  client_secret: {env: NAME}   or  {file: PATH}   (clients; api_key likewise)
  password: {env: NAME}        or  {file: PATH}   (users)
A client's owner is the username of a user.
Without one, apply generates the credential of a new entry and prints it once.`

// Marshal writes m as YAML, members in the admin API's order.
func (m *Manifest) Marshal() ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode, HeadComment: header}
	clients := &yaml.Node{Kind: yaml.SequenceNode}
	for i := range m.Clients {
		n, err := clientNode(&m.Clients[i])
		if err != nil {
			return nil, err
		}
		clients.Content = append(clients.Content, n)
	}
	users := &yaml.Node{Kind: yaml.SequenceNode}
	for _, u := range m.Users {
		var n yaml.Node
		if err := n.Encode(u); err != nil {
			return nil, fmt.Errorf("encode user %s: %w", u.Username, err)
		}
		restyle(&n)
		if !u.Password.IsZero() {
			n.Content = append(n.Content, scalar(memberPassword), refNode(u.Password))
		}
		users.Content = append(users.Content, &n)
	}
	root.Content = append(root.Content, scalar("clients"), clients, scalar("users"), users)
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return []byte(b.String()), nil
}

// clientNode is a client entry as YAML: its members in the admin API's
// order (JSON, read back as YAML, then restyled as block YAML), then its
// references.
func clientNode(c *Client) (*yaml.Node, error) {
	b, err := json.Marshal(&c.Fields)
	if err != nil {
		return nil, fmt.Errorf("encode client %s: %w", c.ID(), err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("encode client %s: %w", c.ID(), err)
	}
	n := doc.Content[0]
	restyle(n)
	if c.Owner != "" {
		n.Content = append(n.Content, scalar(memberOwner), scalar(c.Owner))
	}
	if !c.Secret.IsZero() {
		n.Content = append(n.Content, scalar(memberSecret), refNode(c.Secret))
	}
	if !c.APIKey.IsZero() {
		n.Content = append(n.Content, scalar(memberAPIKey), refNode(c.APIKey))
	}
	return n, nil
}

// restyle turns JSON's flow style into block style, but for short lists
// of scalars, which read best inline ([client_credentials]).
func restyle(n *yaml.Node) {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		n.Style = 0 // the encoder quotes what needs quoting
	}
	if n.Kind == yaml.SequenceNode && len(n.Content) > 0 && len(n.Content) <= 4 {
		n.Style = yaml.FlowStyle
	}
	for _, c := range n.Content {
		restyle(c)
	}
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

// refNode writes a reference in flow style, {env: NAME}. A value in
// memory cannot be written.
func refNode(r Ref) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	switch {
	case r.Env != "":
		n.Content = []*yaml.Node{scalar("env"), scalar(r.Env)}
	case r.File != "":
		n.Content = []*yaml.Node{scalar("file"), scalar(r.File)}
	}
	return n
}
