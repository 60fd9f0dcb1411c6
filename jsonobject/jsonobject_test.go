package jsonobject_test

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/jsonobject"
)

// TestMembers: each method writes what json.Marshal gives for the same
// member of a map.
func TestMembers(t *testing.T) {
	w := jsonobject.Start([]byte("x"))
	w.Bool("active", true)
	w.Int("exp", -1700000000)
	w.String("s<&>", "a\"\u2028\xff")
	w.Strings("list", []string{"b", "<a>"})
	w.Strings("none", nil)
	w.Value("v", map[string]any{"z": 1.5, "a": []any{nil, "<"}})
	got, err := w.End()
	if err != nil {
		t.Fatal(err)
	}
	want := `x{"active":true,"exp":-1700000000,"s\u003c\u0026\u003e":"a\"\u2028\ufffd","list":["b","\u003ca\u003e"],"none":[],"v":{"a":[null,"\u003c"],"z":1.5}}`
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	empty := jsonobject.Start(nil)
	if got, _ := empty.End(); string(got) != "{}" {
		t.Fatalf("empty object: %s", got)
	}
}

// TestValueError: a member encoding/json refuses is left out, the others
// are written, and End reports the first error and no object.
func TestValueError(t *testing.T) {
	w := jsonobject.Start(nil)
	w.Value("nan", math.NaN())
	w.Value("ok", 1)
	w.Value("inf", math.Inf(1))
	got, err := w.End()
	if err == nil || got != nil || !strings.Contains(err.Error(), `"nan"`) {
		t.Fatalf("End = %q, %v; want nil and the error of \"nan\"", got, err)
	}
}

// TestMembersAllocs: the writer allocates nothing beyond its buffer and
// what encoding/json allocates for the values of Value.
func TestMembersAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	extra := map[string]any{"b": true, "a": nil, "own": 1}
	own := func(name string) bool { return name == "own" }
	n := testing.AllocsPerRun(100, func() {
		w := jsonobject.Start(buf)
		w.String("iss", "https://issuer")
		w.Strings("aud", []string{"x", "y"})
		w.Int("own", 1)
		w.Members(extra, own)
		if _, err := w.End(); err != nil {
			t.Fatal(err)
		}
	})
	values := testing.AllocsPerRun(100, func() {
		json.Marshal(true)
		json.Marshal(nil)
	})
	if n != values {
		t.Fatalf("%v allocations, want %v: encoding/json's for the two values", n, values)
	}
}

// checkMerge writes own (sorted by name) through a Merger over extra and
// compares with json.Marshal of one map of both, own winning.
func checkMerge(t *testing.T, own map[string]string, extra map[string]any) {
	t.Helper()
	all := make(map[string]any, len(own)+len(extra))
	for k, v := range extra {
		all[k] = v
	}
	for k, v := range own {
		all[k] = v
	}
	want, wantErr := json.Marshal(all)
	names := make([]string, 0, len(own))
	for k := range own {
		names = append(names, k)
	}
	slices.Sort(names)
	w := jsonobject.Start(nil)
	x := w.Merge(extra, func(name string) bool { _, ok := own[name]; return ok })
	for _, k := range names {
		x.Before(k)
		w.String(k, own[k])
	}
	x.Rest()
	got, err := w.End()
	if (err != nil) != (wantErr != nil) || string(got) != string(want) {
		t.Fatalf("got %s (%v)\njson.Marshal gives %s (%v)", got, err, want, wantErr)
	}
}

func TestMerge(t *testing.T) {
	cases := []struct {
		name  string
		own   map[string]string
		extra map[string]any
	}{
		{"nothing", nil, nil},
		{"own only", map[string]string{"b": "1", "a": "2"}, nil},
		{"extra only", nil, map[string]any{"b": 1, "a": "x"}},
		{"interleaved", map[string]string{"b": "own", "d": "own"}, map[string]any{"a": 1, "c": 2, "e": 3, "": 0}},
		{"own wins", map[string]string{"a": "own"}, map[string]any{"a": "extra", "ab": true}},
		{"byte order", map[string]string{"Z": "", "é": ""}, map[string]any{"a": 1, "\x00": 2, "ü": 3, "<": 4}},
		{"unencodable", map[string]string{"a": ""}, map[string]any{"b": math.NaN()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkMerge(t, tc.own, tc.extra) })
	}
}

func FuzzMerge(f *testing.F) {
	f.Add("active scope sub", "aud tenant scope", "<v>")
	f.Add("", "", "")
	f.Add("a\xff \u2028", "A a\xff", "\x00")
	f.Fuzz(func(t *testing.T, own, extra, value string) {
		o := map[string]string{}
		for i, k := range strings.Fields(own) {
			o[k] = strings.Repeat(value, i)
		}
		e := map[string]any{}
		for i, k := range strings.Fields(extra) {
			if i%2 == 0 {
				e[k] = value + k // a string, written without encoding/json
			} else {
				e[k] = []any{value, i}
			}
		}
		checkMerge(t, o, e)
	})
}
