package console

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// clientsPerPage is the length of a page of the client list.
const clientsPerPage = 25

// notices are the success messages a redirect after a change names
// (?notice=...): fixed texts, so that nothing of the URL is shown.
var notices = map[string]string{
	"saved":            "Saved. Tokens issued from now on follow the new settings.",
	"tokens-revoked":   "Every token issued to this client so far is revoked.",
	"deleted":          "Deleted.",
	"password-set":     "Password set; the user's sessions and tokens have ended.",
	"disabled":         "Disabled; the user's sessions and tokens have ended.",
	"enabled":          "Enabled; the user may sign in again.",
	"sessions-ended":   "Every session and token of this user has ended.",
	"user-created":     "User created.",
	"keys-rotated":     "Rotated: the new key signs from now on; the previous one keeps verifying until its retire time.",
	"secret-rotated":   "Secret rotated.",
	"app-saved":        "Saved.",
	"user-saved":       "Saved.",
	"client-unchanged": "Nothing to change.",
}

func notice(r *http.Request) string { return notices[r.URL.Query().Get("notice")] }

// clientRow is a line of the client list.
type clientRow struct {
	tokenmint.Client
	OwnerName string
	Console   bool // the console's own client
}

type clientList struct {
	Query    string
	Rows     []clientRow
	Next     string // the next page's URL, "" on the last
	Total    int
	Profiles []profileChoice
}

type profileChoice struct{ Name, Summary string }

// listClients shows a page of clients, those whose ID or name contains q
// when it is given.
func (c *Console) listClients(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := r.URL.Query()
	search := strings.ToLower(strings.TrimSpace(clip(q.Get("q"))))
	all, err := c.store.ListClients(r.Context())
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	if search != "" {
		all = slices.DeleteFunc(all, func(cl tokenmint.Client) bool {
			return !strings.Contains(strings.ToLower(cl.ID), search) && !strings.Contains(strings.ToLower(cl.Name), search)
		})
	}
	after := ""
	if b, err := base64.RawURLEncoding.Strict().DecodeString(q.Get("after")); err == nil {
		after = string(b)
	}
	start, _ := slices.BinarySearchFunc(all, after, func(cl tokenmint.Client, id string) int { return strings.Compare(cl.ID, id) })
	if after != "" && start < len(all) && all[start].ID == after {
		start++
	}
	end := min(start+clientsPerPage, len(all))
	list := clientList{Query: search, Total: len(all), Profiles: c.profiles()}
	owners := c.usernames(r)
	for _, cl := range all[start:end] {
		list.Rows = append(list.Rows, clientRow{Client: cl, OwnerName: owners[cl.Owner], Console: cl.ID == ClientID})
	}
	if end < len(all) {
		list.Next = c.ops.base + "/clients?" + url.Values{"q": {search}, "after": {base64.RawURLEncoding.EncodeToString([]byte(all[end-1].ID))}}.Encode()
	}
	c.render(w, r, http.StatusOK, "clients", &view{site: c.ops, viewer: v, Title: "Clients", Notice: notice(r), Data: list})
}

// usernames maps user IDs to usernames, for the owners of clients.
func (c *Console) usernames(r *http.Request) map[string]string {
	users, err := c.store.ListUsers(r.Context())
	if err != nil {
		c.log.WarnContext(r.Context(), "console: list users", "err", err)
		return nil
	}
	m := make(map[string]string, len(users))
	for _, u := range users {
		m[u.ID] = u.Username
	}
	return m
}

// profiles lists the client profiles (the dialects' presets).
func (c *Console) profiles() []profileChoice {
	var out []profileChoice
	for _, name := range c.cfg.ProfileNames {
		if c.cfg.Registry.Profiles == nil {
			break
		}
		if p, ok := c.cfg.Registry.Profiles(name); ok {
			out = append(out, profileChoice{Name: p.Name, Summary: p.Summary})
		}
	}
	return out
}

// clientPage is the data of the client form pages.
type clientPage struct {
	Form     clientForm
	Create   bool
	Client   *tokenmint.Client // the stored client (edit)
	Owner    string            // its owner's username
	Console  bool
	Profiles []profileChoice
	Profile  string // the preset chosen (create)
	// PreviousSecretUntil is when the secret a rotation replaced stops
	// working, when it still does.
	PreviousSecretUntil time.Time
	Options             clientOptions
}

