package eptura

import (
	"net/http/httptest"
	"testing"

	"github.com/tokenmint/tokenmint/oauth"
)

func TestPresentedToken(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    string
		wantErr bool
	}{
		{name: "none"},
		{name: "x-token", headers: []string{"x-token", "a"}, want: "a"},
		{name: "bearer", headers: []string{"Authorization", "Bearer a"}, want: "a"},
		{name: "same token twice", headers: []string{"x-token", "a", "Authorization", "Bearer a"}, want: "a"},
		{name: "two tokens", headers: []string{"x-token", "a", "x-access-token", "b"}, wantErr: true},
		{name: "header and bearer differ", headers: []string{"x-refresh-token", "a", "Authorization", "Bearer b"}, wantErr: true},
		{name: "repeated header", headers: []string{"x-token", "a", "x-token", "a"}, wantErr: true},
		{name: "basic", headers: []string{"Authorization", "Basic YTpi"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			for i := 0; i < len(tt.headers); i += 2 {
				r.Header.Add(tt.headers[i], tt.headers[i+1])
			}
			got, err := presentedToken(r, hToken, hAccessToken, hRefreshToken)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("got %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// FuzzPresentedToken: whatever the headers, the answer is one of the
// presented values or a 400 invalid_request, never a panic.
func FuzzPresentedToken(f *testing.F) {
	f.Add("a", "", "", "Bearer a")
	f.Add("a", "b", "", "")
	f.Add("", "", "", "Bearer  x")
	f.Fuzz(func(t *testing.T, xt, xa, xr, authz string) {
		r := httptest.NewRequest("POST", "/", nil)
		for name, v := range map[string]string{hToken: xt, hAccessToken: xa, hRefreshToken: xr, "Authorization": authz} {
			if v != "" {
				r.Header.Set(name, v)
			}
		}
		got, err := presentedToken(r, hToken, hAccessToken, hRefreshToken)
		if err != nil {
			if oe, ok := oauth.As(err); !ok || oe.HTTPStatus() != 400 {
				t.Fatalf("error %v, want a 400", err)
			}
			return
		}
		if got != "" && got != xt && got != xa && got != xr && "Bearer "+got != authz && !equalFoldPrefix(authz, got) {
			t.Fatalf("token %q was not presented", got)
		}
	})
}

// equalFoldPrefix: authz is "<scheme> <got>" with any case of Bearer.
func equalFoldPrefix(authz, got string) bool {
	return len(authz) == len("Bearer ")+len(got) && authz[len("Bearer "):] == got
}
