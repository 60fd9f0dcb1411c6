package token

import (
	"fmt"
	"testing"

	"github.com/tokenmint/tokenmint"
)

// TestVerifyCache: a second Verify of the same token answers from the
// cache with the same claims, still checks the wanted typ, hands out
// copies, and the cache stays bounded. (TestKeysetRotate checks that a
// cached token stops verifying when its key retires.)
func TestVerifyCache(t *testing.T) {
	k, _, _ := loadedKeyset(t, tokenmint.AlgES256)
	raw, err := k.Sign(tokenmint.AlgES256, &Claims{Subject: "s", Scope: "a"}, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := k.Verify(raw, TypeAccessToken)
	if err != nil {
		t.Fatal(err)
	}
	first.Subject = "changed by a caller"
	second, err := k.Verify(raw, TypeAccessToken)
	if err != nil || second.Subject != "s" || second.Scope != "a" {
		t.Fatalf("cached verify: %+v %v (a caller's change must not reach the cache)", second, err)
	}
	if _, err := k.Verify(raw, TypeJWT); err == nil {
		t.Fatal("a cached at+jwt token verified as typ JWT")
	}
	tampered := raw[:len(raw)-2] + "AA"
	if _, err := k.Verify(tampered, TypeAccessToken); err == nil {
		t.Fatal("tampered token verified")
	}
	c := k.snap.Load().verified
	for i := range maxVerified + 10 {
		c.put(fmt.Sprint(i), TypeAccessToken, &Claims{})
	}
	if n := c.n.Load(); n > maxVerified {
		t.Fatalf("cache holds %d entries, bound %d", n, maxVerified)
	}
}
