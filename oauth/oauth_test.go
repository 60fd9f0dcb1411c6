package oauth

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestParseScope(t *testing.T) {
	cases := map[string][]string{
		"":            nil,
		"a":           {"a"},
		"a b":         {"a", "b"},
		"  a   b  a ": {"a", "b"},
		"pc pcapi":    {"pc", "pcapi"},
	}
	for in, want := range cases {
		if got := ParseScope(in); !slices.Equal(got, want) {
			t.Errorf("ParseScope(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidScope(t *testing.T) {
	for s, want := range map[string]bool{"read write": true, "a:b/c": true, `"q"`: false, `a\b`: false, "a\tb": false, "é": false, "": true} {
		if got := ValidScope(s); got != want {
			t.Errorf("ValidScope(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidScopeToken(t *testing.T) {
	for s, want := range map[string]bool{"read": true, "a:b/c": true, "!#[]~": true, "": false, "read write": false,
		`"q"`: false, `a\b`: false, "a\tb": false, "é": false, "\x7f": false} {
		if got := ValidScopeToken(s); got != want {
			t.Errorf("ValidScopeToken(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestStatusFor(t *testing.T) {
	want := map[string]int{InvalidRequest: 400, InvalidClient: 401, InvalidGrant: 400, UnauthorizedClient: 400,
		UnsupportedGrantType: 400, InvalidScope: 400, InvalidToken: 401, InsufficientScope: 403,
		ServerError: 500, TemporarilyUnavailable: 503, SlowDown: 400}
	for code, status := range want {
		if got := (&Error{Code: code}).HTTPStatus(); got != status {
			t.Errorf("%s: status %d, want %d", code, got, status)
		}
	}
	if got := (&Error{Code: InvalidRequest, Status: 413}).HTTPStatus(); got != 413 {
		t.Errorf("explicit status ignored: %d", got)
	}
}

func TestAsFindsWrappedError(t *testing.T) {
	cause := errors.New("boom")
	err := fmt.Errorf("context: %w", &Error{Code: InvalidGrant, Cause: cause})
	oe, ok := As(err)
	if !ok || oe.Code != InvalidGrant || !errors.Is(err, cause) {
		t.Fatalf("As(%v) = %v, %v", err, oe, ok)
	}
}

func TestRateLimited(t *testing.T) {
	for in, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1500 * time.Millisecond: 2, time.Minute: 60} {
		e := RateLimited(in, "wait")
		if e.HTTPStatus() != 429 || e.Code != TemporarilyUnavailable || e.RetryAfter != want || e.Description != "wait" {
			t.Errorf("RateLimited(%s) = %+v, want 429 temporarily_unavailable Retry-After %d", in, e, want)
		}
	}
}
