package sqlstore

import (
	"encoding/json"
	"reflect"
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

// plainListCases are list columns as the encoder writes them, as
// PostgreSQL's jsonb prints them, and texts the fast path must leave to
// encoding/json (escapes, non-ASCII, invalid or not a list of strings).
var plainListCases = []string{
	`null`, ` null `, `[]`, ` [ ] `, `["a"]`, `["read","write"]`, `["read", "write"]`,
	"[\n\t\"a\" ,\r\"b\"\n]", `["https://api.example.com/x?y=1&z=2"]`, `[""]`, `["",""]`,
	`["a\"b"]`, `["a\\b"]`, `["\u00e9"]`, `["é"]`, "[\"\xff\"]", `["a\nb"]`, "[\"a\x7fb\"]",
	`[1]`, `["a",1]`, `[null]`, `["a",]`, `[,"a"]`, `["a" "b"]`, `["a"`, `["a`, `[`, `]`,
	`nul`, `nullx`, `null]`, `[]]`, `["a"]x`, `{}`, `""`, ``, ` `, `[[]]`, `["a"],`,
}

func TestParsePlainList(t *testing.T) {
	for _, text := range plainListCases {
		checkPlainList(t, text)
	}
	for _, tc := range []struct {
		text string
		want []string
	}{
		{`["read","write"]`, []string{"read", "write"}},
		{`[ "a" , "b" ]`, []string{"a", "b"}},
		{`[]`, []string{}},
		{`null`, nil},
	} {
		got, ok := parsePlainList(tc.text)
		if !ok || !reflect.DeepEqual(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("parsePlainList(%q) = %#v, %v; want %#v by the fast path", tc.text, got, ok, tc.want)
		}
	}
	for _, text := range []string{`["a\"b"]`, `["é"]`, `[1]`, `nullx`} {
		if _, ok := parsePlainList(text); ok {
			t.Errorf("parsePlainList(%q) took the fast path", text)
		}
	}
}

// TestJSONColumnAllocs: a plain list read from a string column allocates
// only its slice; the strings are the column's own.
func TestJSONColumnAllocs(t *testing.T) {
	src := any(`["read","write","admin"]`)
	var l []string
	allocs := testing.AllocsPerRun(100, func() {
		if err := (jsonCol{&l}).Scan(src); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 || len(l) != 3 {
		t.Errorf("scan of a plain list: %v allocations, %q; want 1", allocs, l)
	}
}

func FuzzParsePlainList(f *testing.F) {
	for _, text := range plainListCases {
		f.Add(text)
	}
	f.Fuzz(checkPlainList)
}

// checkPlainList holds the fast path to encoding/json: whatever it
// accepts, json.Unmarshal decodes to the same list (nil-ness included),
// and jsonCol gives for either kind of source what json.Unmarshal gives.
func checkPlainList(t *testing.T, text string) {
	var want []string
	wantErr := json.Unmarshal([]byte(text), &want)
	if got, ok := parsePlainList(text); ok {
		if wantErr != nil || !reflect.DeepEqual(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("parsePlainList(%q) = %#v; json.Unmarshal gives %#v, %v", text, got, want, wantErr)
		}
	}
	for _, src := range []any{text, []byte(text)} {
		var got []string
		err := (jsonCol{&got}).Scan(src)
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("jsonCol.Scan(%T %q) = %#v, %v; json.Unmarshal gives %#v, %v", src, text, got, err, want, wantErr)
		}
	}
}