// clientOptions are the choices of the form's selects and checkboxes.
type clientOptions struct {
	AuthMethods, GrantTypes, Formats, Algs, AssertionAlgs []string
}

var options = clientOptions{
	AuthMethods:   append(slices.Clone(tokenmint.AuthMethods), tokenmint.AuthMethodTLSClientAuth, tokenmint.AuthMethodSelfSignedTLSClientAuth),
	GrantTypes:    tokenmint.KnownGrantTypes,
	Formats:       []string{tokenmint.FormatJWT, tokenmint.FormatOpaque},
	Algs:          tokenmint.KnownAlgs,
	AssertionAlgs: append(slices.Clone(tokenmint.AssertionAlgsAsymmetric), tokenmint.AssertionAlgsHMAC...),
}

// newClient shows the creation form, filled with a profile's preset when
// ?profile= names one.
func (c *Console) newClient(w http.ResponseWriter, r *http.Request, v *viewer) {
	name := r.URL.Query().Get("profile")
	page := clientPage{Create: true, Profiles: c.profiles(), Options: options,
		Form: clientForm{AuthMethod: tokenmint.AuthMethodSecretBasic, TokenFormat: tokenmint.FormatJWT,
			GrantTypes: []string{tokenmint.GrantClientCredentials}}}
	if name != "" {
		spec := registry.ClientSpec{Profile: name}
		if err := spec.ApplyProfile(c.cfg.Registry.Profiles, nil); err != nil {
			c.render(w, r, http.StatusBadRequest, "client", &view{site: c.ops, viewer: v, Title: "New client", Error: err.Error(), Data: page})
			return
		}
		page.Profile, page.Form = name, presetForm(&spec)
	}
	c.render(w, r, http.StatusOK, "client", &view{site: c.ops, viewer: v, Title: "New client", Data: page})
}

// presetForm is the form of a profile's defaults.
func presetForm(spec *registry.ClientSpec) clientForm {
	m := clientmeta.Metadata{
		Profile: spec.Profile, GrantTypes: spec.GrantTypes, Scope: oauth.JoinScope(spec.Scopes),
		TokenEndpointAuthMethod: tokenmint.AuthMethodSecretBasic, TokenFormat: spec.TokenFormat,
		SigningAlg: spec.SigningAlg, AccessTokenTTL: int64(spec.AccessTTL / time.Second), IdleTTL: int64(spec.IdleTTL / time.Second),
		Claims: spec.Claims, IntersectScopes: spec.IntersectScopes, HasAPIKey: spec.APIKey,
	}
	if spec.Public {
		m.TokenEndpointAuthMethod = tokenmint.AuthMethodNone
	}
	if m.TokenFormat == "" {
		m.TokenFormat = tokenmint.FormatJWT
	}
	return formFromMetadata(&m)
}

// createClient creates a client from the form, then shows its secret
// (and API key) this once.
func (c *Console) createClient(w http.ResponseWriter, r *http.Request, v *viewer) {
	form := r.PostForm
	page := clientPage{Create: true, Profiles: c.profiles(), Options: options, Form: formFromValues(form), Profile: form.Get("profile")}
	fail := func(errs formErrors) {
		c.render(w, r, http.StatusBadRequest, "client", &view{site: c.ops, viewer: v, Title: "New client", Error: errs.Summary(), Fields: errs, Data: page})
	}
	f, errs := decodeClientForm(form, clientFormMode{create: true})
	if errs != nil {
		fail(errs)
		return
	}
	spec, err := f.Spec(clientmeta.CreateOptions{Profiles: c.cfg.Registry.Profiles})
	if err != nil {
		fail(metaErrors(err))
		return
	}
	cl, creds, err := c.cfg.Registry.CreateClient(r.Context(), spec)
	if errs := metaErrors(err); errs != nil {
		fail(errs)
		return
	}
	if errors.Is(err, tokenmint.ErrConflict) {
		fail(formErrors{"client_id": "A client with this ID exists already."})
		return
	}
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	c.cfg.Invalidate()
	c.showSecret(w, r, c.ops, v, http.StatusCreated, &cl, creds, "created", 0)
}

