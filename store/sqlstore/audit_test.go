package sqlstore

import (
	"errors"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// FuzzDecodeAuditPage: a page token is untrusted input (the admin API's
// page_token): any text decodes to a position or ErrBadPageToken, never
// panics, and a token encodeAuditPage made decodes to its position.
func FuzzDecodeAuditPage(f *testing.F) {
	f.Add(encodeAuditPage(time.UnixMicro(1_700_000_000_000_000), "0006079a1b2c3d4e00000001AAAAAAAAAAAAAAAA"))
	f.Add("")
	f.Add("LTEuYQ")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, tok string) {
		at, id, err := decodeAuditPage(tok)
		if err != nil {
			if !errors.Is(err, tokenmint.ErrBadPageToken) {
				t.Fatalf("error %v is not ErrBadPageToken", err)
			}
			return
		}
		if id == "" {
			t.Fatal("decoded an empty ID")
		}
		if again := encodeAuditPage(time.UnixMicro(at), id); again != tok {
			at2, id2, err := decodeAuditPage(again)
			if err != nil || at2 != at || id2 != id {
				t.Fatalf("re-encoded %q decodes to %d %q %v; want %d %q", again, at2, id2, err, at, id)
			}
		}
	})
}
