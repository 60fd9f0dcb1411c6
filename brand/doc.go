// Package brand is the operator's branding of every page a person sees:
// the login and consent pages (package login), the console and the
// self-service pages (package console). A Brand is a display name, an
// accent colour and a logo, loaded once at start from --brand-name,
// --brand-color and --brand-logo and checked there: the colour is a hex
// colour, the logo a small PNG, JPEG, GIF, WebP or SVG file whose content
// matches its type. Pages reference the logo by URL (served by Brand.Logo
// from this origin, so the pages' strict Content-Security-Policy needs no
// exception) and get the colour through the stylesheet they already load
// (Brand.CSS), never through an inline style.
package brand
