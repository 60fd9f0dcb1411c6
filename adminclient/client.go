package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenmint/tokenmint/adminapi"
)

// Client calls one server's admin API. It is safe for concurrent use.
type Client struct {
	base   *url.URL
	tokens TokenSource
	http   *http.Client
}

// Option adjusts a Client.
type Option func(*Client)

// WithHTTPClient sends the requests through hc (default: a client with a
// 30-second timeout).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// New returns a Client for the admin listener at baseURL (e.g.
// "http://127.0.0.1:8081"), authenticating with tokens.
func New(baseURL string, tokens TokenSource, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("adminclient: server URL %q must be http(s)://HOST[:PORT]", baseURL)
	}
	if tokens == nil {
		return nil, errors.New("adminclient: a TokenSource is required")
	}
	c := &Client{base: u, tokens: tokens, http: &http.Client{Timeout: defaultTimeout}}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Error is an answer of the admin API other than a success: the problem
// it carried (RFC 9457), its HTTP status and its WWW-Authenticate
// challenge, if any.
type Error struct {
	StatusCode int
	Problem    adminapi.Problem
	Challenge  string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("admin API: %d %s", e.StatusCode, cmpOr(e.Problem.Code, http.StatusText(e.StatusCode)))
	if e.Problem.Detail != "" {
		msg += ": " + e.Problem.Detail
	}
	return msg
}

// Field returns the first member of the request the server named as at
// fault, "" when none.
func (e *Error) Field() string {
	if len(e.Problem.Errors) == 0 {
		return ""
	}
	return e.Problem.Errors[0].Field
}

// AsError returns the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether err is the API's 404.
func IsNotFound(err error) bool {
	e, ok := AsError(err)
	return ok && e.StatusCode == http.StatusNotFound
}

// IsConflict reports whether err is the API's 409: a taken identifier,
// or a user who still owns clients.
func IsConflict(err error) bool {
	e, ok := AsError(err)
	return ok && e.StatusCode == http.StatusConflict
}

// maxAnswer bounds what is read of an answer.
const maxAnswer = 16 << 20

// do sends one request: body (nil for none) as JSON; a 2xx answer is
// decoded into out (nil: discarded); anything else becomes an *Error.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u := *c.base
	u.Path += path
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("adminclient: encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("adminclient: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return fmt.Errorf("adminclient: get a token: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("adminclient: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("adminclient: %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return answerError(resp, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("adminclient: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// answerError is the *Error of a failed answer; one that is not a
// problem (a proxy's page) keeps its status and a line of its text.
func answerError(resp *http.Response, data []byte) *Error {
	e := &Error{StatusCode: resp.StatusCode, Challenge: resp.Header.Get("WWW-Authenticate")}
	if json.Unmarshal(data, &e.Problem) != nil || e.Problem.Status == 0 {
		line, _, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
		if len(line) > 200 {
			line = line[:200]
		}
		e.Problem = adminapi.Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode), Detail: line}
	}
	return e
}

// escape is a path segment.
func escape(id string) string { return url.PathEscape(id) }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Ptr returns a pointer to v, for the optional members of
// clientmeta.Fields and UserUpdate.
func Ptr[T any](v T) *T { return &v }
