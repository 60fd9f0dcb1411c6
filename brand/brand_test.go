package brand

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name, brand, logo, color string
		wantType, wantErr        string
	}{
		{name: "defaults"},
		{name: "png", brand: "Acme", logo: "logo.png", color: "#15b", wantType: "image/png"},
		{name: "svg", logo: "logo.svg", wantType: "image/svg+xml"},
		{name: "html posing as png", logo: "fake.png", wantErr: "must be a PNG"},
		{name: "svg without svg", logo: "empty.svg", wantErr: "no <svg>"},
		{name: "oversized", logo: "big.png", wantErr: "larger than"},
		{name: "missing file", logo: "/nonexistent/logo.png", wantErr: "brand_logo"},
		{name: "colour name", color: "red", wantErr: "brand_color"},
		{name: "colour injection", color: "#fff;}body{display:none", wantErr: "brand_color"},
		{name: "colour five digits", color: "#12345", wantErr: "brand_color"},
		{name: "name control", brand: "Acme\n", wantErr: "brand_name"},
		{name: "name too long", brand: strings.Repeat("é", MaxNameLen+1), wantErr: "brand_name"},
	}
	files := map[string][]byte{
		"logo.png":  pngBytes(t),
		"logo.svg":  []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>`),
		"fake.png":  []byte("<html><script>alert(1)</script></html>"),
		"empty.svg": []byte("hello"),
		"big.png":   append(pngBytes(t), make([]byte, MaxLogoBytes)...),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logo := tt.logo
			if data, ok := files[logo]; ok {
				logo = write(t, logo, data)
			}
			b, err := Load(tt.brand, logo, tt.color)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.LogoType != tt.wantType {
				t.Errorf("LogoType = %q, want %q", b.LogoType, tt.wantType)
			}
		})
	}
}

func TestCSS(t *testing.T) {
	if got := string(Brand{}.CSS()); got != ":root{--brand:"+DefaultColor+"}\n" {
		t.Errorf("default CSS = %q", got)
	}
	if got := string(Brand{Color: "#ABCDEF"}.CSS()); !strings.Contains(got, "#ABCDEF") {
		t.Errorf("CSS = %q", got)
	}
	// A colour that did not pass Load never reaches the stylesheet.
	if got := string(Brand{Color: "#fff}*{x:y"}.CSS()); strings.Contains(got, "x:y") {
		t.Errorf("CSS = %q", got)
	}
}

func TestServeLogo(t *testing.T) {
	rec := httptest.NewRecorder()
	Brand{}.ServeLogo(rec, httptest.NewRequest("GET", "/logo", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("no logo: status %d", rec.Code)
	}
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	rec = httptest.NewRecorder()
	Brand{Logo: svg, LogoType: "image/svg+xml"}.ServeLogo(rec, httptest.NewRequest("GET", "/logo", nil))
	h := rec.Result().Header
	if h.Get("Content-Type") != "image/svg+xml" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
		h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", h)
	}
}