// secretPage is the page that shows a credential once.
type secretPage struct {
	Client     *tokenmint.Client
	Secret     string
	APIKey     string
	Event      string // created, rotated, api-key
	GraceUntil time.Time
	ClientURL  string
}

func (c *Console) showSecret(w http.ResponseWriter, r *http.Request, s *site, v *viewer, status int, cl *tokenmint.Client, creds registry.Credentials, event string, grace time.Duration) {
	p := secretPage{Client: cl, Secret: creds.ClientSecret.Reveal(), APIKey: creds.APIKey.Reveal(), Event: event,
		ClientURL: s.base + "/clients/" + url.PathEscape(cl.ID)}
	if !s.operator {
		p.ClientURL = s.base + "/" + url.PathEscape(cl.ID)
	}
	if grace > 0 {
		p.GraceUntil = c.now().Add(grace)
	}
	c.render(w, r, status, "secret", &view{site: s, viewer: v, Title: cl.Name, Data: p})
}

// showClient shows a client's settings, editable, and its actions.
func (c *Console) showClient(w http.ResponseWriter, r *http.Request, v *viewer) {
	cl, err := c.store.GetClient(r.Context(), r.PathValue("id"))
	if errors.Is(err, tokenmint.ErrNotFound) {
		c.notFound(w, r, c.ops, v, "client")
		return
	}
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	c.renderClient(w, r, v, http.StatusOK, &cl, nil, nil, notice(r))
}

func (c *Console) renderClient(w http.ResponseWriter, r *http.Request, v *viewer, status int, cl *tokenmint.Client, typed url.Values, errs formErrors, msg string) {
	m := clientmeta.FromClient(cl, registry.Credentials{}, c.now())
	page := clientPage{Client: cl, Form: formFromMetadata(&m), Profiles: c.profiles(), Options: options, Console: cl.ID == ClientID}
	if typed != nil {
		page.Form = formFromValues(typed)
		page.Form.ClientID = cl.ID
	}
	if cl.Owner != "" {
		page.Owner = cl.Owner
		if u, err := c.store.GetUser(r.Context(), cl.Owner); err == nil {
			page.Owner = u.Username
		}
	}
	if cl.PreviousSecretLive(c.now()) {
		page.PreviousSecretUntil = cl.PreviousSecretExpiresAt
	}
	c.render(w, r, status, "client", &view{site: c.ops, viewer: v, Title: cl.Name, Notice: msg, Error: errs.Summary(), Fields: errs, Data: page})
}

// updateClient applies the form to the client, all of it (as a PATCH of
// every member would), validated as the admin API validates.
func (c *Console) updateClient(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	cl, err := c.store.GetClient(r.Context(), id)
	if errors.Is(err, tokenmint.ErrNotFound) {
		c.notFound(w, r, c.ops, v, "client")
		return
	}
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	f, errs := decodeClientForm(r.PostForm, clientFormMode{hasAPIKey: len(cl.APIKeyHash) > 0})
	if errs == nil {
		_, err = c.cfg.Registry.UpdateClient(r.Context(), id, func(cl *tokenmint.Client) error { return f.Apply(cl, c.cfg.Registry.Profiles) })
		errs = metaErrors(err)
	}
	if errs != nil {
		c.renderClient(w, r, v, http.StatusBadRequest, &cl, r.PostForm, errs, "")
		return
	}
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	c.cfg.Invalidate()
	http.Redirect(w, r, c.ops.base+"/clients/"+url.PathEscape(id)+"?notice=saved", http.StatusSeeOther)
}

// graceChoices are the grace periods the rotation form offers, in
// seconds.
var graceChoices = []int64{0, 3600, 86400, 7 * 86400}

