package manifest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/token"
)

// MinSecretLength is the shortest client secret or API key a reference
// may give: they are shared keys, not passwords.
const MinSecretLength = 16

// Options configure Apply.
type Options struct {
	// Registry writes the clients and users; it needs Secrets for
	// clients, Passwords for users, and Profiles for client profiles.
	Registry *registry.Registry
	// Env resolves {env: NAME} references (os.Getenv); nil resolves none.
	Env func(string) string
	// NoGenerate refuses entries that would need a generated credential
	// (a confidential client created without a client_secret reference, a
	// user without a password reference): a server applying a seed could
	// only log them.
	NoGenerate bool
	// DryRun plans and reports without writing.
	DryRun bool
}

// Action is what Apply did to an entry.
type Action string

// Actions.
const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
)

// ClientResult is what Apply did to one client. ClientSecret and APIKey
// are set only when generated: shown once, stored only hashed.
type ClientResult struct {
	ClientID     string
	Action       Action
	Changed      []string // the members changed, credentials included
	ClientSecret token.Secret
	APIKey       token.Secret
}

// UserResult is what Apply did to one user; Password is set only when
// generated.
type UserResult struct {
	Username string
	Action   Action
	Changed  []string
	Password token.Secret
}

// Result is what Apply did, entry by entry, in the file's order.
type Result struct {
	Clients []ClientResult
	Users   []UserResult
}

// Changed reports whether anything was (or, in a dry run, would be)
// written.
func (r Result) Changed() bool {
	for _, c := range r.Clients {
		if c.Action != Unchanged {
			return true
		}
	}
	for _, u := range r.Users {
		if u.Action != Unchanged {
			return true
		}
	}
	return false
}

// Apply brings the store to what m declares (see the package doc). Every
// entry is checked, and its credentials resolved, before anything is
// written; an error names the entry and its line.
func Apply(ctx context.Context, m *Manifest, opts Options) (Result, error) {
	a := &applier{m: m, opts: opts, reg: opts.Registry, now: time.Now}
	if a.reg.Now != nil {
		a.now = a.reg.Now
	}
	clients := make([]*clientPlan, 0, len(m.Clients))
	for i := range m.Clients {
		p, err := a.planClient(ctx, &m.Clients[i])
		if err != nil {
			return Result{}, err
		}
		clients = append(clients, p)
	}
	users := make([]*userPlan, 0, len(m.Users))
	for i := range m.Users {
		p, err := a.planUser(ctx, &m.Users[i])
		if err != nil {
			return Result{}, err
		}
		users = append(users, p)
	}
	// Users first: a client's owner may be a user the file creates.
	var res Result
	for _, p := range users {
		r, err := a.execUser(ctx, p)
		if err != nil {
			return res, err
		}
		res.Users = append(res.Users, r)
	}
	for _, p := range clients {
		r, err := a.execClient(ctx, p)
		if err != nil {
			return res, err
		}
		res.Clients = append(res.Clients, r)
	}
	return res, nil
}

type applier struct {
	m    *Manifest
	opts Options
	reg  *registry.Registry
	now  func() time.Time
}

// fail locates err at the entry's member (its line when known).
func (a *applier) fail(line int, entry string, err error) error {
	return &Error{Source: a.m.Source, Line: line, Entry: entry, Err: err}
}

// clientPlan is what one client entry needs done.
type clientPlan struct {
	entry  *Client
	spec   registry.ClientSpec
	secret token.Secret // from the reference; "" when none
	apiKey token.Secret
	// wantKey: the client must have an API key (has_api_key: true or an
	// api_key reference).
	wantKey bool
	// For an existing client: the full desired members, the ones that
	// differ, and which credentials to set.
	existing  *tokenmint.Client
	desired   clientmeta.Fields
	changed   []string
	setSecret bool
	setKey    bool
	// ownerPending: the owner is a user the file creates, whose ID is
	// known once it is (execUser runs first).
	ownerPending bool
}

