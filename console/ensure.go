package console

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
)

// ClientID is the console's own client.
const ClientID = "tokenmint-console"

// Session is how long a session of the console or the self-service pages
// lasts: the access token that is the session lasts at most Lifetime, and
// ends after Idle without a page (every page checks it, which counts as
// a use). They are the console client's access token lifetime and idle
// timeout (EnsureClient); a page after either signs in again at once
// while the login session lasts (session_ttl), without the password.
// The server's settings console_session_lifetime and console_idle_timeout.
type Session struct {
	Lifetime time.Duration // 0: DefaultSessionLifetime
	Idle     time.Duration // 0: DefaultSessionIdle
}

// Defaults of Session. An hour, the default access token lifetime, so
// that the console's client never holds signing keys longer than others
// do (registry.Registry.KeyRetireAfter).
const (
	DefaultSessionLifetime = time.Hour
	DefaultSessionIdle     = 30 * time.Minute
)

// withDefaults is s with its zero fields at their defaults.
func (s Session) withDefaults() Session {
	if s.Lifetime <= 0 {
		s.Lifetime = DefaultSessionLifetime
	}
	if s.Idle <= 0 {
		s.Idle = min(DefaultSessionIdle, s.Lifetime)
	}
	return s
}

// loopbackCallbacks are the console's redirect URIs on a loopback admin
// listener: any port matches them (RFC 8252 §7.3).
var loopbackCallbacks = []string{
	"http://127.0.0.1" + PathConsole + "/callback",
	"http://[::1]" + PathConsole + "/callback",
	"http://localhost" + PathConsole + "/callback",
}

// RedirectURIs are the console client's redirect URIs for this
// configuration: the loopback ones, the console URL's, and the
// self-service pages' on the issuer.
func RedirectURIs(issuer, consoleURL string, selfService bool) []string {
	uris := slices.Clone(loopbackCallbacks)
	if consoleURL != "" {
		base := strings.TrimSuffix(strings.TrimSuffix(consoleURL, "/"), PathConsole)
		uris = append(uris, base+PathConsole+"/callback")
	}
	if selfService {
		uris = append(uris, strings.TrimSuffix(issuer, "/")+PathApps+"/callback")
	}
	return uris
}

// EnsureClient makes sure the console's client exists with the redirect
// URIs given and the session's lifetimes. Each instance calls it before
// its first sign-in (so a server whose console is never used has no such
// client): it is created when missing
// (two instances starting together: the one that loses the race finds it
// made), and the URIs this instance needs are added to those it has, never
// removed, so that instances configured differently do not undo each
// other. The lifetimes are this instance's: instances should share them,
// or the last to start sets them. It is a public client (no secret to keep or share between
// instances: PKCE protects the code, RFC 7636, and the exchange happens
// in the server itself) of the code flow alone, whose access tokens are
// opaque, so that the store can end them at once.
func EnsureClient(ctx context.Context, reg *registry.Registry, uris []string, session Session) error {
	session = session.withDefaults()
	for attempt := 0; attempt < 2; attempt++ {
		c, err := reg.Store.GetClient(ctx, ClientID)
		switch {
		case errors.Is(err, tokenmint.ErrNotFound):
			_, _, err = reg.CreateClient(ctx, registry.ClientSpec{
				ID: ClientID, Name: "tokenmint console", Public: true, AuthMethod: tokenmint.AuthMethodNone,
				GrantTypes: []string{tokenmint.GrantAuthorizationCode}, Scopes: []string{"openid"},
				RedirectURIs: uris, TokenFormat: tokenmint.FormatOpaque, AccessTTL: session.Lifetime, IdleTTL: session.Idle,
			})
			if errors.Is(err, tokenmint.ErrConflict) {
				continue // another instance made it: add our URIs to it
			}
			if err != nil {
				return fmt.Errorf("create the console's client: %w", err)
			}
			return nil
		case err != nil:
			return fmt.Errorf("get the console's client: %w", err)
		}
		missing := slices.DeleteFunc(slices.Clone(uris), func(u string) bool { return slices.Contains(c.RedirectURIs, u) })
		if len(missing) == 0 && c.AccessTTL == session.Lifetime && c.IdleTTL == session.Idle {
			return nil
		}
		_, err = reg.UpdateClient(ctx, ClientID, func(c *tokenmint.Client) error {
			for _, u := range missing {
				if !slices.Contains(c.RedirectURIs, u) {
					c.RedirectURIs = append(c.RedirectURIs, u)
				}
			}
			c.AccessTTL, c.IdleTTL = session.Lifetime, session.Idle
			return nil
		})
		if err != nil {
			return fmt.Errorf("update the console's client: %w", err)
		}
		return nil
	}
	return fmt.Errorf("create the console's client: %w", tokenmint.ErrConflict)
}
