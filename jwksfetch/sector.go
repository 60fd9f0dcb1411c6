package jwksfetch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/tokenmint/tokenmint"
)

// maxSectorBytes bounds a sector identifier document.
const maxSectorBytes = 64 << 10

// SectorChecker returns the check of a pairwise client's
// sector_identifier_uri (OIDC Registration 1.0 §5): the URL is fetched
// with the policy of opts (https only, no private address unless
// AllowPrivate, bounded in time and size), and must answer 200 with a
// JSON array of strings containing every redirect URI of the client.
// Clients that are not pairwise, or have no sector_identifier_uri, pass.
// Errors are *tokenmint.FieldError on sector_identifier_uri.
func SectorChecker(opts Options) func(ctx context.Context, c tokenmint.Client) error {
	f := New(opts)
	return func(ctx context.Context, c tokenmint.Client) error {
		if c.SubjectType != tokenmint.SubjectPairwise || c.SectorIdentifierURI == "" {
			return nil
		}
		if err := f.checkSector(ctx, c.SectorIdentifierURI, c.RedirectURIs); err != nil {
			return &tokenmint.FieldError{Field: tokenmint.FieldSectorIdentifierURI, Err: err}
		}
		return nil
	}
}

func (f *Fetcher) checkSector(ctx context.Context, uri string, redirects []string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return fmt.Errorf("sector_identifier_uri: %w", err)
	}
	if err := f.checkURL(req.URL); err != nil {
		return fmt.Errorf("sector_identifier_uri must be https: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch sector_identifier_uri: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sector_identifier_uri answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSectorBytes+1))
	if err != nil {
		return fmt.Errorf("read sector_identifier_uri: %w", err)
	}
	var listed []string
	if len(body) > maxSectorBytes || json.Unmarshal(body, &listed) != nil {
		return fmt.Errorf("sector_identifier_uri must answer a JSON array of redirect URIs of at most %d bytes", maxSectorBytes)
	}
	for _, r := range redirects {
		if !slices.Contains(listed, r) {
			return fmt.Errorf("the sector_identifier_uri document does not list the redirect URI %q (OIDC Registration §5)", r)
		}
	}
	return nil
}
