package grant

import (
	"testing"
	"time"
)

func TestParsePrompt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Prompt
		err  bool
	}{
		{in: "", want: 0},
		{in: "none", want: PromptNone},
		{in: "login consent", want: PromptLogin | PromptConsent},
		{in: "consent  login ", want: PromptLogin | PromptConsent},
		{in: "select_account", want: PromptSelectAccount},
		{in: "login login", want: PromptLogin},
		{in: "none login", err: true},
		{in: "none none", want: PromptNone},
		{in: "Login", err: true},
		{in: "login\tconsent", err: true},
		{in: "create", err: true},
	} {
		got, err := parsePrompt(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parsePrompt(%q) = %b, %v; want %b, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseMaxAge(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   time.Duration
		ok     bool
		errors bool
	}{
		{in: ""},
		{in: "0", ok: true},
		{in: "3600", want: time.Hour, ok: true},
		{in: "0600", want: 10 * time.Minute, ok: true},
		{in: "99999999999999999999999", want: time.Duration(maxMaxAge) * time.Second, ok: true},
		{in: "9223372036", want: time.Duration(maxMaxAge) * time.Second, ok: true},
		{in: "-1", errors: true},
		{in: "+1", errors: true},
		{in: "1.5", errors: true},
		{in: "1e3", errors: true},
		{in: " 1", errors: true},
	} {
		got, ok, err := parseMaxAge(tc.in)
		if (err != nil) != tc.errors || ok != tc.ok || got != tc.want {
			t.Errorf("parseMaxAge(%q) = %v, %v, %v; want %v, %v, error %v", tc.in, got, ok, err, tc.want, tc.ok, tc.errors)
		}
	}
}

func TestMaxAgeExceeded(t *testing.T) {
	signIn := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		a      Authorization
		now    time.Time
		exceed bool
	}{
		{name: "no max_age", a: Authorization{}, now: signIn.Add(24 * time.Hour)},
		{name: "zero, same instant", a: Authorization{HasMaxAge: true}, now: signIn, exceed: true},
		{name: "within", a: Authorization{HasMaxAge: true, MaxAge: time.Minute}, now: signIn.Add(time.Minute)},
		{name: "beyond", a: Authorization{HasMaxAge: true, MaxAge: time.Minute}, now: signIn.Add(time.Minute + time.Millisecond), exceed: true},
	} {
		if got := tc.a.MaxAgeExceeded(signIn, tc.now); got != tc.exceed {
			t.Errorf("%s: MaxAgeExceeded = %v, want %v", tc.name, got, tc.exceed)
		}
	}
}
