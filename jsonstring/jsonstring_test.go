package jsonstring_test

import (
	"encoding/json"
	"testing"

	"github.com/tokenmint/tokenmint/jsonstring"
)

var cases = []string{
	"", "plain", "quote\"backslash\\", "<script>&amp;</script>", "\b\f\n\r\t", "\x00\x01\x1f\x7f",
	"é ü 日本", "\u2028\u2029", "bad \xff\xfe utf8", "\xed\xa0\x80", "truncated \xe6\x97", "\U0001F600",
}

func TestAppend(t *testing.T) {
	for _, s := range cases {
		check(t, s)
	}
}

func FuzzAppend(f *testing.F) {
	for _, s := range cases {
		f.Add(s)
	}
	f.Fuzz(check)
}

func check(t *testing.T, s string) {
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonstring.Append(nil, s); string(got) != string(want) {
		t.Fatalf("Append(%q) = %s, json.Marshal gives %s", s, got, want)
	}
}
