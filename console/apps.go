package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/registry"
)

// The self-service pages: a signed-in user sees, creates and changes only
// the clients they own (tokenmint.Client.Owner), within the operator's
// Policy. Another user's app answers 404, as one that does not exist.

type appsPage struct {
	Apps    []tokenmint.Client
	Policy  Policy
	AtLimit bool
}

// appTypes name the kinds of app by their authentication method.
var appTypes = map[string]string{
	tokenmint.AuthMethodSecretBasic: "Server-side web app (with a secret, sent with HTTP Basic)",
	tokenmint.AuthMethodSecretPost:  "Server-side web app (with a secret, sent in the form)",
	tokenmint.AuthMethodNone:        "Browser or mobile app (public, no secret, PKCE)",
}

// listApps lists the signed-in user's apps.
func (c *Console) listApps(w http.ResponseWriter, r *http.Request, v *viewer) {
	apps, err := c.cfg.Registry.OwnedClients(r.Context(), v.User.ID)
	if err != nil {
		c.failed(w, r, c.apps, err)
		return
	}
	p := c.cfg.Policy
	c.render(w, r, http.StatusOK, "apps", &view{site: c.apps, viewer: v, Title: "Your apps", Notice: notice(r),
		Data: appsPage{Apps: apps, Policy: p, AtLimit: p.MaxApps > 0 && len(apps) >= p.MaxApps}})
}

type appPage struct {
	Form    appForm
	App     *tokenmint.Client
	Policy  Policy
	Types   []appTypeChoice
	Grace   []int64
	Secret  bool // the app has a secret to rotate
	Creates bool
}

type appTypeChoice struct{ Value, Text string }

func (c *Console) appTypeChoices() []appTypeChoice {
	var out []appTypeChoice
	for _, m := range c.cfg.Policy.AuthMethods {
		out = append(out, appTypeChoice{m, appTypes[m]})
	}
	return out
}

// newApp shows the creation form.
func (c *Console) newApp(w http.ResponseWriter, r *http.Request, v *viewer) {
	p := c.cfg.Policy
	form := appForm{GrantTypes: p.GrantTypes, Scopes: p.Scopes}
	if len(p.AuthMethods) > 0 {
		form.AppType = p.AuthMethods[0]
	}
	c.render(w, r, http.StatusOK, "app", &view{site: c.apps, viewer: v, Title: "New app",
		Data: appPage{Form: form, Policy: p, Types: c.appTypeChoices(), Creates: true}})
}

// createApp creates an app owned by the signed-in user, within the
// policy and the per-user limit, and shows its secret this once.
func (c *Console) createApp(w http.ResponseWriter, r *http.Request, v *viewer) {
	a, errs := decodeAppForm(r.PostForm)
	page := appPage{Form: a, Policy: c.cfg.Policy, Types: c.appTypeChoices(), Creates: true}
	fail := func(status int, errs formErrors) {
		c.render(w, r, status, "app", &view{site: c.apps, viewer: v, Title: "New app", Error: errs.Summary(), Fields: errs, Data: page})
	}
	if len(errs) == 0 {
		errs = c.checkPolicy(a, true)
	}
	if len(errs) > 0 {
		fail(http.StatusBadRequest, errs)
		return
	}
	doc := map[string]any{"client_name": a.Name, "token_endpoint_auth_method": a.AppType,
		"redirect_uris": splitLines(a.RedirectURIs), "grant_types": a.GrantTypes, "scope": strings.Join(a.Scopes, " ")}
	spec, errs := appSpec(doc)
	if len(errs) > 0 {
		fail(http.StatusBadRequest, errs)
		return
	}
	spec.Owner = v.User.ID
	cl, creds, err := c.cfg.Registry.CreateOwnedClient(r.Context(), spec, c.cfg.Policy.MaxApps)
	if errors.Is(err, registry.ErrTooManyClients) {
		fail(http.StatusConflict, formErrors{"": "You have " + plural(c.cfg.Policy.MaxApps, "app", "apps") +
			" already, the most this server allows per user. Delete one to create another. Nothing was created."})
		return
	}
	if errs := metaErrors(err); errs != nil {
		fail(http.StatusBadRequest, errs)
		return
	}
	if err != nil {
		c.failed(w, r, c.apps, err)
		return
	}
	c.cfg.Invalidate()
	c.showSecret(w, r, c.apps, v, http.StatusCreated, &cl, creds, "created", 0)
}