func (a *applier) planClient(ctx context.Context, c *Client) (*clientPlan, error) {
	id := c.ID()
	entry := "client " + id
	at := func(member string) int {
		if l, ok := c.lines[member]; ok {
			return l
		}
		return c.Line
	}
	p := &clientPlan{entry: c}
	spec, err := c.Fields.Spec(clientmeta.CreateOptions{Profiles: a.reg.Profiles})
	if err != nil {
		line := c.Line
		if e, ok := clientmeta.AsError(err); ok {
			line = at(e.Field)
		}
		return nil, a.fail(line, entry, err)
	}
	p.spec = spec
	if p.spec.Owner, p.ownerPending, err = a.ownerID(ctx, c.Owner); err != nil {
		return nil, a.fail(at(memberOwner), entry, err)
	}
	if p.secret, err = a.resolveSecret(c.Secret, memberSecret); err != nil {
		return nil, a.fail(at(memberSecret), entry, err)
	}
	if p.apiKey, err = a.resolveSecret(c.APIKey, memberAPIKey); err != nil {
		return nil, a.fail(at(memberAPIKey), entry, err)
	}
	if p.secret != "" && spec.Public {
		return nil, a.fail(at(memberSecret), entry, errors.New("a public client (token_endpoint_auth_method: none) has no client_secret"))
	}
	if p.apiKey != "" && c.Fields.HasAPIKey != nil && !*c.Fields.HasAPIKey {
		return nil, a.fail(at(memberAPIKey), entry, errors.New("api_key is given with has_api_key: false"))
	}
	p.wantKey = spec.APIKey || p.apiKey != ""
	cur, err := a.reg.Store.GetClient(ctx, id)
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		return p, a.checkGenerate(p, entry, at)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", entry, err)
	}
	return p, a.planUpdate(p, &cur, entry)
}

// ownerID is the ID of the user named username (a client's owner): a
// user of the store, or pending when the file declares a user of that
// name the store does not have yet. "" names none.
func (a *applier) ownerID(ctx context.Context, username string) (id string, pending bool, err error) {
	if username == "" {
		return "", false, nil
	}
	u, err := a.reg.Store.GetUserByUsername(ctx, username)
	switch {
	case err == nil:
		return u.ID, false, nil
	case !errors.Is(err, tokenmint.ErrNotFound):
		return "", false, fmt.Errorf("owner: %w", err)
	case slices.ContainsFunc(a.m.Users, func(u User) bool { return u.Username == username }):
		return "", true, nil
	}
	return "", false, fmt.Errorf("owner: no user %q, in the store or in this manifest", username)
}

// resolveSecret reads a credential reference and checks its length.
func (a *applier) resolveSecret(r Ref, name string) (token.Secret, error) {
	if r.IsZero() {
		return "", nil
	}
	v, err := r.resolve(a.m.Dir, a.opts.Env)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if len(v.Reveal()) < MinSecretLength {
		return "", fmt.Errorf("%s: the %s is shorter than %d characters (generate one with `openssl rand -base64 32`)", name, r, MinSecretLength)
	}
	return v, nil
}

// checkGenerate refuses, under NoGenerate, a new client that would need
// a generated credential.
func (a *applier) checkGenerate(p *clientPlan, entry string, at func(string) int) error {
	if !a.opts.NoGenerate {
		return nil
	}
	why := "a server applying a seed does not generate credentials, as it could only log them: give %s: {env: NAME} or {file: PATH}, or create the client with tokenmint apply"
	if !p.spec.Public && p.secret == "" {
		return a.fail(p.entry.Line, entry, fmt.Errorf("no client_secret reference; "+why, memberSecret))
	}
	if p.wantKey && p.apiKey == "" {
		return a.fail(at("has_api_key"), entry, fmt.Errorf("no api_key reference; "+why, memberAPIKey))
	}
	return nil
}

// planUpdate works out what differs between the stored client and the
// entry: every writable member is set to the entry's (its defaults for
// the ones it leaves out), credentials only when their reference does not
// match the stored hash.
func (a *applier) planUpdate(p *clientPlan, cur *tokenmint.Client, entry string) error {
	p.existing = cur
	rec := p.spec.Record(a.now())
	meta := clientmeta.FromClient(&rec, registry.Credentials{}, a.now())
	p.desired = meta.Fields()
	p.desired.HasAPIKey = nil // an API key is added with SetAPIKey, below
	if !p.wantKey && len(cur.APIKeyHash) > 0 {
		no := false
		p.desired.HasAPIKey = &no
	}
	next := *cur
	if err := p.desired.Apply(&next, a.reg.Profiles); err != nil {
		return a.fail(p.entry.Line, entry, fmt.Errorf("cannot update the stored client: %w", err))
	}
	if err := next.Validate(); err != nil {
		return a.fail(p.entry.Line, entry, err)
	}
	p.changed = diffClients(cur, &next)
	if p.ownerPending && !slices.Contains(p.changed, memberOwner) {
		p.changed = append(p.changed, memberOwner)
	}
	if p.secret != "" {
		ok, err := a.reg.SecretMatches(cur, p.secret)
		if err != nil {
			return err
		}
		p.setSecret = !ok
	}
	if p.wantKey {
		ok := false
		if p.apiKey != "" {
			var err error
			if ok, err = a.reg.APIKeyMatches(cur, p.apiKey); err != nil {
				return err
			}
		} else {
			ok = len(cur.APIKeyHash) > 0
		}
		p.setKey = !ok
		if p.setKey && p.apiKey == "" && a.opts.NoGenerate {
			return a.fail(p.entry.Line, entry, errors.New("no api_key reference, and a server applying a seed does not generate one"))
		}
	}
	if p.setSecret {
		p.changed = append(p.changed, memberSecret)
	}
	if p.setKey {
		p.changed = append(p.changed, memberAPIKey)
	}
	return nil
}

