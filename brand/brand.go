package brand

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a Brand.
const (
	MaxLogoBytes = 256 << 10 // a logo is a small image, read into memory
	MaxNameLen   = 64        // characters
)

// DefaultName is the brand name of a server that sets none.
const DefaultName = "tokenmint"

// DefaultColor is the accent colour of a server that sets none.
const DefaultColor = "#1f5fbf"

// Brand is what pages show of the operator. The zero value is
// tokenmint's own look.
type Brand struct {
	Name     string // shown in headings and titles; "" for DefaultName
	Color    string // #rgb or #rrggbb; "" for DefaultColor
	Logo     []byte // the image, or nil for none
	LogoType string // its media type: image/png, image/jpeg, image/gif, image/webp or image/svg+xml
}

// Load builds a Brand from the settings: a name, a logo file ("" for
// none) and a colour ("" for the default). Each error names the setting.
func Load(name, logoFile, color string) (Brand, error) {
	b := Brand{Name: name, Color: color}
	if err := ValidateName(name); err != nil {
		return Brand{}, fmt.Errorf("brand_name: %w", err)
	}
	if err := ValidateColor(color); err != nil {
		return Brand{}, fmt.Errorf("brand_color: %w", err)
	}
	if logoFile == "" {
		return b, nil
	}
	data, typ, err := ReadLogo(logoFile)
	if err != nil {
		return Brand{}, fmt.Errorf("brand_logo: %w", err)
	}
	b.Logo, b.LogoType = data, typ
	return b, nil
}

// ValidateName accepts a display name of at most MaxNameLen characters,
// valid UTF-8 without control characters.
func ValidateName(name string) error {
	switch {
	case !utf8.ValidString(name):
		return fmt.Errorf("the name is not valid UTF-8")
	case utf8.RuneCountInString(name) > MaxNameLen:
		return fmt.Errorf("the name is longer than %d characters", MaxNameLen)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("the name contains control characters")
	}
	return nil
}

// ValidateColor accepts "" or a CSS hex colour, #rgb or #rrggbb: the value
// goes into a stylesheet, so nothing else may.
func ValidateColor(c string) error {
	if c == "" {
		return nil
	}
	ok := len(c) == 4 || len(c) == 7
	ok = ok && c[0] == '#'
	for i := 1; ok && i < len(c); i++ {
		ok = strings.IndexByte("0123456789abcdefABCDEF", c[i]) >= 0
	}
	if !ok {
		return fmt.Errorf("invalid colour %q: use a hex colour such as #1f5fbf or #15b", c)
	}
	return nil
}

// ReadLogo reads a logo file of at most MaxLogoBytes and returns it with
// its media type, found from its content (http.DetectContentType), or
// for SVG, which has no signature, from the .svg extension and an <svg
// element; a file whose content is no image of those types is refused.
func ReadLogo(path string) ([]byte, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxLogoBytes+1)); err != nil {
		return nil, "", fmt.Errorf("read %s: %w", path, err)
	}
	data := buf.Bytes()
	if len(data) > MaxLogoBytes {
		return nil, "", fmt.Errorf("%s is larger than %d bytes", path, MaxLogoBytes)
	}
	typ, err := LogoType(filepath.Ext(path), data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return data, typ, nil
}

// LogoType returns the media type of a logo with that file extension and
// content.
func LogoType(ext string, data []byte) (string, error) {
	if len(data) == 0 {
		return "", fmt.Errorf("the logo is empty")
	}
	if strings.EqualFold(ext, ".svg") {
		head := strings.ToLower(string(data[:min(len(data), 1024)]))
		if strings.Contains(head, "<svg") {
			return "image/svg+xml", nil
		}
		return "", fmt.Errorf("the file is named .svg but holds no <svg> element")
	}
	switch t := http.DetectContentType(data); t {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return t, nil
	default:
		return "", fmt.Errorf("the logo must be a PNG, JPEG, GIF, WebP or SVG image (this file is %s)", t)
	}
}

// DisplayName is the name pages show.
func (b Brand) DisplayName() string {
	if b.Name == "" {
		return DefaultName
	}
	return b.Name
}

// HasLogo reports whether there is a logo to show.
func (b Brand) HasLogo() bool { return len(b.Logo) > 0 }

// CSS is the stylesheet rule that gives pages the brand's colour, as the
// custom property --brand that the stylesheets use; it is put before
// them in the one stylesheet each page loads. The colour was validated,
// so nothing but a hex colour reaches the CSS.
func (b Brand) CSS() []byte {
	c := b.Color
	if ValidateColor(c) != nil || c == "" {
		c = DefaultColor
	}
	return []byte(":root{--brand:" + c + "}\n")
}

// ServeLogo serves the logo (404 without one). An SVG could hold script:
// it is served with a policy that runs none, sandboxed, so opening the
// logo's URL directly runs nothing either.
func (b Brand) ServeLogo(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if !b.HasLogo() {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("no logo\n"))
		return
	}
	h.Set("Content-Type", b.LogoType)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=3600")
	w.Write(b.Logo)
}