// appSpec decodes an app's document as the admin API would.
func appSpec(doc map[string]any) (registry.ClientSpec, formErrors) {
	data, err := json.Marshal(doc)
	if err != nil {
		return registry.ClientSpec{}, formErrors{"": "The form could not be read."}
	}
	f, err := clientmeta.Decode(data)
	if err == nil {
		var spec registry.ClientSpec
		if spec, err = f.Spec(clientmeta.CreateOptions{}); err == nil {
			return spec, nil
		}
	}
	return registry.ClientSpec{}, metaErrors(err)
}

// checkPolicy refuses what the operator's policy does not allow: a kind
// of app, grant type or scope not offered, a redirect URI on a host not
// listed.
func (c *Console) checkPolicy(a appForm, create bool) formErrors {
	p := c.cfg.Policy
	errs := formErrors{}
	if a.Name == "" {
		errs.add("client_name", "Name is required.")
	}
	if create {
		if !slices.Contains(p.AuthMethods, a.AppType) {
			errs.add("app_type", "Choose one of the kinds of app offered.")
		}
		if len(a.GrantTypes) == 0 {
			errs.add("grant_types", "Choose at least one grant type.")
		}
		for _, g := range a.GrantTypes {
			if !slices.Contains(p.GrantTypes, g) {
				errs.add("grant_types", "The grant type "+clip(g)+" is not offered by this server.")
			}
		}
		for _, s := range a.Scopes {
			if !slices.Contains(p.Scopes, s) {
				errs.add("scope", "The scope "+clip(s)+" is not offered by this server.")
			}
		}
	}
	for _, u := range splitLines(a.RedirectURIs) {
		if !hostAllowed(u, p.RedirectHosts) {
			errs.add("redirect_uris", "The redirect URI "+clip(u)+" is not on a host this server allows ("+strings.Join(p.RedirectHosts, ", ")+").")
		}
	}
	return errs
}

// hostAllowed reports whether a redirect URI's host is one of hosts
// (exact, or *.domain for its subdomains); an empty list allows any.
func hostAllowed(uri string, hosts []string) bool {
	if len(hosts) == 0 {
		return true
	}
	u, err := url.Parse(uri)
	if err != nil || u.Hostname() == "" {
		return false
	}
	h := strings.ToLower(u.Hostname())
	for _, allowed := range hosts {
		if suffix, ok := strings.CutPrefix(allowed, "*."); ok {
			if strings.HasSuffix(h, "."+suffix) {
				return true
			}
		} else if h == allowed {
			return true
		}
	}
	return false
}

// ownedApp loads the app of the URL when the signed-in user owns it;
// otherwise it answers 404, whether the app exists or not.
func (c *Console) ownedApp(w http.ResponseWriter, r *http.Request, v *viewer) (tokenmint.Client, bool) {
	cl, err := c.store.GetClient(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, tokenmint.ErrNotFound) || (err == nil && cl.Owner != v.User.ID):
		c.notFound(w, r, c.apps, v, "app")
		return cl, false
	case err != nil:
		c.failed(w, r, c.apps, err)
		return cl, false
	}
	return cl, true
}

// showApp shows one of the user's apps.
func (c *Console) showApp(w http.ResponseWriter, r *http.Request, v *viewer) {
	cl, ok := c.ownedApp(w, r, v)
	if !ok {
		return
	}
	c.renderApp(w, r, v, http.StatusOK, &cl, appForm{Name: cl.Name, RedirectURIs: strings.Join(cl.RedirectURIs, "\n")}, nil, notice(r))
}