// diffClients lists the writable members (as the admin API names them)
// whose values differ between a and b.
func diffClients(a, b *tokenmint.Client) []string {
	ma, mb := members(a), members(b)
	var out []string
	for _, name := range clientmeta.Names() {
		if name == "response_types" { // follows grant_types
			continue
		}
		if !bytes.Equal(ma[name], mb[name]) {
			out = append(out, name)
		}
	}
	return out
}

func members(c *tokenmint.Client) map[string]json.RawMessage {
	m := clientmeta.FromClient(c, registry.Credentials{}, time.Time{})
	b, _ := json.Marshal(m.Fields()) // plain values always marshal
	out := map[string]json.RawMessage{}
	_ = json.Unmarshal(b, &out)
	return out
}

func (a *applier) execClient(ctx context.Context, p *clientPlan) (ClientResult, error) {
	id := p.entry.ID()
	res := ClientResult{ClientID: id, Action: Unchanged, Changed: p.changed}
	if p.existing == nil {
		res.Action = Created
		if a.opts.DryRun {
			return res, nil
		}
		spec := p.spec
		spec.GivenSecret, spec.GivenAPIKey, spec.APIKey = p.secret, p.apiKey, p.wantKey
		if err := a.resolvePendingOwner(ctx, p, &spec.Owner); err != nil {
			return res, err
		}
		_, creds, err := a.reg.CreateClient(ctx, spec)
		if errors.Is(err, tokenmint.ErrConflict) {
			return a.replanClient(ctx, p) // created meanwhile (another instance's seed)
		}
		if err != nil {
			return res, fmt.Errorf("client %s: %w", id, err)
		}
		res.ClientSecret, res.APIKey = creds.ClientSecret, creds.APIKey
		return res, nil
	}
	if len(p.changed) == 0 {
		return res, nil
	}
	res.Action = Updated
	if a.opts.DryRun {
		return res, nil
	}
	if len(p.changed) > countTrue(p.setSecret, p.setKey) {
		if p.ownerPending {
			p.desired.Owner = new(string)
			if err := a.resolvePendingOwner(ctx, p, p.desired.Owner); err != nil {
				return res, err
			}
		}
		_, err := a.reg.UpdateClient(ctx, id, func(c *tokenmint.Client) error { return p.desired.Apply(c, a.reg.Profiles) })
		if err != nil {
			return res, fmt.Errorf("client %s: %w", id, err)
		}
	}
	if p.setSecret {
		if _, err := a.reg.SetSecret(ctx, id, p.secret); err != nil {
			return res, fmt.Errorf("client %s: %w", id, err)
		}
	}
	if p.setKey {
		key := p.apiKey
		if key == "" {
			key = token.Secret(token.Generate(token.PrefixAPIKey))
			res.APIKey = key
		}
		if _, err := a.reg.SetAPIKey(ctx, id, key); err != nil {
			return res, fmt.Errorf("client %s: %w", id, err)
		}
	}
	return res, nil
}

// resolvePendingOwner sets id to the ID of the owner the file creates,
// now that execUser has.
func (a *applier) resolvePendingOwner(ctx context.Context, p *clientPlan, id *string) error {
	if !p.ownerPending {
		return nil
	}
	u, err := a.reg.Store.GetUserByUsername(ctx, p.entry.Owner)
	if err != nil {
		return fmt.Errorf("client %s: owner %s: %w", p.entry.ID(), p.entry.Owner, err)
	}
	*id = u.ID
	return nil
}