// parseGrace reads the rotation form's grace period (seconds).
func parseGrace(v string) (time.Duration, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 || time.Duration(n)*time.Second > registry.MaxSecretGrace {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// rotateSecret makes a new secret; the old one keeps working for the
// grace period chosen.
func (c *Console) rotateSecret(w http.ResponseWriter, r *http.Request, v *viewer) {
	c.rotateSecretOf(w, r, c.ops, v, r.PathValue("id"))
}

func (c *Console) rotateSecretOf(w http.ResponseWriter, r *http.Request, s *site, v *viewer, id string) {
	grace, ok := parseGrace(r.PostForm.Get("grace"))
	if !ok {
		c.message(w, r, s, http.StatusBadRequest, "Not rotated", "The grace period must be a number of seconds from 0 to "+
			strconv.FormatInt(int64(registry.MaxSecretGrace/time.Second), 10)+". Nothing was changed.")
		return
	}
	secret, cl, err := c.cfg.Registry.RotateSecretGrace(r.Context(), id, grace)
	if errors.Is(err, tokenmint.ErrNotFound) {
		c.notFound(w, r, s, v, "client")
		return
	}
	if err != nil {
		c.failed(w, r, s, err)
		return
	}
	c.cfg.Invalidate()
	c.showSecret(w, r, s, v, http.StatusOK, &cl, registry.Credentials{ClientSecret: secret}, "rotated", grace)
}

// rotateAPIKey makes a new API key; the old one stops working at once.
func (c *Console) rotateAPIKey(w http.ResponseWriter, r *http.Request, v *viewer) {
	key, cl, err := c.cfg.Registry.RotateAPIKeyClient(r.Context(), r.PathValue("id"))
	if errors.Is(err, tokenmint.ErrNotFound) {
		c.notFound(w, r, c.ops, v, "client")
		return
	}
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	c.cfg.Invalidate()
	c.showSecret(w, r, c.ops, v, http.StatusOK, &cl, registry.Credentials{APIKey: key}, "api-key", 0)
}

// revokeTokens ends every token issued to the client so far.
func (c *Console) revokeTokens(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	err := c.cfg.Registry.RevokeClientTokens(r.Context(), id)
	if errors.Is(err, tokenmint.ErrNotFound) {
		c.notFound(w, r, c.ops, v, "client")
		return
	}
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	c.cfg.Invalidate()
	http.Redirect(w, r, c.ops.base+"/clients/"+url.PathEscape(id)+"?notice=tokens-revoked", http.StatusSeeOther)
}

// deletePage asks to confirm a deletion, naming what goes.
type deletePage struct {
	Client *tokenmint.Client
	Action string
	Cancel string
}

// confirmDeleteClient asks to confirm the deletion, naming the client.
func (c *Console) confirmDeleteClient(w http.ResponseWriter, r *http.Request, v *viewer) {
	cl, ok := c.deletable(w, r, v)
	if !ok {
		return
	}
	base := c.ops.base + "/clients/" + url.PathEscape(cl.ID)
	c.render(w, r, http.StatusOK, "delete", &view{site: c.ops, viewer: v, Title: "Delete " + cl.Name + "?",
		Data: deletePage{Client: &cl, Action: base + "/delete", Cancel: base}})
}

// deleteClient deletes the client and every token issued to it.
func (c *Console) deleteClient(w http.ResponseWriter, r *http.Request, v *viewer) {
	cl, ok := c.deletable(w, r, v)
	if !ok {
		return
	}
	if err := c.cfg.Registry.DeleteClient(r.Context(), cl.ID); err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	c.cfg.Invalidate()
	http.Redirect(w, r, c.ops.base+"/clients?notice=deleted", http.StatusSeeOther)
}

// deletable loads the client to delete: not the console's own, whose
// deletion would sign every operator out of the console.
func (c *Console) deletable(w http.ResponseWriter, r *http.Request, v *viewer) (tokenmint.Client, bool) {
	cl, err := c.store.GetClient(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		c.notFound(w, r, c.ops, v, "client")
		return cl, false
	case err != nil:
		c.failed(w, r, c.ops, err)
		return cl, false
	case cl.ID == ClientID:
		c.render(w, r, http.StatusConflict, "message", &view{site: c.ops, viewer: v, Title: "Not deleted",
			Error: "This is the console's own sign-in client: deleting it would end every console session. It is recreated at the next start anyway.",
			Link:  &link{Href: c.ops.base + "/clients/" + url.PathEscape(cl.ID), Text: "Back"}})
		return cl, false
	}
	return cl, true
}