func (c *Console) renderApp(w http.ResponseWriter, r *http.Request, v *viewer, status int, cl *tokenmint.Client, form appForm, errs formErrors, msg string) {
	c.render(w, r, status, "app", &view{site: c.apps, viewer: v, Title: cl.Name, Notice: msg, Error: errs.Summary(), Fields: errs,
		Data: appPage{Form: form, App: cl, Policy: c.cfg.Policy, Grace: graceChoices, Secret: cl.UsesSecret()}})
}

// updateApp changes an app's name and redirect URIs.
func (c *Console) updateApp(w http.ResponseWriter, r *http.Request, v *viewer) {
	cl, ok := c.ownedApp(w, r, v)
	if !ok {
		return
	}
	a, errs := decodeAppForm(r.PostForm)
	if len(errs) == 0 {
		errs = c.checkPolicy(a, false)
	}
	if len(errs) == 0 {
		errs = c.applyApp(r, v, cl.ID, a)
	}
	if errs != nil && len(errs) > 0 {
		c.renderApp(w, r, v, http.StatusBadRequest, &cl, a, errs, "")
		return
	}
	c.cfg.Invalidate()
	http.Redirect(w, r, c.apps.base+"/"+url.PathEscape(cl.ID)+"?notice=app-saved", http.StatusSeeOther)
}

// errNotOwned aborts an update of an app that changed owner meanwhile.
var errNotOwned = errors.New("not the owner")

func (c *Console) applyApp(r *http.Request, v *viewer, id string, a appForm) formErrors {
	data, _ := json.Marshal(map[string]any{"client_name": a.Name, "redirect_uris": splitLines(a.RedirectURIs)})
	f, err := clientmeta.Decode(data)
	if err == nil {
		_, err = c.cfg.Registry.UpdateClient(r.Context(), id, func(cl *tokenmint.Client) error {
			if cl.Owner != v.User.ID {
				return errNotOwned
			}
			return f.Apply(cl, nil)
		})
	}
	if err == nil {
		return nil
	}
	if errs := metaErrors(err); errs != nil {
		return errs
	}
	return formErrors{"": "The app could not be saved; nothing was changed."}
}

// rotateAppSecret makes a new secret for one of the user's apps.
func (c *Console) rotateAppSecret(w http.ResponseWriter, r *http.Request, v *viewer) {
	cl, ok := c.ownedApp(w, r, v)
	if !ok {
		return
	}
	c.rotateSecretOf(w, r, c.apps, v, cl.ID)
}

// confirmDeleteApp asks to confirm the deletion, naming the app.
func (c *Console) confirmDeleteApp(w http.ResponseWriter, r *http.Request, v *viewer) {
	cl, ok := c.ownedApp(w, r, v)
	if !ok {
		return
	}
	base := c.apps.base + "/" + url.PathEscape(cl.ID)
	c.render(w, r, http.StatusOK, "delete", &view{site: c.apps, viewer: v, Title: "Delete " + cl.Name + "?",
		Data: deletePage{Client: &cl, Action: base + "/delete", Cancel: base}})
}

// deleteApp deletes one of the user's apps with its tokens.
func (c *Console) deleteApp(w http.ResponseWriter, r *http.Request, v *viewer) {
	cl, ok := c.ownedApp(w, r, v)
	if !ok {
		return
	}
	if err := c.cfg.Registry.DeleteClient(r.Context(), cl.ID); err != nil {
		c.failed(w, r, c.apps, err)
		return
	}
	c.cfg.Invalidate()
	http.Redirect(w, r, c.apps.base+"/?notice=deleted", http.StatusSeeOther)
}

// graceText names a grace period in words.
func graceText(secs int64) string {
	switch {
	case secs == 0:
		return "none: the old secret stops at once"
	case secs%86400 == 0:
		return plural(int(secs/86400), "day", "days")
	case secs%3600 == 0:
		return plural(int(secs/3600), "hour", "hours")
	}
	return strconv.FormatInt(secs, 10) + " seconds"
}
