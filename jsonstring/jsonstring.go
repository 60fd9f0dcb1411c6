// Package jsonstring encodes a Go string as a JSON string, byte for byte
// as encoding/json does, without reflection or allocation: the hot paths
// (JWT claims, introspection bodies) append their JSON by hand.
package jsonstring

import "unicode/utf8"

// Append appends s as encoding/json encodes a string by default
// (encoding/json's appendString with escapeHTML): quotes, backslashes
// and control characters escaped (\b, \f, \n, \r, \t by name), <, > and
// & as \u003c, \u003e, \u0026, U+2028 and U+2029 escaped, and each byte
// of invalid UTF-8 replaced with \ufffd. TestAppend and FuzzAppend
// hold it to json.Marshal.
func Append(b []byte, s string) []byte {
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
