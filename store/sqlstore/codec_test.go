package sqlstore

import (
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func TestTimeEncoding(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want time.Time // what reading it back gives
	}{
		{"zero", time.Time{}, time.Time{}},
		{"millisecond", time.Date(2031, 3, 14, 15, 9, 26, 535_000_000, time.UTC), time.Date(2031, 3, 14, 15, 9, 26, 535_000_000, time.UTC)},
		{"microsecond kept", time.Date(2031, 3, 14, 15, 9, 26, 535_123_000, time.UTC), time.Date(2031, 3, 14, 15, 9, 26, 535_123_000, time.UTC)},
		{"nanoseconds truncated", time.Date(2031, 3, 14, 15, 9, 26, 535_123_999, time.UTC), time.Date(2031, 3, 14, 15, 9, 26, 535_123_000, time.UTC)},
		{"other zone", time.Date(2031, 3, 14, 16, 9, 26, 0, time.FixedZone("CET", 3600)), time.Date(2031, 3, 14, 15, 9, 26, 0, time.UTC)},
		{"before 1970", time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC), time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)},
		{"far future", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opt, dl time.Time
			if err := (timeCol{&opt}).Scan(micros(tc.in)); err != nil {
				t.Fatal(err)
			}
			if err := (timeCol{&dl}).Scan(deadline(tc.in)); err != nil {
				t.Fatal(err)
			}
			if opt != tc.want || dl != tc.want {
				t.Errorf("optional column gives %v, deadline column %v; want %v", opt, dl, tc.want)
			}
		})
	}
}

func TestZeroDeadlineSortsFirst(t *testing.T) {
	if deadline(time.Time{}) >= deadline(time.Unix(0, 0)) {
		t.Fatal("a zero deadline must sort before every real instant")
	}
	if micros(time.Time{}) != nil {
		t.Fatal("a zero optional time must be NULL")
	}
}

func TestActiveUntil(t *testing.T) {
	t0 := time.Date(2031, 3, 14, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		tok  tokenmint.AccessToken
		want time.Time
	}{
		{"no idle ttl", tokenmint.AccessToken{ExpiresAt: t0.Add(time.Hour), LastUsedAt: t0}, t0.Add(time.Hour)},
		{"idle first", tokenmint.AccessToken{ExpiresAt: t0.Add(time.Hour), IdleTTL: 10 * time.Minute, LastUsedAt: t0}, t0.Add(10 * time.Minute)},
		{"absolute first", tokenmint.AccessToken{ExpiresAt: t0.Add(5 * time.Minute), IdleTTL: 10 * time.Minute, LastUsedAt: t0}, t0.Add(5 * time.Minute)},
		{"idle ttl rounds up", tokenmint.AccessToken{ExpiresAt: t0.Add(time.Hour), IdleTTL: time.Minute + 1, LastUsedAt: t0}, t0.Add(time.Minute + time.Microsecond)},
		{"never used with idle ttl", tokenmint.AccessToken{ExpiresAt: t0.Add(time.Hour), IdleTTL: time.Minute}, time.Time{}.Add(time.Minute)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := activeUntil(&tc.tok), tc.want.UnixMicro(); got != want {
				t.Errorf("activeUntil = %d, want %d", got, want)
			}
			// Never later than the domain's own notion, never more than
			// a microsecond of rounding away from it.
			eff := tc.tok.EffectiveExpiry().UnixMicro()
			if d := activeUntil(&tc.tok) - eff; d < 0 || d > 1 {
				t.Errorf("activeUntil differs from EffectiveExpiry by %dµs", d)
			}
		})
	}
}

func TestScanners(t *testing.T) {
	var list []string
	if err := (jsonCol{&list}).Scan("null"); err != nil || list != nil {
		t.Errorf("null list: %v, %v", list, err)
	}
	if err := (jsonCol{&list}).Scan([]byte(`[]`)); err != nil || list == nil || len(list) != 0 {
		t.Errorf("empty list: %#v, %v", list, err)
	}
	if err := (jsonCol{&list}).Scan(int64(1)); err == nil {
		t.Error("json column accepted an integer")
	}
	buf := []byte{1, 2}
	var b []byte
	if err := (blobCol{&b}).Scan(buf); err != nil {
		t.Fatal(err)
	}
	buf[0] = 9
	if b[0] != 1 {
		t.Error("blob column kept the driver's buffer")
	}
	if err := (blobCol{&b}).Scan([]byte{}); err != nil || b != nil {
		t.Errorf("empty blob = %#v, %v; want nil", b, err)
	}
	var d time.Duration
	if err := (durCol{&d}).Scan(int64(1500)); err != nil || d != 1500 {
		t.Errorf("duration = %v, %v", d, err)
	}
	var ts time.Time
	if err := (timeCol{&ts}).Scan("2031-01-01"); err == nil {
		t.Error("time column accepted text")
	}
}
