package ratelimit

import (
	"errors"
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	tests := []struct {
		in   string
		want Limit
	}{
		{"", Limit{}},
		{"0", Limit{}},
		{"  ", Limit{}},
		{"10/1h", Limit{10, time.Hour}},
		{"100/1m", Limit{100, time.Minute}},
		{"5/15m", Limit{5, 15 * time.Minute}},
		{"10/h", Limit{10, time.Hour}},
		{" 3 / 90s ", Limit{3, 90 * time.Second}},
		{"1/1h30m", Limit{1, 90 * time.Minute}},
		{"1000/1ms", Limit{1000, time.Millisecond}},
		{"1/8784h", Limit{1, MaxPer}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLimit(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseLimit(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseLimitErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"no period", "10"},
		{"count not a number", "ten/1h"},
		{"zero count", "0/1h"},
		{"negative count", "-1/1h"},
		{"empty count", "/1h"},
		{"empty period", "10/"},
		{"period not a duration", "10/fortnight"},
		{"period without unit", "10/60"},
		{"zero period", "10/0s"},
		{"negative period", "10/-1h"},
		{"period too long", "1/8785h"},
		{"two slashes", "10/1h/2"},
		{"faster than a microsecond", "2000/1ms"},
		{"count overflows", "99999999999999999999/1h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLimit(tt.in)
			if !errors.Is(err, ErrInvalidLimit) {
				t.Errorf("ParseLimit(%q) = %+v, %v; want ErrInvalidLimit", tt.in, got, err)
			}
		})
	}
}

func TestLimitString(t *testing.T) {
	tests := []struct {
		limit Limit
		want  string
	}{
		{Limit{}, "0"},
		{Limit{10, time.Hour}, "10/1h"},
		{Limit{5, 15 * time.Minute}, "5/15m"},
		{Limit{1, 90 * time.Minute}, "1/90m"},
		{Limit{2, 1500 * time.Millisecond}, "2/1500ms"},
		{Limit{1, 7 * time.Microsecond}, "1/7us"},
		{Limit{1, 7}, "1/7ns"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.limit.String(); got != tt.want {
				t.Errorf("%#v.String() = %q, want %q", tt.limit, got, tt.want)
			}
		})
	}
}

func TestDecisionRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		name  string
		retry time.Duration
		want  int
	}{
		{"zero", 0, 0},
		{"a nanosecond rounds up", 1, 1},
		{"exact seconds", 6 * time.Minute, 360},
		{"just over", 2*time.Second + time.Millisecond, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Decision{RetryAfter: tt.retry}).RetryAfterSeconds(); got != tt.want {
				t.Errorf("RetryAfterSeconds(%s) = %d, want %d", tt.retry, got, tt.want)
			}
		})
	}
}

// FuzzParseLimit checks ParseLimit never panics, accepts only enforceable
// limits, and reads back what String writes.
func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"", "0", "10/1h", "5/15m", "10/h", "1/1h30m", "2000/1ms", "x/y", "1/.5s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLimit(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidLimit) {
				t.Fatalf("ParseLimit(%q) error %v does not wrap ErrInvalidLimit", s, err)
			}
			return
		}
		if !l.IsZero() {
			if err := l.validate(); err != nil {
				t.Fatalf("ParseLimit(%q) accepted %+v: %v", s, l, err)
			}
		}
		back, err := ParseLimit(l.String())
		if err != nil || back != l {
			t.Fatalf("ParseLimit(%q) = %+v; String %q reads back as %+v, %v", s, l, l.String(), back, err)
		}
	})
}
