package jwksfetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
)

// TestSectorChecker: OIDC Registration §5 against a real https server.
func TestSectorChecker(t *testing.T) {
	doc := `["https://app.example/one","https://app.example/two"]`
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sector":
			w.Write([]byte(doc))
		case "/big":
			w.Write([]byte("[" + strings.Repeat(`"x",`, maxSectorBytes/4) + `"x"]`))
		case "/object":
			w.Write([]byte(`{"redirect_uris":[]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	tlsConf := srv.Client().Transport.(*http.Transport).TLSClientConfig
	check := SectorChecker(Options{AllowPrivate: true, TLSConfig: tlsConf})
	client := func(path string, redirects ...string) tokenmint.Client {
		return tokenmint.Client{SubjectType: tokenmint.SubjectPairwise, SectorIdentifierURI: srv.URL + path, RedirectURIs: redirects}
	}
	for _, tc := range []struct {
		name    string
		c       tokenmint.Client
		wantErr string
	}{
		{"every redirect URI listed", client("/sector", "https://app.example/one", "https://app.example/two"), ""},
		{"a redirect URI missing", client("/sector", "https://app.example/one", "https://evil.example/cb"), "does not list"},
		{"not found", client("/nope", "https://app.example/one"), "answered 404"},
		{"too large", client("/big", "x"), "JSON array"},
		{"not an array", client("/object", "https://app.example/one"), "JSON array"},
		{"public client: not fetched", tokenmint.Client{SectorIdentifierURI: srv.URL + "/nope"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := check(context.Background(), tc.c)
			var fe *tokenmint.FieldError
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("check: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &fe) || fe.Field != tokenmint.FieldSectorIdentifierURI):
				t.Fatalf("check: %v, want a sector_identifier_uri error containing %q", err, tc.wantErr)
			}
		})
	}
	t.Run("private address without AllowPrivate", func(t *testing.T) {
		err := SectorChecker(Options{TLSConfig: tlsConf})(context.Background(), client("/sector", "https://app.example/one"))
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Fatalf("check: %v, want ErrForbiddenAddress", err)
		}
	})
}
