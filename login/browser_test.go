package login_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/internal/browsertest"
	"github.com/tokenmint/tokenmint/registry"
)

// TestBrowserLogin signs in through the real login page in headless
// chromium: it types the credentials, submits, lands on the client's
// callback (another origin, so the CSP form-action must allow the
// redirect) with code and state, and the code is exchanged by
// golang.org/x/oauth2 with PKCE.
func TestBrowserLogin(t *testing.T) {
	ctx := browsertest.New(t, chromedp.WindowSize(800, 900))
	callbacks := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/cb" { // the browser also asks for /favicon.ico
			http.NotFound(w, r)
			return
		}
		select {
		case callbacks <- r.URL.Query():
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>callback</title><p>signed in</p>"))
	}))
	t.Cleanup(cb.Close)

	f := newFixture(t, fixtureOptions{})
	redirect := cb.URL + "/cb"
	c, secret := f.client(t, registry.ClientSpec{Name: "Browser App", RedirectURIs: []string{redirect}})
	conf := &oauth2.Config{
		ClientID: c.ID, ClientSecret: secret, RedirectURL: redirect, Scopes: []string{"openid", "profile"},
		Endpoint: oauth2.Endpoint{AuthURL: f.issuer + httpapi.PathAuthorize, TokenURL: f.issuer + httpapi.PathToken,
			AuthStyle: oauth2.AuthStyleInHeader},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-xyz", oauth2.S256ChallengeOption(verifier))

	step := func(name string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, a); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// The first action starts the browser: no timeout on it (chromedp.Run).
	if err := chromedp.Do(ctx, chromedp.Navigate(authURL)); err != nil {
		t.Fatalf("open the login page: %v", err)
	}
	step("wait for the form", chromedp.WaitVisible(chromedp.ID("username")))
	checkStyled(t, ctx)
	screenshot(t, ctx)
	step("sign in", chromedp.Steps(
		chromedp.SendKeys(chromedp.ID("username"), testUsername),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("submit")),
	))

	var params url.Values
	select {
	case params = <-callbacks:
	case <-time.After(30 * time.Second):
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("the browser never reached the callback; it is at %s", loc)
	}
	if params.Get("state") != "state-xyz" || params.Get("code") == "" || params.Get("iss") != f.issuer {
		t.Fatalf("callback params = %v, want code, state and iss", params)
	}
	tok, err := conf.Exchange(context.Background(), params.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.AccessToken == "" || tok.Extra("id_token") == nil {
		t.Errorf("token = %+v, want an access token and an ID token", tok)
	}

	// Signed in now: a client that requires consent gets the consent
	// page at once, and Allow lands on its callback too.
	c2, _ := f.client(t, registry.ClientSpec{Name: "Consenting App", RedirectURIs: []string{redirect}, RequireConsent: true})
	conf2 := *conf
	conf2.ClientID = c2.ID
	step("open the consent page", chromedp.Navigate(conf2.AuthCodeURL("state-2", oauth2.S256ChallengeOption(verifier))))
	step("allow", chromedp.Steps(chromedp.WaitVisible(chromedp.ID("allow")), chromedp.Click(chromedp.ID("allow"))))
	select {
	case params = <-callbacks:
	case <-time.After(30 * time.Second):
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("the browser never reached the callback after consent; it is at %s", loc)
	}
	if params.Get("state") != "state-2" || params.Get("code") == "" {
		t.Fatalf("callback params after consent = %v", params)
	}
}

// checkStyled: the stylesheet loaded under style-src 'self' (the card has
// the rounded border login.css gives it).
func checkStyled(t *testing.T, ctx context.Context) {
	t.Helper()
	radius, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("main.card")).borderTopLeftRadius`))
	if err != nil {
		t.Fatalf("read computed style: %v", err)
	}
	if radius == "" || radius == "0px" {
		t.Errorf("login.css not applied (border radius %q): blocked by the CSP?", radius)
	}
}

// screenshot saves the login page as a PNG and checks it is one.
func screenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.TempDir(), "login.png")
	if err := os.WriteFile(path, shot, 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		t.Fatalf("screenshot %s is not a non-empty PNG (%d bytes): %v", path, len(data), err)
	}
	if !strings.HasPrefix(string(data), "\x89PNG\r\n\x1a\n") {
		t.Errorf("screenshot lacks the PNG signature")
	}
	t.Logf("login page screenshot: %s (%dx%d)", path, cfg.Width, cfg.Height)
}
