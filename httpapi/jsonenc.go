package httpapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// jsonObject appends the members of one JSON object, encoding each value
// exactly as encoding/json does with its defaults (HTML-safe strings), so
// that a body built here is byte for byte what json.Marshal gives for the
// same members in the same order. It serves the hot endpoints, where
// json.Marshal's reflection over a map costs a score of allocations.
type jsonObject struct {
	b []byte
	n int // members written
}

func (o *jsonObject) key(name string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = appendJSONString(o.b, name)
	o.b = append(o.b, ':')
}

func (o *jsonObject) str(name, v string) {
	o.key(name)
	o.b = appendJSONString(o.b, v)
}

func (o *jsonObject) int(name string, v int64) {
	o.key(name)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *jsonObject) bool(name string, v bool) {
	o.key(name)
	o.b = strconv.AppendBool(o.b, v)
}

// strs writes a non-nil list of strings.
func (o *jsonObject) strs(name string, v []string) {
	o.key(name)
	o.b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = appendJSONString(o.b, s)
	}
	o.b = append(o.b, ']')
}

// value encodes v with encoding/json, for members of no fixed type.
func (o *jsonObject) value(name string, v any) error {
	enc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode member %q: %w", name, err)
	}
	o.key(name)
	o.b = append(o.b, enc...)
	return nil
}

// appendJSONString appends s as encoding/json encodes a string by default
// (encoding/json's appendString with escapeHTML): quotes, backslashes
// and control characters escaped (\b, \f, \n, \r, \t by name), <, > and
// & as \u003c, \u003e, \u0026, U+2028 and U+2029 escaped, and each byte
// of invalid UTF-8 replaced with \ufffd. TestAppendJSONString and
// FuzzAppendJSONString hold it to json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