// replanClient plans and applies an entry again after its creation
// conflicted with a client created meanwhile.
func (a *applier) replanClient(ctx context.Context, p *clientPlan) (ClientResult, error) {
	q, err := a.planClient(ctx, p.entry)
	if err != nil {
		return ClientResult{}, err
	}
	if q.existing == nil {
		return ClientResult{}, fmt.Errorf("client %s: %w", p.entry.ID(), tokenmint.ErrConflict)
	}
	return a.execClient(ctx, q)
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// userPlan is what one user entry needs done.
type userPlan struct {
	entry       *User
	spec        registry.UserSpec
	password    string // from the reference; "" when none
	existing    *tokenmint.User
	changed     []string
	setFields   bool
	setDisabled bool
	setPassword bool
}

func (a *applier) planUser(ctx context.Context, u *User) (*userPlan, error) {
	entry := "user " + u.Username
	at := func(member string) int {
		if l, ok := u.lines[member]; ok {
			return l
		}
		return u.Line
	}
	p := &userPlan{entry: u, spec: registry.UserSpec{Username: u.Username, Email: u.Email, Name: u.Name, Roles: u.Roles}}
	if err := p.spec.Validate(); err != nil {
		return nil, a.fail(u.Line, entry, err)
	}
	if !u.Password.IsZero() {
		pw, err := u.Password.resolve(a.m.Dir, a.opts.Env)
		if err == nil {
			err = registry.ValidatePassword(pw.Reveal())
		}
		if err != nil {
			return nil, a.fail(at(memberPassword), entry, fmt.Errorf("password: %w", err))
		}
		p.password = pw.Reveal()
	}
	cur, err := a.reg.Store.GetUserByUsername(ctx, u.Username)
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		if a.opts.NoGenerate && p.password == "" {
			return nil, a.fail(u.Line, entry, errors.New("no password reference; a server applying a seed does not generate passwords, as it could only log them: give password: {env: NAME} or {file: PATH}"))
		}
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("%s: %w", entry, err)
	}
	p.existing = &cur
	for _, d := range []struct {
		member string
		same   bool
	}{
		{"email", cur.Email == u.Email},
		{"name", cur.Name == u.Name},
		{"roles", slices.Equal(dedup(cur.Roles), dedup(u.Roles))},
	} {
		if !d.same {
			p.changed, p.setFields = append(p.changed, d.member), true
		}
	}
	if cur.Disabled() != u.Disabled {
		p.changed, p.setDisabled = append(p.changed, "disabled"), true
	}
	if p.password != "" {
		ok, err := a.reg.PasswordMatches(&cur, p.password)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", entry, err)
		}
		if !ok {
			p.changed, p.setPassword = append(p.changed, memberPassword), true
		}
	}
	return p, nil
}

func dedup(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func (a *applier) execUser(ctx context.Context, p *userPlan) (UserResult, error) {
	u := p.entry
	res := UserResult{Username: u.Username, Action: Unchanged, Changed: p.changed}
	if p.existing == nil {
		res.Action = Created
		if a.opts.DryRun {
			return res, nil
		}
		pw := p.password
		if pw == "" {
			pw = token.NewID()
			res.Password = token.Secret(pw)
		}
		created, err := a.reg.CreateUser(ctx, p.spec, pw)
		if errors.Is(err, tokenmint.ErrConflict) {
			q, err := a.planUser(ctx, u)
			if err != nil || q.existing == nil {
				return res, fmt.Errorf("user %s: %w", u.Username, cmpErr(err, tokenmint.ErrConflict))
			}
			return a.execUser(ctx, q)
		}
		if err == nil && u.Disabled {
			_, err = a.reg.SetDisabled(ctx, created.ID, true)
		}
		if err != nil {
			return res, fmt.Errorf("user %s: %w", u.Username, err)
		}
		return res, nil
	}
	if len(p.changed) == 0 {
		return res, nil
	}
	res.Action = Updated
	if a.opts.DryRun {
		return res, nil
	}
	id := p.existing.ID
	var err error
	if p.setFields {
		_, err = a.reg.UpdateUser(ctx, id, func(s *registry.UserSpec) { s.Email, s.Name, s.Roles = u.Email, u.Name, u.Roles })
	}
	if err == nil && p.setPassword {
		err = a.reg.SetPassword(ctx, id, p.password)
	}
	if err == nil && p.setDisabled {
		_, err = a.reg.SetDisabled(ctx, id, u.Disabled)
	}
	if err != nil {
		return res, fmt.Errorf("user %s: %w", u.Username, err)
	}
	return res, nil
}

func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}
