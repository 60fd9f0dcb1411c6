package login

import (
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/brand"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/token"
)

// Paths served by Pages besides httpapi.PathAuthorize and
// httpapi.PathLogout.
const (
	PathLogin      = "/oauth2/login"
	PathConsent    = "/oauth2/consent"
	PathStylesheet = "/oauth2/static/login.css"
	// PathLogo serves the operator's logo (--brand-logo).
	PathLogo = "/oauth2/static/logo"
)

// DefaultSessionTTL is the default of Config.SessionTTL.
const DefaultSessionTTL = 12 * time.Hour

// Config wires the pages. Engine, Store, Sessions and CSRFKey are
// required.
type Config struct {
	Engine *grant.Engine
	Store  tokenmint.Store
	// Sessions is the keyed hash that turns a session cookie value into
	// its LoginSession record ID.
	Sessions *token.Hasher
	// CSRFKey is the HMAC key of CSRF tokens and remembered consents, at
	// least 32 bytes: MasterKey.Derive(token.PurposeCookie).
	CSRFKey []byte
	// SessionTTL is how long a sign-in lasts (default 12h).
	SessionTTL time.Duration
	// TrustedProxies are peers whose X-Forwarded-For is believed when
	// throttling failed sign-ins per address.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	Now            func() time.Time
	// MaxBodyBytes bounds every form body (default 64 KiB).
	MaxBodyBytes int64
	// DeviceThrottle limits wrong user codes on the device verification
	// page (RFC 8628 §5.1); nil means unlimited.
	DeviceThrottle DeviceThrottle
	// Brand is the operator's name, colour and logo on every page
	// (--brand-name, --brand-color, --brand-logo).
	Brand brand.Brand
}

// Pages serves the authorization endpoint and the pages around it. It is
// safe for concurrent use.
type Pages struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	secure bool   // the issuer is https: Secure, __Host- cookies
	base   string // path of the issuer, prefixed to form actions and links
}

// New returns Pages for cfg. It panics when a required field is missing,
// as that is a wiring bug no request could recover from.
func New(cfg Config) *Pages {
	if cfg.Engine == nil || cfg.Store == nil || cfg.Sessions == nil {
		panic("login: Engine, Store and Sessions are required")
	}
	if len(cfg.CSRFKey) < 32 {
		panic("login: CSRFKey must be at least 32 bytes")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = httpapi.DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Pages{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if u, err := url.Parse(cfg.Engine.Issuer()); err == nil {
		p.secure = u.Scheme == "https"
		p.base = strings.TrimSuffix(u.EscapedPath(), "/")
	}
	return p
}

// crossOrigin refuses cross-site posts of the pages' forms (Fetch
// metadata or Origin) before their CSRF tokens are even read.
func (p *Pages) crossOrigin(h http.HandlerFunc) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.csrfFailed(w) }))
	return cop.Handler(h)
}

// LoginForm accepts the login page's form: the CSRF token, the
// credentials (grant.Engine.AuthenticateUser), then a session, the consent
// page or the redirect with the code.
func (p *Pages) LoginForm() http.Handler { return p.crossOrigin(p.login) }

// ConsentForm records the user's answer on the consent page.
func (p *Pages) ConsentForm() http.Handler { return p.crossOrigin(p.consent) }
