package adminclient

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/tokenmint/tokenmint/adminapi"
)

// ListKeys returns the published signing keys, oldest first.
func (c *Client) ListKeys(ctx context.Context) ([]adminapi.Key, error) {
	var l adminapi.KeyList
	err := c.do(ctx, http.MethodGet, adminapi.PathKeys, nil, nil, &l)
	return l.Keys, err
}

// RotateKeys makes a new current key for alg (ES256, RS256, EdDSA, or
// all; "": the server's signing_alg) and returns the keys made.
func (c *Client) RotateKeys(ctx context.Context, alg string) ([]adminapi.Key, error) {
	body := map[string]string{}
	if alg != "" {
		body["alg"] = alg
	}
	var l adminapi.KeyList
	err := c.do(ctx, http.MethodPost, adminapi.PathKeysRotate, nil, body, &l)
	return l.Keys, err
}

// AuditQuery selects audit events; zero fields select everything.
type AuditQuery struct {
	Since, Until           time.Time
	Type, ClientID, UserID string
	ListOptions
}

// ListAudit returns a page of audit events, oldest first.
func (c *Client) ListAudit(ctx context.Context, aq AuditQuery) (adminapi.AuditList, error) {
	q := aq.query()
	for name, t := range map[string]time.Time{"since": aq.Since, "until": aq.Until} {
		if !t.IsZero() {
			q.Set(name, t.UTC().Format(time.RFC3339Nano))
		}
	}
	for name, v := range map[string]string{"type": aq.Type, "client_id": aq.ClientID, "user_id": aq.UserID} {
		if v != "" {
			q.Set(name, v)
		}
	}
	var l adminapi.AuditList
	err := c.do(ctx, http.MethodGet, adminapi.PathAudit, q, nil, &l)
	return l, err
}

// OpenAPI returns the server's OpenAPI document.
func (c *Client) OpenAPI(ctx context.Context) ([]byte, error) {
	u := *c.base
	u.Path += adminapi.PathOpenAPI
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err == nil && resp.StatusCode != http.StatusOK {
		return nil, answerError(resp, data)
	}
	return data, err
}
