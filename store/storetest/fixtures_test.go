package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestFixturesSetEveryField keeps the fixtures' promise: every field of
// the records the conformance suite round-trips is set, so that a column
// a backend forgets to read or write fails the suite. A field added to a
// record without a fixture value fails here first.
func TestFixturesSetEveryField(t *testing.T) {
	exp := at(time.Hour)
	f := family("f", "c", "u", exp)
	for _, tc := range []struct {
		name   string
		record any
		zero   []string // fields whose zero value the fixture means
	}{
		// A confidential client: Public false. UsedAt and RevokedAt are
		// set by the store's own operations, which test them.
		{"fullClient", fullClient("c"), []string{"Public"}},
		{"opaqueToken", opaqueToken("t", "c", "f", exp), []string{"IdleTTL"}},
		{"family", f, []string{"RevokedAt"}},
		{"authCode", authCode("a", "c", "f", exp), []string{"UsedAt"}},
		{"refreshToken", refreshToken("r", f), []string{"UsedAt"}},
		{"loginSession", loginSession("s", "u", exp), nil},
	} {
		v := reflect.ValueOf(tc.record)
		for i := range v.NumField() {
			name := v.Type().Field(i).Name
			if v.Field(i).IsZero() && !slices.Contains(tc.zero, name) {
				t.Errorf("%s: field %s is not set", tc.name, name)
			}
		}
	}
}
