package backchannel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/jwksfetch"
	"github.com/tokenmint/tokenmint/token"
)

// Defaults of Options.
const (
	DefaultInterval    = 2 * time.Second
	DefaultTimeout     = 5 * time.Second
	DefaultRetryBase   = 5 * time.Second
	DefaultMaxRetry    = time.Hour
	DefaultMaxAttempts = 8
	DefaultLease       = time.Minute
	DefaultBatch       = 16
	// maxResponse bounds what is read of a receiver's answer (§2.8 says
	// nothing of a body; it is drained only so the connection is reused).
	maxResponse = 4 << 10
)

// Options wire a Worker. Store, Clients and Engine are required.
type Options struct {
	Store   tokenmint.Store
	Clients grant.ClientSource
	Engine  *grant.Engine
	// AllowPrivate lets deliveries reach loopback, private and reserved
	// addresses over http or https (--allow-private-fetch, --dev).
	AllowPrivate bool
	TLSConfig    *tls.Config // tests trust their receiver with it
	// Interval is how often the queue is polled (DefaultInterval); Notify
	// polls at once.
	Interval time.Duration
	// Timeout bounds one delivery (DefaultTimeout).
	Timeout time.Duration
	// RetryBase is the back-off after the first failure, doubled after
	// each further one up to MaxRetry; MaxAttempts failures abandon the
	// delivery.
	RetryBase, MaxRetry time.Duration
	MaxAttempts         int
	// Lease is how long a claimed delivery is held (DefaultLease): an
	// instance that dies holding it frees it then.
	Lease  time.Duration
	Batch  int
	Audit  grant.Auditor // nil: none
	Logger *slog.Logger
	Now    func() time.Time
}

// Worker delivers queued logout tokens. It is safe for concurrent use.
type Worker struct {
	opts   Options
	client *http.Client
	log    *slog.Logger
	wake   chan struct{}
}

// New returns a Worker for opts, defaults filled in.
func New(opts Options) *Worker {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.Interval, DefaultInterval)
	def(&opts.Timeout, DefaultTimeout)
	def(&opts.RetryBase, DefaultRetryBase)
	def(&opts.MaxRetry, DefaultMaxRetry)
	def(&opts.Lease, DefaultLease)
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	client := jwksfetch.NewHTTPClient(jwksfetch.Options{AllowPrivate: opts.AllowPrivate, Timeout: opts.Timeout,
		TLSConfig: opts.TLSConfig, Logger: opts.Logger})
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Worker{opts: opts, client: client, log: opts.Logger, wake: make(chan struct{}, 1)}
}

// Notify asks the worker to poll the queue now (a session just ended on
// this instance); it never blocks.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends: every Interval, and at once on Notify.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.opts.Interval)
	defer t.Stop()
	for {
		for {
			n, err := w.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				w.log.WarnContext(ctx, "back-channel logout: claim deliveries", "err", err)
			}
			if err != nil || n < w.opts.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// RunOnce claims one batch of due deliveries and attempts each; it
// returns how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	now := w.opts.Now()
	ds, err := w.opts.Store.ClaimLogouts(ctx, now, now.Add(w.opts.Lease), token.NewID(), w.opts.Batch)
	if err != nil {
		return 0, fmt.Errorf("claim logouts: %w", err)
	}
	for _, d := range ds {
		w.attempt(ctx, d)
	}
	return len(ds), nil
}

// errGone: the client was deleted or no longer has a logout URI.
var errGone = errors.New("the client no longer has a backchannel_logout_uri")

// attempt delivers d once and records the outcome under its lease.
func (w *Worker) attempt(ctx context.Context, d tokenmint.LogoutDelivery) {
	c, err := w.opts.Clients.GetClient(ctx, d.ClientID)
	switch {
	case errors.Is(err, tokenmint.ErrNotFound), err == nil && c.BackchannelLogoutURI == "":
		w.finish(ctx, d, errGone)
		return
	case err != nil:
		w.failed(ctx, d, fmt.Errorf("get client: %w", err))
		return
	}
	if err := w.deliver(ctx, &c, d); err != nil {
		w.failed(ctx, d, err)
		return
	}
	w.log.InfoContext(ctx, "back-channel logout delivered", "client_id", d.ClientID, "user_id", d.Subject, "attempts", d.Attempts+1)
	w.finish(ctx, d, nil)
}

// deliver POSTs the logout token to the client (§2.5) and reads the
// answer (§2.8: 200 is success; 204 is accepted too, as most receivers
// send it). The token itself is never logged.
func (w *Worker) deliver(ctx context.Context, c *tokenmint.Client, d tokenmint.LogoutDelivery) error {
	raw, err := w.opts.Engine.LogoutToken(c, d.Subject, d.SessionID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	body := url.Values{"logout_token": {raw}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BackchannelLogoutURI, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	if err := w.checkScheme(req.URL); err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("post logout token: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("the receiver answered %d", resp.StatusCode)
	}
	return nil
}

// checkScheme allows https, and http only where private addresses are.
func (w *Worker) checkScheme(u *url.URL) error {
	if u.Scheme == "https" || (u.Scheme == "http" && w.opts.AllowPrivate) {
		return nil
	}
	return fmt.Errorf("a backchannel_logout_uri must be https, not %q", u.Scheme)
}

// failed retries d after the back-off, or abandons it after MaxAttempts.
func (w *Worker) failed(ctx context.Context, d tokenmint.LogoutDelivery, cause error) {
	attempts := d.Attempts + 1
	final := attempts >= w.opts.MaxAttempts
	w.log.WarnContext(ctx, "back-channel logout failed", "client_id", d.ClientID, "user_id", d.Subject,
		"attempts", attempts, "final", final, "err", cause)
	w.audit(ctx, d, cause, attempts, final)
	if final {
		w.finish(ctx, d, cause)
		return
	}
	next := w.opts.Now().Add(w.backoff(attempts))
	if err := w.opts.Store.RetryLogout(ctx, d, next, cause.Error()); err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		w.log.WarnContext(ctx, "back-channel logout: record failure", "client_id", d.ClientID, "err", err)
	}
}

// backoff is the wait after the n-th failure: RetryBase·2^(n-1), at most
// MaxRetry.
func (w *Worker) backoff(n int) time.Duration {
	d := w.opts.RetryBase
	for i := 1; i < n && d < w.opts.MaxRetry; i++ {
		d *= 2
	}
	return min(d, w.opts.MaxRetry)
}

// finish removes a delivered or abandoned delivery.
func (w *Worker) finish(ctx context.Context, d tokenmint.LogoutDelivery, cause error) {
	if cause != nil && errors.Is(cause, errGone) {
		w.log.InfoContext(ctx, "back-channel logout dropped", "client_id", d.ClientID, "reason", cause)
	}
	if err := w.opts.Store.FinishLogout(ctx, d); err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		w.log.WarnContext(ctx, "back-channel logout: remove delivery", "client_id", d.ClientID, "err", err)
	}
}

// audit records a failed delivery.
func (w *Worker) audit(ctx context.Context, d tokenmint.LogoutDelivery, cause error, attempts int, final bool) {
	if w.opts.Audit == nil {
		return
	}
	w.opts.Audit.Record(ctx, tokenmint.AuditEvent{
		Type: tokenmint.AuditBackchannelLogoutFailed, ActorType: tokenmint.ActorSystem,
		ClientID: d.ClientID, UserID: d.Subject,
		Details: map[string]string{"error": cause.Error(), "attempts": strconv.Itoa(attempts), "final": strconv.FormatBool(final)},
	})
}
