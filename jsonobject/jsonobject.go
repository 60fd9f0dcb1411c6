// Package jsonobject writes a JSON object member by member, each value
// encoded byte for byte as encoding/json encodes it by default (strings
// through jsonstring.Append: HTML-safe), for the hot paths that build
// their JSON by hand instead of marshalling a map or a struct through
// reflection: JWT claims (package token) and introspection bodies
// (httpapi and the dialects).
//
// The caller decides which members to write and in which order. Members
// writes those of a map (custom claims) sorted by name; where the whole
// object must be what json.Marshal gives for a map[string]any, members
// sorted by name, Merge interleaves them with those the caller writes.
package jsonobject

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/tokenmint/tokenmint/jsonstring"
)

// Writer appends one JSON object to a byte slice: Start opens it, each
// method writes one member, End closes it. It is a small value meant to
// live on the stack; it allocates only when the slice grows, and Value
// whatever encoding/json allocates.
type Writer struct {
	b   []byte
	n   int   // members written
	err error // the first of Value
}

// Start opens an object at the end of b.
func Start(b []byte) Writer { return Writer{b: append(b, '{')} }

// End closes the object and returns the slice, or nil and the first
// error of Value when a member could not be encoded.
func (w *Writer) End() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return append(w.b, '}'), nil
}

func (w *Writer) key(name string) {
	if w.n > 0 {
		w.b = append(w.b, ',')
	}
	w.n++
	w.b = jsonstring.Append(w.b, name)
	w.b = append(w.b, ':')
}

// String writes a string member.
func (w *Writer) String(name, v string) {
	w.key(name)
	w.b = jsonstring.Append(w.b, v)
}

// Int writes an integer member.
func (w *Writer) Int(name string, v int64) {
	w.key(name)
	w.b = strconv.AppendInt(w.b, v, 10)
}

// Bool writes a boolean member.
func (w *Writer) Bool(name string, v bool) {
	w.key(name)
	w.b = strconv.AppendBool(w.b, v)
}

// Strings writes an array of strings; a nil v is [] (where encoding/json
// would write null).
func (w *Writer) Strings(name string, v []string) {
	w.key(name)
	w.b = append(w.b, '[')
	for i, s := range v {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = jsonstring.Append(w.b, s)
	}
	w.b = append(w.b, ']')
}

// Value writes v encoded by json.Marshal, for a member of no fixed type.
// When v cannot be encoded it writes nothing, and End reports the error.
// A string (a client's custom claims are strings) is written as String
// writes it, the same bytes without encoding/json's allocation.
func (w *Writer) Value(name string, v any) {
	if s, ok := v.(string); ok {
		w.String(name, s)
		return
	}
	enc, err := json.Marshal(v)
	if err != nil {
		if w.err == nil {
			w.err = fmt.Errorf("encode member %q: %w", name, err)
		}
		return
	}
	w.key(name)
	w.b = append(w.b, enc...)
}

// Members writes the members of m sorted by name (as encoding/json sorts
// map keys), but for those own reports true: the names the caller writes
// itself, whose values win.
func (w *Writer) Members(m map[string]any, own func(name string) bool) {
	if len(m) == 0 {
		return
	}
	var few [8]string // the names of as many members sort on the stack
	names := few[:0]
	if len(m) > len(few) {
		names = make([]string, 0, len(m))
	}
	for _, k := range sortedNames(names, m, own) {
		w.Value(k, m[k])
	}
}

// Merger interleaves the members of a map with the members the caller
// writes, so that the object is byte for byte what json.Marshal gives for
// one map[string]any holding all of them: members sorted by name. The
// caller writes its own members in name order, calling Before(name)
// ahead of each, and Rest at the end.
type Merger struct {
	w     *Writer
	m     map[string]any
	names []string // sorted, not yet written
}

// Merge prepares the members of m for w, but for those own reports true,
// as Members does, to be written by Before and Rest.
func (w *Writer) Merge(m map[string]any, own func(name string) bool) Merger {
	if len(m) == 0 {
		return Merger{w: w}
	}
	return Merger{w: w, m: m, names: sortedNames(make([]string, 0, len(m)), m, own)}
}

// sortedNames appends to names the keys of m that own reports false for,
// and sorts them.
func sortedNames(names []string, m map[string]any, own func(string) bool) []string {
	for k := range m {
		if !own(k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}

// Before writes the members of the map whose names sort before name.
func (x *Merger) Before(name string) {
	for len(x.names) > 0 && x.names[0] < name {
		x.w.Value(x.names[0], x.m[x.names[0]])
		x.names = x.names[1:]
	}
}

// Rest writes the members of the map left.
func (x *Merger) Rest() {
	for _, k := range x.names {
		x.w.Value(k, x.m[k])
	}
	x.names = nil
}
