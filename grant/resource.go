package grant

import (
	"slices"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// ParseResources validates the resource parameters of an authorization
// or token request (RFC 8707 §2): each "MUST be an absolute URI ... MUST
// NOT include a fragment component" (tokenmint.CheckResource), at most
// tokenmint.MaxResources of them. It returns them in the order given,
// without repeats; nil for none. Every error is invalid_target ("the
// requested resource is invalid, missing, unknown, or malformed").
func ParseResources(raw []string) ([]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if len(raw) > tokenmint.MaxResources {
		return nil, oauth.NewError(oauth.InvalidTarget, "at most %d resource parameters are accepted", tokenmint.MaxResources)
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		if err := tokenmint.CheckResource(r); err != nil {
			return nil, &oauth.Error{Code: oauth.InvalidTarget, Description: err.Error()}
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// allowResources refuses a resource the client is not registered for
// (tokenmint.Client.Resources): "the authorization server ... SHOULD
// audience-restrict issued access tokens to the resource(s) indicated"
// and refuses what its policy does not allow (RFC 8707 §2).
func allowResources(c *tokenmint.Client, resources []string) error {
	for _, r := range resources {
		if !c.AllowsResource(r) {
			return oauth.NewError(oauth.InvalidTarget, "resource %q is not one this client may ask for", truncate(r))
		}
	}
	return nil
}

// narrowResources applies RFC 8707 §2.2 to a token request that spends a
// grant (a code, a refresh token) bound to granted: it may ask for those
// resources or fewer, never another; none requested means all of them.
// A resource the client has since lost is refused either way.
func narrowResources(c *tokenmint.Client, granted, requested []string) ([]string, error) {
	if len(requested) == 0 {
		return granted, allowResources(c, granted)
	}
	for _, r := range requested {
		if !slices.Contains(granted, r) {
			return nil, oauth.NewError(oauth.InvalidTarget, "resource %q was not granted to this authorization", truncate(r))
		}
	}
	return requested, allowResources(c, requested)
}
