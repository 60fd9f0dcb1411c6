package token

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestGenerate(t *testing.T) {
	prefixes := []string{PrefixAccessToken, PrefixRefreshToken, PrefixAuthCode, PrefixClientSecret, PrefixAPIKey, PrefixSession, ""}
	for _, prefix := range prefixes {
		t.Run("prefix "+prefix, func(t *testing.T) {
			seen := map[string]bool{}
			for range 200 {
				s := Generate(prefix)
				body, ok := strings.CutPrefix(s, prefix)
				if !ok {
					t.Fatalf("%q lacks prefix %q", s, prefix)
				}
				raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
				if err != nil || len(raw) != 32 {
					t.Fatalf("%q: body is not base64url of 32 bytes (%d, %v)", s, len(raw), err)
				}
				if seen[s] {
					t.Fatalf("%q generated twice", s)
				}
				seen[s] = true
			}
		})
	}
}

func TestGenerateTimed(t *testing.T) {
	at := time.Date(2031, 1, 2, 3, 4, 5, 6000, time.UTC)
	seen := map[string]bool{}
	for _, prefix := range []string{PrefixAccessToken, PrefixRefreshToken, PrefixAuthCode} {
		for range 200 {
			s := GenerateTimed(prefix, at)
			body, ok := strings.CutPrefix(s, prefix)
			if !ok || len(body) != 54 {
				t.Fatalf("%q: want %q and 54 characters", s, prefix)
			}
			tb, err := base64.RawURLEncoding.Strict().DecodeString(body[:11])
			if err != nil || len(tb) != 8 || int64(binary.BigEndian.Uint64(tb)) != at.UnixMicro() {
				t.Fatalf("%q: time field %x (%v), want %d", s, tb, err, at.UnixMicro())
			}
			if raw, err := base64.RawURLEncoding.Strict().DecodeString(body[11:]); err != nil || len(raw) != 32 {
				t.Fatalf("%q: random field is not base64url of 32 bytes (%v)", s, err)
			}
			if seen[s] {
				t.Fatalf("%q generated twice", s)
			}
			seen[s] = true
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		raw, err := base64.RawURLEncoding.Strict().DecodeString(id)
		if err != nil || len(raw) != 16 || len(id) != 22 {
			t.Fatalf("NewID() = %q: want 22 base64url characters of 16 bytes (%v)", id, err)
		}
		if seen[id] {
			t.Fatalf("%q generated twice", id)
		}
		seen[id] = true
	}
}

// TestNewTimedID: 16 hex digits of the time, then NewID's 128 random bits;
// IDs of later times sort after, whatever their random parts, and IDs of
// the same time differ.
func TestNewTimedID(t *testing.T) {
	at := time.Date(2026, 11, 23, 20, 0, 0, 123456000, time.UTC)
	var prev string
	seen := map[string]bool{}
	for i := range 1000 {
		id := NewTimedID(at.Add(time.Duration(i) * time.Microsecond))
		if len(id) != 38 {
			t.Fatalf("NewTimedID = %q: %d characters, want 38", id, len(id))
		}
		ts, err := hex.DecodeString(id[:16])
		if err != nil || int64(binary.BigEndian.Uint64(ts)) != at.UnixMicro()+int64(i) {
			t.Fatalf("NewTimedID = %q: time field %x (%v), want %d", id, ts, err, at.UnixMicro()+int64(i))
		}
		if raw, err := base64.RawURLEncoding.Strict().DecodeString(id[16:]); err != nil || len(raw) != 16 {
			t.Fatalf("NewTimedID = %q: random part %v", id, err)
		}
		if id <= prev {
			t.Fatalf("%q sorts before the earlier %q", id, prev)
		}
		prev = id
		same := NewTimedID(at)
		if seen[same] {
			t.Fatalf("%q generated twice", same)
		}
		seen[same] = true
	}
}

func TestSecretRedacted(t *testing.T) {
	const value = "tmcs_very-secret-value"
	s := Secret(value)
	if s.Reveal() != value {
		t.Fatalf("Reveal() = %q", s.Reveal())
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("m", "secret", s, "group", slog.GroupValue(slog.Any("s", s)))
	slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "secret", s)
	jsonOut, err := json.Marshal(struct {
		S Secret
		M map[string]Secret
	}{s, map[string]Secret{"k": s}})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", s), "%s": fmt.Sprintf("%s", s), "%q": fmt.Sprintf("%q", s),
		"%#v": fmt.Sprintf("%#v", s), "%x": fmt.Sprintf("%x", s), "%+v struct": fmt.Sprintf("%+v", struct{ S Secret }{s}),
		"Sprint": fmt.Sprint(s), "String": s.String(), "GoString": s.GoString(),
		"slog text": text.String(), "slog json": js.String(), "json": string(jsonOut),
	}
	for name, out := range outputs {
		if strings.Contains(out, "very-secret") || strings.Contains(out, fmt.Sprintf("%x", value)) || !strings.Contains(out, redacted) {
			t.Errorf("%s: %q", name, out)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Generate(PrefixAccessToken)
	}
}

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewID()
	}
}

func TestTimedIDTime(t *testing.T) {
	at := time.Date(2026, 11, 23, 20, 0, 0, 123456789, time.UTC)
	got, ok := TimedIDTime(NewTimedID(at))
	if !ok || !got.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("TimedIDTime = %v, %v; want %v", got, ok, at.Truncate(time.Microsecond))
	}
	for _, bad := range []string{"", NewID(), "zz" + NewTimedID(at)[2:], NewTimedID(at) + "x"} {
		if _, ok := TimedIDTime(bad); ok {
			t.Errorf("TimedIDTime(%q) ok", bad)
		}
	}
}
