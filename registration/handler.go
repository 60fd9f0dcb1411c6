package registration

import (
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/token"
)

// Config wires a Handler. Store, Engine, Registry (with Secrets) and
// Tokens are required.
type Config struct {
	Store tokenmint.Store
	// Engine validates the access tokens of this server presented as
	// initial access tokens (scope tokenmint:register).
	Engine *grant.Engine
	// Registry makes clients and their secrets, as every path that
	// creates clients does.
	Registry *registry.Registry
	Tokens   *token.Hasher // initial and registration access tokens (token.PurposeTokenHash)
	Policy   Policy
	// MaxBodyBytes bounds a request's metadata (default
	// httpapi.DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// TrustedProxies are the peers whose X-Forwarded-For names the
	// caller, whose address audit events record.
	TrustedProxies []netip.Prefix
	// ClientsChanged, when set, is called after a client was changed or
	// deleted here, so that this instance's client cache forgets it at
	// once rather than at its next poll.
	ClientsChanged func()
	Logger         *slog.Logger
	Now            func() time.Time
}

// Handler serves the registration endpoint (RFC 7591 §3) and the client
// configuration endpoint (RFC 7592 §2): one method per operation, each
// in the file named after it.
type Handler struct {
	cfg Config
	log *slog.Logger
}

// New returns a Handler; the server mounts its methods on the routes of
// its public listener when cfg.Policy.Mode is not ModeOff.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Engine == nil || cfg.Registry == nil || cfg.Registry.Secrets == nil || cfg.Tokens == nil {
		return nil, errors.New("registration: Store, Engine, Registry with Secrets and Tokens are required")
	}
	if err := cfg.Policy.Validate(); err != nil {
		return nil, err
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
	return &Handler{cfg: cfg, log: cfg.Logger}, nil
}

// PathClient is the pattern of a client configuration endpoint: the
// registration endpoint followed by the client ID (RFC 7592 §2).
const PathClient = httpapi.PathRegister + "/{client_id}"

// clientURI is the registration_client_uri of a client (RFC 7592 §3).
func (h *Handler) clientURI(clientID string) string {
	return h.cfg.Engine.Issuer() + httpapi.PathRegister + "/" + url.PathEscape(clientID)
}

func (h *Handler) now() time.Time { return h.cfg.Now().UTC() }

// changed tells this instance's client cache that a client moved.
func (h *Handler) changed() {
	if h.cfg.ClientsChanged != nil {
		h.cfg.ClientsChanged()
	}
}

// fail writes err as an RFC 6749 §5.2-shaped JSON error (RFC 7591
// §3.2.2, RFC 6750 §3 for the bearer credentials).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpapi.WriteError(w, r, h.log, err)
}
